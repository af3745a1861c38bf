import type { Producer } from 'kafkajs';
import { waitFor } from './broker-process.js';
import type { ClusterProcesses } from './cluster-processes.js';
import { readPartition } from './cluster-wire.js';

/** Pause after a failed send before the next one, so a writer does not spin while the partition has no leader. */
const FAILURE_BACKOFF_MS = 200;
/** Failure messages kept per partition for reports. */
const KEPT_FAILURES = 20;

interface PartitionLog {
  /** The last sequence number handed out. */
  seq: number;
  /** Acknowledged sequence numbers, ascending. */
  readonly acked: number[];
  readonly failures: string[];
  failureCount: number;
}

/**
 * One writer per partition sending unique, sequential values `<partition>:<seq>` (seq from 1), one record per
 * send, through a kafkajs idempotent producer with acks=all and one request in flight, and recording which values
 * were acknowledged. Writers keep going through failures until stopped. A value whose send failed stays
 * unacknowledged and is never sent again: after any failure the writer drops its producer and continues with a
 * new one (a new producer id). Reusing the old one would be wrong: kafkajs rolls the sequence number back on
 * failure, so the next value would go out under the failed one's sequence and, if that one had in fact been
 * written, be answered as its duplicate, an acknowledgement for a value that was never stored.
 */
export class AckedWriters {
  readonly topic: string;
  readonly partitions: readonly number[];
  readonly #cluster: ClusterProcesses;
  readonly #logs = new Map<number, PartitionLog>();
  readonly #loops: Promise<void>[];
  #stopping = false;

  private constructor(cluster: ClusterProcesses, topic: string, partitions: readonly number[]) {
    this.#cluster = cluster;
    this.topic = topic;
    this.partitions = partitions;
    for (const p of partitions) this.#logs.set(p, { seq: 0, acked: [], failures: [], failureCount: 0 });
    this.#loops = partitions.map((p) => this.#run(p));
  }

  /** Starts a writer for each of `partitions` of `topic`. */
  static start(cluster: ClusterProcesses, topic: string, partitions: readonly number[]): AckedWriters {
    return new AckedWriters(cluster, topic, partitions);
  }

  /** Acknowledged sequence numbers of `partition`, ascending. */
  acked(partition: number): readonly number[] {
    return this.#log(partition).acked;
  }

  /** The last sequence number sent (acknowledged or not) to `partition`. */
  sent(partition: number): number {
    return this.#log(partition).seq;
  }

  /** A line per partition: sent, acknowledged, failed, and the last failures. */
  summary(): string {
    return this.partitions
      .map((p) => {
        const log = this.#log(p);
        return `partition ${p}: sent ${log.seq}, acked ${log.acked.length}, failed ${log.failureCount}; last failures: ${log.failures.slice(-3).join(' | ')}`;
      })
      .join('\n');
  }

  /** Waits until every partition has at least `count` more acknowledged values than now. */
  async awaitProgress(count = 10, timeoutMs = 60_000): Promise<void> {
    const targets = new Map(this.partitions.map((p) => [p, this.acked(p).length + count]));
    await waitFor(
      () => this.partitions.every((p) => this.acked(p).length >= targets.get(p)!),
      timeoutMs,
      () => `${count} more acknowledged writes on every partition of ${this.topic}:\n${this.summary()}`,
    );
  }

  /** Stops every writer after its current send completes or fails. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await Promise.all(this.#loops);
  }

  #log(partition: number): PartitionLog {
    const log = this.#logs.get(partition);
    if (log === undefined) throw new Error(`no writer for partition ${partition}`);
    return log;
  }

  async #run(partition: number): Promise<void> {
    const log = this.#log(partition);
    let producer: Producer | null = null;
    while (!this.#stopping) {
      try {
        if (producer === null) {
          // a new client each time, bootstrapped from the brokers running now
          producer = this.#cluster.kafka(`writer-${this.topic}-${partition}`).producer({
            idempotent: true,
            maxInFlightRequests: 1,
            allowAutoTopicCreation: false,
            // few retries: kafkajs retries a request timeout (a frozen leader) on the same broker without
            // refreshing metadata, so a send must give up soon and leave it to a new producer to find the leader
            retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 1_000 },
          });
          await producer.connect();
        }
      } catch (err) {
        this.#failed(log, `connect: ${describe(err)}`);
        await discard(producer);
        producer = null;
        await backoff();
        continue;
      }
      const seq = ++log.seq;
      try {
        await producer.send({
          topic: this.topic,
          acks: -1,
          timeout: 4_000,
          messages: [{ partition, value: `${partition}:${seq}` }],
        });
        log.acked.push(seq);
      } catch (err) {
        this.#failed(log, `${partition}:${seq}: ${describe(err)}`);
        await discard(producer);
        producer = null;
        await backoff();
      }
    }
    await discard(producer);
  }

  #failed(log: PartitionLog, message: string): void {
    log.failureCount++;
    log.failures.push(message);
    if (log.failures.length > KEPT_FAILURES) log.failures.shift();
  }
}

/** What the checker found in one partition. */
export interface PartitionCheck {
  readonly partition: number;
  /** Records read from offset 0 to the high watermark. */
  readonly read: number;
  readonly acked: number;
  /** Values present that were sent but never acknowledged (allowed: a failed send may have been stored). */
  readonly unackedPresent: number;
  /** Acknowledged values missing. */
  readonly lost: readonly number[];
  /** Values present more than once. */
  readonly duplicates: readonly number[];
  /** `seq@offset after prev` for values below an earlier one (and not duplicates). */
  readonly outOfOrder: readonly string[];
  /** Values that are not `<partition>:<seq>` of a sent seq. */
  readonly foreign: readonly string[];
}

/**
 * Reads every partition the writers wrote, from offset 0 to the high watermark at its leader (as a consumer
 * would), and checks: every acknowledged value is present exactly once, and the values of each partition are in
 * strictly increasing sequence order (no duplicate of anything, acknowledged or not; no reordering). Throws an
 * error listing losses, duplicates, reorderings and foreign values precisely; returns the per-partition findings.
 * Call it after healing, with the writers stopped.
 */
export async function checkAckedWrites(cluster: ClusterProcesses, writers: AckedWriters): Promise<PartitionCheck[]> {
  const checks: PartitionCheck[] = [];
  for (const partition of writers.partitions) {
    const leader = await cluster.awaitLeader(writers.topic, partition, (l) => l >= 0);
    const records = await readPartition(cluster.port(leader), writers.topic, partition);
    checks.push(checkPartition(partition, records, writers.acked(partition), writers.sent(partition)));
  }
  const bad = checks.filter((c) => c.lost.length + c.duplicates.length + c.outOfOrder.length + c.foreign.length > 0);
  if (bad.length > 0) {
    const lines = bad.map(
      (c) =>
        `partition ${c.partition}: read ${c.read}, acked ${c.acked}; ` +
        `LOST ${c.lost.length} [${sample(c.lost)}]; DUPLICATED ${c.duplicates.length} [${sample(c.duplicates)}]; ` +
        `OUT OF ORDER ${c.outOfOrder.length} [${sample(c.outOfOrder)}]; FOREIGN ${c.foreign.length} [${sample(c.foreign)}]`,
    );
    throw new Error(`acknowledged writes of ${writers.topic} not intact:\n${lines.join('\n')}\n${writers.summary()}`);
  }
  return checks;
}

/** The findings for one partition's records (exported for the checker's own unit test). */
export function checkPartition(
  partition: number,
  records: readonly { offset: number; value: string | null }[],
  acked: readonly number[],
  sent: number,
): PartitionCheck {
  const seen = new Set<number>();
  const duplicates: number[] = [];
  const outOfOrder: string[] = [];
  const foreign: string[] = [];
  let prev = 0;
  for (const record of records) {
    const match = /^(\d+):(\d+)$/.exec(record.value ?? '');
    const seq = match === null ? NaN : Number(match[2]);
    if (match === null || Number(match[1]) !== partition || seq < 1 || seq > sent) {
      foreign.push(`${record.value}@${record.offset}`);
      continue;
    }
    if (seen.has(seq)) duplicates.push(seq);
    else if (seq < prev) outOfOrder.push(`${seq}@${record.offset} after ${prev}`);
    seen.add(seq);
    prev = Math.max(prev, seq);
  }
  const ackedSet = new Set(acked);
  return {
    partition,
    read: records.length,
    acked: acked.length,
    unackedPresent: [...seen].filter((s) => !ackedSet.has(s)).length,
    lost: acked.filter((s) => !seen.has(s)),
    duplicates,
    outOfOrder,
    foreign,
  };
}

function sample(values: readonly (number | string)[]): string {
  return values.length <= 20 ? values.join(', ') : `${values.slice(0, 20).join(', ')}, …`;
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as { originalError?: unknown }).originalError ?? err.cause;
  return cause instanceof Error
    ? `${err.name}: ${err.message} (${cause.name}: ${cause.message})`
    : `${err.name}: ${err.message}`;
}

/** Disconnects a producer, bounded: a producer whose broker is paused must not hold the writer up. */
async function discard(producer: Producer | null): Promise<void> {
  if (producer === null) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    producer.disconnect().catch(() => undefined),
    new Promise((r) => (timer = setTimeout(r, 5_000))),
  ]);
  clearTimeout(timer);
}

function backoff(): Promise<void> {
  return new Promise((r) => setTimeout(r, FAILURE_BACKOFF_MS));
}

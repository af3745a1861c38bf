import { ErrorCode, KafkaError } from '../../protocol/index.js';
import type { LogManager } from '../../storage/index.js';
import { errorCodeFor, errorMessageFor } from '../api/error-mapping.js';
import { Binding, type Logger } from '../logger.js';
import { awaitDelayedFetch } from './delayed-fetch.js';
import { type IsolationLevel, type LeaderState, Partition, type RequiredAcks } from './partition.js';

export interface MakeLeaderRequest extends LeaderState {
  topic: string;
  partition: number;
}

export interface AppendEntry {
  topic: string;
  partition: number;
  records: Buffer;
}

export interface AppendOptions {
  requiredAcks: RequiredAcks;
  /** How long acks=all waits for the ISR. */
  timeoutMs: number;
  /** Overrides the topic's min.insync.replicas. */
  minInsyncReplicas?: number;
}

export interface AppendResult {
  topic: string;
  partition: number;
  errorCode: ErrorCode;
  errorMessage: string | null;
  baseOffset: number;
  logAppendTimeMs: number;
  logStartOffset: number;
}

export interface FetchPartitionRequest {
  topic: string;
  partition: number;
  fetchOffset: number;
  partitionMaxBytes: number;
}

export interface FetchRequest {
  maxWaitMs: number;
  minBytes: number;
  maxBytes: number;
  isolationLevel: IsolationLevel;
  partitions: readonly FetchPartitionRequest[];
  /** Reusable read buffers; the results may be views of them (see LogReadOptions.buffer). */
  buffers?: ReadBuffers;
}

export interface ReadBuffers {
  take(maxBytes: number): Buffer | undefined;
}

export interface FetchPartitionResult {
  topic: string;
  partition: number;
  errorCode: ErrorCode;
  highWatermark: number;
  lastStableOffset: number;
  logStartOffset: number;
  /** Whole batches (possibly empty); null with an error. */
  records: Buffer | null;
}

export interface ListOffsetsEntry {
  topic: string;
  partition: number;
  timestamp: number;
}

export interface ListOffsetsResult {
  topic: string;
  partition: number;
  errorCode: ErrorCode;
  /** -1 (with the timestamp) when no offset matches. */
  offset: number;
  timestamp: number;
  leaderEpoch: number;
}

export interface DeleteRecordsEntry {
  topic: string;
  partition: number;
  /** Delete every record below this offset; -1 means the high watermark. */
  offset: number;
}

export interface DeleteRecordsResult {
  topic: string;
  partition: number;
  errorCode: ErrorCode;
  /** The new log start offset; -1 with an error. */
  lowWatermark: number;
}

const UNKNOWN_OFFSET = -1;

/**
 * The partitions this broker hosts (Kafka's ReplicaManager): creates a Partition over its Log when the controller
 * makes us leader, removes it on StopReplica, and runs produce, fetch, ListOffsets and DeleteRecords against them.
 *
 * Errors are per partition: one bad partition never fails the others; every exception goes through errorCodeFor,
 * and unexpected ones are logged once with their stack.
 *
 * Fetch long poll: a fetch that cannot be answered at once waits through awaitDelayedFetch, woken by its
 * partitions' change notifications. It ends when the bytes reach minBytes, a partition fails, maxWaitMs passes,
 * its signal aborts or the manager shuts down.
 *
 * Concurrency: the partition map changes synchronously (makeLeader awaits only LogManager.getOrCreateLog, which
 * creates a log once however many callers race). Appends to different partitions run concurrently; each Log
 * serializes its own. Timers are unref'ed and cleared when their wait ends.
 */
export class ReplicaManager {
  readonly #logManager: LogManager;
  readonly #brokerId: number;
  readonly #log: Logger;
  readonly #partitions = new Map<string, Partition>();
  /** Wakes every waiting fetch; shutdown calls them. */
  readonly #fetchWakers = new Set<() => void>();
  #shutDown = false;

  constructor(deps: { logManager: LogManager; brokerId: number; logger: Logger }) {
    this.#logManager = deps.logManager;
    this.#brokerId = deps.brokerId;
    this.#log = deps.logger.child({ [Binding.component]: 'replica-manager', [Binding.brokerId]: deps.brokerId });
  }

  getPartition(topic: string, partition: number): Partition | undefined {
    return this.#partitions.get(key(topic, partition));
  }

  /** LeaderAndIsr for a partition we lead: opens (or creates) its log and applies the new state. Idempotent. */
  async makeLeader(request: MakeLeaderRequest): Promise<Partition> {
    if (this.#shutDown) throw new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER, 'the replica manager is shut down');
    const log = await this.#logManager.getOrCreateLog(request.topic, request.partition);
    const tp = key(request.topic, request.partition);
    let partition = this.#partitions.get(tp);
    if (partition === undefined || partition.log !== log) {
      partition = new Partition({ topic: request.topic, partition: request.partition, log, brokerId: this.#brokerId });
      this.#partitions.set(tp, partition);
    }
    if (partition.makeLeader(request)) {
      this.#log.info({ [Binding.tp]: tp, leaderEpoch: request.leaderEpoch, isr: request.isr }, 'became leader');
    }
    return partition;
  }

  /** StopReplica: stop serving the partition (waiting operations wake up) and, when asked, delete its log. */
  async stopReplica(topic: string, partition: number, deletePartition: boolean): Promise<void> {
    const tp = key(topic, partition);
    this.#partitions.get(tp)?.close();
    this.#partitions.delete(tp);
    if (deletePartition) await this.#logManager.deleteLog(topic, partition);
    this.#log.info({ [Binding.tp]: tp, deletePartition }, 'stopped replica');
  }

  /** Produce. Never rejects: each partition gets its own error code. */
  async appendRecords(entries: readonly AppendEntry[], options: AppendOptions): Promise<AppendResult[]> {
    return Promise.all(entries.map((entry) => this.#appendOne(entry, options)));
  }

  async #appendOne(entry: AppendEntry, options: AppendOptions): Promise<AppendResult> {
    const { topic, partition: partitionIndex } = entry;
    const failed = (errorCode: ErrorCode, errorMessage: string | null): AppendResult => ({
      topic,
      partition: partitionIndex,
      errorCode,
      errorMessage,
      baseOffset: UNKNOWN_OFFSET,
      logAppendTimeMs: -1,
      logStartOffset: UNKNOWN_OFFSET,
    });
    if (![-1, 0, 1].includes(options.requiredAcks)) return failed(ErrorCode.INVALID_REQUIRED_ACKS, null);
    const partition = this.getPartition(topic, partitionIndex);
    if (partition === undefined) return failed(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, null);
    try {
      const minInsync = options.minInsyncReplicas ?? this.#logManager.configFor(topic).minInsyncReplicas;
      const info = await partition.appendAsLeader(entry.records, options.requiredAcks, minInsync);
      if (
        options.requiredAcks === -1 &&
        !(await partition.awaitHighWatermark(info.lastOffset + 1, options.timeoutMs))
      ) {
        return partition.closed
          ? failed(ErrorCode.NOT_LEADER_OR_FOLLOWER, null)
          : failed(ErrorCode.REQUEST_TIMED_OUT, 'the in-sync replicas did not acknowledge in time');
      }
      return {
        topic,
        partition: partitionIndex,
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        baseOffset: info.firstOffset,
        logAppendTimeMs: info.logAppendTimeMs,
        logStartOffset: info.logStartOffset,
      };
    } catch (err) {
      return failed(this.#codeFor(err, topic, partitionIndex, 'append failed'), errorMessageFor(err));
    }
  }

  /**
   * Fetch with Kafka's long-poll semantics: answer at once on an error, when the bytes reach minBytes, or when
   * maxWaitMs is 0; otherwise wait for appends (see the class comment). Never rejects.
   */
  async fetch(request: FetchRequest, signal?: AbortSignal): Promise<FetchPartitionResult[]> {
    const first = await this.#readAll(request);
    if (request.maxWaitMs <= 0 || this.#shutDown || signal?.aborted === true || isSatisfied(request, first)) {
      return first;
    }
    return this.#awaitFetch(request, first, signal);
  }

  #awaitFetch(
    request: FetchRequest,
    first: readonly FetchPartitionResult[],
    signal: AbortSignal | undefined,
  ): Promise<FetchPartitionResult[]> {
    const watch: Partition[] = [];
    let changedSinceRead = false;
    for (const [i, p] of request.partitions.entries()) {
      const partition = this.getPartition(p.topic, p.partition);
      if (partition === undefined) continue;
      watch.push(partition);
      // an append that landed while the first read was in flight notified before anyone listened
      if (partition.highWatermark !== first[i]?.highWatermark || partition.closed) changedSinceRead = true;
    }
    return awaitDelayedFetch({
      watch,
      changedSinceRead,
      maxWaitMs: request.maxWaitMs,
      signal,
      read: () => this.#readAll(request),
      isComplete: (results) => isSatisfied(request, results),
      register: (expire) => {
        this.#fetchWakers.add(expire);
        return () => this.#fetchWakers.delete(expire);
      },
      onError: (err) => this.#log.error({ err }, 'delayed fetch re-read failed'),
    });
  }

  /** Reads the partitions in request order, spending the response's maxBytes (KIP-74 for the first batch). */
  async #readAll(request: FetchRequest): Promise<FetchPartitionResult[]> {
    const results: FetchPartitionResult[] = [];
    let remainingBytes = request.maxBytes;
    let minOneBatch = true;
    for (const p of request.partitions) {
      const result = await this.#readOne(
        p,
        request.isolationLevel,
        Math.min(p.partitionMaxBytes, remainingBytes),
        minOneBatch,
        request.buffers,
      );
      const size = result.records?.length ?? 0;
      if (size > 0) {
        // only the first non-empty partition may exceed the limits with its first batch
        minOneBatch = false;
        remainingBytes = Math.max(0, remainingBytes - size);
      }
      results.push(result);
    }
    return results;
  }

  async #readOne(
    p: FetchPartitionRequest,
    isolationLevel: IsolationLevel,
    maxBytes: number,
    minOneBatch: boolean,
    buffers: ReadBuffers | undefined,
  ): Promise<FetchPartitionResult> {
    const base = { topic: p.topic, partition: p.partition };
    const partition = this.getPartition(p.topic, p.partition);
    if (partition === undefined) return { ...base, ...NO_OFFSETS, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
    // a caught-up consumer reads nothing: no buffer to hold through its long poll
    const buffer = p.fetchOffset < partition.highWatermark ? buffers?.take(maxBytes) : undefined;
    try {
      const read = await partition.read(p.fetchOffset, maxBytes, isolationLevel, {
        minOneBatch,
        ...(buffer === undefined ? {} : { buffer }),
      });
      return { ...base, errorCode: ErrorCode.NONE, ...read };
    } catch (err) {
      // an out-of-range consumer needs the bounds to reset its position
      return {
        ...base,
        errorCode: this.#codeFor(err, p.topic, p.partition, 'read failed'),
        highWatermark: partition.highWatermark,
        lastStableOffset: partition.lastStableOffset,
        logStartOffset: partition.log.logStartOffset,
        records: null,
      };
    }
  }

  /** ListOffsets against the partitions we lead. Never rejects. */
  async listOffsets(
    entries: readonly ListOffsetsEntry[],
    isolationLevel: IsolationLevel,
  ): Promise<ListOffsetsResult[]> {
    return Promise.all(
      entries.map(async ({ topic, partition: partitionIndex, timestamp }): Promise<ListOffsetsResult> => {
        const base = { topic, partition: partitionIndex };
        const none = { offset: UNKNOWN_OFFSET, timestamp: -1, leaderEpoch: -1 };
        const partition = this.getPartition(topic, partitionIndex);
        if (partition === undefined) return { ...base, ...none, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
        try {
          const found = await partition.listOffset(timestamp, isolationLevel);
          return { ...base, ...(found ?? none), errorCode: ErrorCode.NONE };
        } catch (err) {
          return { ...base, ...none, errorCode: this.#codeFor(err, topic, partitionIndex, 'list offsets failed') };
        }
      }),
    );
  }

  /** DeleteRecords against the partitions we lead. Never rejects. */
  async deleteRecords(entries: readonly DeleteRecordsEntry[]): Promise<DeleteRecordsResult[]> {
    return Promise.all(
      entries.map(async ({ topic, partition: partitionIndex, offset }): Promise<DeleteRecordsResult> => {
        const base = { topic, partition: partitionIndex };
        const partition = this.getPartition(topic, partitionIndex);
        if (partition === undefined) {
          return { ...base, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, lowWatermark: UNKNOWN_OFFSET };
        }
        try {
          return { ...base, errorCode: ErrorCode.NONE, lowWatermark: await partition.deleteRecordsTo(offset) };
        } catch (err) {
          const errorCode = this.#codeFor(err, topic, partitionIndex, 'delete records failed');
          return { ...base, errorCode, lowWatermark: UNKNOWN_OFFSET };
        }
      }),
    );
  }

  /** Stop serving: waiting fetches answer now, waiting acks=all produces fail. Logs stay open (LogManager's). Idempotent. */
  shutdown(): void {
    if (this.#shutDown) return;
    this.#shutDown = true;
    for (const wake of [...this.#fetchWakers]) wake();
    for (const partition of this.#partitions.values()) partition.close();
    this.#partitions.clear();
  }

  /** Maps an error to its code, logging the unexpected ones once with their stack. */
  #codeFor(err: unknown, topic: string, partition: number, what: string): ErrorCode {
    const code = errorCodeFor(err);
    if (code === ErrorCode.UNKNOWN_SERVER_ERROR || code === ErrorCode.KAFKA_STORAGE_ERROR) {
      this.#log.error({ err, [Binding.tp]: key(topic, partition) }, what);
    }
    return code;
  }
}

const NO_OFFSETS = { highWatermark: -1, lastStableOffset: -1, logStartOffset: -1, records: null } as const;

function key(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

/** Kafka answers a fetch once any partition fails or the bytes reach minBytes. */
function isSatisfied(request: FetchRequest, results: readonly FetchPartitionResult[]): boolean {
  let bytes = 0;
  for (const r of results) {
    if (r.errorCode !== ErrorCode.NONE) return true;
    bytes += r.records?.length ?? 0;
  }
  return bytes >= request.minBytes;
}

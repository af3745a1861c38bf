import { ErrorCode, KafkaError } from '../../protocol/index.js';
import type { Log, LogManager } from '../../storage/index.js';
import { errorCodeFor, errorMessageFor } from '../api/error-mapping.js';
import { Binding, type Logger } from '../logger.js';
import { awaitReplication } from './delayed-produce.js';
import { fetchPartitions } from './fetch-partitions.js';
import { type IsolationLevel, Partition } from './partition.js';
import type { PartitionStateWriter } from './partition-state-writer.js';
import type {
  AppendEntry,
  AppendOptions,
  AppendResult,
  DeleteRecordsEntry,
  DeleteRecordsResult,
  EpochEndOffsetRequest,
  EpochEndOffsetResult,
  FetchPartitionResult,
  FetchRequest,
  ListOffsetsEntry,
  ListOffsetsResult,
  MakeFollowerRequest,
  MakeLeaderRequest,
} from './replica-types.js';

export type * from './replica-types.js';

export interface ReplicaManagerOptions {
  logManager: LogManager;
  brokerId: number;
  logger: Logger;
  /** Clock for follower lag; default Date.now. */
  now?: () => number;
  /** replica.lag.time.max.ms (default 30 s): an ISR member not caught up for this long is removed. */
  replicaLagTimeMaxMs?: number;
  /**
   * replica.high.watermark.checkpoint.interval.ms: how often every HW is written (from the first LeaderAndIsr on,
   * as Kafka). Absent or 0: only checkpointHighWatermarks() writes them.
   */
  highWatermarkCheckpointIntervalMs?: number;
  /** Commits leaders' ISR changes (cluster mode). Absent (single node): the ISR never changes, no lag timer runs. */
  stateWriter?: PartitionStateWriter;
  /** Whether a broker may join an ISR (ZooKeeper mode: it is alive); default every broker. */
  isReplicaIsrEligible?: (brokerId: number) => boolean;
}

const UNKNOWN_OFFSET = -1;
const DEFAULT_REPLICA_LAG_TIME_MAX_MS = 30_000;

/**
 * The partitions this broker hosts, as leader or follower (Kafka's ReplicaManager): creates a Partition over its
 * Log when the controller assigns it (its HW starts at the checkpointed one), removes it on StopReplica, and runs
 * produce, fetch (consumers' and followers'), ListOffsets, DeleteRecords and OffsetForLeaderEpoch against them.
 * Replica fetchers (the follower side) live in ReplicaFetcherManager and append through getPartition.
 *
 * Timers (unref'ed, stopped by shutdown): with a PartitionStateWriter, every replica.lag.time.max.ms / 2 each led
 * partition drops lagging followers from its ISR (Kafka's isr-expiration task); from the first LeaderAndIsr on,
 * every replica.high.watermark.checkpoint.interval.ms the HWs are written to the log dirs' checkpoint files, one
 * write at a time.
 *
 * Errors are per partition: one bad partition never fails the others; every exception goes through errorCodeFor,
 * and unexpected ones are logged once with their stack.
 *
 * Concurrency: the partition map changes synchronously (makeLeader/makeFollower await only
 * LogManager.getOrCreateLog, which creates a log once however many callers race). Appends to different
 * partitions run concurrently; each Log serializes its own.
 */
export class ReplicaManager {
  readonly #options: ReplicaManagerOptions;
  readonly #logManager: LogManager;
  readonly #brokerId: number;
  readonly #log: Logger;
  readonly #partitions = new Map<string, Partition>();
  /** Wakes every waiting fetch; shutdown calls them. */
  readonly #fetchWakers = new Set<() => void>();
  readonly #isrTimer: NodeJS.Timeout | undefined;
  #checkpointTimer: NodeJS.Timeout | undefined;
  #checkpointing: Promise<void> | undefined;
  #shutDown = false;

  constructor(options: ReplicaManagerOptions) {
    this.#options = options;
    this.#logManager = options.logManager;
    this.#brokerId = options.brokerId;
    this.#log = options.logger.child({ [Binding.component]: 'replica-manager', [Binding.brokerId]: options.brokerId });
    if (options.stateWriter !== undefined) {
      const lagMs = options.replicaLagTimeMaxMs ?? DEFAULT_REPLICA_LAG_TIME_MAX_MS;
      this.#isrTimer = setInterval(() => this.maybeShrinkIsrs(), Math.max(1, Math.floor(lagMs / 2)));
      this.#isrTimer.unref();
    }
  }

  getPartition(topic: string, partition: number): Partition | undefined {
    return this.#partitions.get(key(topic, partition));
  }

  /** LeaderAndIsr for a partition we lead: opens (or creates) its log and applies the new state. Idempotent. */
  async makeLeader(request: MakeLeaderRequest): Promise<Partition> {
    const partition = await this.#hosted(request.topic, request.partition);
    if (await partition.makeLeader(request)) {
      this.#log.info(
        { [Binding.tp]: key(request.topic, request.partition), leaderEpoch: request.leaderEpoch, isr: request.isr },
        'became leader',
      );
    }
    return partition;
  }

  /**
   * LeaderAndIsr for a partition we follow: opens (or creates) its log and applies the new state. `restart`: the
   * leader or its epoch changed, so fetching must start over (after truncation); pending acks=all waits failed.
   */
  async makeFollower(request: MakeFollowerRequest): Promise<{ partition: Partition; restart: boolean }> {
    const partition = await this.#hosted(request.topic, request.partition);
    const restart = partition.makeFollower(request);
    if (restart) {
      this.#log.info(
        {
          [Binding.tp]: key(request.topic, request.partition),
          leaderEpoch: request.leaderEpoch,
          leader: request.leader,
        },
        'became follower',
      );
    }
    return { partition, restart };
  }

  async #hosted(topic: string, partitionIndex: number): Promise<Partition> {
    if (this.#shutDown) throw new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER, 'the replica manager is shut down');
    const log = await this.#logManager.getOrCreateLog(topic, partitionIndex);
    const tp = key(topic, partitionIndex);
    let partition = this.#partitions.get(tp);
    if (partition === undefined || partition.log !== log) {
      partition = new Partition({
        topic,
        partition: partitionIndex,
        log,
        brokerId: this.#brokerId,
        initialHighWatermark: this.#logManager.checkpointedHighWatermark(topic, partitionIndex),
        logger: this.#log,
        ...this.#partitionOptions(),
      });
      this.#partitions.set(tp, partition);
    }
    this.#startCheckpoints();
    return partition;
  }

  #partitionOptions(): Pick<
    ConstructorParameters<typeof Partition>[0],
    'now' | 'replicaLagTimeMaxMs' | 'stateWriter' | 'isReplicaIsrEligible'
  > {
    const { now, replicaLagTimeMaxMs, stateWriter, isReplicaIsrEligible } = this.#options;
    return {
      ...(now === undefined ? {} : { now }),
      ...(replicaLagTimeMaxMs === undefined ? {} : { replicaLagTimeMaxMs }),
      ...(stateWriter === undefined ? {} : { stateWriter }),
      ...(isReplicaIsrEligible === undefined ? {} : { isReplicaIsrEligible }),
    };
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
      const minInsync = options.minInsyncReplicas ?? partition.log.config.minInsyncReplicas;
      const info = await partition.appendAsLeader(entry.records, options.requiredAcks, minInsync);
      if (options.requiredAcks === -1) {
        const code = await awaitReplication(partition, info.lastOffset + 1, minInsync, options.timeoutMs);
        if (code !== ErrorCode.NONE) {
          const message =
            code === ErrorCode.REQUEST_TIMED_OUT ? 'the in-sync replicas did not acknowledge in time' : null;
          return failed(code, message);
        }
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

  /** Fetch for consumers and followers (see fetchPartitions). Never rejects. */
  fetch(request: FetchRequest, signal?: AbortSignal): Promise<FetchPartitionResult[]> {
    return fetchPartitions(
      request,
      {
        getPartition: (topic, partition) => this.getPartition(topic, partition),
        isShutDown: () => this.#shutDown,
        register: (expire) => {
          this.#fetchWakers.add(expire);
          return () => this.#fetchWakers.delete(expire);
        },
        codeFor: (err, topic, partition, what) => this.#codeFor(err, topic, partition, what),
        onError: (err) => this.#log.error({ err }, 'delayed fetch re-read failed'),
      },
      signal,
    );
  }

  /** OffsetForLeaderEpoch against the partitions we lead (Kafka's lastOffsetForLeaderEpoch). */
  lastOffsetForLeaderEpoch(requests: readonly EpochEndOffsetRequest[]): EpochEndOffsetResult[] {
    return requests.map(({ topic, partition: partitionIndex, currentLeaderEpoch, leaderEpoch }) => {
      const partition = this.getPartition(topic, partitionIndex);
      if (partition === undefined) {
        return {
          topic,
          partition: partitionIndex,
          errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
          leaderEpoch: -1,
          endOffset: UNKNOWN_OFFSET,
        };
      }
      return {
        topic,
        partition: partitionIndex,
        ...partition.lastOffsetForLeaderEpoch(currentLeaderEpoch, leaderEpoch),
      };
    });
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

  /** The isr-expiration task's body: every led partition drops its lagging followers (the timer calls it). */
  maybeShrinkIsrs(): void {
    const nowMs = (this.#options.now ?? Date.now)();
    for (const partition of this.#partitions.values()) if (partition.isLeader) partition.maybeShrinkIsr(nowMs);
  }

  /**
   * Writes every log's HW to its log dir's replication-offset-checkpoint: the hosted partition's, or for a log
   * not (or no longer) hosted the one checkpointed before. One write at a time; a call during a write waits for it
   * and then writes again. The lead calls it once more at shutdown, after the fetchers stopped.
   */
  async checkpointHighWatermarks(): Promise<void> {
    while (this.#checkpointing !== undefined) await this.#checkpointing.catch(() => undefined);
    const highWatermarks = new Map<Log, number>();
    for (const log of this.#logManager.allLogs()) {
      const partition = this.#partitions.get(key(log.topic, log.partition));
      const hw =
        partition?.log === log
          ? partition.highWatermark
          : this.#logManager.checkpointedHighWatermark(log.topic, log.partition);
      if (hw !== undefined) highWatermarks.set(log, hw);
    }
    this.#checkpointing = this.#logManager.writeHighWatermarks(highWatermarks).finally(() => {
      this.#checkpointing = undefined;
    });
    await this.#checkpointing;
  }

  #startCheckpoints(): void {
    const intervalMs = this.#options.highWatermarkCheckpointIntervalMs ?? 0;
    if (this.#checkpointTimer !== undefined || intervalMs <= 0 || this.#shutDown) return;
    this.#checkpointTimer = setInterval(() => {
      if (this.#checkpointing !== undefined) return;
      this.checkpointHighWatermarks().catch((err: unknown) =>
        this.#log.error({ err }, 'cannot checkpoint high watermarks'),
      );
    }, intervalMs);
    this.#checkpointTimer.unref();
  }

  /**
   * Stop serving: timers stop, waiting fetches answer now, waiting acks=all produces fail. Logs stay open
   * (LogManager's). Checkpoint the HWs before calling it: the partitions are gone after. Idempotent.
   */
  shutdown(): void {
    if (this.#shutDown) return;
    this.#shutDown = true;
    clearInterval(this.#isrTimer);
    clearInterval(this.#checkpointTimer);
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

function key(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

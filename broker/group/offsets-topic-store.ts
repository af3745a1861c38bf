import { buildRecordBatch, ErrorCode, type RecordInput } from '../../protocol/index.js';
import type { BrokerConfig } from '../config.js';
import { Binding, type Logger } from '../logger.js';
import type { ReplicaManager } from '../replica/replica-manager.js';
import {
  encodeGroupMetadataKey,
  encodeGroupMetadataValue,
  encodeOffsetCommitKey,
  encodeOffsetCommitValue,
} from './consumer-offsets-records.js';
import type { GroupPartitionListener, GroupPersistence, StoredGroup, StoredOffset } from './group-persistence.js';
import { loadOffsetsPartition } from './offsets-partition-loader.js';
import { OFFSETS_TOPIC } from './offsets-topic.js';

/** How a failed append is answered (Kafka's GroupMetadataManager mappings, per kind of write). */
type ErrorMapping = (code: ErrorCode) => ErrorCode;

/** Errors every group-side write maps alike: the partition is gone or not ours, or its replicas are missing. */
function commonMapping(code: ErrorCode): ErrorCode | undefined {
  switch (code) {
    case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
    case ErrorCode.NOT_ENOUGH_REPLICAS:
    case ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND:
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    case ErrorCode.NOT_LEADER_OR_FOLLOWER:
    case ErrorCode.KAFKA_STORAGE_ERROR:
      return ErrorCode.NOT_COORDINATOR;
    default:
      return undefined;
  }
}

const TOO_LARGE: readonly ErrorCode[] = [
  ErrorCode.MESSAGE_TOO_LARGE,
  ErrorCode.RECORD_LIST_TOO_LARGE,
  ErrorCode.INVALID_FETCH_SIZE,
];

/** storeGroup: a timeout fails the rebalance (REBALANCE_IN_PROGRESS); a too-large group is a server error. */
const groupMapping: ErrorMapping = (code) =>
  commonMapping(code) ??
  (code === ErrorCode.REQUEST_TIMED_OUT
    ? ErrorCode.REBALANCE_IN_PROGRESS
    : TOO_LARGE.includes(code)
      ? ErrorCode.UNKNOWN_SERVER_ERROR
      : code);

/** storeOffsets: too-large commits are the client's (INVALID_COMMIT_OFFSET_SIZE); a timeout stays a timeout. */
const offsetMapping: ErrorMapping = (code) =>
  commonMapping(code) ?? (TOO_LARGE.includes(code) ? ErrorCode.INVALID_COMMIT_OFFSET_SIZE : code);

/** Tombstones (the new Java coordinator's normalization: a timeout is retriable unavailability). */
const removeMapping: ErrorMapping = (code) =>
  commonMapping(code) ??
  (code === ErrorCode.REQUEST_TIMED_OUT
    ? ErrorCode.COORDINATOR_NOT_AVAILABLE
    : TOO_LARGE.includes(code)
      ? ErrorCode.UNKNOWN_SERVER_ERROR
      : code);

/** One leadership term of a partition; a newer term or a resignation makes the old one's load stop. */
interface Term {
  readonly epoch: number;
}

export interface OffsetsTopicStoreDeps {
  config: Pick<BrokerConfig, 'offsetsCommitTimeoutMs'>;
  /** Where a group's records go (OffsetsTopic.partitionFor). */
  partitionFor: (groupId: string) => number;
  replicaManager: ReplicaManager;
  logger: Logger;
  /** Record timestamps; default Date.now. */
  now?: () => number;
  /** offsets.load.buffer.size; default 5 MiB. */
  loadBufferBytes?: number;
}

/**
 * The group coordinator's durable state in __consumer_offsets (GroupPersistence): group metadata and offset
 * commits as records in Kafka's formats, appended through the ReplicaManager with acks=-1 and
 * offsets.commit.timeout.ms, and read back when this broker becomes a partition's leader.
 *
 * Leadership: the broker lifecycle calls onBecomeLeader / onResign for __consumer_offsets partitions. Becoming
 * leader tells the listener the partition is loading (at once), then loads it (one partition at a time, like
 * Kafka's single loader thread) and hands the result to onPartitionLoaded. A resignation, a newer term or
 * shutdown cancels a load: no loaded callback follows. Writes to a partition we do not lead answer
 * NOT_COORDINATOR. A load that fails on I/O is logged and the partition stays loading (its groups answer the
 * retriable COORDINATOR_LOAD_IN_PROGRESS) rather than coming up empty and losing committed offsets.
 *
 * Ordering: each write builds its batch and hands it to the partition's Log synchronously, before any await, so
 * the writes of one group (one partition) are appended in call order.
 */
export class OffsetsTopicStore implements GroupPersistence {
  readonly #deps: OffsetsTopicStoreDeps;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #terms = new Map<number, Term>();
  #loads: Promise<void> = Promise.resolve();
  #listener: GroupPartitionListener | undefined;
  #shutDown = false;

  constructor(deps: OffsetsTopicStoreDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
    this.#log = deps.logger.child({ [Binding.component]: 'offsets-topic-store' });
  }

  /** The coordinator, set once after construction (it is built with this store). */
  setListener(listener: GroupPartitionListener): void {
    this.#listener = listener;
  }

  partitionFor(groupId: string): number {
    return this.#deps.partitionFor(groupId);
  }

  /** Whether this broker leads the partition (loaded or still loading). */
  isLeader(partition: number): boolean {
    return this.#terms.has(partition);
  }

  storeGroup(group: StoredGroup): Promise<ErrorCode> {
    return this.#append(
      group.groupId,
      () => [{ key: encodeGroupMetadataKey(group.groupId), value: encodeGroupMetadataValue(group) }],
      groupMapping,
    );
  }

  storeOffsets(groupId: string, offsets: readonly StoredOffset[]): Promise<ErrorCode> {
    return this.#append(
      groupId,
      () =>
        offsets.map((o) => ({
          key: encodeOffsetCommitKey(groupId, o.topic, o.partition),
          value: encodeOffsetCommitValue(o),
        })),
      offsetMapping,
    );
  }

  remove(
    groupId: string,
    what: { offsets: readonly { topic: string; partition: number }[]; group: boolean },
  ): Promise<ErrorCode> {
    return this.#append(
      groupId,
      () => {
        const records: RecordInput[] = what.offsets.map((o) => ({
          key: encodeOffsetCommitKey(groupId, o.topic, o.partition),
          value: null,
        }));
        if (what.group) records.push({ key: encodeGroupMetadataKey(groupId), value: null });
        return records;
      },
      removeMapping,
    );
  }

  async #append(groupId: string, records: () => RecordInput[], mapError: ErrorMapping): Promise<ErrorCode> {
    const partition = this.partitionFor(groupId);
    if (this.#shutDown || !this.#terms.has(partition)) return ErrorCode.NOT_COORDINATOR;
    let batch: Buffer;
    try {
      const timestamp = this.#now();
      const list = records().map((r) => ({ ...r, timestamp }));
      if (list.length === 0) return ErrorCode.NONE;
      batch = buildRecordBatch(list);
    } catch (err) {
      // a field too long for Kafka's record format: the same answer as a batch too large for the log
      this.#log.error({ err, [Binding.group]: groupId }, 'cannot encode group records');
      return mapError(ErrorCode.RECORD_LIST_TOO_LARGE);
    }
    const [result] = await this.#deps.replicaManager.appendRecords(
      [{ topic: OFFSETS_TOPIC, partition, records: batch }],
      { requiredAcks: -1, timeoutMs: this.#deps.config.offsetsCommitTimeoutMs },
    );
    const code = result!.errorCode;
    if (code === ErrorCode.NONE) return code;
    const mapped = mapError(code);
    this.#log.debug({ [Binding.group]: groupId, partition, code, mapped }, 'group write failed');
    return mapped;
  }

  /**
   * This broker now leads `partition` with `leaderEpoch`: announce loading, then load (queued behind other
   * loads). A term we already hold (same or newer epoch) is left alone. Resolves when the load ends, either
   * way; never rejects.
   */
  onBecomeLeader(partition: number, leaderEpoch: number): Promise<void> {
    const current = this.#terms.get(partition);
    if (this.#shutDown || (current !== undefined && current.epoch >= leaderEpoch)) return Promise.resolve();
    const term: Term = { epoch: leaderEpoch };
    this.#terms.set(partition, term);
    this.#listener?.onPartitionLoading(partition);
    const done = this.#loads.then(() => this.#load(partition, term));
    this.#loads = done;
    return done;
  }

  /** This broker stopped leading `partition`: cancel its load and tell the listener. */
  onResign(partition: number): void {
    if (!this.#terms.delete(partition)) return;
    this.#log.info({ partition }, 'resigned offsets partition');
    this.#listener?.onPartitionUnloaded(partition);
  }

  /** Stops loading and writing; partitions are not unloaded (the coordinator is shutting down too). */
  shutdown(): void {
    this.#shutDown = true;
  }

  async #load(partition: number, term: Term): Promise<void> {
    const current = (): boolean => !this.#shutDown && this.#terms.get(partition) === term;
    if (!current()) return;
    const replica = this.#deps.replicaManager.getPartition(OFFSETS_TOPIC, partition);
    const startMs = Date.now();
    try {
      const loaded =
        replica === undefined
          ? { groups: new Map(), offsets: new Map() }
          : await loadOffsetsPartition(
              {
                log: replica.log,
                highWatermark: () => replica.highWatermark,
                cancelled: () => !current() || replica.closed,
              },
              {
                partition,
                logger: this.#log,
                ...(this.#deps.loadBufferBytes === undefined ? {} : { bufferBytes: this.#deps.loadBufferBytes }),
              },
            );
      if (replica === undefined) this.#log.warn({ partition }, 'no log to load for a led offsets partition');
      if (loaded === null || !current()) return;
      this.#log.info(
        { partition, groups: loaded.groups.size, ms: Date.now() - startMs },
        'loaded offsets and group metadata',
      );
      this.#listener?.onPartitionLoaded(partition, loaded);
    } catch (err) {
      this.#log.error({ err, partition }, 'loading offsets partition failed; its groups stay unavailable');
    }
  }
}

import type { ErrorCode } from '../../protocol/index.js';

/** One member as stored in a group's metadata record (Kafka's GroupMetadataValue member, version 3). */
export interface StoredMember {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  rebalanceTimeoutMs: number;
  sessionTimeoutMs: number;
  /** The member's metadata for the chosen protocol (opaque; a ConsumerProtocolSubscription for consumers). */
  subscription: Buffer;
  /** What the leader assigned it (opaque; a ConsumerProtocolAssignment for consumers). */
  assignment: Buffer;
}

/** A group's state as of its last completed rebalance (Kafka's GroupMetadataValue). */
export interface StoredGroup {
  groupId: string;
  /** '' for a group that only ever committed offsets (no members joined). */
  protocolType: string;
  generationId: number;
  /** null when the group is Empty. */
  protocolName: string | null;
  leaderId: string | null;
  /** ms since epoch when the group last changed state; -1 unknown. */
  currentStateTimestamp: number;
  members: StoredMember[];
}

/** A committed offset (Kafka's OffsetCommitValue). */
export interface StoredOffset {
  topic: string;
  partition: number;
  offset: bigint;
  /** -1 when the client gave none. */
  leaderEpoch: number;
  metadata: string;
  commitTimestamp: number;
  /** -1 unless the commit asked for an explicit retention (OffsetCommit v1-v4 retention_time). */
  expireTimestamp: number;
}

/** What loading one __consumer_offsets partition found: the latest value of every key, tombstones applied. */
export interface LoadedPartition {
  groups: Map<string, StoredGroup>;
  /** group id → committed offsets of that group. */
  offsets: Map<string, StoredOffset[]>;
}

/**
 * Where the group coordinator keeps its state durably: the __consumer_offsets topic (OffsetsTopicStore), or an
 * in-memory stand-in in unit tests. Records use Kafka's key and value formats, so the topic is meaningful to
 * Kafka's tools.
 *
 * Writes go to partition `partitionFor(groupId)` through the ReplicaManager with acks=-1 and resolve once they
 * are committed (high watermark past them) or failed, with the error code the coordinator should answer,
 * already mapped as Kafka maps log errors for group writes (e.g. NOT_LEADER_OR_FOLLOWER → NOT_COORDINATOR,
 * NOT_ENOUGH_REPLICAS or UNKNOWN_TOPIC_OR_PARTITION → COORDINATOR_NOT_AVAILABLE, RECORD_LIST_TOO_LARGE →
 * INVALID_COMMIT_OFFSET_SIZE for offsets). The writes of one group are applied in call order.
 *
 * Loading: when this broker becomes leader of a __consumer_offsets partition the store reads it from the log
 * start to the high watermark and hands the result to the listener's `onPartitionLoaded`; when it stops
 * leading one, `onPartitionUnloaded` (the coordinator then forgets those groups and answers NOT_COORDINATOR).
 */
export interface GroupPersistence {
  /** abs(javaStringHashCode(groupId)) % offsets.topic.num.partitions, as Kafka computes it. */
  partitionFor(groupId: string): number;
  /** Writes the group's metadata record (after a rebalance completes, or when a group becomes Empty). */
  storeGroup(group: StoredGroup): Promise<ErrorCode>;
  /** Writes one offset commit record per offset, in one batch (all succeed or all fail). */
  storeOffsets(groupId: string, offsets: readonly StoredOffset[]): Promise<ErrorCode>;
  /**
   * Tombstones: the given offsets of a group (OffsetDelete, expiry) and, with `group: true`, the group's
   * metadata record too (DeleteGroups, or an Empty group whose last offsets expired).
   */
  remove(
    groupId: string,
    what: { offsets: readonly { topic: string; partition: number }[]; group: boolean },
  ): Promise<ErrorCode>;
}

/** What the store tells the coordinator about the partitions it leads. */
export interface GroupPartitionListener {
  /** Loading of `partition` started: its groups answer COORDINATOR_LOAD_IN_PROGRESS until it is loaded. */
  onPartitionLoading(partition: number): void;
  onPartitionLoaded(partition: number, loaded: LoadedPartition): void;
  onPartitionUnloaded(partition: number): void;
}

import type { ErrorCode } from '../../protocol/index.js';
import type { MetadataUpdate } from '../metadata/metadata-cache.js';

/** One topic of a CreateTopics request. -1 for numPartitions/replicationFactor means the broker default (v4+). */
export interface CreateTopicSpec {
  readonly name: string;
  readonly numPartitions: number;
  readonly replicationFactor: number;
  /** Manual placement: partition → broker ids. When non-empty, numPartitions and replicationFactor must be -1. */
  readonly assignments?: readonly { readonly partitionIndex: number; readonly brokerIds: readonly number[] }[];
  /** Topic config overrides; a null value is refused, as Kafka refuses it. */
  readonly configs?: readonly { readonly name: string; readonly value: string | null }[];
}

/** One effective config of a created topic, for CreateTopics v5+ results. */
export interface TopicConfigEntry {
  readonly name: string;
  readonly value: string;
  /** true when the topic sets it; false when it is the broker's default. */
  readonly isTopicOverride: boolean;
}

/** Per-topic answer to CreateTopics. On error the numbers are -1, the id zero and configs empty, as in Kafka. */
export interface CreateTopicResult {
  readonly name: string;
  readonly errorCode: ErrorCode;
  readonly errorMessage: string | null;
  readonly topicId: string;
  readonly numPartitions: number;
  readonly replicationFactor: number;
  readonly configs: readonly TopicConfigEntry[];
}

/** A topic to delete, by name or (DeleteTopics v6+) by id; an absent or all-zero id counts as none. */
export interface DeleteTopicTarget {
  readonly name?: string | null;
  readonly topicId?: string;
}

export interface DeleteTopicResult {
  /** The topic's name when known (asked for by name, or found by id). */
  readonly name: string | null;
  /** The topic's id when known, otherwise the zero uuid. */
  readonly topicId: string;
  readonly errorCode: ErrorCode;
  readonly errorMessage: string | null;
}

/** One topic of a CreatePartitions request: grow to `count` partitions. */
export interface CreatePartitionsSpec {
  readonly name: string;
  readonly count: number;
  /** Broker ids for each new partition, in order; null lets the controller place them. */
  readonly assignments?: readonly (readonly number[])[] | null;
}

export interface CreatePartitionsResult {
  readonly name: string;
  readonly errorCode: ErrorCode;
  readonly errorMessage: string | null;
}

/** How one key of a topic's config overrides changes: IncrementalAlterConfigs' operations, by their wire values. */
export const ConfigOperation = { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 } as const;
export type ConfigOperation = (typeof ConfigOperation)[keyof typeof ConfigOperation];

export interface TopicConfigOp {
  readonly name: string;
  readonly op: ConfigOperation;
  /** The value to set, or the comma-separated items to append or subtract; ignored by DELETE. */
  readonly value: string | null;
}

/**
 * A change of one topic's config overrides. `replace` (AlterConfigs): the SET ops become the whole override set,
 * so an override not named goes back to its default. `incremental` (IncrementalAlterConfigs): only the named keys
 * change, each by its op; APPEND and SUBTRACT work on list configs against the current value.
 */
export interface TopicConfigChange {
  readonly name: string;
  readonly mode: 'replace' | 'incremental';
  readonly ops: readonly TopicConfigOp[];
}

export interface AlterTopicConfigsResult {
  readonly name: string;
  readonly errorCode: ErrorCode;
  readonly errorMessage: string | null;
}

export interface ValidateOnlyOption {
  /** Run every check and answer as if done, but change nothing. */
  readonly validateOnly?: boolean;
}

export interface TimeoutOption {
  /**
   * The request's timeoutMs: how long to wait for the change to take effect in this broker's metadata (leaders of
   * new partitions elected, a deleted topic gone) once it is committed. When it does not in time the topic answers
   * REQUEST_TIMED_OUT and the change still goes ahead, as in Kafka; ≤ 0 does not wait. Absent: answer once
   * committed, without waiting. A controller that applies changes before answering (LocalController) ignores it.
   */
  readonly timeoutMs?: number;
}

/**
 * The cluster-wide decisions (ARCHITECTURE.md §2.4 "Controller seam"): topic creation, deletion and growth, and
 * the partition leadership that follows. LocalController decides in process for one node; ZkController decides
 * through ZooKeeper. Both hand their decisions to the broker through {@link BrokerLifecycle}.
 *
 * Results are per topic and in request order; a method rejects only on a fault of the controller itself (such as
 * a failed write of its state), which the caller maps to an error code.
 */
export interface Controller {
  startup(): Promise<void>;
  /** Finishes queued work and stops; idempotent. */
  shutdown(): Promise<void>;
  /** Whether this broker is the active controller (answers NOT_CONTROLLER otherwise). */
  isActive(): boolean;
  createTopics(
    specs: readonly CreateTopicSpec[],
    options?: ValidateOnlyOption & TimeoutOption,
  ): Promise<CreateTopicResult[]>;
  deleteTopics(targets: readonly DeleteTopicTarget[], options?: TimeoutOption): Promise<DeleteTopicResult[]>;
  createPartitions(
    specs: readonly CreatePartitionsSpec[],
    options?: ValidateOnlyOption & TimeoutOption,
  ): Promise<CreatePartitionsResult[]>;
  /**
   * Creates `name` with num.partitions and default.replication.factor, for Metadata and Produce auto-creation.
   * The caller checks auto.create.topics.enable (internal topics are created regardless of it).
   */
  autoCreateTopic(name: string): Promise<CreateTopicResult>;
  /**
   * Changes topic config overrides (AlterConfigs, IncrementalAlterConfigs): the result is validated as a whole
   * (INVALID_CONFIG naming the key), committed, then applied by {@link BrokerLifecycle.updateTopicConfig}.
   */
  alterTopicConfigs(
    changes: readonly TopicConfigChange[],
    options?: ValidateOnlyOption,
  ): Promise<AlterTopicConfigsResult[]>;
  /** A topic's config overrides as committed (DescribeConfigs); undefined when the topic does not exist. */
  topicConfigOverrides(name: string): Readonly<Record<string, string>> | undefined;
}

/** A partition's leadership and replica set as the controller decided it (LeaderAndIsr's partition state). */
export interface LeaderAndIsrPartitionState {
  readonly topic: string;
  readonly topicId: string;
  readonly partition: number;
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly isr: readonly number[];
  readonly replicas: readonly number[];
  /** Bumped on every change of leader or ISR (ZooKeeper's zkVersion of the partition state). */
  readonly partitionEpoch: number;
  /** The epoch of the controller that decided this state; the leader writes it back with its ISR changes. */
  readonly controllerEpoch: number;
  /** The partition was just created: its log starts empty, and no old data should be looked for. */
  readonly isNew: boolean;
}

export interface StopReplicaPartition {
  readonly topic: string;
  readonly topicId: string;
  readonly partition: number;
}

/** Where a partition leader named in LeaderAndIsr listens for other brokers (its inter-broker endpoint). */
export interface LiveLeader {
  readonly brokerId: number;
  readonly host: string;
  readonly port: number;
}

/**
 * How a broker applies the controller's decisions: LeaderAndIsr, StopReplica and UpdateMetadata semantics, called
 * in process by LocalController or by the handlers of those requests in cluster mode. Implemented by the broker
 * (replica manager + metadata cache). Calls arrive one at a time, in the order the controller decided them.
 */
export interface BrokerLifecycle {
  /**
   * Leads or follows each partition as decided. `liveLeaders` (LeaderAndIsr's live leaders) says where the leaders
   * of followed partitions listen; a leader missing there is looked up in the metadata cache. A partition state
   * with a leader epoch older than the one applied is skipped, and the call then rejects with
   * STALE_CONTROLLER_EPOCH after applying the others.
   */
  becomeLeaderOrFollower(
    partitionStates: readonly LeaderAndIsrPartitionState[],
    liveLeaders?: readonly LiveLeader[],
  ): Promise<void>;
  stopReplicas(
    partitions: readonly StopReplicaPartition[],
    options: { readonly deletePartitions: boolean },
  ): Promise<void>;
  updateMetadata(update: MetadataUpdate): Promise<void>;
  /** A topic's whole set of config overrides (replacing the previous set), applied to its logs without restart. */
  updateTopicConfig(topic: string, overrides: Readonly<Record<string, string>>): Promise<void>;
}

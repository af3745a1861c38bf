import type { BrokerMetadata } from '../metadata/metadata-cache.js';
import type { ZkPartitionState, ZkReplicaAssignment, ZkTopicPartition } from '../zk/index.js';
import type { ZkWriteFence } from '../zk/kafka-zk-store.js';
import { isBeingReassigned } from './reassignment-plan.js';

/** A partition, by topic name and number. */
export type TopicPartition = ZkTopicPartition;

/** `<topic>-<partition>`: unique, since the partition (after the last '-') has no '-'. */
export function partitionKey(tp: TopicPartition): string {
  return `${tp.topic}-${tp.partition}`;
}

/** A registered broker as the controller knows it: its epoch (registration czxid) and published endpoints. */
export interface LiveBroker {
  readonly brokerId: number;
  readonly epoch: number;
  readonly metadata: BrokerMetadata;
}

/** A topic's assignment as last read from `/brokers/topics/<t>`. */
export interface TopicEntry {
  readonly topicId: string;
  readonly partitions: Map<number, ZkReplicaAssignment>;
}

/** A partition's leader and ISR as last written or read, with the znode's zkVersion (the partition epoch). */
export interface PartitionLeadership {
  readonly state: ZkPartitionState;
  readonly zkVersion: number;
}

/**
 * The active controller's cache of the cluster (Kafka's ControllerContext): live brokers with their epochs, brokers
 * in controlled shutdown, every topic's assignment (with the replicas being added and removed of reassignments in
 * flight) and every partition's leadership. Rebuilt from ZooKeeper on each election and kept current by the
 * controller's own writes and by its watches; cleared on resignation.
 *
 * Concurrency: read and written only by the controller's event queue, one event at a time. Invariant: a partition
 * has leadership only while its topic is in `topics`; brokers in `shuttingDownBrokerIds` are registered.
 */
export class ControllerContext {
  /** The controller epoch this context was built for; -1 when inactive. */
  epoch = -1;
  /** zkVersion of `/controller_epoch` written by this controller's election: every write is fenced with it. */
  epochZkVersion = -1;
  readonly liveBrokers = new Map<number, LiveBroker>();
  readonly shuttingDownBrokerIds = new Set<number>();
  readonly topics = new Map<string, TopicEntry>();
  readonly #leadership = new Map<string, PartitionLeadership>();

  get fence(): ZkWriteFence {
    return { controllerEpochZkVersion: this.epochZkVersion };
  }

  /** Registered and not shutting down: may lead and may stay in an ISR. */
  isLive(brokerId: number): boolean {
    return this.liveBrokers.has(brokerId) && !this.shuttingDownBrokerIds.has(brokerId);
  }

  /** Registered: still serves, still receives the controller's requests. */
  isLiveOrShuttingDown(brokerId: number): boolean {
    return this.liveBrokers.has(brokerId);
  }

  /** Registered broker ids, ascending. */
  liveOrShuttingDownBrokerIds(): number[] {
    return [...this.liveBrokers.keys()].sort((a, b) => a - b);
  }

  assignment(tp: TopicPartition): ZkReplicaAssignment | undefined {
    return this.topics.get(tp.topic)?.partitions.get(tp.partition);
  }

  /** Replaces an existing partition's assignment (a reassignment step, once written or about to be). */
  setAssignment(tp: TopicPartition, assignment: ZkReplicaAssignment): void {
    const partitions = this.topics.get(tp.topic)?.partitions;
    if (partitions?.has(tp.partition) === true) partitions.set(tp.partition, assignment);
  }

  /** Every replica of a partition: during a reassignment, the original and the target replicas. */
  replicas(tp: TopicPartition): readonly number[] {
    return this.assignment(tp)?.replicas ?? [];
  }

  leadership(tp: TopicPartition): PartitionLeadership | undefined {
    return this.#leadership.get(partitionKey(tp));
  }

  setLeadership(tp: TopicPartition, leadership: PartitionLeadership): void {
    if (!this.topics.has(tp.topic)) return;
    this.#leadership.set(partitionKey(tp), leadership);
  }

  /** A topic's partitions in ascending order. */
  partitionsOf(topic: string): TopicPartition[] {
    const entry = this.topics.get(topic);
    if (entry === undefined) return [];
    return [...entry.partitions.keys()].sort((a, b) => a - b).map((partition) => ({ topic, partition }));
  }

  /** Every partition, by topic name then number. */
  allPartitions(): TopicPartition[] {
    return [...this.topics.keys()].sort().flatMap((topic) => this.partitionsOf(topic));
  }

  /** Partitions whose assignment has replicas being added or removed, by topic name then number. */
  reassigningPartitions(): TopicPartition[] {
    return this.allPartitions().filter((tp) => isBeingReassigned(this.assignment(tp)!));
  }

  /** Partitions with a replica on `brokerId`. */
  partitionsOnBroker(brokerId: number): TopicPartition[] {
    return this.allPartitions().filter((tp) => this.replicas(tp).includes(brokerId));
  }

  /** The replicas of a partition that are not registered (UpdateMetadata's offlineReplicas). */
  offlineReplicas(tp: TopicPartition): number[] {
    return this.replicas(tp).filter((r) => !this.isLiveOrShuttingDown(r));
  }

  removeTopic(topic: string): void {
    for (const tp of this.partitionsOf(topic)) this.#leadership.delete(partitionKey(tp));
    this.topics.delete(topic);
  }

  clear(): void {
    this.epoch = -1;
    this.epochZkVersion = -1;
    this.liveBrokers.clear();
    this.shuttingDownBrokerIds.clear();
    this.topics.clear();
    this.#leadership.clear();
  }
}

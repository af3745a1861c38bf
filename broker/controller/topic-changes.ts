import type { Logger } from '../logger.js';
import { randomUuid } from '../metadata/uuid.js';
import { SequencePrefix, type ZkClient, ZkPaths, type ZkWatcher } from '../zk/index.js';
import type { KafkaZkStore, ZkTopicAssignmentRead } from '../zk/kafka-zk-store.js';
import { type ControllerContext, partitionKey, type TopicEntry, type TopicPartition } from './controller-context.js';
import type { ControllerRequestBatch } from './controller-requests.js';
import type { PartitionStateMachine } from './partition-state-machine.js';
import type { TopicDeletionManager } from './topic-deletion.js';

export interface TopicChangesOptions {
  readonly context: ControllerContext;
  readonly zk: ZkClient;
  readonly store: KafkaZkStore;
  readonly partitions: PartitionStateMachine;
  readonly deletion: TopicDeletionManager;
  readonly logger: Logger;
  readonly newBatch: () => ControllerRequestBatch;
  readonly send: (batch: ControllerRequestBatch) => void;
  /** The controller's watches, armed again by every read (they only put events). */
  readonly watchers: {
    readonly topics: ZkWatcher;
    readonly topicModified: ZkWatcher;
    readonly isrChanges: ZkWatcher;
  };
}

/**
 * What the controller does about topics and ISRs written by others (Kafka's TopicChange, PartitionModifications and
 * IsrChangeNotification events): reads the assignments and notifications, re-arming the watches as it reads,
 * starts new partitions, and tells the brokers. Partition reassignment (changed replicas of existing partitions) is
 * PartitionReassignments' (the controller writes those assignments itself).
 *
 * Concurrency: runs inside controller events only.
 */
export class TopicChanges {
  readonly #context: ControllerContext;
  readonly #zk: ZkClient;
  readonly #store: KafkaZkStore;
  readonly #partitions: PartitionStateMachine;
  readonly #deletion: TopicDeletionManager;
  readonly #log: Logger;
  readonly #newBatch: () => ControllerRequestBatch;
  readonly #send: (batch: ControllerRequestBatch) => void;
  readonly #watchers: TopicChangesOptions['watchers'];

  constructor(options: TopicChangesOptions) {
    this.#context = options.context;
    this.#zk = options.zk;
    this.#store = options.store;
    this.#partitions = options.partitions;
    this.#deletion = options.deletion;
    this.#log = options.logger.child({ component: 'topic-changes' });
    this.#newBatch = options.newBatch;
    this.#send = options.send;
    this.#watchers = options.watchers;
  }

  /** Kafka's TopicChange: new topics get their partitions started; vanished ones leave the context. */
  async topicChange(): Promise<void> {
    const ctx = this.#context;
    const names = await this.#zk.getChildren(ZkPaths.topics, this.#watchers.topics);
    const present = new Set(names);
    for (const topic of [...ctx.topics.keys()]) if (!present.has(topic)) ctx.removeTopic(topic);
    const added = names.filter((t) => !ctx.topics.has(t)).sort();
    if (added.length === 0) return;
    const entries = await this.readTopics(added);
    for (const [name, entry] of entries) ctx.topics.set(name, entry);
    this.#log.info({ topics: [...entries.keys()] }, 'new topics');
    await this.#onNewPartitions([...entries.keys()].flatMap((t) => ctx.partitionsOf(t)));
  }

  /** Kafka's PartitionModifications: partitions added to a topic get started (reassignments are not handled here). */
  async partitionModifications(topic: string): Promise<void> {
    const entry = this.#context.topics.get(topic);
    if (entry === undefined) return;
    await this.#zk.exists(ZkPaths.topic(topic), this.#watchers.topicModified);
    const read = await this.#store.topics.readAssignment(topic);
    if (read === null) return;
    const added = [...read.partitions].filter(([p]) => !entry.partitions.has(p));
    if (added.length === 0) return;
    if (this.#deletion.isQueued(topic)) {
      this.#log.info({ topic }, 'not adding partitions to a topic being deleted');
      return;
    }
    for (const [partition, assignment] of added) entry.partitions.set(partition, assignment);
    this.#log.info({ topic, partitions: added.map(([p]) => p) }, 'new partitions');
    await this.#onNewPartitions(added.map(([partition]) => ({ topic, partition })));
  }

  /** Kafka's onNewPartitionCreation: first states, LeaderAndIsr (isNew) to the replicas, metadata to everyone. */
  async #onNewPartitions(partitions: readonly TopicPartition[]): Promise<void> {
    const batch = this.#newBatch();
    await this.#partitions.initialize(partitions, batch);
    batch.addUpdateMetadata(this.#context.liveOrShuttingDownBrokerIds(), new Set(partitions.map((tp) => tp.topic)));
    this.#send(batch);
  }

  /**
   * Assignments of `names` with a data watch on each; a topic without an id (created by an old tool) gets one,
   * written back fenced, as Kafka's controller does.
   */
  async readTopics(names: readonly string[]): Promise<Map<string, TopicEntry>> {
    await Promise.all(names.map((t) => this.#zk.exists(ZkPaths.topic(t), this.#watchers.topicModified)));
    const entries = new Map<string, TopicEntry>();
    for (const [name, first] of await this.#store.topics.readAssignments(names)) {
      let read: ZkTopicAssignmentRead | null = first;
      while (read !== null && read.topicId === null) {
        const topicId = randomUuid();
        const write = await this.#store.topics.updateAssignment(
          name,
          { topicId, partitions: read.partitions },
          read.zkVersion,
          this.#context.fence,
        );
        read = write.outcome === 'updated' ? { ...read, topicId } : await this.#store.topics.readAssignment(name);
      }
      if (read === null || read.topicId === null) continue;
      entries.set(name, { topicId: read.topicId, partitions: new Map(read.partitions) });
    }
    return entries;
  }

  /**
   * Kafka's IsrChangeNotification: re-read those partitions' states, tell every broker, drop the notifications.
   * Answers the partitions re-read (for reassignments waiting on their ISR).
   */
  async isrChange(): Promise<TopicPartition[]> {
    const names = await this.isrChangeNames();
    if (names.length === 0) return [];
    const ctx = this.#context;
    const seen = new Map<string, TopicPartition>();
    for (const note of await this.#store.notifications.readIsrChanges(names)) {
      for (const tp of note.content) if (ctx.assignment(tp) !== undefined) seen.set(partitionKey(tp), tp);
    }
    for (const read of await this.#store.partitionStates.readStates([...seen.values()])) {
      ctx.setLeadership(read, { state: read.state, zkVersion: read.zkVersion });
    }
    const batch = this.#newBatch();
    batch.addUpdateMetadata(ctx.liveOrShuttingDownBrokerIds(), new Set([...seen.values()].map((tp) => tp.topic)));
    this.#send(batch);
    await this.#store.notifications.deleteIsrChanges(names);
    return [...seen.values()];
  }

  /** The pending ISR change notifications, with the children watch armed again. */
  async isrChangeNames(): Promise<string[]> {
    const children = await this.#zk.getChildren(ZkPaths.isrChangeNotification, this.#watchers.isrChanges);
    return children.filter((c) => c.startsWith(SequencePrefix.isrChange)).sort();
  }
}

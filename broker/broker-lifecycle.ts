import type { LogManager } from '../storage/index.js';
import type { BrokerLifecycle, LeaderAndIsrPartitionState, StopReplicaPartition } from './controller/controller.js';
import { Binding, type Logger } from './logger.js';
import type { MetadataCache, MetadataUpdate } from './metadata/metadata-cache.js';
import type { ReplicaManager } from './replica/replica-manager.js';

/**
 * Told when this broker starts or stops leading a partition of one topic: how the group coordinator (and later
 * the transaction coordinator) loads and unloads the state kept in its internal topic. Called synchronously, in
 * the controller's order; a listener that has work to do (loading a partition) starts it in the background and
 * handles its own errors. Must not throw.
 */
export interface LeadershipListener {
  /** This broker became leader of `partition` (called again after an ISR-only change, with the same epoch). */
  onBecomeLeader(partition: number, leaderEpoch: number): void;
  /** This broker no longer leads `partition` (it follows, or the replica was stopped); ignored if it never led. */
  onResign(partition: number): void;
}

/**
 * How this broker applies the controller's decisions (LeaderAndIsr, StopReplica, UpdateMetadata, topic config
 * changes) to its own parts: the ReplicaManager's partitions, the MetadataCache the request handlers read, and
 * the LogManager's per-topic configs. The LocalController calls it in process; the ZooKeeper controller's
 * requests will arrive here through their handlers.
 *
 * Leadership listeners (one per internal topic) hear of every partition of their topic this broker starts
 * leading, after its replica is ready, and of every partition it stops leading, before the replica stops.
 *
 * Concurrency: each call completes before the controller sends the next (controllers serialize their
 * decisions), so the order of partition and metadata changes is the controller's.
 */
export class LocalBrokerLifecycle implements BrokerLifecycle {
  readonly #brokerId: number;
  readonly #replicas: ReplicaManager;
  readonly #metadata: MetadataCache;
  readonly #logs: LogManager;
  readonly #log: Logger;
  readonly #leadershipListeners = new Map<string, LeadershipListener>();

  constructor(deps: {
    brokerId: number;
    replicaManager: ReplicaManager;
    metadataCache: MetadataCache;
    logManager: LogManager;
    logger: Logger;
  }) {
    this.#brokerId = deps.brokerId;
    this.#replicas = deps.replicaManager;
    this.#metadata = deps.metadataCache;
    this.#logs = deps.logManager;
    this.#log = deps.logger.child({ [Binding.component]: 'broker-lifecycle' });
  }

  /** Registers the one listener of `topic`'s leadership changes. */
  addLeadershipListener(topic: string, listener: LeadershipListener): void {
    if (this.#leadershipListeners.has(topic)) throw new Error(`${topic} already has a leadership listener`);
    this.#leadershipListeners.set(topic, listener);
  }

  async becomeLeaderOrFollower(states: readonly LeaderAndIsrPartitionState[]): Promise<void> {
    for (const s of states) {
      const listener = this.#leadershipListeners.get(s.topic);
      if (s.leader !== this.#brokerId) {
        listener?.onResign(s.partition);
        // following needs the replica fetcher (cluster mode); a single node always leads
        this.#log.warn({ [Binding.tp]: `${s.topic}-${s.partition}`, leader: s.leader }, 'cannot follow yet');
        continue;
      }
      await this.#replicas.makeLeader({
        topic: s.topic,
        partition: s.partition,
        topicId: s.topicId,
        leaderEpoch: s.leaderEpoch,
        isr: s.isr,
        replicas: s.replicas,
      });
      listener?.onBecomeLeader(s.partition, s.leaderEpoch);
    }
  }

  async stopReplicas(
    partitions: readonly StopReplicaPartition[],
    options: { deletePartitions: boolean },
  ): Promise<void> {
    for (const p of partitions) {
      this.#leadershipListeners.get(p.topic)?.onResign(p.partition);
      await this.#replicas.stopReplica(p.topic, p.partition, options.deletePartitions);
    }
  }

  updateMetadata(update: MetadataUpdate): Promise<void> {
    this.#metadata.applyUpdate(update);
    return Promise.resolve();
  }

  updateTopicConfig(topic: string, overrides: Readonly<Record<string, string>>): Promise<void> {
    return this.#logs.setTopicConfig(topic, overrides);
  }
}

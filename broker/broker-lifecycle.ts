import type { LogManager } from '../storage/index.js';
import type { BrokerLifecycle, LeaderAndIsrPartitionState, StopReplicaPartition } from './controller/controller.js';
import { Binding, type Logger } from './logger.js';
import type { MetadataCache, MetadataUpdate } from './metadata/metadata-cache.js';
import type { ReplicaManager } from './replica/replica-manager.js';

/**
 * How this broker applies the controller's decisions (LeaderAndIsr, StopReplica, UpdateMetadata, topic config
 * changes) to its own parts: the ReplicaManager's partitions, the MetadataCache the request handlers read, and
 * the LogManager's per-topic configs. The LocalController calls it in process; the ZooKeeper controller's
 * requests will arrive here through their handlers.
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

  async becomeLeaderOrFollower(states: readonly LeaderAndIsrPartitionState[]): Promise<void> {
    for (const s of states) {
      if (s.leader !== this.#brokerId) {
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
    }
  }

  async stopReplicas(
    partitions: readonly StopReplicaPartition[],
    options: { deletePartitions: boolean },
  ): Promise<void> {
    for (const p of partitions) await this.#replicas.stopReplica(p.topic, p.partition, options.deletePartitions);
  }

  updateMetadata(update: MetadataUpdate): Promise<void> {
    this.#metadata.applyUpdate(update);
    return Promise.resolve();
  }

  updateTopicConfig(topic: string, overrides: Readonly<Record<string, string>>): Promise<void> {
    return this.#logs.setTopicConfig(topic, overrides);
  }
}

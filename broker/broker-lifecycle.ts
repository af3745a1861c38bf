import { ErrorCode, KafkaError } from '../protocol/index.js';
import type { LogManager } from '../storage/index.js';
import { interBrokerEndpoint } from './cluster/inter-broker-endpoint.js';
import type {
  BrokerLifecycle,
  LeaderAndIsrPartitionState,
  LiveLeader,
  StopReplicaPartition,
} from './controller/controller.js';
import { Binding, type Logger } from './logger.js';
import type { MetadataCache, MetadataUpdate } from './metadata/metadata-cache.js';
import type { FollowEntry, LeaderEndpoint, ReplicaFetcherManager } from './replica/replica-fetcher-manager.js';
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

/** Cluster mode: how followed partitions are fetched. */
export interface LifecycleReplication {
  readonly fetchers: ReplicaFetcherManager;
  /** Leaders not named in LeaderAndIsr's live leaders are dialled on this listener (null: their first endpoint). */
  readonly interBrokerListenerName: string | null;
}

/**
 * How this broker applies the controller's decisions (LeaderAndIsr, StopReplica, UpdateMetadata, topic config
 * changes) to its own parts: the ReplicaManager's partitions, the replica fetchers, the MetadataCache the request
 * handlers read, and the LogManager's per-topic configs. The LocalController calls it in process; the ZooKeeper
 * controller's requests arrive here through their handlers.
 *
 * LeaderAndIsr, as Kafka's ReplicaManager.becomeLeaderOrFollower: partitions to lead first stop being fetched,
 * then lead; partitions to follow become followers (pending acks=all fail, listeners hear onResign), and those
 * whose leader or epoch changed are fetched again from the new leader, starting with truncation by leader epoch.
 * A leader address comes from the request's live leaders, else from the metadata cache; a leader with none is not
 * fetched from until a later LeaderAndIsr. Without replication (single node) a follower is not fetched at all.
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
  readonly #replication: LifecycleReplication | undefined;
  readonly #log: Logger;
  readonly #leadershipListeners = new Map<string, LeadershipListener>();

  constructor(deps: {
    brokerId: number;
    replicaManager: ReplicaManager;
    metadataCache: MetadataCache;
    logManager: LogManager;
    logger: Logger;
    /** Cluster mode; absent on a single node, where this broker leads every partition. */
    replication?: LifecycleReplication;
  }) {
    this.#brokerId = deps.brokerId;
    this.#replicas = deps.replicaManager;
    this.#metadata = deps.metadataCache;
    this.#logs = deps.logManager;
    this.#replication = deps.replication;
    this.#log = deps.logger.child({ [Binding.component]: 'broker-lifecycle' });
  }

  /** Registers the one listener of `topic`'s leadership changes. */
  addLeadershipListener(topic: string, listener: LeadershipListener): void {
    if (this.#leadershipListeners.has(topic)) throw new Error(`${topic} already has a leadership listener`);
    this.#leadershipListeners.set(topic, listener);
  }

  async becomeLeaderOrFollower(
    states: readonly LeaderAndIsrPartitionState[],
    liveLeaders: readonly LiveLeader[] = [],
  ): Promise<void> {
    const stale: string[] = [];
    const applying = states.filter((s) => {
      if (s.replicas.includes(this.#brokerId)) return true;
      // Kafka answers UNKNOWN_TOPIC_OR_PARTITION; this broker leads it no more in any case
      this.#leadershipListeners.get(s.topic)?.onResign(s.partition);
      this.#log.warn({ [Binding.tp]: `${s.topic}-${s.partition}`, replicas: s.replicas }, 'not a replica; ignored');
      return false;
    });
    const leading = applying.filter((s) => s.leader === this.#brokerId);
    const following = applying.filter((s) => s.leader !== this.#brokerId);
    await this.#replication?.fetchers.removeFetcherForPartitions(leading);
    for (const s of leading) {
      if (!(await this.#apply(s, stale, () => this.#replicas.makeLeader(s)))) continue;
      this.#leadershipListeners.get(s.topic)?.onBecomeLeader(s.partition, s.leaderEpoch);
    }
    const restarted: { state: LeaderAndIsrPartitionState; entry: Omit<FollowEntry, 'leader'> }[] = [];
    for (const s of following) {
      this.#leadershipListeners.get(s.topic)?.onResign(s.partition);
      const followed = await this.#apply(s, stale, () => this.#replicas.makeFollower(s));
      if (followed?.restart === true) {
        restarted.push({ state: s, entry: { partition: followed.partition, leaderEpoch: s.leaderEpoch } });
      }
    }
    await this.#follow(restarted, liveLeaders);
    if (stale.length > 0) {
      throw new KafkaError(
        ErrorCode.STALE_CONTROLLER_EPOCH,
        `leader epochs older than the ones applied for ${stale.join(', ')}`,
      );
    }
  }

  /** Runs one partition's transition; a stale epoch is noted (the others still apply), other errors propagate. */
  async #apply<T>(
    s: LeaderAndIsrPartitionState,
    stale: string[],
    transition: () => Promise<T>,
  ): Promise<T | undefined> {
    try {
      return await transition();
    } catch (err) {
      if (!(err instanceof KafkaError) || err.code !== ErrorCode.STALE_CONTROLLER_EPOCH) throw err;
      this.#log.warn({ [Binding.tp]: `${s.topic}-${s.partition}`, leaderEpoch: s.leaderEpoch }, err.message);
      stale.push(`${s.topic}-${s.partition}`);
      return undefined;
    }
  }

  async #follow(
    restarted: readonly { state: LeaderAndIsrPartitionState; entry: Omit<FollowEntry, 'leader'> }[],
    liveLeaders: readonly LiveLeader[],
  ): Promise<void> {
    if (restarted.length === 0) return;
    const replication = this.#replication;
    if (replication === undefined) {
      for (const { state } of restarted) {
        this.#log.warn(
          { [Binding.tp]: `${state.topic}-${state.partition}`, leader: state.leader },
          'cannot follow: no replica fetchers',
        );
      }
      return;
    }
    // the old follow stops before the new one starts, so the fetch position is taken after truncation
    await replication.fetchers.removeFetcherForPartitions(restarted.map((r) => r.state));
    const entries: FollowEntry[] = [];
    for (const { state, entry } of restarted) {
      const leader = this.#leaderEndpoint(state.leader, liveLeaders, replication.interBrokerListenerName);
      if (leader === undefined) {
        this.#log.warn(
          { [Binding.tp]: `${state.topic}-${state.partition}`, leader: state.leader },
          'leader address unknown; not fetching until the next LeaderAndIsr',
        );
        continue;
      }
      entries.push({ ...entry, leader });
    }
    await replication.fetchers.addFetcherForPartitions(entries);
  }

  #leaderEndpoint(
    brokerId: number,
    liveLeaders: readonly LiveLeader[],
    listenerName: string | null,
  ): LeaderEndpoint | undefined {
    const live = liveLeaders.find((l) => l.brokerId === brokerId);
    if (live !== undefined) return live;
    const broker = this.#metadata.snapshot().broker(brokerId);
    const endpoint = broker === undefined ? undefined : interBrokerEndpoint(broker, listenerName);
    return endpoint === undefined ? undefined : { brokerId, ...endpoint };
  }

  async stopReplicas(
    partitions: readonly StopReplicaPartition[],
    options: { deletePartitions: boolean },
  ): Promise<void> {
    await this.#replication?.fetchers.removeFetcherForPartitions(partitions);
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

  /** Stops the replica fetchers (before the ReplicaManager's final HW checkpoint). Idempotent. */
  async shutdown(): Promise<void> {
    await this.#replication?.fetchers.shutdown();
  }
}

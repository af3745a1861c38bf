import { hostname } from 'node:os';
import { LogManager, logConfigFrom } from '../storage/index.js';
import { brokerRouter } from './api/api-surface.js';
import { type LifecycleReplication, LocalBrokerLifecycle } from './broker-lifecycle.js';
import { ZkClusterNode } from './cluster/zk-cluster-node.js';
import type { BrokerConfig } from './config.js';
import type { Controller } from './controller/controller.js';
import { LocalController } from './controller/local-controller.js';
import { GroupCoordinator } from './group/group-coordinator.js';
import { OFFSETS_TOPIC, OffsetsTopic } from './group/offsets-topic.js';
import { OffsetsTopicStore } from './group/offsets-topic-store.js';
import { Binding, type Logger } from './logger.js';
import { loadClusterIdentity } from './metadata/cluster-identity.js';
import { LogDirLock } from './metadata/log-dir-lock.js';
import { type BrokerEndpoint, MetadataCache } from './metadata/metadata-cache.js';
import { SocketServer, type BoundListener } from './network/socket-server.js';
import { ReplicaFetcherManager } from './replica/replica-fetcher-manager.js';
import { ReplicaManager } from './replica/replica-manager.js';

/**
 * One running broker: the composition root that builds storage, partitions, metadata, the controller and the
 * network server from a BrokerConfig, and takes them down again. Single node (no `zookeeper.connect`): the
 * in-process LocalController. Cluster mode: a {@link ZkClusterNode} (ZooKeeper session, registration, the candidate
 * controller, the admin controller) and replica fetchers; the same broker code otherwise.
 *
 * Start order: (cluster: the ZooKeeper session) cluster identity (meta.properties; in cluster mode checked against
 * `/cluster/id`), logs (recovery happens here), partitions and metadata, the group coordinator and its
 * __consumer_offsets store, the request router, the listeners (their bound ports are what the broker advertises),
 * then the controller: a single node makes itself leader of its partitions; a cluster member applies the topic
 * configs, registers in `/brokers/ids` and stands for controller, after which the active controller tells it what
 * to lead and follow. Until then, requests find no topics.
 *
 * Stop runs in reverse: (cluster: a controlled shutdown first, while still serving, so leadership moves away) the
 * group coordinator and its store stop (pending group requests are answered), replica fetchers stop, high
 * watermarks are checkpointed, waiting fetches are answered, connections closed, the controller stopped (cluster:
 * resign, deregister, close the session), and the logs flushed and closed cleanly. stop() is idempotent.
 */
export class Broker {
  readonly config: BrokerConfig;
  readonly clusterId: string;
  /** Where each listener bound (real ports, also for port 0). */
  readonly listeners: readonly BoundListener[];
  /** What this broker knows of the cluster (brokers, controller, leaders), as its Metadata answers show it. */
  readonly metadata: MetadataCache;
  readonly #log: Logger;
  readonly #lock: LogDirLock;
  readonly #logManager: LogManager;
  readonly #replicaManager: ReplicaManager;
  readonly #fetchers: ReplicaFetcherManager | undefined;
  readonly #server: SocketServer;
  readonly #controller: Controller;
  readonly #clusterNode: ZkClusterNode | undefined;
  readonly #groupCoordinator: GroupCoordinator;
  readonly #offsetsStore: OffsetsTopicStore;
  #stopping: Promise<void> | undefined;

  private constructor(parts: {
    config: BrokerConfig;
    clusterId: string;
    listeners: readonly BoundListener[];
    metadata: MetadataCache;
    log: Logger;
    lock: LogDirLock;
    logManager: LogManager;
    replicaManager: ReplicaManager;
    fetchers: ReplicaFetcherManager | undefined;
    server: SocketServer;
    controller: Controller;
    clusterNode: ZkClusterNode | undefined;
    groupCoordinator: GroupCoordinator;
    offsetsStore: OffsetsTopicStore;
  }) {
    this.config = parts.config;
    this.clusterId = parts.clusterId;
    this.listeners = parts.listeners;
    this.metadata = parts.metadata;
    this.#log = parts.log;
    this.#lock = parts.lock;
    this.#logManager = parts.logManager;
    this.#replicaManager = parts.replicaManager;
    this.#fetchers = parts.fetchers;
    this.#server = parts.server;
    this.#controller = parts.controller;
    this.#clusterNode = parts.clusterNode;
    this.#groupCoordinator = parts.groupCoordinator;
    this.#offsetsStore = parts.offsetsStore;
  }

  static async start(config: BrokerConfig, logger: Logger): Promise<Broker> {
    const log = logger.child({ [Binding.component]: 'broker', [Binding.brokerId]: config.brokerId });
    const lock = await LogDirLock.acquire(config.logDirs);
    let clusterNode: ZkClusterNode | undefined;
    try {
      if (config.zookeeperConnect !== null) clusterNode = await ZkClusterNode.connect(config, logger);
      return await Broker.#start(config, logger, log, lock, clusterNode);
    } catch (err) {
      await clusterNode?.leave();
      await lock.release();
      throw err;
    }
  }

  static async #start(
    config: BrokerConfig,
    logger: Logger,
    log: Logger,
    lock: LogDirLock,
    clusterNode: ZkClusterNode | undefined,
  ): Promise<Broker> {
    const { clusterId } = await loadClusterIdentity(config.logDirs, config.brokerId, clusterNode?.resolveClusterId);
    const logManager = await LogManager.start({
      logDirs: config.logDirs,
      defaultConfig: logConfigFrom(config.topicDefaults),
      logger,
      loadConcurrency: config.numRecoveryThreadsPerDataDir,
      scheduled: true,
      retentionCheckIntervalMs: config.logRetentionCheckIntervalMs,
      flushCheckIntervalMs: config.logFlushSchedulerIntervalMs,
      checkpointIntervalMs: config.logFlushOffsetCheckpointIntervalMs,
      cleaner: { enable: config.logCleanerEnable },
    });
    const metadataCache = new MetadataCache();
    const replicaManager = new ReplicaManager({
      logManager,
      brokerId: config.brokerId,
      logger,
      replicaLagTimeMaxMs: config.replicaLagTimeMaxMs,
      highWatermarkCheckpointIntervalMs: config.replicaHighWatermarkCheckpointIntervalMs,
      ...(clusterNode === undefined
        ? {}
        : {
            stateWriter: clusterNode.partitionStateWriter,
            isReplicaIsrEligible: (brokerId: number) => metadataCache.snapshot().brokers.has(brokerId),
          }),
    });
    const fetchers =
      clusterNode === undefined
        ? undefined
        : new ReplicaFetcherManager({
            brokerId: config.brokerId,
            numReplicaFetchers: config.numReplicaFetchers,
            config,
            logger,
          });
    const replication: LifecycleReplication | undefined =
      fetchers === undefined ? undefined : { fetchers, interBrokerListenerName: config.interBrokerListenerName };
    const lifecycle = new LocalBrokerLifecycle({
      brokerId: config.brokerId,
      replicaManager,
      metadataCache,
      logManager,
      logger,
      ...(replication === undefined ? {} : { replication }),
    });
    let listeners: BoundListener[] = [];
    const endpoints = (): BrokerEndpoint[] => advertisedEndpoints(config, listeners);
    const controllers =
      clusterNode === undefined
        ? {
            controller: new LocalController({ config, clusterId, lifecycle, logger, endpoints }),
            kafkaController: undefined,
          }
        : clusterNode.attach({ lifecycle, metadataCache });
    const { controller } = controllers;
    const offsetsTopic = new OffsetsTopic({ config, metadataCache, controller, logger });
    const offsetsStore = new OffsetsTopicStore({
      config,
      partitionFor: (groupId) => offsetsTopic.partitionFor(groupId),
      replicaManager,
      logger,
    });
    const groupCoordinator = new GroupCoordinator({ config, persistence: offsetsStore, logger, now: Date.now });
    offsetsStore.setListener(groupCoordinator);
    lifecycle.addLeadershipListener(OFFSETS_TOPIC, {
      // loading runs in the background and never rejects
      onBecomeLeader: (partition, leaderEpoch) => void offsetsStore.onBecomeLeader(partition, leaderEpoch),
      onResign: (partition) => offsetsStore.onResign(partition),
    });
    const router = brokerRouter({
      config,
      controller,
      metadataCache,
      replicaManager,
      logManager,
      offsetsTopic,
      groupCoordinator,
      ...(clusterNode === undefined
        ? {}
        : {
            producerIds: clusterNode.producerIds,
            cluster: { clusterId, gate: clusterNode.gate, lifecycle, activeController: controllers.kafkaController! },
          }),
    });
    const server = new SocketServer();
    try {
      listeners = await server.start({
        listeners: config.listeners,
        handler: router.handle,
        maxFrameBytes: config.socketRequestMaxBytes,
        idleMs: config.connectionsMaxIdleMs,
        logger,
      });
    } catch (err) {
      groupCoordinator.shutdown();
      offsetsStore.shutdown();
      await fetchers?.shutdown();
      replicaManager.shutdown();
      await logManager.shutdown();
      throw err;
    }
    const broker = new Broker({
      config,
      clusterId,
      listeners,
      metadata: metadataCache,
      log,
      lock,
      logManager,
      replicaManager,
      fetchers,
      server,
      controller,
      clusterNode,
      groupCoordinator,
      offsetsStore,
    });
    try {
      await controller.startup();
      await clusterNode?.join(endpoints());
    } catch (err) {
      await broker.stop();
      throw err;
    }
    log.info({ clusterId, listeners }, 'broker started');
    return broker;
  }

  /** host:port of the first advertised listener, for clients' bootstrap servers. */
  get bootstrapServers(): string {
    const [first] = advertisedEndpoints(this.config, this.listeners);
    return `${first!.host.includes(':') ? `[${first!.host}]` : first!.host}:${first!.port}`;
  }

  /** The end offset of this broker's replica of `topic-partition` (leader or follower); undefined if it has none. */
  logEndOffset(topic: string, partition: number): number | undefined {
    return this.#logManager.getLog(topic, partition)?.logEndOffset;
  }

  /**
   * Stops the broker (the first call's options count). `controlledShutdown: false` skips moving leadership away
   * first, for a whole cluster going down at once, where no other broker could take it.
   */
  stop(options: { controlledShutdown?: boolean } = {}): Promise<void> {
    this.#stopping ??= this.#shutdown(options.controlledShutdown ?? true);
    return this.#stopping;
  }

  async #shutdown(controlledShutdown: boolean): Promise<void> {
    this.#log.info('broker stopping');
    if (controlledShutdown) await this.#clusterNode?.moveLeadershipAway(this.metadata);
    // groups first: pending joins are answered and no group write starts while partitions close
    this.#groupCoordinator.shutdown();
    this.#offsetsStore.shutdown();
    await this.#fetchers?.shutdown();
    // the HWs are final once nothing fetches; the partitions are gone after the replica manager stops
    await this.#replicaManager.checkpointHighWatermarks();
    this.#replicaManager.shutdown();
    await this.#server.close();
    await this.#controller.shutdown();
    await this.#clusterNode?.leave();
    await this.#logManager.shutdown();
    await this.#lock.release();
    this.#log.info('broker stopped');
  }
}

/**
 * The advertised listeners as clients must dial them: port 0 becomes the port the listener bound, and an empty
 * host (every interface) this machine's host name, as Kafka advertises its canonical host name.
 */
function advertisedEndpoints(config: BrokerConfig, bound: readonly BoundListener[]): BrokerEndpoint[] {
  return config.advertisedListeners.map((l) => {
    const actual = bound.find((b) => b.name === l.name);
    return {
      listenerName: l.name,
      host: l.host === '' ? hostname() : l.host,
      port: l.port === 0 && actual !== undefined ? actual.port : l.port,
      securityProtocol: l.securityProtocol,
    };
  });
}

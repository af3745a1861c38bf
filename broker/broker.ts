import { hostname } from 'node:os';
import { LogManager, logConfigFrom } from '../storage/index.js';
import { brokerRouter } from './api/api-surface.js';
import { LocalBrokerLifecycle } from './broker-lifecycle.js';
import type { BrokerConfig } from './config.js';
import { LocalController } from './controller/local-controller.js';
import { GroupCoordinator } from './group/group-coordinator.js';
import { OFFSETS_TOPIC, OffsetsTopic } from './group/offsets-topic.js';
import { OffsetsTopicStore } from './group/offsets-topic-store.js';
import { Binding, type Logger } from './logger.js';
import { loadClusterIdentity } from './metadata/cluster-identity.js';
import { LogDirLock } from './metadata/log-dir-lock.js';
import { type BrokerEndpoint, MetadataCache } from './metadata/metadata-cache.js';
import { SocketServer, type BoundListener } from './network/socket-server.js';
import { ReplicaManager } from './replica/replica-manager.js';

/**
 * One running broker: the composition root that builds storage, partitions, metadata, the controller and the
 * network server from a BrokerConfig, and takes them down again.
 *
 * Start order: cluster identity (meta.properties), logs (recovery happens here), partitions and metadata, the
 * group coordinator and its __consumer_offsets store, the request router, the listeners (their bound ports are
 * what the broker advertises), then the controller, which makes this broker leader of its partitions (leading a
 * __consumer_offsets partition loads its groups in the background). Until then, requests find no topics. Stop
 * runs in reverse: the group coordinator and its store stop (pending group requests are answered), waiting
 * fetches are answered, connections closed, the controller stopped, and the logs flushed and closed cleanly. stop() is idempotent.
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
  readonly #server: SocketServer;
  readonly #controller: LocalController;
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
    server: SocketServer;
    controller: LocalController;
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
    this.#server = parts.server;
    this.#controller = parts.controller;
    this.#groupCoordinator = parts.groupCoordinator;
    this.#offsetsStore = parts.offsetsStore;
  }

  static async start(config: BrokerConfig, logger: Logger): Promise<Broker> {
    const log = logger.child({ [Binding.component]: 'broker', [Binding.brokerId]: config.brokerId });
    if (config.zookeeperConnect !== null) {
      throw new Error('zookeeper.connect is set, but cluster mode is not built yet: unset it for a single node');
    }
    const lock = await LogDirLock.acquire(config.logDirs);
    try {
      return await Broker.#start(config, logger, log, lock);
    } catch (err) {
      await lock.release();
      throw err;
    }
  }

  static async #start(config: BrokerConfig, logger: Logger, log: Logger, lock: LogDirLock): Promise<Broker> {
    const { clusterId } = await loadClusterIdentity(config.logDirs, config.brokerId);
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
    const replicaManager = new ReplicaManager({ logManager, brokerId: config.brokerId, logger });
    const metadataCache = new MetadataCache();
    const lifecycle = new LocalBrokerLifecycle({
      brokerId: config.brokerId,
      replicaManager,
      metadataCache,
      logManager,
      logger,
    });
    let listeners: BoundListener[] = [];
    const controller = new LocalController({
      config,
      clusterId,
      lifecycle,
      logger,
      endpoints: () => advertisedEndpoints(config, listeners),
    });
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
      server,
      controller,
      groupCoordinator,
      offsetsStore,
    });
    try {
      await controller.startup();
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

  stop(): Promise<void> {
    this.#stopping ??= this.#shutdown();
    return this.#stopping;
  }

  async #shutdown(): Promise<void> {
    this.#log.info('broker stopping');
    // groups first: pending joins are answered and no group write starts while partitions close
    this.#groupCoordinator.shutdown();
    this.#offsetsStore.shutdown();
    this.#replicaManager.shutdown();
    await this.#server.close();
    await this.#controller.shutdown();
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

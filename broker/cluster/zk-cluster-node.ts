import type { BrokerConfig } from '../config.js';
import type { BrokerLifecycle } from '../controller/controller.js';
import { KafkaController } from '../controller/kafka-controller.js';
import { ZkController } from '../controller/zk-controller.js';
import { Binding, type Logger } from '../logger.js';
import type { BrokerEndpoint, MetadataCache } from '../metadata/metadata-cache.js';
import {
  BrokerRegistration,
  createTopLevelPaths,
  KafkaZkStore,
  resolveClusterId,
  ZkClient,
  ZkProducerIdManager,
} from '../zk/index.js';
import { ZkPartitionStateWriter } from '../zk/zk-partition-state-writer.js';
import { ControllerRequestGate } from './controller-request-gate.js';
import { requestControlledShutdown } from './controlled-shutdown-client.js';

/** Could not take part in the cluster: ZooKeeper unreachable, a clashing registration, another cluster's data. */
export class ClusterJoinError extends Error {
  override name = 'ClusterJoinError';
}

/**
 * This broker's membership of a ZooKeeper-mode cluster (what Kafka's KafkaServer.startup does for ZooKeeper): the
 * ZooKeeper session, the cluster id in `/cluster/id`, the registration in `/brokers/ids/<id>`, this broker's
 * candidate {@link KafkaController} (active only where elected), the admin {@link ZkController} the request
 * handlers use, cluster-wide producer ids, the leaders' ISR writes, and the gate admitting the controller's
 * requests. The broker composes it in place of the single-node LocalController.
 *
 * Order: connect (session, top-level paths) → the broker loads its logs with the cluster id → attach (the
 * controllers, once the broker's lifecycle exists) → the broker listens → join (register, then stand for
 * controller, so the controller never sends to an address not yet served). Leaving runs backwards, after a
 * controlled shutdown that moves leadership away while this broker still serves.
 */
export class ZkClusterNode {
  readonly zk: ZkClient;
  readonly store: KafkaZkStore;
  readonly producerIds: ZkProducerIdManager;
  readonly partitionStateWriter: ZkPartitionStateWriter;
  readonly gate: ControllerRequestGate;
  readonly #config: BrokerConfig;
  readonly #logger: Logger;
  readonly #log: Logger;
  #registration: BrokerRegistration | undefined;
  #kafkaController: KafkaController | undefined;

  private constructor(config: BrokerConfig, zk: ZkClient, logger: Logger) {
    this.#config = config;
    this.#logger = logger;
    this.#log = logger.child({ [Binding.component]: 'cluster-node', [Binding.brokerId]: config.brokerId });
    this.zk = zk;
    this.store = new KafkaZkStore(zk);
    this.producerIds = new ZkProducerIdManager({ zk, brokerId: config.brokerId, logger });
    this.partitionStateWriter = new ZkPartitionStateWriter({ store: this.store, logger });
    this.gate = new ControllerRequestGate(() => this.#registration?.brokerEpoch ?? -1);
  }

  /** Opens the ZooKeeper session (zookeeper.connect, chroot created if absent) and Kafka's persistent paths. */
  static async connect(config: BrokerConfig, logger: Logger): Promise<ZkClusterNode> {
    const connectString = config.zookeeperConnect!;
    let zk: ZkClient;
    try {
      zk = await ZkClient.connect({
        connectString,
        sessionTimeoutMs: config.zookeeperSessionTimeoutMs,
        connectionTimeoutMs: config.zookeeperConnectionTimeoutMs,
        logger,
      });
    } catch (err) {
      throw new ClusterJoinError(
        `cannot reach ZooKeeper at ${connectString} (zookeeper.connect) within ` +
          `${config.zookeeperConnectionTimeoutMs} ms: ${(err as Error).message}`,
        { cause: err },
      );
    }
    try {
      await createTopLevelPaths(zk);
    } catch (err) {
      await zk.close();
      throw err;
    }
    return new ZkClusterNode(config, zk, logger);
  }

  /** ZooKeeper's cluster id, created from the stored one on a new ensemble; a different one refuses start-up. */
  readonly resolveClusterId = (storedClusterId: string | null): Promise<string> =>
    resolveClusterId(this.zk, storedClusterId);

  /** Builds the controllers over the broker's lifecycle and metadata; returns the request handlers' Controller. */
  attach(deps: { lifecycle: BrokerLifecycle; metadataCache: MetadataCache }): {
    controller: ZkController;
    kafkaController: KafkaController;
  } {
    const kafkaController = new KafkaController({
      config: this.#config,
      zk: this.zk,
      store: this.store,
      logger: this.#logger,
    });
    const controller = new ZkController({
      config: this.#config,
      store: this.store,
      zk: this.zk,
      logger: this.#logger,
      lifecycle: deps.lifecycle,
      metadataCache: deps.metadataCache,
      activeController: kafkaController,
    });
    this.#kafkaController = kafkaController;
    return { controller, kafkaController };
  }

  /** Registers this broker with its advertised endpoints, then stands for controller. */
  async join(endpoints: readonly BrokerEndpoint[]): Promise<void> {
    const registration = new BrokerRegistration({
      zk: this.zk,
      brokerId: this.#config.brokerId,
      endpoints,
      rack: this.#config.brokerRack,
      logger: this.#logger,
      onError: (err) => this.#log.error({ err }, 'lost the broker registration; restart the broker'),
    });
    this.#registration = registration;
    const brokerEpoch = await registration.register();
    await this.#kafkaController!.startup();
    this.#log.info({ brokerEpoch, controller: this.#kafkaController!.activeControllerId() }, 'joined the cluster');
  }

  /**
   * Kafka's controlled shutdown, when enabled and registered: asks the controller to move this broker's
   * leaderships away. The broker keeps serving meanwhile (followers must catch up from it).
   */
  async moveLeadershipAway(metadataCache: MetadataCache): Promise<void> {
    const brokerEpoch = this.#registration?.brokerEpoch ?? -1;
    if (!this.#config.controlledShutdownEnable || brokerEpoch === -1) return;
    await requestControlledShutdown({
      brokerId: this.#config.brokerId,
      brokerEpoch,
      metadataCache,
      interBrokerListenerName: this.#config.interBrokerListenerName,
      maxRetries: this.#config.controlledShutdownMaxRetries,
      retryBackoffMs: this.#config.controlledShutdownRetryBackoffMs,
      requestTimeoutMs: this.#config.controllerSocketTimeoutMs,
      logger: this.#logger,
    });
  }

  /**
   * Resigns as controller, deregisters, flushes pending ISR notifications and closes the session, after the broker
   * has stopped its admin controller. Idempotent.
   */
  async leave(): Promise<void> {
    await this.#kafkaController?.shutdown();
    try {
      await this.#registration?.deregister();
    } catch (err) {
      this.#log.warn({ err }, 'could not delete the broker registration; it goes with the session');
    }
    await this.partitionStateWriter.close();
    await this.zk.close();
  }
}

import { pino } from 'pino';
import { type BrokerConfig, parseBrokerConfig } from '../../../broker/config.js';
import type {
  BrokerLifecycle,
  LeaderAndIsrPartitionState,
  StopReplicaPartition,
} from '../../../broker/controller/controller.js';
import { ZkController } from '../../../broker/controller/zk-controller.js';
import { isInternalTopic, MetadataCache, type MetadataUpdate } from '../../../broker/metadata/metadata-cache.js';
import {
  BrokerRegistration,
  createTopLevelPaths,
  LeaderRecoveryState,
  ZkClient,
  ZkPaths,
} from '../../../broker/zk/index.js';
import { KafkaZkStore } from '../../../broker/zk/kafka-zk-store.js';
import type { ZooKeeperTestFile } from '../../helpers/zookeeper.js';

export const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });

/** A broker's lifecycle that records the topic configs applied to it (the only calls a ZkController makes). */
export class ConfigRecorder implements BrokerLifecycle {
  readonly applied: { topic: string; overrides: Readonly<Record<string, string>> }[] = [];

  /** The overrides last applied to `topic`. */
  current(topic: string): Readonly<Record<string, string>> | undefined {
    return this.applied.findLast((a) => a.topic === topic)?.overrides;
  }

  becomeLeaderOrFollower(_states: readonly LeaderAndIsrPartitionState[]): Promise<void> {
    return Promise.resolve();
  }
  stopReplicas(_partitions: readonly StopReplicaPartition[]): Promise<void> {
    return Promise.resolve();
  }
  updateMetadata(_update: MetadataUpdate): Promise<void> {
    return Promise.resolve();
  }
  updateTopicConfig(topic: string, overrides: Readonly<Record<string, string>>): Promise<void> {
    this.applied.push({ topic, overrides });
    return Promise.resolve();
  }
}

/** One "broker" of a test: a ZkController with its own session, cache and lifecycle. */
export interface AdminBroker {
  readonly controller: ZkController;
  readonly cache: MetadataCache;
  readonly lifecycle: ConfigRecorder;
  readonly store: KafkaZkStore;
  readonly zk: ZkClient;
  readonly config: BrokerConfig;
}

/** What a test file needs: its ZooKeeper and cleanups (zooKeeperPerTestFile). */
export function adminKit(zkFile: ZooKeeperTestFile) {
  const { cleanups } = zkFile;

  async function connect(connectString: string): Promise<ZkClient> {
    const zk = await ZkClient.connect({ connectString, sessionTimeoutMs: 6_000, connectionTimeoutMs: 10_000, logger });
    cleanups.push(() => zk.close());
    return zk;
  }

  /** A fresh chroot with Kafka's top-level paths; returns its connect string and a client on it. */
  async function cluster(name: string): Promise<{ connectString: string; zk: ZkClient; store: KafkaZkStore }> {
    const connectString = await zkFile.server.chrootFor(name);
    const zk = await connect(connectString);
    await createTopLevelPaths(zk);
    return { connectString, zk, store: new KafkaZkStore(zk) };
  }

  /** Registers broker `id` (ephemeral `/brokers/ids/<id>`) on its own session; close() unregisters it. */
  async function registerBroker(connectString: string, brokerId: number, rack: string | null = null) {
    const zk = await connect(connectString);
    const registration = new BrokerRegistration({
      zk,
      brokerId,
      endpoints: [
        { listenerName: 'PLAINTEXT', host: '127.0.0.1', port: 9000 + brokerId, securityProtocol: 'PLAINTEXT' },
      ],
      rack,
      logger,
    });
    await registration.register();
    return { close: () => zk.close() };
  }

  /** A started ZkController for broker `brokerId` (its config from `props`), with its own ZooKeeper session. */
  async function adminBroker(
    connectString: string,
    brokerId: number,
    props: Record<string, string> = {},
    active = false,
  ): Promise<AdminBroker> {
    const zk = await connect(connectString);
    const store = new KafkaZkStore(zk);
    const config = parseBrokerConfig({
      'broker.id': String(brokerId),
      'zookeeper.connect': connectString,
      'log.dirs': `/tmp/unused-${brokerId}`,
      ...props,
    });
    const cache = new MetadataCache();
    const lifecycle = new ConfigRecorder();
    const controller = new ZkController({
      config,
      store,
      zk,
      logger,
      lifecycle,
      metadataCache: cache,
      activeController: { isActive: () => active },
    });
    await controller.startup();
    cleanups.push(() => controller.shutdown());
    return { controller, cache, lifecycle, store, zk, config };
  }

  /** Starts a {@link FakeActiveController} that feeds `caches`. */
  async function fakeController(
    connectString: string,
    caches: readonly MetadataCache[],
  ): Promise<FakeActiveController> {
    const fake = new FakeActiveController(await connect(connectString), caches);
    await fake.start();
    cleanups.push(() => fake.stop());
    return fake;
  }

  return { connect, cluster, registerBroker, adminBroker, fakeController };
}

/**
 * A stand-in for the active controller, just enough for admin tests: on any change of `/brokers/topics`, a topic's
 * assignment or `/admin/delete_topics` it deletes the marked topics' znodes, gives partitions without a state one
 * (leader = first replica, ISR = all replicas), and sends every cache a full snapshot of the topics in ZooKeeper.
 */
export class FakeActiveController {
  readonly #zk: ZkClient;
  readonly #store: KafkaZkStore;
  readonly #caches: readonly MetadataCache[];
  readonly #onChange = () => void this.#enqueue();
  #tail: Promise<void> = Promise.resolve();
  #stopped = false;
  /** Full snapshots sent so far. */
  updates = 0;

  constructor(zk: ZkClient, caches: readonly MetadataCache[]) {
    this.#zk = zk;
    this.#store = new KafkaZkStore(zk);
    this.#caches = caches;
  }

  start(): Promise<void> {
    return this.#enqueue();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#tail;
  }

  #enqueue(): Promise<void> {
    const next = this.#tail.then(async () => {
      if (!this.#stopped) await this.#sync();
    });
    this.#tail = next.catch((err: unknown) => logger.error({ err }, 'fake controller sync failed'));
    return next;
  }

  async #sync(): Promise<void> {
    for (const topic of await this.#zk.getChildren(ZkPaths.deleteTopics, this.#onChange)) {
      await this.#store.topics.deleteTopicZnodes(topic);
    }
    const topics = await this.#zk.getChildren(ZkPaths.topics, this.#onChange);
    for (const topic of topics) await this.#zk.getData(ZkPaths.topic(topic), this.#onChange);
    const assignments = await this.#store.topics.readAssignments(topics);
    const metadata = [];
    for (const [name, assignment] of assignments) {
      const states = new Map(
        [...assignment.partitions].map(([p, a]) => [
          p,
          {
            leader: a.replicas[0]!,
            leaderEpoch: 0,
            isr: a.replicas,
            controllerEpoch: 1,
            leaderRecoveryState: LeaderRecoveryState.RECOVERED,
          },
        ]),
      );
      await this.#store.partitionStates.createStates(name, states, null);
      const read = await this.#store.partitionStates.readStates(
        [...assignment.partitions.keys()].map((partition) => ({ topic: name, partition })),
      );
      metadata.push({
        name,
        topicId: assignment.topicId!,
        isInternal: isInternalTopic(name),
        partitions: read.map((s) => ({
          partition: s.partition,
          leader: s.state.leader,
          leaderEpoch: s.state.leaderEpoch,
          replicas: assignment.partitions.get(s.partition)!.replicas,
          isr: s.state.isr,
          offlineReplicas: [],
        })),
      });
    }
    const brokers = (await this.#store.brokers.allBrokers()).map((b) => ({
      brokerId: b.brokerId,
      rack: b.info.rack,
      endpoints: b.info.endpoints,
    }));
    for (const cache of this.#caches) {
      cache.applyUpdate({ kind: 'full', clusterId: 'test', controllerId: 0, brokers, topics: metadata });
    }
    this.updates++;
  }
}

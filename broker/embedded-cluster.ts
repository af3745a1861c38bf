import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Broker } from './broker.js';
import { parseBrokerConfig } from './config.js';
import { EMBEDDED_DEFAULTS } from './embedded.js';
import { createLogger, type Logger } from './logger.js';
import { randomUuid } from './metadata/uuid.js';
import { type LocalZooKeeper, startLocalZooKeeper } from './zk/index.js';

export interface StartClusterOptions {
  /** How many brokers, with ids 1..n. Default 3. */
  brokers?: number;
  /**
   * The ZooKeeper to use, as a `zookeeper.connect` string without chroot (each cluster gets its own chroot).
   * Unset: a local ZooKeeper is started (the system's Apache ZooKeeper package) and stopped with the cluster.
   */
  zookeeper?: string;
  /** Kafka broker properties for every broker, over the cluster defaults (see startCluster). */
  properties?: Readonly<Record<string, string>>;
  /** Per-broker properties, over `properties`. */
  brokerProperties?: (brokerId: number) => Readonly<Record<string, string>>;
  /** Defaults to a silent logger. */
  logger?: Logger;
}

export interface EmbeddedCluster {
  /** Every running broker's host:port, comma-separated, for clients' bootstrap servers. */
  readonly bootstrap: string;
  /** `zookeeper.connect` of this cluster, chroot included. */
  readonly zookeeperConnect: string;
  /** The running brokers by id (a stopped broker is absent until started again). */
  readonly brokers: ReadonlyMap<number, Broker>;
  /** Stops one broker as SIGTERM would (controlled shutdown when enabled); its log dir is kept. */
  stopBroker(brokerId: number): Promise<void>;
  /** Starts a stopped broker again on its log dir (a new port). */
  startBroker(brokerId: number): Promise<Broker>;
  /** Stops every broker, the ZooKeeper it started, and removes the log dirs. Idempotent. */
  stop(): Promise<void>;
}

/**
 * A ZooKeeper-mode cluster in this process for tests (ARCHITECTURE.md decision 6): n production brokers on
 * 127.0.0.1 with ephemeral ports and temporary log dirs, registered in one ZooKeeper chroot. Resolves once every
 * broker knows every other (each has received the controller's metadata). Replicated by default: the replication
 * factor of new topics and of __consumer_offsets is min(3, n).
 */
export async function startCluster(options: StartClusterOptions = {}): Promise<EmbeddedCluster> {
  const count = options.brokers ?? 3;
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`brokers must be a positive integer, got ${count}`);
  const logger = options.logger ?? createLogger({ level: 'silent' });
  const rootDir = await mkdtemp(join(tmpdir(), 'samsa-cluster-'));
  let zookeeper: LocalZooKeeper | undefined;
  const brokers = new Map<number, Broker>();
  let stopping: Promise<void> | undefined;
  const stopAll = async (): Promise<void> => {
    // all at once: no broker would be left to take over leadership
    await Promise.allSettled([...brokers.values()].map((b) => b.stop({ controlledShutdown: false })));
    brokers.clear();
    await zookeeper?.stop();
    await rm(rootDir, { recursive: true, force: true });
  };
  try {
    if (options.zookeeper === undefined) zookeeper = await startLocalZooKeeper({ dataDir: join(rootDir, 'zookeeper') });
    const zookeeperConnect = `${options.zookeeper ?? zookeeper!.connectString}/samsa-${randomUuid().replace(/[^a-zA-Z0-9]/g, '')}`;
    const replication = String(Math.min(3, count));
    const propertiesOf = (brokerId: number): Record<string, string> => ({
      ...EMBEDDED_DEFAULTS,
      'default.replication.factor': replication,
      'offsets.topic.replication.factor': replication,
      'zookeeper.session.timeout.ms': '6000',
      ...options.properties,
      ...options.brokerProperties?.(brokerId),
      'broker.id': String(brokerId),
      'zookeeper.connect': zookeeperConnect,
      'log.dirs': join(rootDir, `broker-${brokerId}`),
    });
    const start = async (brokerId: number): Promise<Broker> => {
      if (brokers.has(brokerId)) throw new Error(`broker ${brokerId} is running`);
      const broker = await Broker.start(parseBrokerConfig(propertiesOf(brokerId)), logger);
      brokers.set(brokerId, broker);
      return broker;
    };
    await Promise.all(Array.from({ length: count }, (_, i) => start(i + 1)));
    await awaitMembership(brokers, count);
    return {
      get bootstrap() {
        return [...brokers.values()].map((b) => b.bootstrapServers).join(',');
      },
      zookeeperConnect,
      brokers,
      async stopBroker(brokerId) {
        const broker = brokers.get(brokerId);
        if (broker === undefined) throw new Error(`broker ${brokerId} is not running`);
        brokers.delete(brokerId);
        await broker.stop();
      },
      startBroker: start,
      stop() {
        stopping ??= stopAll();
        return stopping;
      },
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** How long a new cluster may take to form: registration, election and the first metadata to every broker. */
const FORMATION_TIMEOUT_MS = 60_000;

async function awaitMembership(brokers: ReadonlyMap<number, Broker>, count: number): Promise<void> {
  const deadline = Date.now() + FORMATION_TIMEOUT_MS;
  const formed = (): boolean =>
    [...brokers.values()].every((b) => {
      const snapshot = b.metadata.snapshot();
      return snapshot.brokers.size === count && snapshot.controllerId >= 0;
    });
  while (!formed()) {
    if (Date.now() > deadline) throw new Error(`the cluster did not form within ${FORMATION_TIMEOUT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

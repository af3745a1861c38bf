import { pino } from 'pino';
import {
  type ApiSchema,
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  LeaderAndIsr,
  type RequestOf,
  StopReplica,
  toBuffer,
  UpdateMetadata,
} from '../../../protocol/index.js';
import { parseBrokerConfig } from '../../../broker/config.js';
import type { ChannelTarget, ControllerChannel } from '../../../broker/controller/controller-channel-manager.js';
import { KafkaController } from '../../../broker/controller/kafka-controller.js';
import { randomUuid } from '../../../broker/metadata/uuid.js';
import {
  BrokerRegistration,
  createTopLevelPaths,
  KafkaZkStore,
  ZkClient,
  type ZkPartitionState,
} from '../../../broker/zk/index.js';
import { waitFor } from '../../helpers/broker-process.js';
import type { ZooKeeperTestFile } from '../../helpers/zookeeper.js';

export const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
export { waitFor };

/** A request the controller sent, as the broker decoded it (it went through the real codec both ways). */
export interface RecordedRequest {
  readonly brokerId: number;
  readonly target: ChannelTarget;
  readonly api: string;
  readonly version: number;
  readonly body: unknown;
}

type Responder = (request: RecordedRequest) => unknown;

/**
 * Stands in for the brokers at the other end of the controller's channels: records every request per broker (encoded
 * and decoded with the real codec, so a request the codec cannot carry fails) and answers it, by default with
 * success. A test may set `respond` to answer otherwise or throw (an unreachable broker).
 */
export class RecordingBrokers {
  readonly requests: RecordedRequest[] = [];
  respond: Responder | null = null;
  #correlationId = 0;

  readonly factory = (target: ChannelTarget): ControllerChannel => {
    let closed = false;
    return {
      send: <A extends ApiSchema>(api: A, version: number, request: unknown) => {
        if (closed) return Promise.reject(new Error('closed'));
        const correlationId = ++this.#correlationId;
        const frame = toBuffer(
          encodeRequest(api, { apiVersion: version, correlationId, clientId: 'controller' }, request as never),
        );
        const decoded = decodeRequest(frame.subarray(4));
        const recorded: RecordedRequest = {
          brokerId: target.brokerId,
          target,
          api: api.name,
          version,
          body: decoded.body,
        };
        this.requests.push(recorded);
        try {
          const answer = this.respond?.(recorded) ?? defaultResponse(api.name, decoded.body);
          const response = toBuffer(encodeResponse(api, version, correlationId, answer as never));
          return Promise.resolve(decodeResponse(api, version, response.subarray(4)).body as never);
        } catch (err) {
          return Promise.reject(err instanceof Error ? err : new Error(String(err)));
        }
      },
      close: () => {
        closed = true;
      },
    };
  };

  leaderAndIsr(brokerId: number): RequestOf<typeof LeaderAndIsr>[] {
    return this.#of(brokerId, LeaderAndIsr.name) as RequestOf<typeof LeaderAndIsr>[];
  }

  updateMetadata(brokerId: number): RequestOf<typeof UpdateMetadata>[] {
    return this.#of(brokerId, UpdateMetadata.name) as RequestOf<typeof UpdateMetadata>[];
  }

  stopReplica(brokerId: number): RequestOf<typeof StopReplica>[] {
    return this.#of(brokerId, StopReplica.name) as RequestOf<typeof StopReplica>[];
  }

  /** The last LeaderAndIsr partition state for `topic`/`partition` sent to `brokerId`. */
  lastPartitionState(brokerId: number, topic: string, partition: number) {
    for (const request of this.leaderAndIsr(brokerId).reverse()) {
      const state = request.topicStates
        .find((t) => t.topicName === topic)
        ?.partitionStates.find((p) => p.partitionIndex === partition);
      if (state !== undefined) return state;
    }
    return undefined;
  }

  /** The last UpdateMetadata state of `topic`/`partition` sent to `brokerId`. */
  lastMetadata(brokerId: number, topic: string, partition: number) {
    for (const request of this.updateMetadata(brokerId).reverse()) {
      const state = request.topicStates
        .find((t) => t.topicName === topic)
        ?.partitionStates.find((p) => p.partitionIndex === partition);
      if (state !== undefined) return state;
    }
    return undefined;
  }

  clear(): void {
    this.requests.length = 0;
  }

  #of(brokerId: number, api: string): unknown[] {
    return this.requests.filter((r) => r.brokerId === brokerId && r.api === api).map((r) => r.body);
  }
}

function defaultResponse(api: string, body: unknown): unknown {
  if (api === StopReplica.name) {
    const request = body as RequestOf<typeof StopReplica>;
    return {
      errorCode: 0,
      partitionErrors: request.topicStates.flatMap((t) =>
        t.partitionStates.map((p) => ({ topicName: t.topicName, partitionIndex: p.partitionIndex, errorCode: 0 })),
      ),
    };
  }
  if (api === LeaderAndIsr.name) return { errorCode: 0, partitionErrors: [], topics: [] };
  return { errorCode: 0 };
}

/** A test's ZooKeeper chroot with helpers to play the brokers' and the admin's parts. */
export class ControllerTestCluster {
  readonly brokers = new RecordingBrokers();
  readonly #zkFile: ZooKeeperTestFile;
  readonly #registrations = new Map<number, { zk: ZkClient; epoch: number }>();
  #admin: { zk: ZkClient; store: KafkaZkStore } | null = null;

  private constructor(
    zkFile: ZooKeeperTestFile,
    readonly connectString: string,
  ) {
    this.#zkFile = zkFile;
  }

  static async create(zkFile: ZooKeeperTestFile, name: string): Promise<ControllerTestCluster> {
    const cluster = new ControllerTestCluster(zkFile, await zkFile.server.chrootFor(name));
    const admin = await cluster.connect();
    await createTopLevelPaths(admin);
    cluster.#admin = { zk: admin, store: new KafkaZkStore(admin) };
    return cluster;
  }

  /** The admin's (and leaders') session: writes as a broker that is not the controller would. */
  get admin(): { zk: ZkClient; store: KafkaZkStore } {
    return this.#admin!;
  }

  async connect(connectString = this.connectString): Promise<ZkClient> {
    const zk = await ZkClient.connect({ connectString, sessionTimeoutMs: 6_000, connectionTimeoutMs: 10_000, logger });
    this.#zkFile.cleanups.push(() => zk.close());
    return zk;
  }

  /** Registers broker `brokerId` on a session of its own (endpoint 127.0.0.1:9000+id); returns its epoch. */
  async startBroker(brokerId: number, rack: string | null = null): Promise<number> {
    const zk = await this.connect();
    const registration = new BrokerRegistration({
      zk,
      brokerId,
      endpoints: [
        { listenerName: 'PLAINTEXT', host: '127.0.0.1', port: 9000 + brokerId, securityProtocol: 'PLAINTEXT' },
      ],
      rack,
      logger,
      staleRegistrationWaitMs: 0,
    });
    const epoch = await registration.register();
    this.#registrations.set(brokerId, { zk, epoch });
    return epoch;
  }

  /** Ends broker `brokerId`'s session: its registration goes at once, as when the process dies. */
  async killBroker(brokerId: number): Promise<void> {
    const registration = this.#registrations.get(brokerId);
    this.#registrations.delete(brokerId);
    await registration?.zk.close();
  }

  /** A controller for broker `brokerId` on its own session (or `zk`), with the recording channels. */
  async controller(brokerId: number, overrides: Record<string, string> = {}, zk?: ZkClient): Promise<KafkaController> {
    const session = zk ?? (await this.connect());
    const controller = new KafkaController({
      config: parseBrokerConfig({
        'broker.id': String(brokerId),
        'zookeeper.connect': this.connectString,
        ...overrides,
      }),
      zk: session,
      store: new KafkaZkStore(session),
      logger,
      channelFactory: this.brokers.factory,
    });
    this.#zkFile.cleanups.push(() => controller.shutdown());
    return controller;
  }

  /** Creates a topic as CreateTopics would (assignment with a topic id, config); returns the topic id. */
  async createTopic(
    topic: string,
    replicas: readonly (readonly number[])[],
    config: Record<string, string> = {},
  ): Promise<string> {
    const topicId = randomUuid();
    await this.admin.store.topics.createTopic(
      topic,
      {
        topicId,
        partitions: new Map(replicas.map((r, p) => [p, { replicas: r, addingReplicas: [], removingReplicas: [] }])),
      },
      config,
    );
    return topicId;
  }

  /** A partition's state in ZooKeeper, or null. */
  async state(topic: string, partition: number): Promise<(ZkPartitionState & { zkVersion: number }) | null> {
    const read = await this.admin.store.partitionStates.readState(topic, partition);
    return read === null ? null : { ...read.state, zkVersion: read.zkVersion };
  }

  /** Waits until the partition's state satisfies `check`; returns it. */
  async waitForState(
    topic: string,
    partition: number,
    check: (state: ZkPartitionState) => boolean,
    what = `state of ${topic}-${partition}`,
  ): Promise<ZkPartitionState & { zkVersion: number }> {
    let last: (ZkPartitionState & { zkVersion: number }) | null = null;
    await waitFor(
      async () => {
        last = await this.state(topic, partition);
        return last !== null && check(last);
      },
      15_000,
      () => `${what}; last ${JSON.stringify(last)}`,
    );
    return last!;
  }
}

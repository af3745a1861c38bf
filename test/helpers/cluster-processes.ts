import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';
import { pino } from 'pino';
import { KafkaZkStore } from '../../broker/zk/kafka-zk-store.js';
import { decodeController, ZkClient, ZkNoNodeError, ZkPaths, type ZkPartitionState } from '../../broker/zk/index.js';
import { batchViews, ErrorCode } from '../../protocol/index.js';
import { waitFor } from './broker-process.js';
import { ClusterBroker, type BrokerState } from './cluster-broker.js';
import {
  createTopic,
  fetchMetadata,
  recordsOf,
  type MetadataResponse,
  type ReadRecord,
  type TopicSpec,
} from './cluster-wire.js';

/** What every broker of a test cluster runs with (over Kafka's defaults), before ClusterOptions.properties. */
export const CLUSTER_TEST_PROPERTIES: Readonly<Record<string, string>> = {
  // short, so that a killed broker is noticed within seconds
  'zookeeper.session.timeout.ms': '6000',
  'replica.lag.time.max.ms': '3000',
  'default.replication.factor': '3',
  'min.insync.replicas': '2',
  'num.partitions': '3',
  'offsets.topic.replication.factor': '3',
  'offsets.topic.num.partitions': '3',
  'group.initial.rebalance.delay.ms': '0',
  'controlled.shutdown.retry.backoff.ms': '500',
};

export interface ClusterOptions {
  /** `zookeeper.connect`, chroot included. */
  readonly zookeeperConnect: string;
  /** Broker count (ids 1..n); default 3. */
  readonly brokers?: number;
  /** Broker properties over CLUSTER_TEST_PROPERTIES. */
  readonly properties?: Readonly<Record<string, string>>;
  /** Broker log level; default SAMSA_TEST_LOG_LEVEL or info. */
  readonly logLevel?: string;
}

/** A partition as every live broker reports it, and whether they agree. */
export interface PartitionView {
  /** Leader with the highest leader epoch any live broker reports (-1: none). */
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly replicas: readonly number[];
  /** True when every live broker answered with this leader. */
  readonly agreed: boolean;
}

/**
 * A cluster of `samsa broker` processes on one ZooKeeper chroot, for the failover proofs of issue #6: broker ids
 * 1..n, each on a fixed loopback port picked free at start and kept across restarts (clients' bootstrap lists stay
 * valid), each on its own log dir kept across restarts. Brokers can be killed with any signal, stopped (SIGTERM,
 * controlled shutdown), paused (SIGSTOP) and resumed, and started again.
 *
 * The cluster is read the way clients read it (Metadata from every live broker, each on its own connection with a
 * deadline, so a dead or paused broker cannot hang a test) and the way the controller does (partition states and
 * the controller znode in ZooKeeper). Each broker's output goes to `<dir>/broker-<id>.out` across restarts
 * (ClusterBroker); the last lines of all of them make the failure report (`tail()`).
 */
export class ClusterProcesses {
  readonly ids: readonly number[];
  readonly dir: string;
  readonly #options: ClusterOptions;
  readonly #ports: ReadonlyMap<number, number>;
  readonly #zk: ZkClient;
  readonly #store: KafkaZkStore;
  readonly #brokers: ReadonlyMap<number, ClusterBroker>;

  private constructor(options: ClusterOptions, dir: string, ports: Map<number, number>, zk: ZkClient) {
    this.#options = options;
    this.dir = dir;
    this.#ports = ports;
    this.ids = [...ports.keys()];
    this.#zk = zk;
    this.#store = new KafkaZkStore(zk);
    this.#brokers = new Map(this.ids.map((id) => [id, new ClusterBroker(id, join(dir, `broker-${id}.out`))]));
  }

  /** Starts every broker and resolves once each knows all of them and a controller. */
  static async start(options: ClusterOptions): Promise<ClusterProcesses> {
    const count = options.brokers ?? 3;
    const dir = await mkdtemp(join(tmpdir(), 'samsa-cluster-proc-'));
    const ports = await freePorts(count);
    const zk = await ZkClient.connect({
      connectString: options.zookeeperConnect,
      sessionTimeoutMs: 10_000,
      connectionTimeoutMs: 15_000,
      logger: pino({ level: 'silent' }),
    });
    const cluster = new ClusterProcesses(options, dir, new Map(ports.map((port, i) => [i + 1, port])), zk);
    try {
      await Promise.all(cluster.ids.map((id) => cluster.start(id)));
      await cluster.awaitAllKnown();
    } catch (err) {
      await cluster.shutdown(true);
      throw new Error(`${(err as Error).message}\n${cluster.tail()}`, { cause: err });
    }
    return cluster;
  }

  /** `127.0.0.1:<port>` of every broker, running or not, comma-separated. */
  get bootstrap(): string {
    return this.brokerList.join(',');
  }

  get brokerList(): string[] {
    return this.ids.map((id) => `127.0.0.1:${this.port(id)}`);
  }

  port(id: number): number {
    const port = this.#ports.get(id);
    if (port === undefined) throw new Error(`no broker ${id}`);
    return port;
  }

  logDir(id: number): string {
    return join(this.dir, `broker-${id}`);
  }

  state(id: number): BrokerState {
    return this.#brokers.get(id)?.state ?? 'stopped';
  }

  /** Brokers running and not paused: the ones that answer. */
  liveIds(): number[] {
    return this.ids.filter((id) => this.state(id) === 'running');
  }

  /**
   * A kafkajs client with timeouts short enough for failover tests, bootstrapped from the brokers running now (all
   * of them when none is): kafkajs gives up on a refused or frozen seed broker rather than try the next one.
   */
  kafka(clientId: string, config: Partial<KafkaConfig> = {}): Kafka {
    const live = this.liveIds().map((id) => `127.0.0.1:${this.port(id)}`);
    return new Kafka({
      clientId,
      brokers: live.length > 0 ? live : this.brokerList,
      logLevel: logLevel.NOTHING,
      connectionTimeout: 2_000,
      requestTimeout: 5_000,
      retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 1_000 },
      ...config,
    });
  }

  /** Starts a stopped broker on its port and log dir; resolves on its ready line. */
  start(id: number): Promise<void> {
    return this.#broker(id).start(
      {
        ...CLUSTER_TEST_PROPERTIES,
        ...this.#options.properties,
        'broker.id': String(id),
        listeners: `PLAINTEXT://127.0.0.1:${this.port(id)}`,
        'log.dirs': this.logDir(id),
        'zookeeper.connect': this.#options.zookeeperConnect,
      },
      this.#options.logLevel ?? process.env.SAMSA_TEST_LOG_LEVEL ?? 'info',
    );
  }

  /** Sends `signal` (default SIGKILL) and waits for the process to exit. */
  async kill(id: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    await this.#broker(id).kill(signal);
  }

  /** SIGTERM (controlled shutdown), then waits for a clean exit. */
  async stop(id: number): Promise<void> {
    const { code, signal } = await this.#broker(id).kill('SIGTERM');
    if (code !== 0) throw new Error(`broker ${id} exited with ${signal ?? code} on SIGTERM`);
  }

  /** Stops (SIGTERM, or `signal`) a running broker and starts it again. */
  async restart(id: number, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.state(id) !== 'stopped') {
      if (signal === 'SIGTERM') await this.stop(id);
      else await this.kill(id, signal);
    }
    await this.start(id);
  }

  /** SIGSTOP: the process freezes with its connections and ZooKeeper session open. */
  pause(id: number): void {
    this.#broker(id).pause();
  }

  /** SIGCONT for a paused broker. */
  resume(id: number): void {
    this.#broker(id).resume();
  }

  /** Metadata of `topics` (null: all) from each live broker that answers within a few seconds. */
  async views(topics: readonly string[] | null): Promise<Map<number, MetadataResponse>> {
    const live = this.liveIds();
    const answers = await Promise.allSettled(live.map((id) => fetchMetadata(this.port(id), topics, 3_000)));
    const out = new Map<number, MetadataResponse>();
    answers.forEach((a, i) => {
      if (a.status === 'fulfilled') out.set(live[i]!, a.value);
    });
    return out;
  }

  /** The partition as the live brokers report it (see PartitionView). */
  async partitionView(topic: string, partition: number): Promise<PartitionView> {
    const views = await this.views([topic]);
    let best: { leader: number; leaderEpoch: number; replicas: readonly number[] } | undefined;
    const leaders = new Set<number>();
    for (const view of views.values()) {
      const p = view.topics.find((t) => t.name === topic)?.partitions.find((x) => x.partitionIndex === partition);
      if (p === undefined) {
        leaders.add(-2);
        continue;
      }
      leaders.add(p.leaderId);
      if (best === undefined || p.leaderEpoch > best.leaderEpoch) {
        best = { leader: p.leaderId, leaderEpoch: p.leaderEpoch, replicas: p.replicaNodes };
      }
    }
    return {
      leader: best?.leader ?? -1,
      leaderEpoch: best?.leaderEpoch ?? -1,
      replicas: best?.replicas ?? [],
      agreed: views.size === this.liveIds().length && leaders.size === 1,
    };
  }

  /** The leader reported with the highest leader epoch (-1 when none). */
  async leaderOf(topic: string, partition: number): Promise<number> {
    return (await this.partitionView(topic, partition)).leader;
  }

  /**
   * Waits until every live broker reports the same live leader for the partition, one that `accept`s (default:
   * any), and returns it.
   */
  async awaitLeader(
    topic: string,
    partition: number,
    accept: (leader: number) => boolean = () => true,
    timeoutMs = 60_000,
  ): Promise<number> {
    let last: PartitionView | undefined;
    await waitFor(
      async () => {
        last = await this.partitionView(topic, partition);
        return last.agreed && this.state(last.leader) === 'running' && accept(last.leader);
      },
      timeoutMs,
      () => `a leader for ${topic}-${partition} (last seen ${JSON.stringify(last)})`,
    );
    return last!.leader;
  }

  /** Waits until every live broker names the same live controller that `accept`s, and returns it. */
  async awaitController(accept: (id: number) => boolean = () => true, timeoutMs = 60_000): Promise<number> {
    let seen: number[] = [];
    await waitFor(
      async () => {
        const views = await this.views([]);
        seen = [...views.values()].map((v) => v.controllerId);
        const [first] = seen;
        return (
          views.size === this.liveIds().length &&
          first !== undefined &&
          seen.every((c) => c === first) &&
          this.state(first) === 'running' &&
          accept(first)
        );
      },
      timeoutMs,
      () => `a controller all live brokers agree on (they say ${JSON.stringify(seen)})`,
    );
    return seen[0]!;
  }

  /** The controller every live broker names. */
  controllerId(): Promise<number> {
    return this.awaitController();
  }

  /** The controller according to ZooKeeper's `/controller` znode (-1 when there is none). */
  async zkControllerId(): Promise<number> {
    try {
      return decodeController((await this.#zk.getData(ZkPaths.controller)).data).brokerId;
    } catch (err) {
      if (err instanceof ZkNoNodeError) return -1;
      throw err;
    }
  }

  /** The partition's leader-and-ISR state znode, as the controller sees it. */
  async partitionState(topic: string, partition: number): Promise<ZkPartitionState | null> {
    return (await this.#store.partitionStates.readState(topic, partition))?.state ?? null;
  }

  /** Waits until the partition's state znode satisfies `accept`; returns it. */
  async awaitPartitionState(
    topic: string,
    partition: number,
    accept: (state: ZkPartitionState) => boolean,
    timeoutMs = 60_000,
  ): Promise<ZkPartitionState> {
    let state: ZkPartitionState | null = null;
    await waitFor(
      async () => {
        state = await this.partitionState(topic, partition);
        return state !== null && accept(state);
      },
      timeoutMs,
      () => `the state of ${topic}-${partition} to change (now ${JSON.stringify(state)})`,
    );
    return state!;
  }

  /** Waits until the partition's ISR (in ZooKeeper) satisfies `accept`; returns the state. */
  awaitIsr(
    topic: string,
    partition: number,
    accept: (isr: readonly number[]) => boolean,
    timeoutMs = 60_000,
  ): Promise<ZkPartitionState> {
    return this.awaitPartitionState(topic, partition, (state) => accept(state.isr), timeoutMs);
  }

  /**
   * Every data record of one replica of a partition, read from broker `id`'s segment files (call it while that
   * broker is stopped): what the replica holds, whatever it would serve.
   */
  async replicaRecords(id: number, topic: string, partition: number): Promise<ReadRecord[]> {
    if (this.state(id) !== 'stopped') throw new Error(`broker ${id} is running: stop it before reading its log files`);
    const dir = join(this.logDir(id), `${topic}-${partition}`);
    const segments = (await readdir(dir)).filter((f) => /^\d{20}\.log$/.test(f)).sort();
    const out: ReadRecord[] = [];
    for (const segment of segments) {
      for (const view of batchViews(await readFile(join(dir, segment)))) {
        if (!view.isControl) out.push(...(await recordsOf(view)));
      }
    }
    return out;
  }

  /** Broker ids registered in ZooKeeper. */
  async registered(): Promise<number[]> {
    return (await this.#zk.getChildren(ZkPaths.brokerIds)).map(Number).sort((a, b) => a - b);
  }

  /** Waits until the brokers registered in ZooKeeper satisfy `accept` (a killed broker leaves at session expiry). */
  async awaitRegistered(accept: (ids: readonly number[]) => boolean, timeoutMs = 60_000): Promise<void> {
    let ids: number[] = [];
    await waitFor(
      async () => accept((ids = await this.registered())),
      timeoutMs,
      () => `the registered brokers to change (now [${ids.join(', ')}])`,
    );
  }

  /**
   * Creates a topic with a CreateTopics request to a live broker (not kafkajs's admin, which refuses to work while
   * any partition of the cluster is offline), then waits until each partition has a leader all live brokers agree
   * on and a full ISR.
   */
  async createTopic(topic: string, options: TopicSpec = {}): Promise<void> {
    let answer = '';
    await waitFor(
      async () => {
        const [id] = this.liveIds();
        if (id === undefined) throw new Error(`no live broker to create ${topic}`);
        const { errorCode, errorMessage } = await createTopic(this.port(id), topic, options);
        answer = `${errorCode} ${errorMessage}`;
        if (errorCode === ErrorCode.NONE || errorCode === ErrorCode.TOPIC_ALREADY_EXISTS) return true;
        if (errorCode === ErrorCode.NOT_CONTROLLER || errorCode === ErrorCode.REQUEST_TIMED_OUT) return false;
        throw new Error(`creating ${topic}: error ${answer}`);
      },
      60_000,
      () => `topic ${topic} to be created (last answer ${answer})`,
    );
    await this.awaitHealthy([topic]);
  }

  /** Waits until every partition of `topics` has an agreed live leader and every replica in its ISR. */
  async awaitHealthy(topics: readonly string[], timeoutMs = 60_000): Promise<void> {
    for (const topic of topics) {
      let partitions: { partitionIndex: number; replicaNodes: number[] }[] = [];
      await waitFor(
        async () => {
          const [view] = (await this.views([topic])).values();
          partitions = view?.topics.find((t) => t.name === topic && t.errorCode === 0)?.partitions ?? [];
          return partitions.length > 0;
        },
        timeoutMs,
        `topic ${topic} in the metadata`,
      );
      for (const p of partitions) {
        await this.awaitIsr(topic, p.partitionIndex, (isr) => p.replicaNodes.every((r) => isr.includes(r)), timeoutMs);
        await this.awaitLeader(topic, p.partitionIndex, (l) => l >= 0, timeoutMs);
      }
    }
  }

  /** Resumes paused brokers and starts stopped ones, then waits until `topics` are fully replicated again. */
  async heal(topics: readonly string[] = []): Promise<void> {
    for (const id of this.ids) if (this.state(id) === 'paused') this.resume(id);
    await Promise.all(this.ids.filter((id) => this.state(id) === 'stopped').map((id) => this.start(id)));
    await this.awaitAllKnown();
    await this.awaitHealthy(topics);
  }

  /** Waits until every live broker lists every live broker and names a controller. */
  async awaitAllKnown(timeoutMs = 60_000): Promise<void> {
    let seen = '';
    await waitFor(
      async () => {
        const live = this.liveIds();
        const views = await this.views([]);
        seen = JSON.stringify([...views].map(([id, v]) => [id, v.brokers.map((b) => b.nodeId), v.controllerId]));
        return (
          views.size === live.length &&
          [...views.values()].every(
            (v) => v.controllerId >= 0 && live.every((id) => v.brokers.some((b) => b.nodeId === id)),
          )
        );
      },
      timeoutMs,
      () => `every broker to know the live ones [${this.liveIds().join(',')}] (brokers, controller: ${seen})`,
    );
  }

  /** The last `lines` lines of every broker's output, for failure messages. */
  tail(lines = 60): string {
    return [...this.#brokers.values()]
      .map((b) => `--- broker ${b.id} (${b.state}); all its output in ${b.outFile}\n${b.tail(lines).join('\n')}`)
      .join('\n');
  }

  /** Kills every broker, closes the ZooKeeper client, and removes the directory unless `keepDir`. */
  async shutdown(keepDir: boolean): Promise<void> {
    const brokers = [...this.#brokers.values()];
    await Promise.allSettled(brokers.filter((b) => b.state !== 'stopped').map((b) => b.kill('SIGKILL')));
    await this.#zk.close();
    await Promise.all(brokers.map((b) => b.close()));
    if (!keepDir) await rm(this.dir, { recursive: true, force: true });
  }

  #broker(id: number): ClusterBroker {
    const broker = this.#brokers.get(id);
    if (broker === undefined) throw new Error(`no broker ${id}`);
    return broker;
  }
}

/** `count` distinct free loopback ports (held open together while picked, so they differ). */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const server = createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type Admin, Kafka, type KafkaJSError, logLevel, type PartitionMetadata } from 'kafkajs';
import { type LocalZooKeeper, startLocalZooKeeper, ZooKeeperNotFoundError } from '../../broker/index.js';
import { type BrokerProcess, BrokerProcesses } from '../broker-process.js';
import { FAILOVER_RETRY, type FailoverTiming, timeFailover } from '../cluster-failover.js';
import { row, type BenchResult } from '../harness.js';
import { nativeDriver, NativeDriverError } from '../native-driver.js';
import { waitFor } from '../wait-for.js';

/**
 * Cluster mode (issue 6): replicated produce throughput as a ratio of a single broker's in the same run (goal
 * ≥ 0.6×), and leader failover times.
 *
 * Set-up: a local ZooKeeper (the system's Apache ZooKeeper package) and three `samsa broker` processes (ids 1..3,
 * zookeeper.session.timeout.ms=6000) in one chroot; the reference is one more `samsa broker` process with no
 * ZooKeeper. Every broker is its own process, as in any deployment (three brokers in one Node process would share
 * one thread).
 *
 * Throughput: librdkafka (bench/native/rdkafka-perf.c, `produce` mode: linger.ms=5, no idempotence, record i to
 * partition i % partitions) sends `count` records of `size` bytes to a fresh topic; the cluster takes them with
 * acks=all on RF=3 and min.insync.replicas=2, the single broker with acks=1 on the same number of partitions
 * (RF=1). The main shape is 3 partitions with one led by each broker, the way a cluster spreads load: every broker
 * leads a third of the writes and follows the rest. The 1-partition case is the worst case for a cluster: one
 * leader takes every write and each acknowledgment waits for a follower's fetch round trip. Rounds interleave
 * (single, cluster, ...) and each side keeps its best. Each round's topic is deleted after it: followers send
 * full fetches (no fetch sessions), so every partition left behind would be in every replica fetch. The brokers'
 * CPU time during the runs (from /proc, Linux only; mean of the rounds) is reported per record as well: the cost
 * of replication, and what bounds the ratio on a machine with fewer cores than processes.
 *
 * Failover: a one-partition RF=3 topic led by a chosen broker; a kafkajs producer writes acks=all records one
 * after another while the leader's process gets a signal between two writes; the figure is the time from the
 * signal to the first write acknowledged by the new leader (bench/cluster-failover.ts), including the client's
 * retries (FAILOVER_RETRY) and metadata refreshes. SIGKILL: the controller learns of the death when the
 * leader's ZooKeeper session expires, so the session timeout dominates. SIGTERM: controlled shutdown moves
 * leadership first. Both first with a leader that is not the controller (partition failover alone), then SIGKILL
 * of a leader that is also the controller (controller failover as well). The killed broker is restarted on its
 * log dir after each round.
 */
const BROKER_IDS = [1, 2, 3] as const;
const SESSION_TIMEOUT_MS = 6000;
const MIN_INSYNC = 2;
const ROUNDS = 5;
const FAILOVER_ROUNDS = 3;
const CASES = [
  { size: 100, count: 200_000, partitions: 3 },
  { size: 1024, count: 20_000, partitions: 3 },
  { size: 100, count: 200_000, partitions: 1 },
];
const FAILOVERS = [
  { signal: 'SIGKILL', controller: false, label: 'leader SIGKILLed' },
  { signal: 'SIGTERM', controller: false, label: 'leader SIGTERMed (controlled shutdown)' },
  { signal: 'SIGKILL', controller: true, label: 'leader SIGKILLed while it is also the controller' },
] as const;
/** How long a broker may take to join the cluster (registration, then the controller's metadata). */
const MEMBERSHIP_TIMEOUT_MS = 60_000;
const IN_SYNC_TIMEOUT_MS = 30_000;

const exec = promisify(execFile);
type BrokerId = (typeof BROKER_IDS)[number];

/** The three ZooKeeper-mode broker processes by id; a restart keeps the broker's id and log dir. */
class ClusterProcesses {
  readonly #brokers = new Map<BrokerId, BrokerProcess>();
  readonly #processes: BrokerProcesses;
  readonly #propertiesOf: (id: BrokerId) => Record<string, string>;

  constructor(processes: BrokerProcesses, propertiesOf: (id: BrokerId) => Record<string, string>) {
    this.#processes = processes;
    this.#propertiesOf = propertiesOf;
  }

  async start(): Promise<void> {
    await Promise.all(BROKER_IDS.map((id) => this.#startBroker(id)));
    await this.#awaitMembership();
  }

  broker(id: BrokerId): BrokerProcess {
    return this.#brokers.get(id)!;
  }

  running(): BrokerProcess[] {
    return [...this.#brokers.values()].filter((b) => b.running());
  }

  /** The running brokers' addresses, comma-separated. */
  bootstrap(): string {
    return this.running()
      .map((b) => b.bootstrap)
      .join(',');
  }

  async restart(id: BrokerId): Promise<void> {
    await this.#startBroker(id);
    await this.#awaitMembership();
  }

  async #startBroker(id: BrokerId): Promise<void> {
    this.#brokers.set(id, await this.#processes.start(`broker ${id}`, this.#propertiesOf(id)));
  }

  /** Until the brokers' metadata lists all three and a controller. */
  async #awaitMembership(): Promise<void> {
    let seen = 'nothing yet';
    await withAdmin(this.bootstrap(), (admin) =>
      waitFor(
        async () => {
          const { brokers, controller } = await admin.describeCluster();
          seen = `brokers ${brokers.map((b) => b.nodeId).join(',')}, controller ${controller}`;
          return brokers.length === BROKER_IDS.length && controller !== null && controller >= 0;
        },
        MEMBERSHIP_TIMEOUT_MS,
        () => `three brokers and a controller (saw ${seen})`,
      ),
    );
  }
}

async function withAdmin<T>(bootstrap: string, use: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = new Kafka({ brokers: bootstrap.split(','), logLevel: logLevel.NOTHING, retry: FAILOVER_RETRY }).admin();
  await admin.connect();
  try {
    return await use(admin);
  } finally {
    await admin.disconnect();
  }
}

/** Creates `topic` with these replicas per partition and waits until each is led by its first replica, ISR full. */
async function createReplicated(
  admin: Admin,
  topic: string,
  assignment: readonly (readonly number[])[],
): Promise<void> {
  await admin.createTopics({
    topics: [
      {
        topic,
        replicaAssignment: assignment.map((replicas, partition) => ({ partition, replicas: [...replicas] })),
        configEntries: [{ name: 'min.insync.replicas', value: String(MIN_INSYNC) }],
      },
    ],
    waitForLeaders: true,
  });
  let seen = 'nothing yet';
  await waitFor(
    async () => {
      let partitions: PartitionMetadata[];
      try {
        partitions = (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0]?.partitions ?? [];
      } catch (err) {
        // a broker the controller's UpdateMetadata has not reached yet does not know the topic
        if ((err as KafkaJSError).retriable !== true) throw err;
        seen = String(err);
        return false;
      }
      seen = JSON.stringify(partitions.map((p) => ({ p: p.partitionId, leader: p.leader, isr: p.isr })));
      return (
        partitions.length === assignment.length &&
        partitions.every((p) => {
          const replicas = assignment[p.partitionId]!;
          return p.leader === replicas[0] && p.isr.length === replicas.length;
        })
      );
    },
    IN_SYNC_TIMEOUT_MS,
    () => `${topic} led by its preferred replicas with full ISRs (saw ${seen})`,
  );
}

/** The broker ids rotated left by `by`: replica lists whose first (preferred leader) moves from broker to broker. */
function rotate(by: number): number[] {
  return BROKER_IDS.map((_, i) => BROKER_IDS[(i + by) % BROKER_IDS.length]!);
}

interface ProduceRun {
  ms: number;
  /** CPU the brokers used meanwhile, all together; null where it cannot be read. */
  brokerCpuMs: number | null;
}

/** One run of the librdkafka producer against `brokers`, which get the records with `acks`. */
async function produce(
  perf: string,
  brokers: readonly BrokerProcess[],
  topic: string,
  c: (typeof CASES)[number],
  acks: string,
): Promise<ProduceRun> {
  const bootstrap = brokers.map((b) => b.bootstrap).join(',');
  const args = ['produce', bootstrap, topic, String(c.partitions), String(c.count), String(c.size), acks];
  const before = await totalCpuMs(brokers);
  const { stdout } = await exec(perf, args, { timeout: 300_000 });
  const after = await totalCpuMs(brokers);
  const { produceMs } = JSON.parse(stdout.trim()) as { produceMs: number };
  return { ms: produceMs, brokerCpuMs: before === null || after === null ? null : after - before };
}

async function totalCpuMs(brokers: readonly BrokerProcess[]): Promise<number | null> {
  const each = await Promise.all(brokers.map((b) => b.cpuMs()));
  return each.some((ms) => ms === null) ? null : each.reduce<number>((sum, ms) => sum + ms!, 0);
}

/**
 * One side's runs: the fastest, and broker CPU per run averaged over all of them (Linux charges CPU in 10 ms
 * ticks to whoever runs at the tick, so one short run's figure is a rough sample; a sum is steadier than a best).
 */
class Side {
  bestMs = Infinity;
  #cpuMs: number | null = 0;
  #runs = 0;

  add(run: ProduceRun): void {
    this.bestMs = Math.min(this.bestMs, run.ms);
    this.#cpuMs = run.brokerCpuMs === null || this.#cpuMs === null ? null : this.#cpuMs + run.brokerCpuMs;
    this.#runs++;
  }

  get meanCpuMs(): number | null {
    return this.#cpuMs === null ? null : this.#cpuMs / this.#runs;
  }
}

async function throughputRows(perf: string, cluster: ClusterProcesses, single: BrokerProcess): Promise<BenchResult[]> {
  const rows: BenchResult[] = [];
  let topicNumber = 0;
  for (const c of CASES) {
    const cluster3 = new Side();
    const single1 = new Side();
    for (let round = 0; round < ROUNDS; round++) {
      const topic = `throughput-${topicNumber++}`;
      const assignment = Array.from({ length: c.partitions }, (_, p) => rotate(p + round));
      await withAdmin(cluster.bootstrap(), (admin) => createReplicated(admin, topic, assignment));
      await withAdmin(single.bootstrap, (admin) =>
        admin.createTopics({ topics: [{ topic, numPartitions: c.partitions }], waitForLeaders: true }),
      );
      single1.add(await produce(perf, [single], topic, c, '1'));
      cluster3.add(await produce(perf, cluster.running(), topic, c, 'all'));
      await withAdmin(cluster.bootstrap(), (admin) => admin.deleteTopics({ topics: [topic] }));
      await withAdmin(single.bootstrap, (admin) => admin.deleteTopics({ topics: [topic] }));
    }
    const shape = c.partitions === 1 ? '1 partition' : `${c.partitions} partitions, one led by each broker`;
    const perSecond = (ms: number): number => (c.count * 1000) / ms;
    const label = `${c.count.toLocaleString('en-US')} × ${c.size} B to ${shape}`;
    rows.push(
      row(
        `produce ${label}: 3 brokers acks=all RF=3 min.insync=${MIN_INSYNC} vs 1 broker acks=1 ` +
          `(records/s, goal ≥ 0.6×)`,
        perSecond(cluster3.bestMs),
        'records/s',
        perSecond(single1.bestMs),
      ),
    );
    const [clusterCpuMs, singleCpuMs] = [cluster3.meanCpuMs, single1.meanCpuMs];
    if (clusterCpuMs !== null && singleCpuMs !== null) {
      const perRecord = (ms: number): number => (ms * 1000) / c.count;
      rows.push(
        row(
          `broker CPU for that (produce ${label}): 3 brokers together vs 1 broker, mean of the rounds ` +
            `(µs/record; ratio = times the single broker's; three copies make ~3× the expectation)`,
          perRecord(clusterCpuMs),
          'µs/record',
          perRecord(singleCpuMs),
        ),
      );
    }
  }
  return rows;
}

/** One failover: a fresh topic led by the chosen broker, the timed signal, then the broker restarted. */
async function failoverRound(
  cluster: ClusterProcesses,
  kind: (typeof FAILOVERS)[number],
  topic: string,
  round: number,
): Promise<FailoverTiming> {
  const leader = await withAdmin(cluster.bootstrap(), async (admin) => {
    const { controller } = await admin.describeCluster();
    const controllerId = BROKER_IDS.find((id) => id === controller);
    if (controllerId === undefined)
      throw new Error(`no controller among brokers ${BROKER_IDS.join(',')}: ${controller}`);
    const others = BROKER_IDS.filter((id) => id !== controllerId);
    const leader = kind.controller ? controllerId : others[round % others.length]!;
    await createReplicated(admin, topic, [[leader, ...BROKER_IDS.filter((id) => id !== leader)]]);
    return leader;
  });
  const broker = cluster.broker(leader);
  const timing = await timeFailover({
    bootstrap: cluster.bootstrap(),
    topic,
    leader: broker.bootstrap,
    signal: () => broker.signal(kind.signal),
  });
  await broker.exit();
  await cluster.restart(leader);
  await withAdmin(cluster.bootstrap(), (admin) => admin.deleteTopics({ topics: [topic] }));
  return timing;
}

async function failoverRows(cluster: ClusterProcesses): Promise<BenchResult[]> {
  const rows: BenchResult[] = [];
  const client = `kafkajs, retry back-off ${FAILOVER_RETRY.initialRetryTime}–${FAILOVER_RETRY.maxRetryTime} ms`;
  for (const [k, kind] of FAILOVERS.entries()) {
    const timings: FailoverTiming[] = [];
    for (let round = 0; round < FAILOVER_ROUNDS; round++) {
      timings.push(await failoverRound(cluster, kind, `failover-${k}-${round}`, round));
    }
    const prefix = `failover, ${kind.label}, zookeeper.session.timeout.ms=${SESSION_TIMEOUT_MS}`;
    rows.push(
      timeRow(
        `${prefix}: signal → first acks=all write acknowledged by the new leader (${client}`,
        timings.map((t) => t.failoverMs),
      ),
    );
    if (kind.signal === 'SIGTERM') {
      rows.push(
        timeRow(
          `${prefix}: longest wait for an acks=all acknowledgment from the signal on (${client}`,
          timings.map((t) => t.longestPauseMs),
        ),
      );
    }
  }
  return rows;
}

/** The median of `ms` as the value; the name ends with the number of rounds and their range. */
function timeRow(name: string, ms: readonly number[]): BenchResult {
  const sorted = [...ms].sort((a, b) => a - b);
  const range = `${Math.round(sorted[0]!)}–${Math.round(sorted[sorted.length - 1]!)} ms`;
  return row(`${name}; median of ${ms.length}, range ${range})`, sorted[Math.floor(sorted.length / 2)]!, 'ms');
}

export async function run(): Promise<BenchResult[]> {
  let perf: string;
  try {
    perf = await nativeDriver('rdkafka-perf', ['-lrdkafka']);
  } catch (err) {
    if (err instanceof NativeDriverError) return [row(`cluster suite skipped: ${err.message}`, 0, '')];
    throw err;
  }
  const dir = await mkdtemp(join(tmpdir(), 'samsa-bench-cluster-'));
  const processes = new BrokerProcesses();
  let zookeeper: LocalZooKeeper | undefined;
  try {
    try {
      zookeeper = await startLocalZooKeeper({ dataDir: join(dir, 'zookeeper') });
    } catch (err) {
      if (err instanceof ZooKeeperNotFoundError) return [row(`cluster suite skipped: ${err.message}`, 0, '')];
      throw err;
    }
    const zookeeperConnect = `${zookeeper.connectString}/bench-${process.pid}`;
    const cluster = new ClusterProcesses(processes, (id) => ({
      'broker.id': String(id),
      listeners: 'PLAINTEXT://127.0.0.1:0',
      'log.dirs': join(dir, `broker-${id}`),
      'zookeeper.connect': zookeeperConnect,
      'zookeeper.session.timeout.ms': String(SESSION_TIMEOUT_MS),
      'default.replication.factor': String(BROKER_IDS.length),
      'offsets.topic.replication.factor': String(BROKER_IDS.length),
      'min.insync.replicas': String(MIN_INSYNC),
    }));
    const [single] = await Promise.all([
      processes.start('single broker', {
        listeners: 'PLAINTEXT://127.0.0.1:0',
        'log.dirs': join(dir, 'single'),
        'offsets.topic.replication.factor': '1',
      }),
      cluster.start(),
    ]);
    const results = [...(await throughputRows(perf, cluster, single)), ...(await failoverRows(cluster))];
    if (processes.errors.length > 0) {
      console.log(`brokers logged ${processes.errors.length} error line(s); the first ones:`);
      for (const line of processes.errors.slice(0, 10)) console.log(`  ${line}`);
    }
    return results;
  } finally {
    await processes.killAll();
    await zookeeper?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

import { execFile } from 'node:child_process';
import { mkdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { startBroker } from '../../broker/index.js';
import { row, type BenchResult } from '../harness.js';

/**
 * Consumer-group coordination times driven by librdkafka's KafkaConsumer (bench/native/rdkafka-group.c, built here
 * against Debian's librdkafka-dev), against Samsa (in this process) and against librdkafka's in-process mock
 * cluster in the same run. Rounds interleave (mock, Samsa, ...) and each side keeps its best; times are reported
 * as ms with ratio = mock ms / Samsa ms, so ≥ 1.0 means Samsa is as fast (the broker suite's rates read the same
 * way).
 *
 * The mock (librdkafka 2.0) coordinates on fixed timers, not on who has joined: a group's first rebalance
 * completes 3000 ms after the first JoinGroup (not configurable; Samsa gets group.initial.rebalance.delay.ms=3000
 * so both sides wait the same), and a rebalance of a running group completes session.timeout.ms − 1000 ms after
 * it starts, whereas Kafka (and Samsa) completes it once every known member has rejoined, which members learn
 * from their next heartbeat. Both sides use the same client settings (SESSION_MS, HEARTBEAT_MS).
 *
 * Cases: one member from rd_kafka_subscribe to its first assignment (and that time less the 3000 ms delay both
 * sides impose, i.e. the coordination overhead); ten members subscribing back to back, from the last subscribe
 * until all ten hold a split of the topic; then an 11th member joining that Stable ten-member group, until all
 * eleven hold their new assignment — the "rebalance with 10 members" figure.
 */
const here = dirname(fileURLToPath(import.meta.url));
const SOURCE = join(here, '..', 'native', 'rdkafka-group.c');
const BINARY = join(here, '..', '..', 'node_modules', '.cache', 'samsa-bench', 'rdkafka-group');
const ROUNDS = 5;
const TOPIC = 'groups-bench';
const PARTITIONS = 12;
const MEMBERS = 10;
/** The mock's fixed first-rebalance delay, given to Samsa as group.initial.rebalance.delay.ms. */
const INITIAL_DELAY_MS = 3000;
/** Kafka's default group.min.session.timeout.ms, the shortest session a default broker accepts. */
const SESSION_MS = 6000;
const HEARTBEAT_MS = 100;

const exec = promisify(execFile);

interface Timing {
  formMs: number;
  rebalanceMs?: number;
}

async function buildDriver(): Promise<string | null> {
  const [source, binary] = await Promise.all([stat(SOURCE), stat(BINARY).catch(() => null)]);
  if (binary !== null && binary.mtimeMs >= source.mtimeMs) return null;
  await mkdir(dirname(BINARY), { recursive: true });
  try {
    await exec('gcc', ['-O2', '-o', BINARY, SOURCE, '-lrdkafka', '-lpthread']);
    return null;
  } catch (err) {
    return `cannot build the librdkafka driver (apt-get install -y librdkafka-dev): ${(err as Error).message}`;
  }
}

async function drive(target: string, group: string, members: number, extra: boolean): Promise<Timing> {
  const args = [target, TOPIC, String(PARTITIONS), group, String(members), extra ? '1' : '0'];
  args.push(String(SESSION_MS), String(HEARTBEAT_MS));
  try {
    const { stdout } = await exec(BINARY, args, { timeout: 300_000 });
    return JSON.parse(stdout.trim()) as Timing;
  } catch (err) {
    // execFile's message carries the driver's stderr, which says which phase stalled and how far it got
    throw new Error(`rdkafka-group against ${target} (${group}): ${(err as Error).message}`, { cause: err });
  }
}

/** A time row: value and reference in ms, ratio reference/value so that ≥ 1.0 means Samsa is as fast. */
function timeRow(name: string, samsaMs: number, mockMs: number): BenchResult {
  return { ...row(name, samsaMs, 'ms', mockMs), ratio: Math.round((mockMs / samsaMs) * 100) / 100 };
}

export async function run(): Promise<BenchResult[]> {
  const problem = await buildDriver();
  if (problem !== null) return [row(`groups suite skipped: ${problem}`, 0, '')];
  const broker = await startBroker({
    properties: { 'group.initial.rebalance.delay.ms': String(INITIAL_DELAY_MS) },
  });
  const admin = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  const best = {
    mock: { join: Infinity, form: Infinity, rebalance: Infinity },
    samsa: { join: Infinity, form: Infinity, rebalance: Infinity },
  };
  try {
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS }], waitForLeaders: true });
    for (let round = 0; round < ROUNDS; round++) {
      for (const [side, target] of [
        ['mock', 'mock'],
        ['samsa', broker.bootstrap],
      ] as const) {
        const join = await drive(target, `join-${round}`, 1, false);
        const many = await drive(target, `rebalance-${round}`, MEMBERS, true);
        best[side].join = Math.min(best[side].join, join.formMs);
        best[side].form = Math.min(best[side].form, many.formMs);
        best[side].rebalance = Math.min(best[side].rebalance, many.rebalanceMs ?? Infinity);
      }
    }
  } finally {
    await admin.disconnect();
    await broker.stop();
  }
  const clients = `session.timeout.ms=${SESSION_MS}, heartbeat.interval.ms=${HEARTBEAT_MS}`;
  const delay = `group.initial.rebalance.delay.ms=${INITIAL_DELAY_MS} on both`;
  return [
    timeRow(
      `1 member, subscribe → first assignment (${delay}): Samsa vs librdkafka mock (ms)`,
      best.samsa.join,
      best.mock.join,
    ),
    timeRow(
      `1 member, subscribe → first assignment, less the ${INITIAL_DELAY_MS} ms delay: Samsa vs librdkafka mock (ms)`,
      best.samsa.join - INITIAL_DELAY_MS,
      best.mock.join - INITIAL_DELAY_MS,
    ),
    timeRow(
      `${MEMBERS} members on ${PARTITIONS} partitions, last subscribe → all assigned (${delay}; Kafka extends the delay while members arrive, the mock does not): Samsa vs librdkafka mock (ms)`,
      best.samsa.form,
      best.mock.form,
    ),
    timeRow(
      `rebalance: 11th member joins a Stable ${MEMBERS}-member group → all 11 reassigned (${clients}; the mock waits session.timeout.ms − 1000 by design): Samsa vs librdkafka mock (ms)`,
      best.samsa.rebalance,
      best.mock.rebalance,
    ),
  ];
}

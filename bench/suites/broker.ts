import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { startBroker } from '../../broker/index.js';
import { row, type BenchResult } from '../harness.js';

/**
 * Produce and consume throughput driven by librdkafka (bench/native/rdkafka-perf.c, built here against Debian's
 * librdkafka-dev), against Samsa (in this process) and against librdkafka's in-process mock cluster
 * (test.mock.num.brokers) in the same run, as a ratio (goal from issue 4: ≥ 1.0× the mock).
 *
 * Each case produces `count` records of `size` bytes to partition 0 of a fresh single-partition topic (created
 * before the clock starts on both sides), then consumes them from the beginning with the simple consumer in
 * 64 KiB fetches (many round trips); the consume clock starts once the consumer is connected and knows the
 * partition's leader. The mock keeps only ~5 MB per partition, so each case stays below
 * that. Rounds interleave (mock, Samsa, ...) and each side keeps its best.
 *
 * kafkajs as the driver: the same producer code against Samsa and against a mock cluster served by
 * `rdkafka-perf serve` (produce only: kafkajs consumes through groups, which come with issue 5).
 */
const here = dirname(fileURLToPath(import.meta.url));
const SOURCE = join(here, '..', 'native', 'rdkafka-perf.c');
const BINARY = join(here, '..', '..', 'node_modules', '.cache', 'samsa-bench', 'rdkafka-perf');
const ROUNDS = 7;
const CASES = [
  { size: 100, count: 40_000, acks: '1' },
  { size: 100, count: 40_000, acks: 'all' },
  { size: 1024, count: 4_000, acks: '1' },
  { size: 1024, count: 4_000, acks: 'all' },
];

const exec = promisify(execFile);

interface Timing {
  produceMs: number;
  consumeMs: number;
}

async function buildPerf(): Promise<string | null> {
  const [source, binary] = await Promise.all([stat(SOURCE), stat(BINARY).catch(() => null)]);
  if (binary !== null && binary.mtimeMs >= source.mtimeMs) return null;
  await mkdir(dirname(BINARY), { recursive: true });
  try {
    await exec('gcc', ['-O2', '-o', BINARY, SOURCE, '-lrdkafka']);
    return null;
  } catch (err) {
    return `cannot build the librdkafka driver (apt-get install -y librdkafka-dev): ${(err as Error).message}`;
  }
}

async function perf(target: string, topic: string, count: number, size: number, acks: string): Promise<Timing> {
  const { stdout } = await exec(BINARY, [target, topic, String(count), String(size), acks], { timeout: 300_000 });
  return JSON.parse(stdout.trim()) as Timing;
}

const KAFKAJS_CASES = [
  { size: 100, count: 20_000, acks: 1 },
  { size: 1024, count: 5_000, acks: -1 },
];
const KAFKAJS_BATCH = 500;

/** A mock cluster in a child process; resolves with its bootstrap address and a way to stop it. */
async function serveMock(topic: string): Promise<{ bootstrap: string; stop: () => Promise<void> }> {
  const child = spawn(BINARY, ['serve', topic], { stdio: ['pipe', 'pipe', 'ignore'] });
  const [line] = (await once(child.stdout, 'data')) as [Buffer];
  return {
    bootstrap: line.toString().trim(),
    stop: async () => {
      child.stdin.end();
      await once(child, 'exit');
    },
  };
}

/** ms for kafkajs, in a child process, to send `count` records of `size` bytes (bench/kafkajs-produce.ts). */
async function kafkajsProduce(
  bootstrap: string,
  topic: string,
  count: number,
  size: number,
  acks: number,
): Promise<number> {
  const script = join(here, '..', 'kafkajs-produce.ts');
  const args = [bootstrap, topic, String(count), String(size), String(acks), String(KAFKAJS_BATCH)];
  const { stdout } = await exec(process.execPath, ['--import', 'tsx', script, ...args], { timeout: 300_000 });
  return Number(stdout.trim());
}

async function kafkajsRows(bootstrap: string, admin: ReturnType<Kafka['admin']>): Promise<BenchResult[]> {
  const topic = 'kafkajs-perf';
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
  const mock = await serveMock(topic);
  const rows: BenchResult[] = [];
  try {
    for (const { size, count, acks } of KAFKAJS_CASES) {
      let mockMs = Infinity;
      let samsaMs = Infinity;
      for (let round = 0; round < ROUNDS; round++) {
        mockMs = Math.min(mockMs, await kafkajsProduce(mock.bootstrap, topic, count, size, acks));
        samsaMs = Math.min(samsaMs, await kafkajsProduce(bootstrap, topic, count, size, acks));
      }
      const perSecond = (ms: number): number => (count * 1000) / ms;
      rows.push(
        row(
          `kafkajs produce ${count.toLocaleString('en-US')} × ${size} B, acks=${acks}: Samsa vs librdkafka mock (records/s)`,
          perSecond(samsaMs),
          'records/s',
          perSecond(mockMs),
        ),
      );
    }
  } finally {
    await mock.stop();
  }
  return rows;
}

export async function run(): Promise<BenchResult[]> {
  const problem = await buildPerf();
  if (problem !== null) return [row(`broker suite skipped: ${problem}`, 0, '')];
  const broker = await startBroker();
  const kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const results: BenchResult[] = [];
  try {
    let topicNumber = 0;
    for (const { size, count, acks } of CASES) {
      const best = {
        mock: { produceMs: Infinity, consumeMs: Infinity },
        samsa: { produceMs: Infinity, consumeMs: Infinity },
      };
      for (let round = 0; round < ROUNDS; round++) {
        const topic = `perf-${topicNumber++}`;
        await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
        for (const [side, target] of [
          ['mock', 'mock'],
          ['samsa', broker.bootstrap],
        ] as const) {
          const t = await perf(target, topic, count, size, acks);
          best[side].produceMs = Math.min(best[side].produceMs, t.produceMs);
          best[side].consumeMs = Math.min(best[side].consumeMs, t.consumeMs);
        }
      }
      const label = `${count.toLocaleString('en-US')} × ${size} B, acks=${acks}`;
      const perSecond = (ms: number): number => (count * 1000) / ms;
      results.push(
        row(
          `produce ${label}: Samsa vs librdkafka mock (records/s, goal ≥ 1.0×)`,
          perSecond(best.samsa.produceMs),
          'records/s',
          perSecond(best.mock.produceMs),
        ),
        row(
          `consume ${label}: Samsa vs librdkafka mock (records/s, goal ≥ 1.0×)`,
          perSecond(best.samsa.consumeMs),
          'records/s',
          perSecond(best.mock.consumeMs),
        ),
      );
    }
    results.push(...(await kafkajsRows(broker.bootstrap, admin)));
  } finally {
    await admin.disconnect();
    await broker.stop();
  }
  return results;
}

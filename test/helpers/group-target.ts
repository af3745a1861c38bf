import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { startBroker, type EmbeddedBroker } from '../../broker/index.js';

/**
 * Where the consumer-group tests run. `samsa` (the default, and what the committed tests prove) is the embedded
 * broker; `SAMSA_GROUP_TEST_TARGET=mock` runs the same clients against librdkafka's mock cluster (an independent
 * group coordinator), to tell a wrong test from a wrong broker. The mock has no admin APIs (CreateTopics,
 * DescribeGroups, ListGroups, DeleteGroups), so it creates the topics itself and admin-only tests skip on it.
 */
export type GroupTargetKind = 'samsa' | 'mock';

export const GROUP_TEST_TARGET: GroupTargetKind = process.env['SAMSA_GROUP_TEST_TARGET'] === 'mock' ? 'mock' : 'samsa';

/** True when the tests run against the mock cluster (for `it.skipIf` on admin-only behaviour). */
export const ON_MOCK = GROUP_TEST_TARGET === 'mock';

/**
 * Properties for group tests on Samsa: sessions down to 1 s so that expiry tests stay short, and no initial
 * rebalance delay (the embedded default, repeated because tests depend on it).
 */
export const FAST_GROUP_PROPERTIES: Readonly<Record<string, string>> = {
  'group.min.session.timeout.ms': '1000',
  'group.initial.rebalance.delay.ms': '0',
};

export interface GroupTarget {
  readonly kind: GroupTargetKind;
  /** host:port for clients. */
  readonly bootstrap: string;
  /** The embedded broker (Samsa only). */
  readonly embedded: EmbeddedBroker | undefined;
  stop(): Promise<void>;
}

export interface GroupTargetOptions {
  /** Topics and their partition counts, created before the target is handed out. */
  topics: Readonly<Record<string, number>>;
  /** Broker properties for Samsa (over FAST_GROUP_PROPERTIES). */
  properties?: Readonly<Record<string, string>>;
}

const here = dirname(fileURLToPath(import.meta.url));
const MOCK_SOURCE = join(here, 'native', 'mock-cluster.c');
const MOCK_BINARY = join(here, '..', '..', 'node_modules', '.cache', 'samsa-test', 'mock-cluster');

/** Starts the selected target with `topics` created. */
export async function startGroupTarget(options: GroupTargetOptions): Promise<GroupTarget> {
  return GROUP_TEST_TARGET === 'mock' ? startMock(options.topics) : startSamsa(options);
}

async function startSamsa(options: GroupTargetOptions): Promise<GroupTarget> {
  const embedded = await startBroker({ properties: { ...FAST_GROUP_PROPERTIES, ...options.properties } });
  const kafka = new Kafka({ clientId: 'group-target', brokers: [embedded.bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const topics = Object.entries(options.topics).map(([topic, numPartitions]) => ({ topic, numPartitions }));
    if (topics.length > 0) await admin.createTopics({ topics, waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
  return { kind: 'samsa', bootstrap: embedded.bootstrap, embedded, stop: () => embedded.stop() };
}

async function startMock(topics: Readonly<Record<string, number>>): Promise<GroupTarget> {
  await buildMock();
  const args = Object.entries(topics).map(([topic, partitions]) => `${topic}:${partitions}`);
  const child = spawn(MOCK_BINARY, args, { stdio: ['pipe', 'pipe', 'ignore'] });
  const [line] = (await once(child.stdout, 'data')) as [Buffer];
  return {
    kind: 'mock',
    bootstrap: line.toString().trim(),
    embedded: undefined,
    async stop() {
      child.stdin.end();
      await once(child, 'exit');
    },
  };
}

async function buildMock(): Promise<void> {
  const [source, binary] = await Promise.all([stat(MOCK_SOURCE), stat(MOCK_BINARY).catch(() => null)]);
  if (binary !== null && binary.mtimeMs >= source.mtimeMs) return;
  await mkdir(dirname(MOCK_BINARY), { recursive: true });
  await promisify(execFile)('gcc', ['-O2', '-o', MOCK_BINARY, MOCK_SOURCE, '-lrdkafka']);
}

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeOffsetCommitValue, decodeOffsetsTopicKey } from '../../../broker/group/consumer-offsets-records.js';
import { javaStringHashCode, kafkaAbs, OFFSETS_TOPIC } from '../../../broker/group/offsets-topic.js';
import { startBroker, type EmbeddedBroker } from '../../../broker/index.js';
import {
  batchViews,
  CreateTopics,
  decodeBatch,
  decodeResponse,
  DescribeConfigs,
  encodeRequest,
  ErrorCode,
  Fetch,
  FindCoordinator,
  Metadata,
  OffsetCommit,
  OffsetFetch,
  type ApiSchema,
  type Decoded,
  type RequestInput,
} from '../../../protocol/index.js';
import { WireClient } from '../../helpers/wire-client.js';

/** Sends one request on a fresh connection and decodes its response. */
async function call<A extends ApiSchema>(
  port: number,
  schema: A,
  apiVersion: number,
  body: RequestInput<A>,
): Promise<Decoded<A['response']>> {
  const client = await WireClient.connect(port);
  try {
    client.send(encodeRequest(schema, { apiVersion, correlationId: 7, clientId: 'offsets-topic-test' }, body));
    const frame = await client.nextFrame();
    if (frame === null) throw new Error(`${schema.name} v${apiVersion}: connection closed`);
    return decodeResponse(schema, apiVersion, frame).body;
  } finally {
    client.close();
  }
}

/** Polls `fn` until `done` holds for its result (groups answer COORDINATOR_LOAD_IN_PROGRESS while loading). */
async function until<T>(fn: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const portOf = (embedded: EmbeddedBroker): number => Number(embedded.bootstrap.split(':').at(-1));
const GROUP = 'standalone-committer';

describe('__consumer_offsets on a real broker', () => {
  let dir: string;
  let broker: EmbeddedBroker;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'samsa-offsets-it-'));
    broker = await startBroker({ properties: { 'log.dirs': dir } });
  });

  afterAll(async () => {
    await broker.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('FindCoordinator creates the topic and names this broker, single and batched', async () => {
    const port = portOf(broker);
    const v2 = await call(port, FindCoordinator, 2, { key: 'group', keyType: 0 });
    expect(v2).toMatchObject({ errorCode: ErrorCode.NONE, nodeId: 0, host: '127.0.0.1', port });
    const v0 = await call(port, FindCoordinator, 0, { key: 'other' });
    expect(v0).toMatchObject({ errorCode: ErrorCode.NONE, nodeId: 0, port });
    const v4 = await call(port, FindCoordinator, 4, { keyType: 0, coordinatorKeys: ['a', 'b', ''] });
    expect(v4.coordinators.map((c) => [c.key, c.errorCode, c.port])).toEqual([
      ['a', ErrorCode.NONE, port],
      ['b', ErrorCode.NONE, port],
      ['', ErrorCode.INVALID_REQUEST, -1],
    ]);
    const txn = await call(port, FindCoordinator, 3, { key: 'tx', keyType: 1 });
    expect(txn.errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
  });

  it('the topic is internal, has 50 partitions and is compacted', async () => {
    const port = portOf(broker);
    const metadata = await call(port, Metadata, 1, { topics: [{ name: OFFSETS_TOPIC }] });
    const [topic] = metadata.topics;
    expect(topic).toMatchObject({ name: OFFSETS_TOPIC, errorCode: ErrorCode.NONE, isInternal: true });
    expect(topic!.partitions).toHaveLength(50);
    expect(topic!.partitions.every((p) => p.leaderId === 0)).toBe(true);
    const configs = await call(port, DescribeConfigs, 1, {
      resources: [
        {
          resourceType: 2,
          resourceName: OFFSETS_TOPIC,
          configurationKeys: ['cleanup.policy', 'compression.type', 'segment.bytes'],
        },
      ],
      includeSynonyms: false,
    });
    const values = Object.fromEntries(configs.results[0]!.configs.map((c) => [c.name, c.value]));
    expect(values).toEqual({
      'cleanup.policy': 'compact',
      'compression.type': 'producer',
      'segment.bytes': '104857600',
    });
  });

  it("keeps standalone commits in Kafka's record format across a restart", async () => {
    let port = portOf(broker);
    const created = await call(port, CreateTopics, 2, {
      topics: [{ name: 'data', numPartitions: 2, replicationFactor: 1, assignments: [], configs: [] }],
      timeoutMs: 10_000,
      validateOnly: false,
    });
    expect(created.topics[0]!.errorCode).toBe(ErrorCode.NONE);
    const commit = await until(
      () =>
        call(port, OffsetCommit, 2, {
          groupId: GROUP,
          generationIdOrMemberEpoch: -1,
          memberId: '',
          retentionTimeMs: -1,
          topics: [
            {
              name: 'data',
              partitions: [
                { partitionIndex: 0, committedOffset: 42, committedMetadata: 'm0' },
                { partitionIndex: 1, committedOffset: 7, committedMetadata: null },
              ],
            },
          ],
        }),
      (r) => r.topics[0]!.partitions.every((p) => p.errorCode !== ErrorCode.COORDINATOR_LOAD_IN_PROGRESS),
    );
    expect(commit.topics[0]!.partitions.map((p) => p.errorCode)).toEqual([ErrorCode.NONE, ErrorCode.NONE]);

    // the records in the group's partition decode with Kafka's formats
    const partition = kafkaAbs(javaStringHashCode(GROUP)) % 50;
    const fetched = await call(port, Fetch, 4, {
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1 << 20,
      isolationLevel: 0,
      topics: [{ topic: OFFSETS_TOPIC, partitions: [{ partition, fetchOffset: 0, partitionMaxBytes: 1 << 20 }] }],
    });
    const records = fetched.responses[0]!.partitions[0]!.records!;
    const commits: unknown[] = [];
    for (const batch of batchViews(records)) {
      for (const record of await decodeBatch(batch)) {
        const key = decodeOffsetsTopicKey(record.key!);
        if (key.kind !== 'offset') continue;
        const value = decodeOffsetCommitValue(record.value!);
        commits.push([key.version, key.group, key.topic, key.partition, value.offset, value.metadata]);
      }
    }
    expect(commits).toEqual([
      [1, GROUP, 'data', 0, 42n, 'm0'],
      [1, GROUP, 'data', 1, 7n, ''],
    ]);

    await broker.stop();
    broker = await startBroker({ properties: { 'log.dirs': dir } });
    port = portOf(broker);
    const fetch = await until(
      () =>
        call(port, OffsetFetch, 1, {
          groupId: GROUP,
          topics: [{ name: 'data', partitionIndexes: [0, 1] }],
          requireStable: false,
        }),
      (r) => r.topics[0]!.partitions.every((p) => p.errorCode !== ErrorCode.COORDINATOR_LOAD_IN_PROGRESS),
    );
    expect(
      fetch.topics[0]!.partitions.map((p) => [p.partitionIndex, p.committedOffset, p.metadata, p.errorCode]),
    ).toEqual([
      [0, 42, 'm0', ErrorCode.NONE],
      [1, 7, '', ErrorCode.NONE],
    ]);
  });
});

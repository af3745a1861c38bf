import { describe, expect, it } from 'vitest';
import { findCoordinatorHandler } from '../../../broker/api/handlers/find-coordinator.js';
import type { ApiRequest } from '../../../broker/api/router.js';
import { parseBrokerConfig } from '../../../broker/config.js';
import type { Controller, CreateTopicResult, CreateTopicSpec } from '../../../broker/controller/controller.js';
import { javaStringHashCode, kafkaAbs, OFFSETS_TOPIC, OffsetsTopic } from '../../../broker/group/offsets-topic.js';
import { createLogger } from '../../../broker/logger.js';
import { type BrokerMetadata, MetadataCache } from '../../../broker/metadata/metadata-cache.js';
import { ErrorCode, type FindCoordinator } from '../../../protocol/index.js';

const logger = createLogger({ level: 'silent' });

const broker = (brokerId: number, endpoints: [string, string, number][]): BrokerMetadata => ({
  brokerId,
  rack: null,
  endpoints: endpoints.map(([listenerName, host, port]) => ({
    listenerName,
    host,
    port,
    securityProtocol: 'PLAINTEXT',
  })),
});

/** A MetadataCache with the given brokers, and a controller whose createTopics publishes the topic with `leader`. */
function setup(options: { brokers: BrokerMetadata[]; props?: Record<string, string>; leader?: number }) {
  const config = parseBrokerConfig({ 'offsets.topic.replication.factor': '1', ...options.props });
  const metadataCache = new MetadataCache();
  metadataCache.applyUpdate({ kind: 'full', clusterId: 'c', controllerId: 0, brokers: options.brokers, topics: [] });
  const created: CreateTopicSpec[] = [];
  const controller = {
    async createTopics(specs: readonly CreateTopicSpec[]): Promise<CreateTopicResult[]> {
      await Promise.resolve();
      created.push(...specs);
      const spec = specs[0]!;
      metadataCache.applyUpdate({
        kind: 'delta',
        topics: [
          {
            name: spec.name,
            topicId: 'AAAAAAAAAAAAAAAAAAAAAQ',
            isInternal: true,
            partitions: Array.from({ length: spec.numPartitions }, (_, partition) => ({
              partition,
              leader: options.leader ?? 0,
              leaderEpoch: 0,
              replicas: [0],
              isr: [0],
              offlineReplicas: [],
            })),
          },
        ],
      });
      return [
        {
          name: spec.name,
          errorCode: ErrorCode.NONE,
          errorMessage: null,
          topicId: 'AAAAAAAAAAAAAAAAAAAAAQ',
          numPartitions: spec.numPartitions,
          replicationFactor: spec.replicationFactor,
          configs: [],
        },
      ];
    },
  } as unknown as Controller;
  return { topic: new OffsetsTopic({ config, metadataCache, controller, logger }), created, metadataCache };
}

describe('partition of a group', () => {
  it("follows Java's String.hashCode and Kafka's Utils.abs (values computed with a JVM)", () => {
    expect(javaStringHashCode('group')).toBe(98629247);
    expect(javaStringHashCode('polygenelubricants')).toBe(-2147483648);
    expect(javaStringHashCode('été-😀')).toBe(-1803456526);
    expect(javaStringHashCode('')).toBe(0);
    expect(kafkaAbs(-2147483648)).toBe(0);
    expect(kafkaAbs(-5)).toBe(5);

    const { topic } = setup({ brokers: [broker(0, [['PLAINTEXT', 'h', 1]])] });
    const cases: [string, number][] = [
      ['group', 47],
      ['polygenelubricants', 0],
      ['my-consumer-group', 13],
      // negative hash codes: Utils.abs, not a sign mask (which would give 42, 33 and 22)
      ['test-group-negative', 6],
      ['analytics-consumer-group', 15],
      ['été-😀', 26],
    ];
    for (const [groupId, partition] of cases) expect(topic.partitionFor(groupId), groupId).toBe(partition);
  });

  it('uses offsets.topic.num.partitions until the topic exists, then its partition count', async () => {
    const { topic } = setup({
      brokers: [broker(0, [['PLAINTEXT', 'h', 1]])],
      props: { 'offsets.topic.num.partitions': '7' },
    });
    expect(topic.partitionCount()).toBe(7);
    expect(topic.partitionFor('group')).toBe(98629247 % 7);
    await topic.ensureCreated();
    expect(topic.partitionCount()).toBe(7);
  });
});

describe('OffsetsTopic creation and lookup', () => {
  it('creates the compacted topic once, however many lookups race, and answers the leader on the listener', async () => {
    const { topic, created } = setup({
      brokers: [
        broker(0, [
          ['PLAINTEXT', '10.0.0.1', 9092],
          ['INTERNAL', '10.0.0.2', 9093],
        ]),
      ],
      props: { 'offsets.topic.num.partitions': '5', 'offsets.topic.segment.bytes': '1048576' },
    });
    const found = await Promise.all([topic.locate('a', 'INTERNAL'), topic.locate('b', 'PLAINTEXT')]);
    expect(created).toEqual([
      {
        name: OFFSETS_TOPIC,
        numPartitions: 5,
        replicationFactor: 1,
        configs: [
          { name: 'cleanup.policy', value: 'compact' },
          { name: 'compression.type', value: 'producer' },
          { name: 'segment.bytes', value: '1048576' },
        ],
      },
    ]);
    expect(found).toEqual([
      { errorCode: ErrorCode.NONE, errorMessage: null, nodeId: 0, host: '10.0.0.2', port: 9093 },
      { errorCode: ErrorCode.NONE, errorMessage: null, nodeId: 0, host: '10.0.0.1', port: 9092 },
    ]);
    // an unknown listener gets the broker's first endpoint, as Metadata answers
    expect(await topic.locate('a', 'OTHER')).toMatchObject({ host: '10.0.0.1', port: 9092 });
    expect(await topic.ensureCreated()).toBe(ErrorCode.NONE);
    expect(created).toHaveLength(1);
  });

  it('refuses to create the topic with fewer live brokers than the replication factor (as Kafka)', async () => {
    const { topic, created } = setup({
      brokers: [broker(0, [['PLAINTEXT', 'h', 1]])],
      props: { 'offsets.topic.replication.factor': '3' },
    });
    expect(await topic.locate('g', 'PLAINTEXT')).toMatchObject({
      errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE,
      nodeId: -1,
      host: '',
      port: -1,
    });
    expect(created).toEqual([]);
  });

  it('answers COORDINATOR_NOT_AVAILABLE while the partition has no reachable leader', async () => {
    const { topic } = setup({ brokers: [broker(0, [['PLAINTEXT', 'h', 1]])], leader: 4 });
    expect((await topic.locate('g', 'PLAINTEXT')).errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
  });
});

describe('FindCoordinator handler', () => {
  const { topic } = setup({ brokers: [broker(0, [['PLAINTEXT', 'h', 9092]])] });
  const handler = findCoordinatorHandler({ offsetsTopic: topic });
  const call = (apiVersion: number, body: Partial<ApiRequest<typeof FindCoordinator>['body']>) =>
    handler({
      header: { apiKey: 10, apiVersion, correlationId: 1, clientId: 't' },
      body: { key: '', keyType: 0, coordinatorKeys: [], ...body },
      connection: { listenerName: 'PLAINTEXT' },
    } as unknown as ApiRequest<typeof FindCoordinator>);

  it('answers one group key in v0-3, with "NONE" as the v1+ message on success, as Kafka', async () => {
    expect(await call(0, { key: 'g' })).toEqual({
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      errorMessage: 'NONE',
      nodeId: 0,
      host: 'h',
      port: 9092,
    });
    expect(await call(3, { key: '' })).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, nodeId: -1 });
    expect(await call(2, { key: 'txn', keyType: 1 })).toMatchObject({
      errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE,
      errorMessage: 'The coordinator is not available.',
    });
    expect(await call(1, { key: 'g', keyType: 7 })).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST });
  });

  it('answers every batched key in v4', async () => {
    expect(await call(4, { coordinatorKeys: ['a', 'b'] })).toEqual({
      throttleTimeMs: 0,
      coordinators: [
        { key: 'a', nodeId: 0, host: 'h', port: 9092, errorCode: ErrorCode.NONE, errorMessage: null },
        { key: 'b', nodeId: 0, host: 'h', port: 9092, errorCode: ErrorCode.NONE, errorMessage: null },
      ],
    });
    const txn = await call(4, { keyType: 1, coordinatorKeys: ['t1'] });
    expect(txn).toMatchObject({
      coordinators: [{ key: 't1', errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, nodeId: -1 }],
    });
  });
});

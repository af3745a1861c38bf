import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CREATE_PARTITIONS_RANGE, createPartitionsHandler } from '../../../broker/api/handlers/create-partitions.js';
import { ConfigSource, CREATE_TOPICS_RANGE, createTopicsHandler } from '../../../broker/api/handlers/create-topics.js';
import { DELETE_TOPICS_RANGE, deleteTopicsHandler } from '../../../broker/api/handlers/delete-topics.js';
import { DESCRIBE_CLUSTER_RANGE, describeClusterHandler } from '../../../broker/api/handlers/describe-cluster.js';
import {
  AUTHORIZED_OPERATIONS_OMITTED,
  CLUSTER_AUTHORIZED_OPERATIONS,
  METADATA_RANGE,
  metadataHandler,
  TOPIC_AUTHORIZED_OPERATIONS,
} from '../../../broker/api/handlers/metadata.js';
import { parseBrokerConfig } from '../../../broker/config.js';
import type { BrokerLifecycle } from '../../../broker/controller/controller.js';
import { LocalController } from '../../../broker/controller/local-controller.js';
import { createLogger } from '../../../broker/logger.js';
import { MetadataCache, type MetadataUpdate } from '../../../broker/metadata/metadata-cache.js';
import {
  CreatePartitions,
  CreateTopics,
  DeleteTopics,
  DescribeCluster,
  ErrorCode,
  Metadata,
  ZERO_UUID,
} from '../../../protocol/index.js';
import { callHandler } from '../../helpers/handler-call.js';

const logger = createLogger({ level: 'silent' });
const ENDPOINTS = [
  { listenerName: 'PLAINTEXT', host: '127.0.0.1', port: 9092, securityProtocol: 'PLAINTEXT' },
  { listenerName: 'INTERNAL', host: 'broker-1.internal', port: 9093, securityProtocol: 'PLAINTEXT' },
];

/** The broker's side of the controller's decisions, reduced to what Metadata needs: the cache. */
class CacheLifecycle implements BrokerLifecycle {
  constructor(readonly cache: MetadataCache) {}
  becomeLeaderOrFollower(): Promise<void> {
    return Promise.resolve();
  }
  stopReplicas(): Promise<void> {
    return Promise.resolve();
  }
  updateMetadata(update: MetadataUpdate): Promise<void> {
    this.cache.applyUpdate(update);
    return Promise.resolve();
  }
  updateTopicConfig(): Promise<void> {
    return Promise.resolve();
  }
}

let dir: string;
let cache: MetadataCache;
let controller: LocalController;

async function start(props: Record<string, string> = {}): Promise<void> {
  const config = parseBrokerConfig({ 'log.dirs': dir, 'broker.id': '1', ...props });
  cache = new MetadataCache();
  const lifecycle = new CacheLifecycle(cache);
  controller = new LocalController({ config, clusterId: 'cluster-a', lifecycle, logger, endpoints: () => ENDPOINTS });
  await controller.startup();
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'samsa-topic-handlers-'));
  await start();
});
afterEach(async () => {
  await controller.shutdown();
  await rm(dir, { recursive: true, force: true });
});

/**
 * One request through the wire codecs both ways, so each version's field set is what the handler sees and what
 * the client would read back.
 */

const metadata = (autoCreateTopicsEnable = true) =>
  metadataHandler({ metadataCache: cache, controller, autoCreateTopicsEnable });
const byName = (...names: string[]) => names.map((name) => ({ topicId: ZERO_UUID, name }));

async function create(...names: string[]): Promise<void> {
  const results = await controller.createTopics(
    names.map((name) => ({ name, numPartitions: 2, replicationFactor: 1 })),
  );
  expect(results.map((r) => r.errorCode)).toEqual(names.map(() => ErrorCode.NONE));
}

it('serves the versions protocol-surface.md asks for', () => {
  expect([
    METADATA_RANGE,
    CREATE_TOPICS_RANGE,
    DELETE_TOPICS_RANGE,
    CREATE_PARTITIONS_RANGE,
    DESCRIBE_CLUSTER_RANGE,
  ]).toEqual([
    { min: 0, max: 12 },
    { min: 0, max: 7 },
    { min: 0, max: 6 },
    { min: 0, max: 3 },
    { min: 0, max: 1 },
  ]);
});

describe('Metadata', () => {
  it('answers every topic, sorted, for null (v1+) and for an empty array in v0 only', async () => {
    await create('b', 'a');
    const v12 = await callHandler(Metadata, metadata(), 12, { topics: null, includeTopicAuthorizedOperations: false });
    expect(v12.topics.map((t) => t.name)).toEqual(['a', 'b']);
    expect(v12).toMatchObject({ clusterId: 'cluster-a', controllerId: 1 });
    expect(v12.brokers).toEqual([{ nodeId: 1, host: '127.0.0.1', port: 9092, rack: null }]);
    const [a] = v12.topics;
    expect(a).toMatchObject({ errorCode: ErrorCode.NONE, isInternal: false });
    expect(a!.topicId).toBe(cache.snapshot().topic('a')!.topicId);
    expect(a!.topicAuthorizedOperations).toBe(AUTHORIZED_OPERATIONS_OMITTED);
    expect(a!.partitions).toEqual(
      [0, 1].map((partitionIndex) => ({
        errorCode: ErrorCode.NONE,
        partitionIndex,
        leaderId: 1,
        leaderEpoch: 0,
        replicaNodes: [1],
        isrNodes: [1],
        offlineReplicas: [],
      })),
    );

    const v0 = await callHandler(Metadata, metadata(), 0, { topics: [] });
    expect(v0.topics.map((t) => t.name)).toEqual(['a', 'b']);
    expect(v0).toMatchObject({ clusterId: null, controllerId: -1 });
    const v1 = await callHandler(Metadata, metadata(), 1, { topics: [] });
    expect(v1.topics).toEqual([]);
    expect(v1.brokers).toHaveLength(1);
  });

  it('gives each broker the endpoint of the request’s listener, or its first one', async () => {
    const internal = await callHandler(Metadata, metadata(), 9, { topics: [] }, { listenerName: 'INTERNAL' });
    expect(internal.brokers).toEqual([{ nodeId: 1, host: 'broker-1.internal', port: 9093, rack: null }]);
    const other = await callHandler(Metadata, metadata(), 9, { topics: [] }, { listenerName: 'OTHER' });
    expect(other.brokers[0]).toMatchObject({ host: '127.0.0.1', port: 9092 });
  });

  it('answers named topics in request order, once each, with errors for unknown and invalid names', async () => {
    await create('x', 'y', '__consumer_offsets');
    const body = await callHandler(Metadata, metadata(), 9, {
      topics: byName('y', 'missing', 'bad/name', 'x', 'y', '__consumer_offsets'),
      allowAutoTopicCreation: false,
      includeTopicAuthorizedOperations: false,
    });
    expect(body.topics.map((t) => [t.name, t.errorCode, t.isInternal])).toEqual([
      ['y', ErrorCode.NONE, false],
      ['missing', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, false],
      ['bad/name', ErrorCode.INVALID_TOPIC_EXCEPTION, false],
      ['x', ErrorCode.NONE, false],
      ['__consumer_offsets', ErrorCode.NONE, true],
    ]);
  });

  it('creates a missing internal topic through its coordinator when the request allows it, whatever auto.create says', async () => {
    const asked: string[] = [];
    let answer: ErrorCode = ErrorCode.NONE;
    const handler = metadataHandler({
      metadataCache: cache,
      controller,
      autoCreateTopicsEnable: false,
      internalTopics: new Map([
        [
          '__consumer_offsets',
          () => {
            asked.push('__consumer_offsets');
            return Promise.resolve(answer);
          },
        ],
      ]),
    });
    const ask = (allowAutoTopicCreation: boolean) =>
      callHandler(Metadata, handler, 9, {
        topics: byName('__consumer_offsets'),
        allowAutoTopicCreation,
        includeTopicAuthorizedOperations: false,
      });
    expect((await ask(false)).topics[0]).toMatchObject({ errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION });
    expect(asked).toEqual([]);
    expect((await ask(true)).topics[0]).toMatchObject({ errorCode: ErrorCode.LEADER_NOT_AVAILABLE, isInternal: true });
    // too few brokers for offsets.topic.replication.factor: Kafka answers COORDINATOR_NOT_AVAILABLE
    answer = ErrorCode.COORDINATOR_NOT_AVAILABLE;
    expect((await ask(true)).topics[0]).toMatchObject({ errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE });
    expect(asked).toEqual(['__consumer_offsets', '__consumer_offsets']);
  });

  it('auto-creates an unknown topic: LEADER_NOT_AVAILABLE now, the topic on the next call', async () => {
    const first = await callHandler(Metadata, metadata(), 4, { topics: byName('auto'), allowAutoTopicCreation: true });
    expect(first.topics).toMatchObject([{ name: 'auto', errorCode: ErrorCode.LEADER_NOT_AVAILABLE, partitions: [] }]);
    const next = await callHandler(Metadata, metadata(), 4, { topics: byName('auto'), allowAutoTopicCreation: true });
    expect(next.topics).toMatchObject([{ name: 'auto', errorCode: ErrorCode.NONE, partitions: [{ leaderId: 1 }] }]);
    // before v4 the request cannot refuse it
    const v1 = await callHandler(Metadata, metadata(), 1, { topics: byName('auto-v1') });
    expect(v1.topics[0]!.errorCode).toBe(ErrorCode.LEADER_NOT_AVAILABLE);
  });

  it('does not auto-create when the request or the broker refuses it', async () => {
    const refused = await callHandler(Metadata, metadata(), 4, { topics: byName('t'), allowAutoTopicCreation: false });
    const disabled = await callHandler(Metadata, metadata(false), 1, { topics: byName('t') });
    for (const body of [refused, disabled]) {
      expect(body.topics[0]!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    }
    expect(cache.snapshot().topic('t')).toBeUndefined();
  });

  it('looks topics up by id in v12 and refuses ids before it', async () => {
    await create('by-id');
    const topicId = cache.snapshot().topic('by-id')!.topicId;
    const unknownId = 'AAAAAAAAAAAAAAAAAAAAAQ';
    const v12 = await callHandler(Metadata, metadata(), 12, {
      topics: [
        { topicId, name: null },
        { topicId: unknownId, name: null },
      ],
      includeTopicAuthorizedOperations: false,
    });
    expect(v12.topics.map((t) => [t.name, t.topicId, t.errorCode])).toEqual([
      ['by-id', topicId, ErrorCode.NONE],
      [null, unknownId, ErrorCode.UNKNOWN_TOPIC_ID],
    ]);
    const v10 = await callHandler(Metadata, metadata(), 10, {
      topics: [{ topicId, name: 'by-id' }],
      includeTopicAuthorizedOperations: false,
    });
    expect(v10.topics).toMatchObject([{ name: 'by-id', errorCode: ErrorCode.INVALID_REQUEST }]);
  });

  it('answers authorized operations only when asked, with every operation (no authorizer)', async () => {
    await create('ops');
    const v8 = await callHandler(Metadata, metadata(), 8, {
      topics: byName('ops'),
      includeClusterAuthorizedOperations: true,
      includeTopicAuthorizedOperations: true,
    });
    expect(TOPIC_AUTHORIZED_OPERATIONS).toBe(3576);
    expect(CLUSTER_AUTHORIZED_OPERATIONS).toBe(8096);
    expect(v8.topics[0]!.topicAuthorizedOperations).toBe(TOPIC_AUTHORIZED_OPERATIONS);
    expect(v8.clusterAuthorizedOperations).toBe(CLUSTER_AUTHORIZED_OPERATIONS);
  });
});

describe('CreateTopics', () => {
  const topic = (name: string, numPartitions = 1, replicationFactor = 1) => ({
    name,
    numPartitions,
    replicationFactor,
    assignments: [],
    configs: [],
  });

  it('creates topics and answers id, counts and configs from v5/v7', async () => {
    const handler = createTopicsHandler(controller);
    const body = await callHandler(CreateTopics, handler, 7, {
      topics: [{ ...topic('t', 3), configs: [{ name: 'retention.ms', value: '1000' }] }],
      timeoutMs: 1000,
      validateOnly: false,
    });
    const [t] = body.topics;
    expect(t).toMatchObject({ name: 't', errorCode: ErrorCode.NONE, errorMessage: null, numPartitions: 3 });
    expect(t!.topicId).toBe(cache.snapshot().topic('t')!.topicId);
    expect(t!.configs?.find((c) => c.name === 'retention.ms')).toEqual({
      name: 'retention.ms',
      value: '1000',
      readOnly: false,
      configSource: ConfigSource.DYNAMIC_TOPIC_CONFIG,
      isSensitive: false,
    });
    expect(t!.configs?.find((c) => c.name === 'segment.bytes')?.configSource).toBe(ConfigSource.DEFAULT_CONFIG);

    const v4 = await callHandler(CreateTopics, handler, 4, {
      topics: [topic('t4')],
      timeoutMs: 0,
      validateOnly: false,
    });
    expect(v4.topics[0]).toMatchObject({ errorCode: ErrorCode.NONE, numPartitions: -1, configs: [] });
  });

  it('uses the broker defaults for -1 (v4+)', async () => {
    await controller.shutdown();
    await start({ 'num.partitions': '3' });
    const body = await callHandler(CreateTopics, createTopicsHandler(controller), 5, {
      topics: [topic('d', -1, -1)],
      timeoutMs: 1000,
      validateOnly: false,
    });
    expect(body.topics[0]).toMatchObject({ errorCode: ErrorCode.NONE, numPartitions: 3, replicationFactor: 1 });
    expect(cache.snapshot().topic('d')!.partitions).toHaveLength(3);
  });

  it('validates only when asked (v1+), creating nothing', async () => {
    const body = await callHandler(CreateTopics, createTopicsHandler(controller), 1, {
      topics: [topic('dry')],
      timeoutMs: 1000,
      validateOnly: true,
    });
    expect(body.topics[0]).toMatchObject({ name: 'dry', errorCode: ErrorCode.NONE });
    expect(cache.snapshot().topic('dry')).toBeUndefined();
  });

  it('answers each topic on its own, with a message from v1 only', async () => {
    await create('taken');
    const input = { topics: [topic('taken'), topic('zero', 0), topic('fine')], timeoutMs: 1000, validateOnly: false };
    const v1 = await callHandler(CreateTopics, createTopicsHandler(controller), 1, input);
    expect(v1.topics.map((t) => [t.name, t.errorCode])).toEqual([
      ['taken', ErrorCode.TOPIC_ALREADY_EXISTS],
      ['zero', ErrorCode.INVALID_PARTITIONS],
      ['fine', ErrorCode.NONE],
    ]);
    expect(v1.topics[0]!.errorMessage).toMatch(/taken/);
    expect(v1.topics[2]!.errorMessage).toBeNull();
    const v0 = await callHandler(CreateTopics, createTopicsHandler(controller), 0, {
      topics: [topic('taken')],
      timeoutMs: 0,
    });
    // v0 carries no message: the decoder fills the absent field with its empty default
    expect(v0.topics).toEqual([
      expect.objectContaining({ name: 'taken', errorCode: ErrorCode.TOPIC_ALREADY_EXISTS, errorMessage: '' }),
    ]);
  });
});

describe('DeleteTopics', () => {
  it('deletes by name (v0-5)', async () => {
    await create('gone', 'kept');
    const body = await callHandler(DeleteTopics, deleteTopicsHandler(controller), 5, {
      topicNames: ['gone', 'never'],
      timeoutMs: 1000,
    });
    expect(body.responses.map((r) => [r.name, r.errorCode])).toEqual([
      ['gone', ErrorCode.NONE],
      ['never', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    ]);
    expect(cache.snapshot().topicNames()).toEqual(['kept']);
  });

  it('deletes by id or name in v6, answering the name and id', async () => {
    await create('by-id', 'by-name');
    const topicId = cache.snapshot().topic('by-id')!.topicId;
    const body = await callHandler(DeleteTopics, deleteTopicsHandler(controller), 6, {
      topics: [
        { name: null, topicId },
        { name: 'by-name', topicId: ZERO_UUID },
        { name: null, topicId: 'AAAAAAAAAAAAAAAAAAAAAQ' },
      ],
      timeoutMs: 1000,
    });
    expect(body.responses.map((r) => [r.name, r.errorCode])).toEqual([
      ['by-id', ErrorCode.NONE],
      ['by-name', ErrorCode.NONE],
      [null, ErrorCode.UNKNOWN_TOPIC_ID],
    ]);
    expect(body.responses[0]!.topicId).toBe(topicId);
    expect(cache.snapshot().topicNames()).toEqual([]);
  });
});

describe('CreatePartitions', () => {
  it('grows topics, validates only when asked, and answers errors per topic', async () => {
    await create('grow');
    const handler = createPartitionsHandler(controller);
    const dry = await callHandler(CreatePartitions, handler, 0, {
      topics: [{ name: 'grow', count: 5, assignments: null }],
      timeoutMs: 1000,
      validateOnly: true,
    });
    expect(dry.results).toEqual([{ name: 'grow', errorCode: ErrorCode.NONE, errorMessage: null }]);
    expect(cache.snapshot().topic('grow')!.partitions).toHaveLength(2);

    const body = await callHandler(CreatePartitions, handler, 3, {
      topics: [
        { name: 'grow', count: 4, assignments: [{ brokerIds: [1] }, { brokerIds: [1] }] },
        { name: 'missing', count: 2, assignments: null },
      ],
      timeoutMs: 1000,
      validateOnly: false,
    });
    expect(body.results.map((r) => [r.name, r.errorCode])).toEqual([
      ['grow', ErrorCode.NONE],
      ['missing', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    ]);
    expect(cache.snapshot().topic('grow')!.partitions).toHaveLength(4);
  });
});

describe('DescribeCluster', () => {
  it('answers brokers on the request’s listener, the controller and the cluster id', async () => {
    const handler = describeClusterHandler(cache);
    const v0 = await callHandler(
      DescribeCluster,
      handler,
      0,
      { includeClusterAuthorizedOperations: false },
      { listenerName: 'INTERNAL' },
    );
    expect(v0).toMatchObject({
      errorCode: ErrorCode.NONE,
      clusterId: 'cluster-a',
      controllerId: 1,
      brokers: [{ brokerId: 1, host: 'broker-1.internal', port: 9093, rack: null }],
      clusterAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
    });
    const v1 = await callHandler(DescribeCluster, handler, 1, {
      includeClusterAuthorizedOperations: true,
      endpointType: 1,
    });
    expect(v1).toMatchObject({ errorCode: ErrorCode.NONE, endpointType: 1 });
    expect(v1.clusterAuthorizedOperations).toBe(CLUSTER_AUTHORIZED_OPERATIONS);
  });

  it('refuses the controllers endpoint type and unknown ones', async () => {
    const handler = describeClusterHandler(cache);
    const controllers = await callHandler(DescribeCluster, handler, 1, {
      includeClusterAuthorizedOperations: false,
      endpointType: 2,
    });
    expect(controllers).toMatchObject({ errorCode: ErrorCode.MISMATCHED_ENDPOINT_TYPE, brokers: [] });
    const unknown = await callHandler(DescribeCluster, handler, 1, {
      includeClusterAuthorizedOperations: false,
      endpointType: 9,
    });
    expect(unknown.errorCode).toBe(ErrorCode.UNSUPPORTED_ENDPOINT_TYPE);
  });
});

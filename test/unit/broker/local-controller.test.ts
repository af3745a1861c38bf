import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseBrokerConfig } from '../../../broker/config.js';
import type {
  BrokerLifecycle,
  CreateTopicSpec,
  LeaderAndIsrPartitionState,
  StopReplicaPartition,
} from '../../../broker/controller/controller.js';
import { LocalController } from '../../../broker/controller/local-controller.js';
import { MetadataCache, type MetadataUpdate } from '../../../broker/metadata/metadata-cache.js';
import { ErrorCode, ZERO_UUID } from '../../../protocol/index.js';

/** Records every decision and applies metadata to a real cache, as the broker would. */
class FakeLifecycle implements BrokerLifecycle {
  readonly leaderAndIsr: LeaderAndIsrPartitionState[][] = [];
  readonly stopped: { partitions: readonly StopReplicaPartition[]; deletePartitions: boolean }[] = [];
  readonly updates: MetadataUpdate[] = [];
  readonly topicConfigs = new Map<string, Readonly<Record<string, string>>>();
  readonly cache = new MetadataCache();

  becomeLeaderOrFollower(states: readonly LeaderAndIsrPartitionState[]): Promise<void> {
    this.leaderAndIsr.push([...states]);
    return Promise.resolve();
  }
  stopReplicas(partitions: readonly StopReplicaPartition[], options: { deletePartitions: boolean }): Promise<void> {
    this.stopped.push({ partitions, deletePartitions: options.deletePartitions });
    return Promise.resolve();
  }
  updateMetadata(update: MetadataUpdate): Promise<void> {
    this.updates.push(update);
    this.cache.applyUpdate(update);
    return Promise.resolve();
  }
  updateTopicConfig(topic: string, overrides: Readonly<Record<string, string>>): Promise<void> {
    this.topicConfigs.set(topic, overrides);
    return Promise.resolve();
  }
}

let dir: string;
let lifecycle: FakeLifecycle;
let controller: LocalController;

async function start(props: Record<string, string> = {}): Promise<LocalController> {
  const config = parseBrokerConfig({ 'log.dirs': dir, 'broker.id': '1', ...props });
  lifecycle = new FakeLifecycle();
  const endpoints = [{ listenerName: 'PLAINTEXT', host: '127.0.0.1', port: 9092, securityProtocol: 'PLAINTEXT' }];
  controller = new LocalController({
    config,
    clusterId: 'c',
    lifecycle,
    logger: pino({ level: 'silent' }),
    endpoints: () => endpoints,
  });
  await controller.startup();
  return controller;
}

const spec = (name: string, numPartitions = 1, extra: Partial<CreateTopicSpec> = {}): CreateTopicSpec => ({
  name,
  numPartitions,
  replicationFactor: 1,
  ...extra,
});

async function createError(s: CreateTopicSpec): Promise<number> {
  const [result] = await controller.createTopics([s]);
  return result!.errorCode;
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'samsa-controller-'));
  await start();
});
afterEach(async () => {
  await controller.shutdown();
  await rm(dir, { recursive: true, force: true });
});

describe('createTopics', () => {
  it('creates a topic: registry, LeaderAndIsr with this broker as sole leader, metadata', async () => {
    const [r] = await controller.createTopics([
      spec('orders', 2, { configs: [{ name: 'retention.ms', value: '1000' }] }),
    ]);
    expect(r).toMatchObject({ name: 'orders', errorCode: ErrorCode.NONE, numPartitions: 2, replicationFactor: 1 });
    expect(r!.topicId).not.toBe(ZERO_UUID);
    expect(r!.configs.find((c) => c.name === 'retention.ms')).toEqual({
      name: 'retention.ms',
      value: '1000',
      isTopicOverride: true,
    });
    expect(r!.configs.find((c) => c.name === 'segment.bytes')?.isTopicOverride).toBe(false);
    expect(lifecycle.leaderAndIsr.at(-1)).toEqual(
      [0, 1].map((partition) => ({
        topic: 'orders',
        topicId: r!.topicId,
        partition,
        leader: 1,
        leaderEpoch: 0,
        isr: [1],
        replicas: [1],
        partitionEpoch: 0,
        controllerEpoch: 0,
        isNew: true,
      })),
    );
    const topic = lifecycle.cache.snapshot().topicById(r!.topicId);
    expect(topic?.name).toBe('orders');
    expect(topic?.partitions.map((p) => p.leader)).toEqual([1, 1]);
  });

  it('uses the broker defaults for -1 and for auto-creation', async () => {
    await controller.shutdown();
    await start({ 'num.partitions': '4' });
    const [r] = await controller.createTopics([{ name: 'd', numPartitions: -1, replicationFactor: -1 }]);
    expect(r).toMatchObject({ errorCode: ErrorCode.NONE, numPartitions: 4, replicationFactor: 1 });
    const auto = await controller.autoCreateTopic('auto');
    expect(auto).toMatchObject({ errorCode: ErrorCode.NONE, numPartitions: 4 });
  });

  it.each([
    ['', ErrorCode.INVALID_TOPIC_EXCEPTION],
    ['.', ErrorCode.INVALID_TOPIC_EXCEPTION],
    ['..', ErrorCode.INVALID_TOPIC_EXCEPTION],
    ['a'.repeat(250), ErrorCode.INVALID_TOPIC_EXCEPTION],
    ['bad/name', ErrorCode.INVALID_TOPIC_EXCEPTION],
    ['a'.repeat(249), ErrorCode.NONE],
    ['Ok.name_-9', ErrorCode.NONE],
  ])('topic name %j → %i', async (name, code) => {
    expect(await createError(spec(name))).toBe(code);
  });

  it('answers every validation error with Kafka’s code', async () => {
    await controller.createTopics([spec('exists'), spec('metric.name')]);
    expect(await createError(spec('exists'))).toBe(ErrorCode.TOPIC_ALREADY_EXISTS);
    expect(await createError(spec('metric_name'))).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
    expect(await createError(spec('p0', 0))).toBe(ErrorCode.INVALID_PARTITIONS);
    expect(await createError(spec('p-2', -2))).toBe(ErrorCode.INVALID_PARTITIONS);
    expect(await createError(spec('rf3', 1, { replicationFactor: 3 }))).toBe(ErrorCode.INVALID_REPLICATION_FACTOR);
    expect(await createError(spec('rf0', 1, { replicationFactor: 0 }))).toBe(ErrorCode.INVALID_REPLICATION_FACTOR);
    const config = (name: string, value: string | null): CreateTopicSpec =>
      spec('cfg', 1, { configs: [{ name, value }] });
    expect(await createError(config('no.such.config', '1'))).toBe(ErrorCode.INVALID_CONFIG);
    expect(await createError(config('retention.ms', 'soon'))).toBe(ErrorCode.INVALID_CONFIG);
    expect(await createError(config('cleanup.policy', null))).toBe(ErrorCode.INVALID_CONFIG);
    expect(await controller.createTopics([spec('dup'), spec('dup')])).toMatchObject([
      { errorCode: ErrorCode.INVALID_REQUEST },
      { errorCode: ErrorCode.INVALID_REQUEST },
    ]);
    expect(lifecycle.cache.snapshot().topicNames()).toEqual(['exists', 'metric.name']);
  });

  it('checks manual replica assignments', async () => {
    const manual = (assignments: { partitionIndex: number; brokerIds: number[] }[], n = -1): CreateTopicSpec => ({
      name: 'm',
      numPartitions: n,
      replicationFactor: -1,
      assignments,
    });
    expect(await createError(manual([{ partitionIndex: 0, brokerIds: [1] }], 3))).toBe(ErrorCode.INVALID_REQUEST);
    expect(await createError(manual([{ partitionIndex: 0, brokerIds: [7] }]))).toBe(
      ErrorCode.INVALID_REPLICA_ASSIGNMENT,
    );
    expect(await createError(manual([{ partitionIndex: 0, brokerIds: [] }]))).toBe(
      ErrorCode.INVALID_REPLICA_ASSIGNMENT,
    );
    expect(await createError(manual([{ partitionIndex: 0, brokerIds: [1, 1] }]))).toBe(
      ErrorCode.INVALID_REPLICA_ASSIGNMENT,
    );
    expect(
      await createError(
        manual([
          { partitionIndex: 0, brokerIds: [1] },
          { partitionIndex: 1, brokerIds: [1, 1] },
        ]),
      ),
    ).toBe(ErrorCode.INVALID_REPLICA_ASSIGNMENT);
    expect(await createError(manual([{ partitionIndex: 1, brokerIds: [1] }]))).toBe(
      ErrorCode.INVALID_REPLICA_ASSIGNMENT,
    );
    const [ok] = await controller.createTopics([
      manual([
        { partitionIndex: 1, brokerIds: [1] },
        { partitionIndex: 0, brokerIds: [1] },
      ]),
    ]);
    expect(ok).toMatchObject({ errorCode: ErrorCode.NONE, numPartitions: 2, replicationFactor: 1 });
  });

  it('validateOnly answers as if created but changes nothing', async () => {
    const [r] = await controller.createTopics([spec('v', 3)], { validateOnly: true });
    expect(r).toMatchObject({ errorCode: ErrorCode.NONE, numPartitions: 3, topicId: ZERO_UUID });
    expect(lifecycle.leaderAndIsr).toHaveLength(1);
    expect(lifecycle.updates).toHaveLength(1);
    expect(await createError(spec('v', 3))).toBe(ErrorCode.NONE);
  });

  it('decides concurrent creations of one topic one after the other', async () => {
    const results = await Promise.all([
      controller.createTopics([spec('race')]),
      controller.createTopics([spec('race')]),
    ]);
    expect(results.map(([r]) => r!.errorCode).sort()).toEqual([ErrorCode.NONE, ErrorCode.TOPIC_ALREADY_EXISTS]);
  });
});

describe('deleteTopics', () => {
  it('deletes by name and by id, stopping and deleting the replicas', async () => {
    const [a, b] = await controller.createTopics([spec('a', 2), spec('b')]);
    const results = await controller.deleteTopics([{ name: 'a' }, { topicId: b!.topicId }]);
    expect(results).toEqual([
      { name: 'a', topicId: a!.topicId, errorCode: ErrorCode.NONE, errorMessage: null },
      { name: 'b', topicId: b!.topicId, errorCode: ErrorCode.NONE, errorMessage: null },
    ]);
    expect(lifecycle.stopped).toEqual([
      {
        deletePartitions: true,
        partitions: [
          { topic: 'a', topicId: a!.topicId, partition: 0 },
          { topic: 'a', topicId: a!.topicId, partition: 1 },
          { topic: 'b', topicId: b!.topicId, partition: 0 },
        ],
      },
    ]);
    expect(lifecycle.cache.snapshot().topicNames()).toEqual([]);
  });

  it('answers unknown topics by name and by id', async () => {
    const [byName, byId] = await controller.deleteTopics([{ name: 'nope' }, { topicId: 'AAAAAAAAAAAAAAAAAAAAAQ' }]);
    expect(byName!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect(byId!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_ID);
    const [both, neither] = await controller.deleteTopics([
      { name: 'x', topicId: 'AAAAAAAAAAAAAAAAAAAAAQ' },
      { name: null, topicId: ZERO_UUID },
    ]);
    expect(both!.errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect(neither!.errorCode).toBe(ErrorCode.INVALID_REQUEST);
  });

  it('refuses when delete.topic.enable=false', async () => {
    await controller.shutdown();
    await start({ 'delete.topic.enable': 'false' });
    await controller.createTopics([spec('keep')]);
    const [r] = await controller.deleteTopics([{ name: 'keep' }]);
    expect(r!.errorCode).toBe(ErrorCode.TOPIC_DELETION_DISABLED);
    expect(lifecycle.cache.snapshot().topic('keep')).toBeDefined();
  });

  it('gives a recreated topic a new id', async () => {
    const [first] = await controller.createTopics([spec('again')]);
    await controller.deleteTopics([{ name: 'again' }]);
    const [second] = await controller.createTopics([spec('again')]);
    expect(second!.errorCode).toBe(ErrorCode.NONE);
    expect(second!.topicId).not.toBe(first!.topicId);
  });
});

describe('createPartitions', () => {
  it('adds partitions led by this broker', async () => {
    const [t] = await controller.createTopics([spec('grow', 2)]);
    const [r] = await controller.createPartitions([{ name: 'grow', count: 4 }]);
    expect(r).toEqual({ name: 'grow', errorCode: ErrorCode.NONE, errorMessage: null });
    expect(lifecycle.leaderAndIsr.at(-1)?.map((s) => [s.topicId, s.partition, s.isNew])).toEqual([
      [t!.topicId, 2, true],
      [t!.topicId, 3, true],
    ]);
    expect(lifecycle.cache.snapshot().topic('grow')?.partitions).toHaveLength(4);
  });

  it('answers Kafka’s errors, and validateOnly changes nothing', async () => {
    await controller.createTopics([spec('g', 2)]);
    const results = await controller.createPartitions([
      { name: 'missing', count: 3 },
      { name: 'g', count: 2 },
      { name: 'g', count: 1 },
    ]);
    expect(results.map((r) => r.errorCode)).toEqual([
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      ErrorCode.INVALID_REQUEST,
      ErrorCode.INVALID_REQUEST,
    ]);
    const one = async (count: number, assignments?: number[][]): Promise<number> =>
      (await controller.createPartitions([{ name: 'g', count, assignments: assignments ?? null }]))[0]!.errorCode;
    expect(await one(2)).toBe(ErrorCode.INVALID_PARTITIONS);
    expect(await one(1)).toBe(ErrorCode.INVALID_PARTITIONS);
    expect(await one(4, [[1]])).toBe(ErrorCode.INVALID_REPLICA_ASSIGNMENT);
    expect(await one(3, [[9]])).toBe(ErrorCode.INVALID_REPLICA_ASSIGNMENT);
    const [v] = await controller.createPartitions([{ name: 'g', count: 5 }], { validateOnly: true });
    expect(v!.errorCode).toBe(ErrorCode.NONE);
    expect(lifecycle.cache.snapshot().topic('g')?.partitions).toHaveLength(2);
    expect(await one(3, [[1]])).toBe(ErrorCode.NONE);
  });
});

describe('lifecycle', () => {
  it('replays every partition from the registry on startup', async () => {
    const [a] = await controller.createTopics([spec('a', 2), spec('b')]);
    await controller.createPartitions([{ name: 'a', count: 3 }]);
    await controller.shutdown();
    await start();
    expect(lifecycle.updates[0]).toMatchObject({ kind: 'full', clusterId: 'c', controllerId: 1 });
    expect(lifecycle.leaderAndIsr).toHaveLength(1);
    expect(lifecycle.leaderAndIsr[0]!.map((s) => `${s.topic}-${s.partition}:${s.isNew}`)).toEqual([
      'a-0:false',
      'a-1:false',
      'a-2:false',
      'b-0:false',
    ]);
    const snapshot = lifecycle.cache.snapshot();
    expect(snapshot.topic('a')?.topicId).toBe(a!.topicId);
    expect(snapshot.broker(1)?.endpoints[0]).toMatchObject({ listenerName: 'PLAINTEXT', port: 9092 });
  });

  it('answers NOT_CONTROLLER once shut down', async () => {
    expect(controller.isActive()).toBe(true);
    await controller.shutdown();
    await controller.shutdown();
    expect(controller.isActive()).toBe(false);
    expect(await createError(spec('late'))).toBe(ErrorCode.NOT_CONTROLLER);
    expect((await controller.deleteTopics([{ name: 'late' }]))[0]!.errorCode).toBe(ErrorCode.NOT_CONTROLLER);
    expect((await controller.createPartitions([{ name: 'late', count: 2 }]))[0]!.errorCode).toBe(
      ErrorCode.NOT_CONTROLLER,
    );
  });
});

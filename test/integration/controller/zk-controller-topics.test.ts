import { describe, expect, it } from 'vitest';
import { ZkPaths } from '../../../broker/zk/index.js';
import { ErrorCode, ZERO_UUID } from '../../../protocol/index.js';
import { zooKeeperPerTestFile } from '../../helpers/zookeeper.js';
import { adminKit } from './zk-admin-kit.js';

const zkFile = zooKeeperPerTestFile();
const { cluster, registerBroker, adminBroker, fakeController } = adminKit(zkFile);

const RACKS: Record<number, string> = { 1: 'rack-a', 2: 'rack-b', 3: 'rack-c' };

/** A chroot with brokers 1-3 registered (with racks unless told otherwise) and broker 1's ZkController. */
async function threeBrokers(name: string, options: { racks?: boolean; props?: Record<string, string> } = {}) {
  const { connectString, zk, store } = await cluster(name);
  for (const id of [1, 2, 3]) await registerBroker(connectString, id, options.racks === false ? null : RACKS[id]!);
  const broker = await adminBroker(connectString, 1, options.props);
  return { connectString, zk, store, broker };
}

const raw = async (zk: { getData(path: string): Promise<{ data: Buffer }> }, path: string) =>
  JSON.parse((await zk.getData(path)).data.toString()) as Record<string, unknown>;

describe('createTopics', () => {
  it('writes the topic in Kafka’s layout, places replicas across racks, and answers once leaders are known', async () => {
    const { connectString, zk, store, broker } = await threeBrokers('create');
    await fakeController(connectString, [broker.cache]);

    const [result] = await broker.controller.createTopics(
      [
        {
          name: 'orders',
          numPartitions: 6,
          replicationFactor: 3,
          configs: [{ name: 'retention.ms', value: '60000' }],
        },
      ],
      { timeoutMs: 10_000 },
    );

    expect(result).toMatchObject({ name: 'orders', errorCode: ErrorCode.NONE, numPartitions: 6, replicationFactor: 3 });
    expect(result!.configs.find((c) => c.name === 'retention.ms')).toEqual({
      name: 'retention.ms',
      value: '60000',
      isTopicOverride: true,
    });
    const assignment = await raw(zk, '/brokers/topics/orders');
    expect(assignment).toMatchObject({ version: 3, topic_id: result!.topicId, adding_replicas: {} });
    const partitions = assignment.partitions as Record<string, number[]>;
    expect(Object.keys(partitions)).toEqual(['0', '1', '2', '3', '4', '5']);
    for (const replicas of Object.values(partitions)) {
      expect(new Set(replicas.map((id) => RACKS[id])).size).toBe(3);
    }
    const leaders = Object.values(partitions).map((r) => r[0]);
    for (const id of [1, 2, 3]) expect(leaders.filter((l) => l === id)).toHaveLength(2);
    expect(await raw(zk, '/config/topics/orders')).toEqual({ version: 1, config: { 'retention.ms': '60000' } });
    // every partition has a leader in this broker's metadata by the time it answers
    const topic = broker.cache.snapshot().topic('orders')!;
    expect(topic.topicId).toBe(result!.topicId);
    expect(topic.partitions.map((p) => p.leader)).toEqual(leaders);
    // every broker learns the new topic's config from a change notification
    const changes = await store.notifications.readConfigChanges(await store.notifications.listConfigChanges());
    expect(changes.map((c) => c.content)).toContainEqual({ entityType: 'topics', entityName: 'orders' });
    expect(broker.lifecycle.current('orders')).toEqual({ 'retention.ms': '60000' });
  });

  it('writes a manual assignment as given, and places without racks when no broker has one', async () => {
    const { zk, broker } = await threeBrokers('manual', { racks: false });
    const [manual, placed] = await broker.controller.createTopics([
      {
        name: 'manual',
        numPartitions: -1,
        replicationFactor: -1,
        assignments: [
          { partitionIndex: 1, brokerIds: [3, 1] },
          { partitionIndex: 0, brokerIds: [2, 3] },
        ],
      },
      { name: 'placed', numPartitions: 3, replicationFactor: 2 },
    ]);
    expect(manual).toMatchObject({ errorCode: ErrorCode.NONE, numPartitions: 2, replicationFactor: 2 });
    expect((await raw(zk, '/brokers/topics/manual')).partitions).toEqual({ 0: [2, 3], 1: [3, 1] });
    expect(placed!.errorCode).toBe(ErrorCode.NONE);
    const replicas = Object.values((await raw(zk, '/brokers/topics/placed')).partitions as Record<string, number[]>);
    expect(new Set(replicas.map((r) => r[0]))).toEqual(new Set([1, 2, 3]));
    for (const r of replicas) expect(new Set(r).size).toBe(2);
  });

  it('answers each topic on its own: exists, too few brokers, bad names, duplicates, bad configs, bad assignments', async () => {
    const { zk, store, broker } = await threeBrokers('refusals');
    await broker.controller.createTopics([
      { name: 'taken', numPartitions: 1, replicationFactor: 1 },
      { name: 'metrics.cpu', numPartitions: 1, replicationFactor: 1 },
      { name: 'doomed', numPartitions: 1, replicationFactor: 1 },
    ]);
    await store.topics.markForDeletion('doomed');
    const results = await broker.controller.createTopics([
      { name: 'taken', numPartitions: 1, replicationFactor: 1 },
      { name: 'doomed', numPartitions: 1, replicationFactor: 1 },
      { name: 'wide', numPartitions: 1, replicationFactor: 4 },
      { name: 'bad/name', numPartitions: 1, replicationFactor: 1 },
      { name: 'metrics_cpu', numPartitions: 1, replicationFactor: 1 },
      { name: 'twice', numPartitions: 1, replicationFactor: 1 },
      { name: 'twice', numPartitions: 2, replicationFactor: 1 },
      { name: 'configured', numPartitions: 1, replicationFactor: 1, configs: [{ name: 'retention.ms', value: 'x' }] },
      {
        name: 'ghost-replica',
        numPartitions: -1,
        replicationFactor: -1,
        assignments: [{ partitionIndex: 0, brokerIds: [1, 9] }],
      },
      { name: 'fine', numPartitions: 2, replicationFactor: 3 },
    ]);
    expect(results.map((r) => [r.name, r.errorCode])).toEqual([
      ['taken', ErrorCode.TOPIC_ALREADY_EXISTS],
      ['doomed', ErrorCode.TOPIC_ALREADY_EXISTS],
      ['wide', ErrorCode.INVALID_REPLICATION_FACTOR],
      ['bad/name', ErrorCode.INVALID_TOPIC_EXCEPTION],
      ['metrics_cpu', ErrorCode.INVALID_TOPIC_EXCEPTION],
      ['twice', ErrorCode.INVALID_REQUEST],
      ['twice', ErrorCode.INVALID_REQUEST],
      ['configured', ErrorCode.INVALID_CONFIG],
      ['ghost-replica', ErrorCode.INVALID_REPLICA_ASSIGNMENT],
      ['fine', ErrorCode.NONE],
    ]);
    expect(results[2]!.errorMessage).toBe('Replication factor: 4 larger than available brokers: 3.');
    expect(results[0]).toMatchObject({ topicId: ZERO_UUID, numPartitions: -1, replicationFactor: -1, configs: [] });
    expect((await store.topics.allTopics()).sort()).toEqual(['doomed', 'fine', 'metrics.cpu', 'taken']);
    expect(await zk.exists(ZkPaths.topic('wide'))).toBeNull();
  });

  it('validateOnly checks everything and writes nothing', async () => {
    const { zk, broker } = await threeBrokers('validate-only');
    const [ok, bad] = await broker.controller.createTopics(
      [
        { name: 'dry', numPartitions: 3, replicationFactor: 2 },
        { name: 'dry-bad', numPartitions: 3, replicationFactor: 5 },
      ],
      { validateOnly: true, timeoutMs: 5_000 },
    );
    expect(ok).toMatchObject({ errorCode: ErrorCode.NONE, topicId: ZERO_UUID, numPartitions: 3, replicationFactor: 2 });
    expect(bad!.errorCode).toBe(ErrorCode.INVALID_REPLICATION_FACTOR);
    expect(await zk.exists(ZkPaths.topic('dry'))).toBeNull();
    expect(await zk.exists(ZkPaths.topicConfig('dry'))).toBeNull();
  });

  it('answers REQUEST_TIMED_OUT when no controller elects leaders in time, the topic still created', async () => {
    const { connectString, zk, broker } = await threeBrokers('timeout');
    const started = Date.now();
    const [late] = await broker.controller.createTopics([{ name: 'slow', numPartitions: 2, replicationFactor: 2 }], {
      timeoutMs: 300,
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(late).toMatchObject({ name: 'slow', errorCode: ErrorCode.REQUEST_TIMED_OUT, topicId: ZERO_UUID });
    expect(late!.errorMessage).toMatch(/Timed out waiting for leaders/);
    expect(await zk.exists(ZkPaths.topic('slow'))).not.toBeNull();

    const [immediate] = await broker.controller.createTopics(
      [{ name: 'now', numPartitions: 1, replicationFactor: 1 }],
      {
        timeoutMs: 0,
      },
    );
    expect(immediate!.errorCode).toBe(ErrorCode.REQUEST_TIMED_OUT);
    // without a timeout the answer comes once committed
    const [unbounded] = await broker.controller.createTopics([
      { name: 'asap', numPartitions: 1, replicationFactor: 1 },
    ]);
    expect(unbounded!.errorCode).toBe(ErrorCode.NONE);

    // a controller that turns up elects the leaders of the topics created meanwhile
    await fakeController(connectString, [broker.cache]);
    expect(broker.cache.snapshot().topicNames()).toEqual(['asap', 'now', 'slow']);
  });

  it('auto-creates with num.partitions and default.replication.factor, and refuses a factor above the brokers', async () => {
    const { zk, broker } = await threeBrokers('auto', {
      props: { 'num.partitions': '4', 'default.replication.factor': '2' },
    });
    const created = await broker.controller.autoCreateTopic('auto-topic');
    expect(created).toMatchObject({ errorCode: ErrorCode.NONE, numPartitions: 4, replicationFactor: 2 });
    expect(Object.keys((await raw(zk, '/brokers/topics/auto-topic')).partitions as object)).toHaveLength(4);

    const { broker: wide } = await threeBrokers('auto-wide', { props: { 'default.replication.factor': '5' } });
    const refused = await wide.controller.autoCreateTopic('auto-topic');
    expect(refused.errorCode).toBe(ErrorCode.INVALID_REPLICATION_FACTOR);
  });

  it('ignores racks when only some brokers have one for auto-creation, and refuses CreateTopics then', async () => {
    const { connectString, zk } = await cluster('mixed-racks');
    await registerBroker(connectString, 1, 'rack-a');
    await registerBroker(connectString, 2, null);
    const broker = await adminBroker(connectString, 1);
    expect((await broker.controller.autoCreateTopic('auto')).errorCode).toBe(ErrorCode.NONE);
    const [refused] = await broker.controller.createTopics([
      { name: 'explicit', numPartitions: 1, replicationFactor: 2 },
    ]);
    expect(refused).toMatchObject({
      errorCode: ErrorCode.UNKNOWN_SERVER_ERROR,
      errorMessage: 'Not all brokers have rack information for replica rack aware assignment.',
    });
    expect(await zk.exists(ZkPaths.topic('explicit'))).toBeNull();
  });

  it('reports the active controller of this broker', async () => {
    const { connectString } = await cluster('active');
    expect((await adminBroker(connectString, 1, {}, true)).controller.isActive()).toBe(true);
    expect((await adminBroker(connectString, 2, {}, false)).controller.isActive()).toBe(false);
  });
});

describe('deleteTopics', () => {
  it('marks topics by name and by id and answers once they leave the metadata', async () => {
    const { connectString, zk, broker } = await threeBrokers('delete');
    const fake = await fakeController(connectString, [broker.cache]);
    const created = await broker.controller.createTopics(
      [
        { name: 'by-name', numPartitions: 2, replicationFactor: 2 },
        { name: 'by-id', numPartitions: 1, replicationFactor: 3 },
        { name: 'kept', numPartitions: 1, replicationFactor: 1 },
      ],
      { timeoutMs: 10_000 },
    );
    const byId = created[1]!.topicId;

    const results = await broker.controller.deleteTopics([{ name: 'by-name' }, { topicId: byId }], {
      timeoutMs: 10_000,
    });
    expect(results).toEqual([
      { name: 'by-name', topicId: created[0]!.topicId, errorCode: ErrorCode.NONE, errorMessage: null },
      { name: 'by-id', topicId: byId, errorCode: ErrorCode.NONE, errorMessage: null },
    ]);
    expect(broker.cache.snapshot().topicNames()).toEqual(['kept']);
    expect(await zk.exists(ZkPaths.topic('by-name'))).toBeNull();
    expect(await zk.exists(ZkPaths.topicConfig('by-id'))).toBeNull();
    expect(fake.updates).toBeGreaterThan(1);
  });

  it('finds a topic by id in ZooKeeper when this broker’s metadata does not know it yet', async () => {
    const { zk, broker } = await threeBrokers('delete-id-zk');
    const [created] = await broker.controller.createTopics([{ name: 'fresh', numPartitions: 1, replicationFactor: 1 }]);
    const [result] = await broker.controller.deleteTopics([{ topicId: created!.topicId }]);
    expect(result).toMatchObject({ name: 'fresh', errorCode: ErrorCode.NONE });
    expect(await zk.exists(ZkPaths.deleteTopic('fresh'))).not.toBeNull();
  });

  it('refuses unknown topics and ids, both or neither given, and deletion when disabled', async () => {
    const { broker } = await threeBrokers('delete-refusals');
    await broker.controller.createTopics([{ name: 'present', numPartitions: 1, replicationFactor: 1 }]);
    const results = await broker.controller.deleteTopics([
      { name: 'missing' },
      { topicId: 'AAAAAAAAAAAAAAAAAAAAAg' },
      { name: 'present', topicId: 'AAAAAAAAAAAAAAAAAAAAAg' },
      {},
      { name: 'present' },
      { name: 'present' },
    ]);
    expect(results.map((r) => r.errorCode)).toEqual([
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      ErrorCode.UNKNOWN_TOPIC_ID,
      ErrorCode.INVALID_REQUEST,
      ErrorCode.INVALID_REQUEST,
      ErrorCode.NONE,
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    ]);

    const { zk, broker: locked } = await threeBrokers('delete-disabled', {
      props: { 'delete.topic.enable': 'false' },
    });
    await locked.controller.createTopics([{ name: 'keep', numPartitions: 1, replicationFactor: 1 }]);
    const [disabled] = await locked.controller.deleteTopics([{ name: 'keep' }]);
    expect(disabled).toMatchObject({ errorCode: ErrorCode.TOPIC_DELETION_DISABLED });
    expect(await zk.exists(ZkPaths.deleteTopic('keep'))).toBeNull();
  });

  it('answers REQUEST_TIMED_OUT when no controller completes the deletion, and waits on one under way', async () => {
    const { connectString, zk, broker } = await threeBrokers('delete-timeout');
    const [created] = await broker.controller.createTopics([{ name: 'stuck', numPartitions: 1, replicationFactor: 1 }]);
    // what a controller would have sent this broker about the topic
    broker.cache.applyUpdate({
      kind: 'delta',
      topics: [
        {
          name: 'stuck',
          topicId: created!.topicId,
          isInternal: false,
          partitions: [{ partition: 0, leader: 1, leaderEpoch: 0, replicas: [1], isr: [1], offlineReplicas: [] }],
        },
      ],
    });
    const [late] = await broker.controller.deleteTopics([{ name: 'stuck' }], { timeoutMs: 300 });
    expect(late).toMatchObject({ name: 'stuck', topicId: created!.topicId, errorCode: ErrorCode.REQUEST_TIMED_OUT });
    expect(await zk.exists(ZkPaths.deleteTopic('stuck'))).not.toBeNull();
    // asked again while marked: Kafka waits for the deletion under way rather than refusing
    const [again] = await broker.controller.deleteTopics([{ name: 'stuck' }], { timeoutMs: 200 });
    expect(again!.errorCode).toBe(ErrorCode.REQUEST_TIMED_OUT);

    await fakeController(connectString, [broker.cache]);
    expect(broker.cache.snapshot().topic('stuck')).toBeUndefined();
    expect(await zk.exists(ZkPaths.topic('stuck'))).toBeNull();
  });
});

describe('createPartitions', () => {
  it('adds partitions continuing the layout, and answers once their leaders are known', async () => {
    const { connectString, zk, broker } = await threeBrokers('grow', { racks: false });
    await fakeController(connectString, [broker.cache]);
    await broker.controller.createTopics(
      [
        {
          name: 'grow',
          numPartitions: -1,
          replicationFactor: -1,
          assignments: [
            { partitionIndex: 0, brokerIds: [2, 3] },
            { partitionIndex: 1, brokerIds: [3, 1] },
          ],
        },
      ],
      { timeoutMs: 10_000 },
    );
    const [result] = await broker.controller.createPartitions([{ name: 'grow', count: 5 }], { timeoutMs: 10_000 });
    expect(result).toEqual({ name: 'grow', errorCode: ErrorCode.NONE, errorMessage: null });
    const partitions = (await raw(zk, '/brokers/topics/grow')).partitions as Record<string, number[]>;
    expect(partitions['0']).toEqual([2, 3]);
    expect(partitions['1']).toEqual([3, 1]);
    // partition 0 is led from broker 2 (index 1), partition 1 from 3: the round robin goes on with 1, 2, 3
    expect([2, 3, 4].map((p) => partitions[p]![0])).toEqual([1, 2, 3]);
    for (const p of [2, 3, 4]) expect(new Set(partitions[p]).size).toBe(2);
    expect(broker.cache.snapshot().topic('grow')!.partitions).toHaveLength(5);
  });

  it('takes manual assignments and refuses what Kafka refuses', async () => {
    const { zk, store, broker } = await threeBrokers('grow-refusals');
    await broker.controller.createTopics([{ name: 't', numPartitions: 2, replicationFactor: 2 }]);
    const results = await broker.controller.createPartitions([
      {
        name: 't',
        count: 4,
        assignments: [
          [1, 2],
          [2, 3],
        ],
      },
      { name: 'missing', count: 3 },
    ]);
    expect(results.map((r) => r.errorCode)).toEqual([ErrorCode.NONE, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
    const partitions = (await raw(zk, '/brokers/topics/t')).partitions as Record<string, number[]>;
    expect([partitions['2'], partitions['3']]).toEqual([
      [1, 2],
      [2, 3],
    ]);

    const refusals = await broker.controller.createPartitions([
      { name: 't', count: 4 },
      { name: 't', count: 9 },
    ]);
    expect(refusals.map((r) => r.errorCode)).toEqual([ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST]);
    const each = async (spec: { name: string; count: number; assignments?: number[][] }) =>
      (await broker.controller.createPartitions([spec]))[0]!;
    expect(await each({ name: 't', count: 4 })).toMatchObject({
      errorCode: ErrorCode.INVALID_PARTITIONS,
      errorMessage: 'Topic already has 4 partitions.',
    });
    expect((await each({ name: 't', count: 3 })).errorCode).toBe(ErrorCode.INVALID_PARTITIONS);
    expect((await each({ name: 't', count: 5, assignments: [[1, 7]] })).errorCode).toBe(
      ErrorCode.INVALID_REPLICA_ASSIGNMENT,
    );
    expect((await each({ name: 't', count: 5, assignments: [[1]] })).errorCode).toBe(
      ErrorCode.INVALID_REPLICA_ASSIGNMENT,
    );
    expect((await each({ name: 't', count: 6, assignments: [[1, 2]] })).errorCode).toBe(
      ErrorCode.INVALID_REPLICA_ASSIGNMENT,
    );

    // validateOnly changes nothing
    const [dry] = await broker.controller.createPartitions([{ name: 't', count: 8 }], { validateOnly: true });
    expect(dry!.errorCode).toBe(ErrorCode.NONE);
    expect((await store.topics.readAssignment('t'))!.partitions.size).toBe(4);

    // a reassignment in progress blocks growth
    const current = (await store.topics.readAssignment('t'))!;
    const partitionsWithMove = new Map(current.partitions);
    partitionsWithMove.set(0, { replicas: [1, 2, 3], addingReplicas: [3], removingReplicas: [] });
    await store.topics.updateAssignment(
      't',
      { topicId: current.topicId, partitions: partitionsWithMove },
      current.zkVersion,
    );
    expect((await each({ name: 't', count: 6 })).errorCode).toBe(ErrorCode.REASSIGNMENT_IN_PROGRESS);
  });

  it('answers REQUEST_TIMED_OUT when the new partitions get no leaders in time', async () => {
    const { zk, broker } = await threeBrokers('grow-timeout');
    await broker.controller.createTopics([{ name: 't', numPartitions: 1, replicationFactor: 1 }]);
    const [late] = await broker.controller.createPartitions([{ name: 't', count: 3 }], { timeoutMs: 200 });
    expect(late!.errorCode).toBe(ErrorCode.REQUEST_TIMED_OUT);
    expect(Object.keys((await raw(zk, '/brokers/topics/t')).partitions as object)).toHaveLength(3);
  });
});

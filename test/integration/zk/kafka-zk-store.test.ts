import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import {
  ControllerElection,
  ControllerMovedError,
  createTopLevelPaths,
  LeaderRecoveryState,
  ZkClient,
  ZkPaths,
  type ZkPartitionState,
  type ZkTopicAssignment,
} from '../../../broker/zk/index.js';
import {
  KafkaZkStore,
  ZkInvalidPartitionsError,
  ZkTopicExistsError,
  ZkTopicMarkedForDeletionError,
  ZkUnknownTopicError,
  type ZkWriteFence,
} from '../../../broker/zk/kafka-zk-store.js';
import { zooKeeperPerTestFile } from '../../helpers/zookeeper.js';

const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
const zkFile = zooKeeperPerTestFile();
const { cleanups } = zkFile;

const TOPIC_ID = 'q8Bp9Y2qSfmYr2FnJ3Pd5w';

async function connect(connectString: string): Promise<ZkClient> {
  const zk = await ZkClient.connect({ connectString, sessionTimeoutMs: 6_000, connectionTimeoutMs: 10_000, logger });
  cleanups.push(() => zk.close());
  return zk;
}

/** A store on a fresh chroot with Kafka's top-level paths, as a broker sees it after start-up. */
async function freshStore(name: string): Promise<{ store: KafkaZkStore; zk: ZkClient; connectString: string }> {
  const connectString = await zkFile.server.chrootFor(name);
  const zk = await connect(connectString);
  await createTopLevelPaths(zk);
  return { store: new KafkaZkStore(zk), zk, connectString };
}

/**
 * Two controllers in turn, each on its own session: broker 1 wins, its fence is kept, then it leaves and broker 2
 * wins with the next epoch. Returns the deposed fence and the active one.
 */
async function deposedAndActive(connectString: string): Promise<{ deposed: ZkWriteFence; active: ZkWriteFence }> {
  const elect = async (brokerId: number) => {
    const election = new ControllerElection({ zk: await connect(connectString), brokerId, logger });
    cleanups.push(() => election.close());
    await election.start();
    expect(election.isActive()).toBe(true);
    return election;
  };
  const first = await elect(1);
  const deposed = { controllerEpochZkVersion: first.epochZkVersion };
  await first.close();
  const second = await elect(2);
  expect(second.epoch).toBe(first.epoch + 1);
  return { deposed, active: { controllerEpochZkVersion: second.epochZkVersion } };
}

const replicas = (...r: number[]) => ({ replicas: r, addingReplicas: [], removingReplicas: [] });

function assignment(...partitions: number[][]): ZkTopicAssignment {
  return { topicId: TOPIC_ID, partitions: new Map(partitions.map((r, p) => [p, replicas(...r)])) };
}

const state = (leader: number, isr: number[], leaderEpoch = 0, controllerEpoch = 1): ZkPartitionState => ({
  leader,
  leaderEpoch,
  isr,
  controllerEpoch,
  leaderRecoveryState: LeaderRecoveryState.RECOVERED,
});

async function raw(zk: ZkClient, path: string): Promise<string> {
  return (await zk.getData(path)).data.toString();
}

describe('topics', () => {
  it('creates the assignment and the config in Kafka’s JSON, and reads them back', async () => {
    const { store, zk } = await freshStore('create-topic');
    await store.topics.createTopic('orders', assignment([1, 2, 3], [2, 3, 1]), { 'cleanup.policy': 'compact' });
    await store.topics.createTopic('audit', { topicId: 'AbCdEfGhIjKlMnOpQrStUw', partitions: new Map() }, {});

    expect(await raw(zk, '/brokers/topics/orders')).toBe(
      `{"removing_replicas":{},"partitions":{"0":[1,2,3],"1":[2,3,1]},"topic_id":"${TOPIC_ID}",` +
        '"adding_replicas":{},"version":3}',
    );
    expect(await raw(zk, '/config/topics/orders')).toBe('{"version":1,"config":{"cleanup.policy":"compact"}}');
    expect(await raw(zk, '/config/topics/audit')).toBe('{"version":1,"config":{}}');
    expect(await store.topics.allTopics()).toEqual(['audit', 'orders']);

    const all = await store.topics.readAssignments();
    expect([...all.keys()]).toEqual(['audit', 'orders']);
    const orders = all.get('orders')!;
    expect(orders.topicId).toBe(TOPIC_ID);
    expect(orders.zkVersion).toBe(0);
    expect(orders.partitions.get(1)).toEqual(replicas(2, 3, 1));
    const some = await store.topics.readAssignments(['orders', 'missing']);
    expect([...some.keys()]).toEqual(['orders']);
    expect(await store.topics.readConfig('orders')).toEqual({ 'cleanup.policy': 'compact' });
    expect(await store.topics.readConfig('missing')).toEqual({});
  });

  it('refuses an existing topic and leaves it as it was', async () => {
    const { store, zk } = await freshStore('topic-exists');
    await store.topics.createTopic('t', assignment([1]), { 'retention.ms': '1000' });
    const again = store.topics.createTopic('t', assignment([2], [2]), { 'retention.ms': '5' });
    await expect(again).rejects.toBeInstanceOf(ZkTopicExistsError);
    expect(await raw(zk, '/config/topics/t')).toBe('{"version":1,"config":{"retention.ms":"1000"}}');
    expect((await store.topics.readAssignment('t'))!.partitions.size).toBe(1);
  });

  it('overwrites a config znode left behind by an unfinished deletion', async () => {
    const { store, zk } = await freshStore('stale-config');
    await zk.create('/config/topics/t', Buffer.from('{"version":1,"config":{"retention.ms":"1"}}'));
    await store.topics.createTopic('t', assignment([1]), { 'segment.bytes': '1024' });
    expect(await raw(zk, '/config/topics/t')).toBe('{"version":1,"config":{"segment.bytes":"1024"}}');
  });

  it('adds partitions with the zkVersion it read; a stale read or a gap is refused', async () => {
    const { store } = await freshStore('add-partitions');
    await store.topics.createTopic('t', assignment([1, 2]), {});
    const read = (await store.topics.readAssignment('t'))!;

    const gap = store.topics.addPartitions(read, new Map([[2, replicas(1)]]));
    await expect(gap).rejects.toBeInstanceOf(ZkInvalidPartitionsError);
    const added = await store.topics.addPartitions(read, new Map([[1, replicas(2, 1)]]));
    expect(added).toEqual({ outcome: 'updated', zkVersion: 1 });
    expect(await store.topics.addPartitions(read, new Map([[1, replicas(3)]]))).toEqual({ outcome: 'stale' });

    const after = (await store.topics.readAssignment('t'))!;
    expect(after.topicId).toBe(TOPIC_ID);
    expect([...after.partitions]).toEqual([
      [0, replicas(1, 2)],
      [1, replicas(2, 1)],
    ]);
    const gone = store.topics.updateAssignment('nope', assignment([1]), 0);
    await expect(gone).rejects.toBeInstanceOf(ZkUnknownTopicError);
  });

  it('marks topics for deletion, lists them, and deletes all their znodes', async () => {
    const { store, zk } = await freshStore('delete-topic');
    await store.topics.createTopic('t', assignment([1], [1]), { 'retention.ms': '1' });
    await store.topics.createTopic('kept', assignment([1]), {});
    await store.partitionStates.createStates(
      't',
      new Map([
        [0, state(1, [1])],
        [1, state(1, [1])],
      ]),
      null,
    );

    await expect(store.topics.markForDeletion('nope')).rejects.toBeInstanceOf(ZkUnknownTopicError);
    await store.topics.markForDeletion('t');
    expect((await zk.getData('/admin/delete_topics/t')).data.length).toBe(0);
    await expect(store.topics.markForDeletion('t')).rejects.toBeInstanceOf(ZkTopicMarkedForDeletionError);
    expect(await store.topics.topicsPendingDeletion()).toEqual(['t']);

    await store.topics.deleteTopicZnodes('t');
    for (const path of ['/brokers/topics/t', '/config/topics/t', '/admin/delete_topics/t']) {
      expect(await zk.exists(path)).toBeNull();
    }
    expect(await store.topics.topicsPendingDeletion()).toEqual([]);
    expect(await store.topics.allTopics()).toEqual(['kept']);
    // finishing a deletion twice (a controller failing over mid-way) is harmless
    await store.topics.deleteTopicZnodes('t');
  });

  it('a deposed controller can neither create nor delete a topic', async () => {
    const { store, zk, connectString } = await freshStore('fenced-topics');
    const { deposed, active } = await deposedAndActive(connectString);

    const create = store.topics.createTopic('t', assignment([1]), { a: 'b' }, deposed);
    await expect(create).rejects.toBeInstanceOf(ControllerMovedError);
    expect(await zk.exists('/brokers/topics/t')).toBeNull();
    expect(await zk.exists('/config/topics/t')).toBeNull();

    await store.topics.createTopic('t', assignment([1]), {}, active);
    await store.partitionStates.createStates('t', new Map([[0, state(1, [1])]]), active);
    await store.topics.markForDeletion('t');
    await expect(store.topics.deleteTopicZnodes('t', deposed)).rejects.toBeInstanceOf(ControllerMovedError);
    expect(await zk.exists(ZkPaths.topicPartitionState('t', 0))).not.toBeNull();
    expect(await store.topics.topicsPendingDeletion()).toEqual(['t']);
    await store.topics.deleteTopicZnodes('t', active);
    expect(await zk.exists('/brokers/topics/t')).toBeNull();
  });
});

describe('partition states', () => {
  it('creates initial states with their parents in Kafka’s JSON and reads them in a batch', async () => {
    const { store, zk } = await freshStore('create-states');
    await store.topics.createTopic('t', assignment([1, 2], [2, 1], [1, 2]), {});
    const created = await store.partitionStates.createStates(
      't',
      new Map([
        [0, state(1, [1, 2])],
        [1, state(2, [2, 1], 0, 3)],
      ]),
      null,
    );
    expect([...created]).toEqual([
      [0, { outcome: 'created', zkVersion: 0 }],
      [1, { outcome: 'created', zkVersion: 0 }],
    ]);
    expect(await raw(zk, '/brokers/topics/t/partitions/1/state')).toBe(
      '{"controller_epoch":3,"leader":2,"version":1,"leader_epoch":0,"isr":[2,1]}',
    );
    expect((await zk.getData('/brokers/topics/t/partitions/1')).data.length).toBe(0);

    // partition 2 is new; 0 exists and keeps its state
    const again = await store.partitionStates.createStates(
      't',
      new Map([
        [0, state(2, [2])],
        [2, state(1, [1])],
      ]),
      null,
    );
    expect(again.get(0)).toEqual({ outcome: 'exists' });
    expect(again.get(2)).toEqual({ outcome: 'created', zkVersion: 0 });

    const reads = await store.partitionStates.readStates([
      { topic: 't', partition: 2 },
      { topic: 't', partition: 0 },
      { topic: 't', partition: 9 },
      { topic: 'nope', partition: 0 },
    ]);
    expect(reads).toEqual([
      { topic: 't', partition: 2, state: state(1, [1]), zkVersion: 0 },
      { topic: 't', partition: 0, state: state(1, [1, 2]), zkVersion: 0 },
    ]);
  });

  it('of two writers with the same zkVersion exactly one wins', async () => {
    const { store, connectString } = await freshStore('isr-race');
    await store.topics.createTopic('t', assignment([1, 2, 3]), {});
    await store.partitionStates.createStates('t', new Map([[0, state(1, [1, 2, 3])]]), null);
    // the leader shrinks the ISR while another client (its own session) writes a new leader
    const other = new KafkaZkStore(await connect(connectString));
    const [shrink, elect] = await Promise.all([
      store.partitionStates.updateState('t', 0, state(1, [1, 2]), 0, null),
      other.partitionStates.updateState('t', 0, state(2, [2, 3], 1), 0, null),
    ]);
    const outcomes = [shrink, elect].map((o) => o.outcome).sort();
    expect(outcomes).toEqual(['stale', 'updated']);
    const winner = shrink.outcome === 'updated' ? state(1, [1, 2]) : state(2, [2, 3], 1);
    expect(await store.partitionStates.readState('t', 0)).toEqual({
      topic: 't',
      partition: 0,
      state: winner,
      zkVersion: 1,
    });
    // the loser re-reads and retries on the new version
    const retried = await store.partitionStates.updateState('t', 0, state(2, [2], 1), 1, null);
    expect(retried).toEqual({ outcome: 'updated', zkVersion: 2 });
  });

  it('a write that already landed (same data, next version) counts as the writer’s own', async () => {
    const { store } = await freshStore('isr-retried');
    await store.topics.createTopic('t', assignment([1, 2]), {});
    await store.partitionStates.createStates('t', new Map([[0, state(1, [1, 2])]]), null);
    expect(await store.partitionStates.updateState('t', 0, state(1, [1]), 0, null)).toEqual({
      outcome: 'updated',
      zkVersion: 1,
    });
    expect(await store.partitionStates.updateState('t', 0, state(1, [1]), 0, null)).toEqual({
      outcome: 'updated',
      zkVersion: 1,
    });
    expect(await store.partitionStates.updateState('t', 0, state(1, [1, 2]), 0, null)).toEqual({ outcome: 'stale' });
  });

  it('a deposed controller’s leader election fails and changes nothing; the active one’s succeeds', async () => {
    const { store, zk, connectString } = await freshStore('fenced-states');
    await store.topics.createTopic('t', assignment([1, 2], [2, 1]), {});
    await store.partitionStates.createStates(
      't',
      new Map([
        [0, state(1, [1, 2])],
        [1, state(2, [2, 1])],
      ]),
      null,
    );
    const { deposed, active } = await deposedAndActive(connectString);
    const before = await raw(zk, ZkPaths.topicPartitionState('t', 0));

    const updates = [
      { topic: 't', partition: 0, state: state(2, [2], 1, 1), expectedZkVersion: 0 },
      { topic: 't', partition: 1, state: state(1, [1], 1, 1), expectedZkVersion: 0 },
    ];
    await expect(store.partitionStates.updateStates(updates, deposed)).rejects.toBeInstanceOf(ControllerMovedError);
    await expect(
      store.partitionStates.createStates('t', new Map([[5, state(1, [1])]]), deposed),
    ).rejects.toBeInstanceOf(ControllerMovedError);
    expect(await raw(zk, ZkPaths.topicPartitionState('t', 0))).toBe(before);
    expect((await store.partitionStates.readState('t', 1))!.zkVersion).toBe(0);
    expect(await zk.exists(ZkPaths.topicPartition('t', 5))).toBeNull();

    const wrongVersion = { topic: 't', partition: 1, state: state(1, [1], 1, 2), expectedZkVersion: 7 };
    const stale = await store.partitionStates.updateStates([wrongVersion], active);
    expect([...stale]).toEqual([['t-1', { outcome: 'stale' }]]);
    const elected = await store.partitionStates.updateStates(updates, active);
    expect([...elected.values()]).toEqual([
      { outcome: 'updated', zkVersion: 1 },
      { outcome: 'updated', zkVersion: 1 },
    ]);
    expect(await raw(zk, ZkPaths.topicPartitionState('t', 0))).toBe(
      '{"controller_epoch":1,"leader":2,"version":1,"leader_epoch":1,"isr":[2]}',
    );
  });
});

describe('notifications', () => {
  it('creates, lists, reads and deletes ISR change notifications in Kafka’s JSON', async () => {
    const { store, zk } = await freshStore('isr-changes');
    expect(await store.notifications.listIsrChanges()).toEqual([]);
    const first = await store.notifications.createIsrChange([
      { topic: 't', partition: 0 },
      { topic: 'u', partition: 3 },
    ]);
    const second = await store.notifications.createIsrChange([{ topic: 't', partition: 1 }]);
    expect(first).toMatch(/^isr_change_\d{10}$/);
    expect(await raw(zk, `/isr_change_notification/${first}`)).toBe(
      '{"version":1,"partitions":[{"topic":"t","partition":0},{"topic":"u","partition":3}]}',
    );
    expect(await store.notifications.listIsrChanges()).toEqual([first, second]);

    const read = await store.notifications.readIsrChanges([second, 'isr_change_9999999999', first]);
    expect(read).toEqual([
      { name: second, content: [{ topic: 't', partition: 1 }] },
      {
        name: first,
        content: [
          { topic: 't', partition: 0 },
          { topic: 'u', partition: 3 },
        ],
      },
    ]);
    await store.notifications.deleteIsrChanges([first, 'isr_change_9999999999']);
    expect(await store.notifications.listIsrChanges()).toEqual([second]);
  });

  it('writes a topic config and announces it with a version-2 config change', async () => {
    const { store, zk } = await freshStore('config-changes');
    await store.topics.createTopic('t', assignment([1]), {});
    const name = await store.notifications.changeTopicConfig('t', { 'retention.ms': '60000' });
    expect(name).toMatch(/^config_change_\d{10}$/);
    expect(await raw(zk, `/config/changes/${name}`)).toBe('{"version":2,"entity_path":"topics/t"}');
    expect(await store.topics.readConfig('t')).toEqual({ 'retention.ms': '60000' });

    const other = await store.notifications.createConfigChange('brokers', '<default>');
    expect(await store.notifications.listConfigChanges()).toEqual([name, other]);
    expect(await store.notifications.readConfigChanges([name, other])).toEqual([
      { name, content: { entityType: 'topics', entityName: 't' } },
      { name: other, content: { entityType: 'brokers', entityName: '<default>' } },
    ]);
    await store.notifications.deleteConfigChanges([name]);
    expect(await store.notifications.listConfigChanges()).toEqual([other]);
  });
});

describe('brokers', () => {
  it('lists registered brokers and reads their BrokerInfo and epoch', async () => {
    const { store, zk } = await freshStore('brokers');
    expect(await store.brokers.allBrokers()).toEqual([]);
    const info = (port: number, rack: string | null) =>
      Buffer.from(
        `{"features":{},"listener_security_protocol_map":{"PLAINTEXT":"PLAINTEXT"},` +
          `"endpoints":["PLAINTEXT://127.0.0.1:${port}"],${rack === null ? '' : `"rack":"${rack}",`}` +
          `"jmx_port":-1,"port":${port},"host":"127.0.0.1","version":5,"timestamp":"1700000000000"}`,
      );
    await zk.create('/brokers/ids/10', info(9010, 'r1'), { mode: 'ephemeral' });
    await zk.create('/brokers/ids/2', info(9002, null), { mode: 'ephemeral' });

    expect(await store.brokers.brokerIds()).toEqual([2, 10]);
    const all = await store.brokers.allBrokers();
    expect(all.map((b) => [b.brokerId, b.info.rack, b.info.endpoints[0]!.port])).toEqual([
      [2, null, 9002],
      [10, 'r1', 9010],
    ]);
    expect(all[1]!.brokerEpoch).toBe((await zk.exists('/brokers/ids/10'))!.czxid);
    expect(all[0]!.brokerEpoch).toBeGreaterThan(all[1]!.brokerEpoch);
    expect(await store.brokers.readBroker(7)).toBeNull();
  });
});

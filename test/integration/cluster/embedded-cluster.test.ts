import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedCluster, startCluster } from '../../../broker/index.js';
import { waitFor } from '../../helpers/broker-process.js';
import { readValues } from '../../helpers/kafkajs-read.js';
import { type TestZooKeeper, zooKeeperForTests } from '../../helpers/zookeeper.js';

/** startCluster: three in-process brokers on one ZooKeeper, the production code of cluster mode. */
describe.sequential('startCluster', () => {
  let zookeeper: TestZooKeeper;
  let cluster: EmbeddedCluster;

  beforeAll(async () => {
    zookeeper = await zooKeeperForTests();
    cluster = await startCluster({ brokers: 3, zookeeper: zookeeper.connectString });
  }, 90_000);

  afterAll(async () => {
    await cluster?.stop();
    await zookeeper?.stop();
  }, 60_000);

  const kafka = (): Kafka =>
    new Kafka({ brokers: cluster.bootstrap.split(','), logLevel: logLevel.NOTHING, retry: { retries: 10 } });

  it('forms: every broker knows all three and the same controller', () => {
    const controllers = new Set<number>();
    for (const broker of cluster.brokers.values()) {
      const snapshot = broker.metadata.snapshot();
      expect([...snapshot.brokers.keys()].sort()).toEqual([1, 2, 3]);
      controllers.add(snapshot.controllerId);
    }
    expect(controllers.size).toBe(1);
  });

  it('replicates an RF=3 topic: acks=all writes reach every replica and are read back', async () => {
    const admin = kafka().admin();
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic: 'replicated', numPartitions: 3, replicationFactor: 3 }],
      waitForLeaders: true,
    });
    const metadata = await admin.fetchTopicMetadata({ topics: ['replicated'] });
    const leaders = metadata.topics[0]!.partitions.map((p) => p.leader).sort();
    expect(leaders).toEqual([1, 2, 3]);
    await admin.disconnect();

    const producer = kafka().producer({ idempotent: true });
    await producer.connect();
    const messages = Array.from({ length: 90 }, (_, i) => ({ partition: i % 3, value: `v${i}` }));
    await producer.send({ topic: 'replicated', acks: -1, messages });
    await producer.disconnect();

    // every replica's log holds all 30 records of its partition
    await waitFor(
      () =>
        [...cluster.brokers.values()].every((broker) =>
          [0, 1, 2].every((p) => broker.logEndOffset('replicated', p) === 30),
        ),
      20_000,
      'every replica to hold its partition whole',
    );

    const seen = await readValues(kafka(), { groupId: 'readers', topic: 'replicated', count: 90 });
    expect(new Set(seen)).toEqual(new Set(messages.map((m) => m.value)));
  }, 90_000);

  it('moves leadership away from a broker that stops, and keeps accepting acks=all writes', async () => {
    const admin = kafka().admin();
    await admin.connect();
    const before = await admin.fetchTopicMetadata({ topics: ['replicated'] });
    const leaderOf0 = before.topics[0]!.partitions.find((p) => p.partitionId === 0)!.leader;
    await cluster.stopBroker(leaderOf0);
    await waitFor(
      async () => {
        const after = await admin.fetchTopicMetadata({ topics: ['replicated'] });
        const p0 = after.topics[0]!.partitions.find((p) => p.partitionId === 0)!;
        return p0.leader !== leaderOf0 && p0.leader >= 1 && !p0.isr.includes(leaderOf0);
      },
      30_000,
      'a new leader of partition 0',
    );
    await admin.disconnect();
    const producer = kafka().producer({ idempotent: true });
    await producer.connect();
    await producer.send({ topic: 'replicated', acks: -1, messages: [{ partition: 0, value: 'after' }] });
    await producer.disconnect();
    await cluster.startBroker(leaderOf0);
    await waitFor(
      () => cluster.brokers.get(leaderOf0)!.logEndOffset('replicated', 0) === 31,
      30_000,
      'the restarted broker to catch up',
    );
  }, 120_000);
});

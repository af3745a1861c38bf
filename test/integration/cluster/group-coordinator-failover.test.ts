import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { javaStringHashCode, kafkaAbs } from '../../../broker/group/offsets-topic.js';
import { type EmbeddedCluster, startCluster } from '../../../broker/index.js';
import { waitFor } from '../../helpers/broker-process.js';
import { readValues } from '../../helpers/kafkajs-read.js';
import { type TestZooKeeper, zooKeeperForTests } from '../../helpers/zookeeper.js';

const OFFSETS_PARTITIONS = 3;

/** A group's coordinator moves with the leadership of its __consumer_offsets partition; its offsets go along. */
describe.sequential('group coordinator failover', () => {
  let zookeeper: TestZooKeeper;
  let cluster: EmbeddedCluster;

  beforeAll(async () => {
    zookeeper = await zooKeeperForTests();
    cluster = await startCluster({
      brokers: 3,
      zookeeper: zookeeper.connectString,
      properties: { 'offsets.topic.num.partitions': String(OFFSETS_PARTITIONS) },
    });
  }, 90_000);

  afterAll(async () => {
    await cluster?.stop();
    await zookeeper?.stop();
  }, 60_000);

  const kafka = (): Kafka =>
    new Kafka({ brokers: cluster.bootstrap.split(','), logLevel: logLevel.NOTHING, retry: { retries: 10 } });

  const consume = (groupId: string, count: number): Promise<string[]> =>
    readValues(kafka(), { groupId, topic: 'events', count });

  it('keeps committed offsets when the coordinator broker stops: the group resumes where it was', async () => {
    const admin = kafka().admin();
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic: 'events', numPartitions: 1, replicationFactor: 3 }],
      waitForLeaders: true,
    });
    const producer = kafka().producer({ idempotent: true });
    await producer.connect();
    await producer.send({
      topic: 'events',
      acks: -1,
      messages: Array.from({ length: 10 }, (_, i) => ({ value: `a${i}` })),
    });

    expect(await consume('resumers', 10)).toHaveLength(10);
    const committed = await admin.fetchOffsets({ groupId: 'resumers', topics: ['events'] });
    expect(committed[0]!.partitions[0]!.offset).toBe('10');

    const offsetsPartition = kafkaAbs(javaStringHashCode('resumers')) % OFFSETS_PARTITIONS;
    const anyBroker = [...cluster.brokers.values()][0]!;
    const coordinator = anyBroker.metadata.snapshot().partition('__consumer_offsets', offsetsPartition)!.leader;
    await cluster.stopBroker(coordinator);
    await waitFor(
      () => {
        const leader = [...cluster.brokers.values()][0]!.metadata
          .snapshot()
          .partition('__consumer_offsets', offsetsPartition)?.leader;
        return leader !== undefined && leader !== coordinator && leader >= 0;
      },
      30_000,
      'a new leader of the group offsets partition',
    );

    await producer.send({
      topic: 'events',
      acks: -1,
      messages: Array.from({ length: 5 }, (_, i) => ({ value: `b${i}` })),
    });
    await producer.disconnect();
    // the new coordinator loaded the group's offsets: only the records written since are delivered
    expect(await consume('resumers', 5)).toEqual(['b0', 'b1', 'b2', 'b3', 'b4']);
    await admin.disconnect();
  }, 120_000);
});

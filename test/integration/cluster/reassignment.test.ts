import { type Admin, Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedCluster, startCluster } from '../../../broker/index.js';
import {
  AlterPartitionReassignments,
  ErrorCode,
  ListPartitionReassignments,
  type RequestInput,
} from '../../../protocol/index.js';
import { waitFor } from '../../helpers/broker-process.js';
import { readValues } from '../../helpers/kafkajs-read.js';
import { brokerRequest, readPartition } from '../../helpers/cluster-wire.js';
import { type TestZooKeeper, zooKeeperForTests } from '../../helpers/zookeeper.js';

/**
 * Partition reassignment (AlterPartitionReassignments / ListPartitionReassignments, KIP-455) on four in-process
 * brokers: the data is copied to the new replicas before the old ones are dropped and their logs deleted; a
 * reassignment that cannot finish is listed and can be cancelled; one in flight survives the controller's failover.
 * The reassignments are asked with kafkajs' admin where it can: it sends no cancellation nor refused target, and it
 * stops working while a partition is offline (its metadata refresh fails), so those go over the wire.
 */
describe.sequential('partition reassignment', () => {
  let zookeeper: TestZooKeeper;
  let cluster: EmbeddedCluster;
  let admin: Admin;

  beforeAll(async () => {
    zookeeper = await zooKeeperForTests();
    cluster = await startCluster({
      brokers: 4,
      zookeeper: zookeeper.connectString,
      properties: {
        'auto.leader.rebalance.enable': 'false',
        // a broker stopping as the last replica of a partition gives up on moving its leadership at once
        'controlled.shutdown.max.retries': '1',
        'controlled.shutdown.retry.backoff.ms': '100',
      },
    });
    admin = kafka().admin();
    await admin.connect();
  }, 120_000);

  afterAll(async () => {
    await admin?.disconnect();
    await cluster?.stop();
    await zookeeper?.stop();
  }, 60_000);

  const kafka = (): Kafka =>
    new Kafka({ brokers: cluster.bootstrap.split(','), logLevel: logLevel.NOTHING, retry: { retries: 10 } });
  const portOf = (id: number): number => Number(cluster.brokers.get(id)!.bootstrapServers.split(':').at(-1));
  const controllerId = (): number => [...cluster.brokers.values()][0]!.metadata.snapshot().controllerId;
  const broker = (id: number) => cluster.brokers.get(id)!;
  /** The partition as the controller's metadata shows it. */
  const partition = (topic: string, p: number) =>
    cluster.brokers.get(controllerId())?.metadata.snapshot().partition(topic, p);
  /** The broker knows it leads the partition (it applies LeaderAndIsr before the metadata that comes with it). */
  const leads = (id: number, topic: string) =>
    cluster.brokers.get(id)?.metadata.snapshot().partition(topic, 0)?.leader === id;

  const createTopic = async (topic: string, replicas: number[]): Promise<void> => {
    await admin.createTopics({
      topics: [{ topic, replicaAssignment: [{ partition: 0, replicas }] }],
      waitForLeaders: true,
    });
  };
  const produce = async (topic: string, values: string[]): Promise<void> => {
    const producer = kafka().producer({ idempotent: true });
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: values.map((value) => ({ partition: 0, value })) });
    await producer.disconnect();
  };
  /** ListPartitionReassignments straight to the controller: kafkajs' admin refuses to work while a partition is offline. */
  const ongoing = async (topic: string) => {
    const listed = await brokerRequest(portOf(controllerId()), ListPartitionReassignments, 0, {
      timeoutMs: 10_000,
      topics: [{ name: topic, partitionIndexes: [0] }],
    });
    expect(listed.errorCode).toBe(ErrorCode.NONE);
    return listed.topics.find((t) => t.name === topic)?.partitions[0];
  };
  /** AlterPartitionReassignments straight to the controller (kafkajs sends no null replicas, nor refused ones). */
  const alter = (topics: RequestInput<typeof AlterPartitionReassignments>['topics'], port = portOf(controllerId())) =>
    brokerRequest(port, AlterPartitionReassignments, 0, { timeoutMs: 10_000, topics });
  const settled = async (topic: string, replicas: number[]): Promise<void> => {
    await waitFor(
      async () => {
        const p = partition(topic, 0);
        return (
          (await ongoing(topic)) === undefined &&
          p !== undefined &&
          p.replicas.join() === replicas.join() &&
          [...p.isr].sort().join() === [...replicas].sort().join() &&
          replicas.includes(p.leader) &&
          leads(p.leader, topic)
        );
      },
      60_000,
      () => `${topic}-0 on ${replicas.join()}, now ${JSON.stringify(partition(topic, 0))}`,
    );
  };
  const values = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

  it('moves a single-replica partition with its data from broker 1 to broker 3 and deletes the old log', async () => {
    await createTopic('moved', [1]);
    await produce('moved', values('m', 200));

    await admin.alterPartitionReassignments({
      topics: [{ topic: 'moved', partitionAssignment: [{ partition: 0, replicas: [3] }] }],
    });
    await settled('moved', [3]);
    expect(await admin.listPartitionReassignments({})).toEqual({ topics: [] });
    expect(partition('moved', 0)!.leader).toBe(3);
    expect(broker(3).logEndOffset('moved', 0)).toBe(200);
    await waitFor(() => broker(1).logEndOffset('moved', 0) === undefined, 20_000, "broker 1's replica deleted");

    // clients find the new leader: later writes and a consumer from the beginning see everything
    await produce('moved', values('after', 10));
    const seen = await readValues(kafka(), { groupId: 'moved-readers', topic: 'moved', count: 210 });
    expect(seen).toEqual([...values('m', 200), ...values('after', 10)]);
  });

  it('replaces one replica of an RF=3 partition: the new one copies the data before the old one goes', async () => {
    await createTopic('replaced', [1, 2, 3]);
    await produce('replaced', values('r', 100));

    await admin.alterPartitionReassignments({
      topics: [{ topic: 'replaced', partitionAssignment: [{ partition: 0, replicas: [1, 2, 4] }] }],
    });
    await settled('replaced', [1, 2, 4]);
    expect(broker(4).logEndOffset('replaced', 0)).toBe(100);
    await waitFor(() => broker(3).logEndOffset('replaced', 0) === undefined, 20_000, "broker 3's replica deleted");
    const leader = partition('replaced', 0)!.leader;
    expect((await readPartition(portOf(leader), 'replaced', 0)).map((r) => r.value)).toEqual(values('r', 100));
  });

  it('refuses unknown partitions, bad targets, cancelling none, and answers NOT_CONTROLLER elsewhere', async () => {
    await createTopic('refusals', [2]);
    const answer = await alter([
      { name: 'refusals', partitions: [{ partitionIndex: 0, replicas: [2, 2] }] },
      { name: 'refusals', partitions: [{ partitionIndex: 1, replicas: [2] }] },
      { name: 'nowhere', partitions: [{ partitionIndex: 0, replicas: [1] }] },
    ]);
    expect(answer.errorCode).toBe(ErrorCode.NONE);
    const codes = answer.responses.flatMap((t) => t.partitions.map((p) => [t.name, p.partitionIndex, p.errorCode]));
    expect(codes).toEqual(
      expect.arrayContaining([
        ['refusals', 0, ErrorCode.INVALID_REPLICA_ASSIGNMENT],
        ['refusals', 1, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
        ['nowhere', 0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
      ]),
    );
    const codeOf = async (replicas: number[] | null) =>
      (await alter([{ name: 'refusals', partitions: [{ partitionIndex: 0, replicas }] }])).responses[0]!.partitions[0]!;
    // broker 9 is not registered; an empty list; no reassignment to cancel
    expect(await codeOf([2, 9])).toMatchObject({ errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT });
    expect(await codeOf([])).toMatchObject({ errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT });
    expect(await codeOf(null)).toMatchObject({ errorCode: ErrorCode.NO_REASSIGNMENT_IN_PROGRESS });

    const other = [...cluster.brokers.keys()].find((id) => id !== controllerId())!;
    const elsewhere = await alter(
      [{ name: 'refusals', partitions: [{ partitionIndex: 0, replicas: [3] }] }],
      portOf(other),
    );
    expect(elsewhere).toMatchObject({ errorCode: ErrorCode.NOT_CONTROLLER, responses: [] });
    expect(partition('refusals', 0)!.replicas).toEqual([2]);
  });

  it('lists a reassignment that cannot finish and cancels it back to the original replica', async () => {
    // the only replica's broker is down: the new replica has no leader to copy from
    await createTopic('stuck', [2]);
    await produce('stuck', values('s', 20));
    await cluster.stopBroker(2);
    await waitFor(() => partition('stuck', 0)?.leader === -1, 30_000, 'stuck-0 offline');

    const toFour = [{ name: 'stuck', partitions: [{ partitionIndex: 0, replicas: [4] }] }];
    expect((await alter(toFour)).responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE);
    expect(await ongoing('stuck')).toEqual({
      partitionIndex: 0,
      replicas: [4, 2],
      addingReplicas: [4],
      removingReplicas: [2],
    });
    // the new replica was started
    await waitFor(() => broker(4).logEndOffset('stuck', 0) === 0, 20_000, 'broker 4 to create its replica');
    // a second request for the same reassignment changes nothing
    expect((await alter(toFour)).responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE);
    expect((await ongoing('stuck'))?.replicas).toEqual([4, 2]);

    const cancel = await alter([{ name: 'stuck', partitions: [{ partitionIndex: 0, replicas: null }] }]);
    expect(cancel.responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE);
    expect(await ongoing('stuck')).toBeUndefined();
    await waitFor(() => broker(4).logEndOffset('stuck', 0) === undefined, 20_000, "broker 4's replica deleted");
    await waitFor(() => partition('stuck', 0)?.replicas.join() === '2', 20_000, 'the original assignment');

    await cluster.startBroker(2);
    await waitFor(() => partition('stuck', 0)?.leader === 2 && leads(2, 'stuck'), 30_000, 'broker 2 leading again');
    expect((await readPartition(portOf(2), 'stuck', 0)).map((r) => r.value)).toEqual(values('s', 20));
  });

  it('goes on after the controller stops: the new controller reads the reassignment back and completes it', async () => {
    const controller = controllerId();
    const [source, target] = [...cluster.brokers.keys()].filter((id) => id !== controller);
    await createTopic('survivor', [source!]);
    await produce('survivor', values('v', 30));
    // the source down keeps the reassignment in flight across the failover
    await cluster.stopBroker(source!);
    await waitFor(() => partition('survivor', 0)?.leader === -1, 30_000, 'survivor-0 offline');
    const grow = await alter([{ name: 'survivor', partitions: [{ partitionIndex: 0, replicas: [source!, target!] }] }]);
    expect(grow.responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE);
    expect((await ongoing('survivor'))?.addingReplicas).toEqual([target]);

    await cluster.stopBroker(controller);
    await waitFor(
      () => {
        const id = controllerId();
        return id !== controller && id >= 0 && cluster.brokers.get(id)?.metadata.snapshot().controllerId === id;
      },
      30_000,
      'a new controller',
    );
    expect(await ongoing('survivor')).toEqual({
      partitionIndex: 0,
      replicas: [source, target],
      addingReplicas: [target],
      removingReplicas: [],
    });

    await cluster.startBroker(source!);
    await settled('survivor', [source!, target!]);
    expect(broker(target!).logEndOffset('survivor', 0)).toBe(30);
    await cluster.startBroker(controller);
  });
});

import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedCluster, startCluster } from '../../../broker/index.js';
import { ElectLeaders, ErrorCode } from '../../../protocol/index.js';
import { waitFor } from '../../helpers/broker-process.js';
import { brokerRequest, produceValues, readPartition } from '../../helpers/cluster-wire.js';
import { type TestZooKeeper, zooKeeperForTests } from '../../helpers/zookeeper.js';

/**
 * ElectLeaders (key 43) on three in-process brokers with the automatic rebalance off: a preferred election moves
 * leadership back to a returning preferred replica, an unclean election brings an offline partition back on an
 * out-of-sync replica, and only the controller elects.
 */
describe.sequential('ElectLeaders', () => {
  let zookeeper: TestZooKeeper;
  let cluster: EmbeddedCluster;

  beforeAll(async () => {
    zookeeper = await zooKeeperForTests();
    cluster = await startCluster({
      brokers: 3,
      zookeeper: zookeeper.connectString,
      properties: {
        'auto.leader.rebalance.enable': 'false',
        // a broker stopping as the last in-sync replica of a partition gives up on moving its leadership at once
        'controlled.shutdown.max.retries': '1',
        'controlled.shutdown.retry.backoff.ms': '100',
      },
    });
  }, 90_000);

  afterAll(async () => {
    await cluster?.stop();
    await zookeeper?.stop();
  }, 60_000);

  const portOf = (id: number): number => Number(cluster.brokers.get(id)!.bootstrapServers.split(':').at(-1));
  const controllerId = (): number => [...cluster.brokers.values()][0]!.metadata.snapshot().controllerId;
  const metadataOf = (id: number, topic: string, p: number) =>
    cluster.brokers.get(id)?.metadata.snapshot().partition(topic, p);
  type Partitions = { topic: string; partitions: number[] }[] | null;
  const electAt = (port: number, electionType: number, topicPartitions: Partitions, version = 2) =>
    brokerRequest(port, ElectLeaders, version, { electionType, topicPartitions, timeoutMs: 15_000 });
  const elect = (electionType: number, topicPartitions: Partitions, version = 2) =>
    electAt(portOf(controllerId()), electionType, topicPartitions, version);
  const codes = (response: Awaited<ReturnType<typeof electAt>>) =>
    response.replicaElectionResults
      .flatMap((t) => t.partitionResult.map((p) => [`${t.topic}-${p.partitionId}`, p.errorCode] as const))
      .sort();

  it('preferred: moves leadership back to the first replica once it is in sync again', async () => {
    const admin = new Kafka({ brokers: cluster.bootstrap.split(','), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.createTopics({
      topics: [
        {
          topic: 'pref',
          replicaAssignment: [
            { partition: 0, replicas: [1, 2, 3] },
            { partition: 1, replicas: [2, 3, 1] },
          ],
        },
      ],
      waitForLeaders: true,
    });
    await admin.disconnect();
    expect((await produceValues(portOf(1), 'pref', 0, ['a', 'b'], { acks: -1 })).errorCode).toBe(ErrorCode.NONE);

    // a controlled shutdown moves leadership of pref-0 away; broker 1 comes back as a follower
    await cluster.stopBroker(1);
    await cluster.startBroker(1);
    await waitFor(
      () => {
        const p = metadataOf(controllerId(), 'pref', 0);
        return p !== undefined && p.leader !== 1 && p.isr.includes(1);
      },
      30_000,
      'broker 1 back in the ISR of pref-0 as a follower',
    );

    const other = [...cluster.brokers.keys()].find((id) => id !== controllerId())!;
    const elsewhere = await electAt(portOf(other), 0, [{ topic: 'pref', partitions: [0] }]);
    expect(elsewhere.errorCode).toBe(ErrorCode.NONE);
    expect(codes(elsewhere)).toEqual([['pref-0', ErrorCode.NOT_CONTROLLER]]);

    const answer = await elect(0, [
      { topic: 'pref', partitions: [0, 1, 9] },
      { topic: 'missing', partitions: [0] },
    ]);
    expect(codes(answer)).toEqual([
      ['missing-0', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
      ['pref-0', ErrorCode.NONE],
      ['pref-1', ErrorCode.ELECTION_NOT_NEEDED],
      ['pref-9', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    ]);
    // the answer came once the controller's broker saw the new leader
    expect(metadataOf(controllerId(), 'pref', 0)?.leader).toBe(1);
    expect((await readPartition(portOf(1), 'pref', 0)).map((r) => r.value)).toEqual(['a', 'b']);

    // v0 (always preferred) over every partition: nothing needs an election, and those are left out
    const all = await elect(0, null, 0);
    expect(all.replicaElectionResults).toEqual([]);
  });

  it('unclean: an offline partition comes back on an out-of-sync replica only when asked', async () => {
    const controller = controllerId();
    const [first, second] = [...cluster.brokers.keys()].filter((id) => id !== controller);
    const admin = new Kafka({ brokers: cluster.bootstrap.split(','), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic: 'dirty', replicaAssignment: [{ partition: 0, replicas: [first!, second!] }] }],
      waitForLeaders: true,
    });
    await admin.disconnect();
    const both = ['x0', 'x1'];
    expect((await produceValues(portOf(first!), 'dirty', 0, both, { acks: -1 })).errorCode).toBe(ErrorCode.NONE);
    // the follower leaves and the leader goes on alone, then stops: offline, with its only in-sync replica down
    await cluster.stopBroker(second!);
    await waitFor(() => metadataOf(controller, 'dirty', 0)?.isr.join() === String(first), 30_000, 'ISR of one');
    expect((await produceValues(portOf(first!), 'dirty', 0, ['lost'], { acks: -1 })).errorCode).toBe(ErrorCode.NONE);
    await cluster.stopBroker(first!);
    await cluster.startBroker(second!);
    await waitFor(() => metadataOf(controller, 'dirty', 0)?.leader === -1, 30_000, 'dirty-0 offline');
    // unclean.leader.election.enable is off: the returning out-of-sync replica does not lead by itself (the
    // controller's broker learns of it with the outcome of the elections its return triggered)
    await waitFor(
      () => cluster.brokers.get(controller)?.metadata.snapshot().brokers.has(second!) === true,
      30_000,
      'the controller to see the follower back',
    );
    expect(metadataOf(controller, 'dirty', 0)?.leader).toBe(-1);

    expect(codes(await elect(0, [{ topic: 'dirty', partitions: [0] }]))).toEqual([
      ['dirty-0', ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE],
    ]);
    expect(codes(await elect(1, [{ topic: 'dirty', partitions: [0] }]))).toEqual([['dirty-0', ErrorCode.NONE]]);
    expect(metadataOf(controller, 'dirty', 0)).toMatchObject({ leader: second, isr: [second] });
    expect(codes(await elect(1, [{ topic: 'dirty', partitions: [0] }]))).toEqual([
      ['dirty-0', ErrorCode.ELECTION_NOT_NEEDED],
    ]);
    // what the new leader had is there; the record only the old leader held is lost, as the admin chose
    expect((await readPartition(portOf(second!), 'dirty', 0)).map((r) => r.value)).toEqual(both);

    // the old leader comes back as a follower and truncates to the new leader's log
    await cluster.startBroker(first!);
    await waitFor(
      () => cluster.brokers.get(first!)?.logEndOffset('dirty', 0) === 2,
      30_000,
      'the old leader to truncate',
    );
  });

  it('answers an unknown election type INVALID_REQUEST', async () => {
    const answer = await elect(7, [{ topic: 'pref', partitions: [0] }]);
    expect(answer.errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect(codes(answer)).toEqual([['pref-0', ErrorCode.INVALID_REQUEST]]);
  });
});

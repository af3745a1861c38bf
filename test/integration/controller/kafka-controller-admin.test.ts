import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../protocol/index.js';
import { ZkPaths } from '../../../broker/zk/index.js';
import { zooKeeperPerTestFile } from '../../helpers/zookeeper.js';
import { ControllerTestCluster, waitFor } from './controller-harness.js';

const zkFile = zooKeeperPerTestFile();

describe('KafkaController: topic deletion', () => {
  it('sends UpdateMetadata without the topic, then StopReplica with delete, then removes its znodes', async () => {
    const cluster = await ControllerTestCluster.create(zkFile, 'delete');
    for (const b of [1, 2, 3]) await cluster.startBroker(b);
    await cluster.createTopic(
      'doomed',
      [
        [1, 2],
        [2, 3],
      ],
      { 'retention.ms': '1000' },
    );
    await cluster.createTopic('kept', [[1]]);
    const controller = await cluster.controller(1);
    await controller.startup();
    await waitFor(() => cluster.brokers.leaderAndIsr(3).length > 0, 10_000, 'start-up requests');
    cluster.brokers.clear();

    await cluster.admin.store.topics.markForDeletion('doomed');
    await waitFor(async () => (await cluster.admin.zk.exists(ZkPaths.topic('doomed'))) === null, 10_000, 'znodes gone');
    expect(await cluster.admin.zk.exists(ZkPaths.topicConfig('doomed'))).toBeNull();
    expect(await cluster.admin.zk.exists(ZkPaths.deleteTopic('doomed'))).toBeNull();
    expect(await cluster.admin.zk.exists(ZkPaths.topic('kept'))).not.toBeNull();

    for (const b of [1, 2, 3]) {
      const requests = cluster.brokers.requests.filter((r) => r.brokerId === b);
      expect(requests[0]?.api).toBe('UpdateMetadata');
      const partitions = cluster.brokers.updateMetadata(b)[0]!.topicStates[0]!.partitionStates;
      expect(partitions.map((p) => [p.partitionIndex, p.leader])).toEqual([
        [0, -2],
        [1, -2],
      ]);
    }
    // each replica is told to stop and delete its log, with the epoch that skips the leader epoch check
    const deletions = (b: number) =>
      cluster.brokers
        .stopReplica(b)
        .flatMap((r) =>
          r.topicStates.flatMap((t) =>
            t.partitionStates.map((p) => [t.topicName, p.partitionIndex, p.deletePartition, p.leaderEpoch]),
          ),
        );
    expect(deletions(1)).toEqual([['doomed', 0, true, -2]]);
    expect(deletions(2)).toEqual([
      ['doomed', 0, true, -2],
      ['doomed', 1, true, -2],
    ]);
    expect(deletions(3)).toEqual([['doomed', 1, true, -2]]);
  });

  it('waits for a replica on a dead broker and finishes when the broker is back', async () => {
    const cluster = await ControllerTestCluster.create(zkFile, 'delete-dead');
    for (const b of [1, 2]) await cluster.startBroker(b);
    await cluster.createTopic('doomed', [[1, 2]]);
    const controller = await cluster.controller(1);
    await controller.startup();
    await cluster.killBroker(2);
    await cluster.waitForState('doomed', 0, (s) => !s.isr.includes(2));
    cluster.brokers.clear();

    await cluster.admin.store.topics.markForDeletion('doomed');
    await waitFor(() => cluster.brokers.stopReplica(1).length > 0, 10_000, 'broker 1 asked');
    // broker 2 still has its log: the topic's znodes stay until it deleted it too
    expect(await cluster.admin.zk.exists(ZkPaths.topic('doomed'))).not.toBeNull();

    await cluster.startBroker(2);
    await waitFor(async () => (await cluster.admin.zk.exists(ZkPaths.topic('doomed'))) === null, 10_000, 'znodes gone');
    expect(cluster.brokers.stopReplica(2).at(-1)!.topicStates[0]!.partitionStates[0]!.deletePartition).toBe(true);
    // the returning broker is not told to serve the topic, and learns it is being deleted
    expect(cluster.brokers.leaderAndIsr(2)).toEqual([]);
    expect(cluster.brokers.lastMetadata(2, 'doomed', 0)?.leader).toBe(-2);
  });

  it('asks again a broker that failed to delete a replica', async () => {
    const cluster = await ControllerTestCluster.create(zkFile, 'delete-retry');
    await cluster.startBroker(1);
    await cluster.createTopic('doomed', [[1]]);
    const controller = await cluster.controller(1);
    await controller.startup();
    let failures = 0;
    cluster.brokers.respond = (request) => {
      // the first StopReplica fails on the partition (a storage error); the first attempt at sending it fails too
      if (request.api !== 'StopReplica') return undefined;
      failures++;
      if (failures === 1) throw new Error('connection refused');
      if (failures === 2) {
        return { errorCode: 0, partitionErrors: [{ topicName: 'doomed', partitionIndex: 0, errorCode: 56 }] };
      }
      return undefined;
    };
    await cluster.admin.store.topics.markForDeletion('doomed');
    await waitFor(async () => (await cluster.admin.zk.exists(ZkPaths.topic('doomed'))) === null, 15_000, 'znodes gone');
    expect(failures).toBe(3);
  });

  it('removes the marker and keeps the topic when delete.topic.enable is false', async () => {
    const cluster = await ControllerTestCluster.create(zkFile, 'delete-disabled');
    await cluster.startBroker(1);
    await cluster.createTopic('precious', [[1]]);
    const controller = await cluster.controller(1, { 'delete.topic.enable': 'false' });
    await controller.startup();
    await cluster.admin.store.topics.markForDeletion('precious');
    await waitFor(
      async () => (await cluster.admin.zk.exists(ZkPaths.deleteTopic('precious'))) === null,
      10_000,
      'marker',
    );
    expect(await cluster.admin.zk.exists(ZkPaths.topic('precious'))).not.toBeNull();
    expect(cluster.brokers.stopReplica(1)).toEqual([]);
  });
});

describe('KafkaController: controlled shutdown', () => {
  it('moves leadership away, takes the broker out of the ISRs it follows, and answers what it still leads', async () => {
    const cluster = await ControllerTestCluster.create(zkFile, 'controlled-shutdown');
    const epochs = new Map<number, number>();
    for (const b of [1, 2, 3]) epochs.set(b, await cluster.startBroker(b));
    await cluster.createTopic('orders', [
      [1, 2, 3],
      [2, 1, 3],
    ]);
    await cluster.createTopic('solo', [[1]]);
    const controller = await cluster.controller(3);
    await controller.startup();
    await waitFor(() => cluster.brokers.leaderAndIsr(1).length > 0, 10_000, 'start-up requests');
    cluster.brokers.clear();

    await expect(controller.controlledShutdown(1, epochs.get(1)! - 1)).resolves.toMatchObject({
      errorCode: ErrorCode.STALE_BROKER_EPOCH,
    });
    await expect(controller.controlledShutdown(7, -1)).resolves.toMatchObject({
      errorCode: ErrorCode.BROKER_NOT_AVAILABLE,
    });

    const result = await controller.controlledShutdown(1, epochs.get(1)!);
    // the single-replica partition cannot move and does not hold the shutdown up
    expect(result).toEqual({ errorCode: ErrorCode.NONE, remaining: [] });
    expect(await cluster.state('orders', 0)).toMatchObject({ leader: 2, isr: [2, 3], leaderEpoch: 1 });
    expect(await cluster.state('orders', 1)).toMatchObject({ leader: 2, isr: [2, 3], leaderEpoch: 1 });
    expect(await cluster.state('solo', 0)).toMatchObject({ leader: 1, leaderEpoch: 0 });

    await waitFor(() => cluster.brokers.stopReplica(1).length > 0, 10_000, 'StopReplica to broker 1');
    expect(cluster.brokers.stopReplica(1)[0]!.topicStates).toEqual([
      { topicName: 'orders', partitionStates: [{ partitionIndex: 1, leaderEpoch: 1, deletePartition: false }] },
    ]);
    // broker 1 is told it no longer leads partition 0; the new leader and the other follower learn the new state
    expect(cluster.brokers.lastPartitionState(1, 'orders', 0)).toMatchObject({ leader: 2, isr: [2, 3] });
    for (const b of [2, 3]) {
      expect(cluster.brokers.lastPartitionState(b, 'orders', 0)).toMatchObject({ leader: 2, leaderEpoch: 1 });
      expect(cluster.brokers.lastPartitionState(b, 'orders', 1)).toMatchObject({ leader: 2, isr: [2, 3] });
    }

    // while it shuts down it is not elected, even from the ISR: the leader lets it back in, then the leader dies
    const current = (await cluster.state('orders', 0))!;
    await cluster.admin.store.partitionStates.updateState(
      'orders',
      0,
      { ...current, isr: [2, 3, 1] },
      current.zkVersion,
      null,
    );
    await cluster.admin.store.notifications.createIsrChange([{ topic: 'orders', partition: 0 }]);
    await waitFor(() => cluster.brokers.lastMetadata(3, 'orders', 0)?.isr.length === 3, 10_000, 'ISR change seen');
    await cluster.killBroker(2);
    expect(await cluster.waitForState('orders', 0, (s) => s.leader !== 2)).toMatchObject({ leader: 3, isr: [3] });
  });

  it('answers the replicated partitions the broker still leads when no other ISR member can take over', async () => {
    const cluster = await ControllerTestCluster.create(zkFile, 'controlled-shutdown-stuck');
    for (const b of [1, 2]) await cluster.startBroker(b);
    await cluster.createTopic('orders', [[1, 2]]);
    const controller = await cluster.controller(2);
    await controller.startup();
    // broker 2 drops out of the ISR
    const before = (await cluster.state('orders', 0))!;
    await cluster.admin.store.partitionStates.updateState('orders', 0, { ...before, isr: [1] }, before.zkVersion, null);
    await cluster.admin.store.notifications.createIsrChange([{ topic: 'orders', partition: 0 }]);
    await waitFor(() => cluster.brokers.lastMetadata(2, 'orders', 0)?.isr.length === 1, 10_000, 'ISR change seen');

    const result = await controller.controlledShutdown(1, -1);
    expect(result).toEqual({ errorCode: ErrorCode.NONE, remaining: [{ topic: 'orders', partition: 0 }] });
    expect((await cluster.state('orders', 0))!.leader).toBe(1);
  });

  it('does not hold up the last broker of a partition: with every other replica down, nothing remains', async () => {
    const cluster = await ControllerTestCluster.create(zkFile, 'controlled-shutdown-last');
    for (const b of [1, 2]) await cluster.startBroker(b);
    await cluster.createTopic('orders', [[1, 2]]);
    const controller = await cluster.controller(1);
    await controller.startup();
    await cluster.killBroker(2);
    await cluster.waitForState('orders', 0, (s) => !s.isr.includes(2));
    expect(await controller.controlledShutdown(1, -1)).toEqual({ errorCode: ErrorCode.NONE, remaining: [] });
  });
});

describe('KafkaController: preferred leaders', () => {
  it('elects the preferred replica again once it is back in the ISR', async () => {
    const cluster = await ControllerTestCluster.create(zkFile, 'preferred');
    for (const b of [1, 2]) await cluster.startBroker(b);
    await cluster.createTopic('orders', [
      [1, 2],
      [2, 1],
    ]);
    const controller = await cluster.controller(2);
    await controller.startup();

    await cluster.killBroker(1);
    await cluster.waitForState('orders', 0, (s) => s.leader === 2);
    await cluster.startBroker(1);
    expect(
      await controller.electPreferredLeaders([
        { topic: 'orders', partition: 0 },
        { topic: 'orders', partition: 1 },
        { topic: 'orders', partition: 9 },
        { topic: 'missing', partition: 0 },
      ]),
    ).toEqual(
      new Map([
        // broker 1 is back but not in the ISR yet: it cannot lead
        ['orders-0', ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE],
        ['orders-1', ErrorCode.ELECTION_NOT_NEEDED],
        ['orders-9', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
        ['missing-0', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
      ]),
    );

    // the leader lets broker 1 back into the ISR
    const before = (await cluster.state('orders', 0))!;
    await cluster.admin.store.partitionStates.updateState(
      'orders',
      0,
      { ...before, isr: [2, 1] },
      before.zkVersion,
      null,
    );
    await cluster.admin.store.notifications.createIsrChange([{ topic: 'orders', partition: 0 }]);
    await waitFor(() => cluster.brokers.lastMetadata(2, 'orders', 0)?.isr.length === 2, 10_000, 'ISR change seen');
    cluster.brokers.clear();
    expect(await controller.electPreferredLeaders(null)).toEqual(
      new Map([
        ['orders-0', ErrorCode.NONE],
        ['orders-1', ErrorCode.ELECTION_NOT_NEEDED],
      ]),
    );
    expect(await cluster.state('orders', 0)).toMatchObject({
      leader: 1,
      isr: [2, 1],
      leaderEpoch: before.leaderEpoch + 1,
    });
    await waitFor(() => cluster.brokers.lastPartitionState(1, 'orders', 0)?.leader === 1, 10_000, 'broker 1 told');
  });

  it('moves leadership back automatically when a broker leads too few of its preferred partitions', async () => {
    const cluster = await ControllerTestCluster.create(zkFile, 'auto-rebalance');
    for (const b of [1, 2]) await cluster.startBroker(b);
    await cluster.createTopic('orders', [
      [1, 2],
      [1, 2],
      [2, 1],
    ]);
    const controller = await cluster.controller(2, {
      'leader.imbalance.check.interval.seconds': '1',
      'leader.imbalance.per.broker.percentage': '10',
    });
    await controller.startup();
    await cluster.killBroker(1);
    await cluster.waitForState('orders', 1, (s) => s.leader === 2);
    await cluster.startBroker(1);
    for (const p of [0, 1]) {
      const before = (await cluster.state('orders', p))!;
      await cluster.admin.store.partitionStates.updateState(
        'orders',
        p,
        { ...before, isr: [2, 1] },
        before.zkVersion,
        null,
      );
    }
    await cluster.admin.store.notifications.createIsrChange([
      { topic: 'orders', partition: 0 },
      { topic: 'orders', partition: 1 },
    ]);
    for (const p of [0, 1]) await cluster.waitForState('orders', p, (s) => s.leader === 1, 'preferred leader back');
    expect((await cluster.state('orders', 2))!.leader).toBe(2);
  });
});

import { describe, expect, it } from 'vitest';
import { ZkPaths } from '../../../broker/zk/index.js';
import { zooKeeperPerTestFile } from '../../helpers/zookeeper.js';
import { ControllerTestCluster, waitFor } from './controller-harness.js';

const zkFile = zooKeeperPerTestFile();

describe('KafkaController: election and new topics', () => {
  it('on election initialises partitions without state and sends full metadata and LeaderAndIsr to every broker', async () => {
    // three brokers are up and a topic was created while no controller ran: its partitions have no state yet
    const cluster = await ControllerTestCluster.create(zkFile, 'startup');
    const epochs = [await cluster.startBroker(1), await cluster.startBroker(2), await cluster.startBroker(3)];
    const topicId = await cluster.createTopic('orders', [
      [1, 2, 3],
      [2, 3, 1],
    ]);
    const controller = await cluster.controller(1);
    await controller.startup();

    expect(controller.isActive()).toBe(true);
    expect(controller.activeControllerId()).toBe(1);
    expect(await cluster.state('orders', 0)).toMatchObject({ leader: 1, leaderEpoch: 0, isr: [1, 2, 3], zkVersion: 0 });
    expect(await cluster.state('orders', 1)).toMatchObject({ leader: 2, leaderEpoch: 0, isr: [2, 3, 1] });
    expect((await cluster.state('orders', 0))?.controllerEpoch).toBe(1);

    await waitFor(() => [1, 2, 3].every((b) => cluster.brokers.updateMetadata(b).length > 0), 10_000, 'metadata');
    for (const [i, brokerId] of [1, 2, 3].entries()) {
      const [metadata] = cluster.brokers.updateMetadata(brokerId);
      expect(metadata).toMatchObject({ controllerId: 1, controllerEpoch: 1, brokerEpoch: epochs[i] });
      expect(metadata!.liveBrokers.map((b) => [b.id, b.endpoints[0]!.port])).toEqual([
        [1, 9001],
        [2, 9002],
        [3, 9003],
      ]);
      expect(metadata!.topicStates).toEqual([
        expect.objectContaining({
          topicName: 'orders',
          topicId,
          partitionStates: [
            expect.objectContaining({ partitionIndex: 0, leader: 1, isr: [1, 2, 3], replicas: [1, 2, 3] }),
            expect.objectContaining({ partitionIndex: 1, leader: 2, isr: [2, 3, 1], replicas: [2, 3, 1] }),
          ],
        }),
      ]);
      const [leaderAndIsr] = cluster.brokers.leaderAndIsr(brokerId);
      expect(leaderAndIsr).toMatchObject({ controllerId: 1, controllerEpoch: 1, brokerEpoch: epochs[i] });
      expect(leaderAndIsr!.topicStates[0]!.topicId).toBe(topicId);
      expect(leaderAndIsr!.topicStates[0]!.partitionStates.map((p) => [p.partitionIndex, p.leader, p.isNew])).toEqual([
        [0, 1, true],
        [1, 2, true],
      ]);
      expect(leaderAndIsr!.liveLeaders).toEqual([
        { brokerId: 1, hostName: '127.0.0.1', port: 9001 },
        { brokerId: 2, hostName: '127.0.0.1', port: 9002 },
      ]);
      // per broker, LeaderAndIsr goes before the UpdateMetadata that sends clients to the new leaders
      const apis = cluster.brokers.requests.filter((r) => r.brokerId === brokerId).map((r) => r.api);
      expect(apis.indexOf('LeaderAndIsr')).toBeLessThan(apis.indexOf('UpdateMetadata'));
    }
  });

  it('starts the partitions of a topic created later, and partitions added to it', async () => {
    const cluster = await ControllerTestCluster.create(zkFile, 'new-topic');
    await cluster.startBroker(1);
    await cluster.startBroker(2);
    const controller = await cluster.controller(1);
    await controller.startup();
    await waitFor(() => cluster.brokers.updateMetadata(2).length > 0, 10_000, 'first metadata');
    cluster.brokers.clear();

    // a replica on broker 3, which is not registered, stays out of the ISR
    const topicId = await cluster.createTopic('payments', [
      [2, 1],
      [3, 2],
    ]);
    expect(await cluster.waitForState('payments', 0, () => true)).toMatchObject({ leader: 2, isr: [2, 1] });
    expect(await cluster.waitForState('payments', 1, () => true)).toMatchObject({ leader: 2, isr: [2] });
    await waitFor(() => cluster.brokers.updateMetadata(1).length > 0, 10_000, 'metadata for the new topic');
    expect(cluster.brokers.lastPartitionState(1, 'payments', 0)).toMatchObject({ leader: 2, isNew: true });
    expect(cluster.brokers.lastPartitionState(2, 'payments', 1)).toMatchObject({ leader: 2, isr: [2], isNew: true });
    expect(cluster.brokers.lastMetadata(1, 'payments', 1)).toMatchObject({ leader: 2, offlineReplicas: [3] });
    expect(cluster.brokers.updateMetadata(1).at(-1)!.topicStates[0]!.topicId).toBe(topicId);
    cluster.brokers.clear();

    // CreatePartitions: one more partition in the assignment
    const current = (await cluster.admin.store.topics.readAssignment('payments'))!;
    await cluster.admin.store.topics.addPartitions(
      current,
      new Map([[2, { replicas: [1, 2], addingReplicas: [], removingReplicas: [] }]]),
    );
    expect(await cluster.waitForState('payments', 2, () => true)).toMatchObject({ leader: 1, isr: [1, 2] });
    await waitFor(() => cluster.brokers.lastPartitionState(2, 'payments', 2) !== undefined, 10_000, 'LeaderAndIsr');
    expect(cluster.brokers.lastPartitionState(2, 'payments', 2)).toMatchObject({ leader: 1, isNew: true });
    // the existing partitions are not started again
    expect(cluster.brokers.lastPartitionState(2, 'payments', 0)).toBeUndefined();
    // UpdateMetadata names every partition of the topic
    await waitFor(() => cluster.brokers.lastMetadata(1, 'payments', 2) !== undefined, 10_000, 'metadata');
    expect(cluster.brokers.updateMetadata(1).at(-1)!.topicStates[0]!.partitionStates).toHaveLength(3);
  });

  it('gives a topic without an id one, and uses it in its requests', async () => {
    const cluster = await ControllerTestCluster.create(zkFile, 'topic-id');
    await cluster.startBroker(1);
    // an assignment as an old tool wrote it: no topic_id
    await cluster.admin.zk.create(ZkPaths.topic('legacy'), Buffer.from('{"version":1,"partitions":{"0":[1]}}'));
    const controller = await cluster.controller(1);
    await controller.startup();
    const read = await cluster.admin.store.topics.readAssignment('legacy');
    expect(read?.topicId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    await waitFor(() => cluster.brokers.leaderAndIsr(1).length > 0, 10_000, 'LeaderAndIsr');
    expect(cluster.brokers.leaderAndIsr(1)[0]!.topicStates[0]!.topicId).toBe(read!.topicId);
  });

  it('sends UpdateMetadata to every broker for the partitions a leader reported ISR changes of', async () => {
    const cluster = await ControllerTestCluster.create(zkFile, 'isr-change');
    await cluster.startBroker(1);
    await cluster.startBroker(2);
    await cluster.createTopic('events', [[1, 2]]);
    const controller = await cluster.controller(1);
    await controller.startup();
    await waitFor(() => cluster.brokers.updateMetadata(2).length > 0, 10_000, 'first metadata');
    cluster.brokers.clear();

    // the leader (broker 1) shrinks the ISR itself, as Partition.maybeShrinkIsr does in ZooKeeper mode
    const before = (await cluster.state('events', 0))!;
    const write = await cluster.admin.store.partitionStates.updateState(
      'events',
      0,
      { ...before, isr: [1] },
      before.zkVersion,
      null,
    );
    expect(write.outcome).toBe('updated');
    await cluster.admin.store.notifications.createIsrChange([{ topic: 'events', partition: 0 }]);

    await waitFor(() => [1, 2].every((b) => cluster.brokers.lastMetadata(b, 'events', 0) !== undefined), 10_000, 'UM');
    for (const b of [1, 2])
      expect(cluster.brokers.lastMetadata(b, 'events', 0)).toMatchObject({ isr: [1], zkVersion: 1 });
    await waitFor(
      async () => (await cluster.admin.store.notifications.listIsrChanges()).length === 0,
      10_000,
      'deleted',
    );
    // nobody is told to change leadership
    expect(cluster.brokers.leaderAndIsr(1)).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../protocol/index.js';
import { ZkPaths } from '../../../broker/zk/index.js';
import { zooKeeperPerTestFile } from '../../helpers/zookeeper.js';
import { ControllerTestCluster, waitFor } from './controller-harness.js';

const zkFile = zooKeeperPerTestFile();

/**
 * The controller's side of a reassignment, request by request, against brokers that only record what they are told:
 * the assignment znode in Kafka's JSON at each step, the LeaderAndIsr with the adding and removing replicas, and the
 * completion an ISR change notification triggers. The leader's part (taking the new replica into the ISR) is played
 * by writing the partition state and the notification as a leader would.
 */
describe('KafkaController: partition reassignment', () => {
  it('starts a move with RS = TRS + ORS, completes it once the target is in the ISR, then drops the original', async () => {
    const cluster = await ControllerTestCluster.create(zkFile, 'reassign');
    for (const b of [1, 2, 3]) await cluster.startBroker(b);
    await cluster.createTopic('orders', [[1, 2]]);
    const controller = await cluster.controller(1);
    await controller.startup();
    const initial = await cluster.waitForState('orders', 0, (s) => s.leader === 1);
    cluster.brokers.clear();

    expect(await controller.alterPartitionReassignments([{ topic: 'orders', partition: 0, replicas: [3, 2] }])).toEqual(
      [{ topic: 'orders', partition: 0, errorCode: ErrorCode.NONE, errorMessage: null }],
    );
    const assignmentJson = async () => {
      const json = JSON.parse((await cluster.admin.zk.getData(ZkPaths.topic('orders'))).data.toString()) as Record<
        string,
        unknown
      >;
      return { partitions: json.partitions, adding: json.adding_replicas, removing: json.removing_replicas };
    };
    expect(await assignmentJson()).toEqual({ partitions: { 0: [3, 2, 1] }, adding: { 0: [3] }, removing: { 0: [1] } });
    expect(await controller.listPartitionReassignments(null)).toEqual([
      { topic: 'orders', partition: 0, replicas: [3, 2, 1], addingReplicas: [3], removingReplicas: [1] },
    ]);
    // a new epoch for the same leader and ISR, told to every replica; the new one starts as a new replica
    const started = await cluster.waitForState('orders', 0, (s) => s.leaderEpoch === initial.leaderEpoch + 1);
    expect(started).toMatchObject({ leader: 1, isr: initial.isr });
    await waitFor(() => [1, 2, 3].every((b) => cluster.brokers.leaderAndIsr(b).length > 0), 10_000, 'LeaderAndIsr');
    for (const b of [1, 2, 3]) {
      expect(cluster.brokers.lastPartitionState(b, 'orders', 0)).toMatchObject({
        leader: 1,
        leaderEpoch: started.leaderEpoch,
        replicas: [3, 2, 1],
        addingReplicas: [3],
        removingReplicas: [1],
        isNew: b === 3,
      });
    }
    cluster.brokers.clear();

    // the leader takes broker 3 into the ISR and notifies
    await cluster.admin.store.partitionStates.updateState(
      'orders',
      0,
      { ...started, isr: [1, 2, 3] },
      started.zkVersion,
      null,
    );
    await cluster.admin.store.notifications.createIsrChange([{ topic: 'orders', partition: 0 }]);
    const done = await cluster.waitForState('orders', 0, (s) => s.leader !== 1);
    // leadership moves into the target, the removed replica leaves the ISR, in one new epoch
    expect(done).toMatchObject({ leader: 3, isr: [2, 3], leaderEpoch: started.leaderEpoch + 1 });
    await waitFor(
      // requests queue behind the completion: an empty list means it has run
      async () => (await controller.listPartitionReassignments(null)).length === 0,
      10_000,
      'completion',
    );
    expect(await assignmentJson()).toEqual({ partitions: { 0: [3, 2] }, adding: {}, removing: {} });
    await waitFor(() => cluster.brokers.stopReplica(1).length > 0, 10_000, 'StopReplica to broker 1');
    expect(cluster.brokers.stopReplica(1)[0]!.topicStates[0]!.partitionStates).toEqual([
      { partitionIndex: 0, leaderEpoch: done.leaderEpoch, deletePartition: true },
    ]);
    // the remaining replicas learn the final replica set; the removed one gets no LeaderAndIsr
    expect(cluster.brokers.leaderAndIsr(1)).toEqual([]);
    for (const b of [2, 3]) {
      expect(cluster.brokers.lastPartitionState(b, 'orders', 0)).toMatchObject({
        leader: 3,
        replicas: [3, 2],
        addingReplicas: [],
        removingReplicas: [],
      });
    }
    await waitFor(() => cluster.brokers.lastMetadata(2, 'orders', 0)?.replicas.join() === '3,2', 10_000, 'metadata');
  });

  it('a new controller resumes a reassignment from the assignment znode', async () => {
    const cluster = await ControllerTestCluster.create(zkFile, 'reassign-failover');
    for (const b of [1, 2]) await cluster.startBroker(b);
    await cluster.createTopic('orders', [[1]]);
    const first = await cluster.controller(1);
    await first.startup();
    await cluster.waitForState('orders', 0, (s) => s.leader === 1);
    await first.alterPartitionReassignments([{ topic: 'orders', partition: 0, replicas: [2] }]);
    await first.shutdown();

    const second = await cluster.controller(2);
    await second.startup();
    await waitFor(() => second.isActive(), 10_000, 'the second controller');
    expect(await second.listPartitionReassignments([{ topic: 'orders', partition: 0 }])).toEqual([
      { topic: 'orders', partition: 0, replicas: [2, 1], addingReplicas: [2], removingReplicas: [1] },
    ]);
    const state = await cluster.state('orders', 0);
    await cluster.admin.store.partitionStates.updateState(
      'orders',
      0,
      { ...state!, isr: [1, 2] },
      state!.zkVersion,
      null,
    );
    await cluster.admin.store.notifications.createIsrChange([{ topic: 'orders', partition: 0 }]);
    await cluster.waitForState('orders', 0, (s) => s.leader === 2 && s.isr.join() === '2');
    await waitFor(async () => (await second.listPartitionReassignments(null)).length === 0, 10_000, 'completion');
  });
});

import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../protocol/index.js';
import { ControllerMovedError, fencedMultiAt, parseZkConnectString, ZkPaths } from '../../../broker/zk/index.js';
import { startTcpProxy } from '../../helpers/tcp-proxy.js';
import { killSessionBehindPartition } from '../../helpers/zk-session-expiry.js';
import { zooKeeperPerTestFile } from '../../helpers/zookeeper.js';
import { ControllerTestCluster, waitFor } from './controller-harness.js';

const zkFile = zooKeeperPerTestFile();

describe('KafkaController: broker failures', () => {
  it('moves leadership to the next ISR member with a bumped epoch and takes a dead follower out of the ISR', async () => {
    const cluster = await ControllerTestCluster.create(zkFile, 'broker-death');
    for (const b of [1, 2, 3]) await cluster.startBroker(b);
    await cluster.createTopic('orders', [
      [1, 2, 3],
      [2, 1, 3],
    ]);
    const controller = await cluster.controller(3);
    await controller.startup();
    await waitFor(() => cluster.brokers.leaderAndIsr(2).length > 0, 10_000, 'start-up requests');
    cluster.brokers.clear();

    // broker 1 dies: it led partition 0 and followed partition 1
    await cluster.killBroker(1);
    const p0 = await cluster.waitForState('orders', 0, (s) => s.leader !== 1);
    expect(p0).toMatchObject({ leader: 2, leaderEpoch: 1, isr: [2, 3], controllerEpoch: 1, zkVersion: 1 });
    const p1 = await cluster.waitForState('orders', 1, (s) => !s.isr.includes(1));
    expect(p1).toMatchObject({ leader: 2, leaderEpoch: 1, isr: [2, 3] });

    await waitFor(() => cluster.brokers.lastPartitionState(3, 'orders', 1) !== undefined, 10_000, 'LeaderAndIsr');
    for (const b of [2, 3]) {
      expect(cluster.brokers.lastPartitionState(b, 'orders', 0)).toMatchObject({
        leader: 2,
        leaderEpoch: 1,
        isr: [2, 3],
        partitionEpoch: 1,
      });
      expect(cluster.brokers.lastPartitionState(b, 'orders', 1)).toMatchObject({ leader: 2, isr: [2, 3] });
    }
    // the dead broker gets nothing; the others learn it is gone
    expect(cluster.brokers.requests.filter((r) => r.brokerId === 1)).toEqual([]);
    await waitFor(() => cluster.brokers.updateMetadata(2).length > 0, 10_000, 'UpdateMetadata');
    expect(
      cluster.brokers
        .updateMetadata(2)
        .at(-1)!
        .liveBrokers.map((b) => b.id),
    ).toEqual([2, 3]);
    expect(cluster.brokers.lastMetadata(2, 'orders', 0)).toMatchObject({ leader: 2, offlineReplicas: [1] });
  });

  it('keeps a partition offline when its whole ISR is gone, and elects again when an ISR member returns', async () => {
    const cluster = await ControllerTestCluster.create(zkFile, 'offline');
    for (const b of [1, 2, 3]) await cluster.startBroker(b);
    await cluster.createTopic('ledger', [[2, 3]]);
    const controller = await cluster.controller(1);
    await controller.startup();

    await cluster.killBroker(3);
    await cluster.waitForState('ledger', 0, (s) => s.isr.length === 1);
    await cluster.killBroker(2);
    // no leader; the ISR keeps the last member, which holds every committed record
    const offline = await cluster.waitForState('ledger', 0, (s) => s.leader === -1);
    expect(offline).toMatchObject({ leader: -1, isr: [2] });

    // broker 3 comes back, out of sync: unclean election is off, so the partition stays offline
    cluster.brokers.clear();
    await cluster.startBroker(3);
    await waitFor(() => cluster.brokers.updateMetadata(3).length > 0, 10_000, 'broker 3 told');
    expect(cluster.brokers.lastMetadata(3, 'ledger', 0)).toMatchObject({ leader: -1, isr: [2] });
    expect((await cluster.state('ledger', 0))!.leader).toBe(-1);

    // broker 2, the last in-sync replica, comes back and leads again
    const back = await cluster.startBroker(2);
    const elected = await cluster.waitForState('ledger', 0, (s) => s.leader === 2);
    expect(elected).toMatchObject({ leader: 2, isr: [2], leaderEpoch: offline.leaderEpoch + 1 });
    await waitFor(() => cluster.brokers.lastPartitionState(2, 'ledger', 0)?.leader === 2, 10_000, 'broker 2 told');
    expect(cluster.brokers.leaderAndIsr(2).at(-1)!.brokerEpoch).toBe(back);
    expect(cluster.brokers.lastPartitionState(3, 'ledger', 0)).toMatchObject({ leader: 2 });
  });

  it('elects an out-of-sync replica when the topic enables unclean leader election', async () => {
    const cluster = await ControllerTestCluster.create(zkFile, 'unclean');
    for (const b of [1, 2, 3]) await cluster.startBroker(b);
    await cluster.createTopic('metrics', [[2, 3]], { 'unclean.leader.election.enable': 'true' });
    await cluster.createTopic('strict', [[2, 3]]);
    const controller = await cluster.controller(1);
    await controller.startup();

    // broker 3 drops out of the ISR and comes back (the leader has not let it in again)
    await cluster.killBroker(3);
    await cluster.waitForState('metrics', 0, (s) => s.isr.length === 1);
    await cluster.startBroker(3);
    await waitFor(() => cluster.brokers.leaderAndIsr(3).length > 0, 10_000, 'broker 3 back');
    expect((await cluster.state('metrics', 0))!.isr).toEqual([2]);

    await cluster.killBroker(2);
    expect(await cluster.waitForState('metrics', 0, (s) => s.leader !== 2)).toMatchObject({ leader: 3, isr: [3] });
    // the topic without the override keeps the broker default (off)
    expect(await cluster.waitForState('strict', 0, (s) => s.leader !== 2)).toMatchObject({ leader: -1, isr: [2] });
  });

  it('treats a broker registered again with a new epoch as gone and back', async () => {
    const cluster = await ControllerTestCluster.create(zkFile, 'bounce');
    await cluster.startBroker(1);
    await cluster.startBroker(2);
    await cluster.createTopic('logs', [[1, 2]]);
    const controller = await cluster.controller(2);
    await controller.startup();
    await waitFor(() => cluster.brokers.leaderAndIsr(1).length > 0, 10_000, 'start-up requests');

    // broker 1 restarts quickly: the controller may see it gone and back, or only its new epoch
    await cluster.killBroker(1);
    const epoch = await cluster.startBroker(1);
    const state = await cluster.waitForState('logs', 0, (s) => s.leader === 2);
    expect(state.isr).toEqual([2]);
    await waitFor(() => cluster.brokers.leaderAndIsr(1).at(-1)?.brokerEpoch === epoch, 10_000, 'new epoch used');
    expect(cluster.brokers.lastPartitionState(1, 'logs', 0)).toMatchObject({ leader: 2, isr: [2] });
    expect(cluster.brokers.updateMetadata(1).at(-1)!.brokerEpoch).toBe(epoch);
  });
});

describe('KafkaController: controller failover', () => {
  it('a second controller takes over when the first one’s session ends, and the first cannot write', async () => {
    const cluster = await ControllerTestCluster.create(zkFile, 'takeover');
    for (const b of [1, 2, 3]) await cluster.startBroker(b);
    await cluster.createTopic('orders', [[1, 2, 3]]);

    // controller 1 reaches ZooKeeper through a proxy, so its session can be ended while it cannot see it
    const { hosts, chroot } = parseZkConnectString(cluster.connectString);
    const [host, port] = hosts.split(':');
    const proxy = await startTcpProxy(host!, Number(port));
    zkFile.cleanups.push(() => proxy.close());
    const firstZk = await cluster.connect(proxy.address + chroot);
    const first = await cluster.controller(1, {}, firstZk);
    await first.startup();
    expect(first.isActive()).toBe(true);
    const firstFence = (await firstZk.exists(ZkPaths.controllerEpoch))!.version;
    const second = await cluster.controller(2);
    await second.startup();
    expect(second.isActive()).toBe(false);
    expect(second.activeControllerId()).toBe(1);

    const killed = await killSessionBehindPartition(firstZk, proxy, hosts);
    await waitFor(() => second.isActive(), 15_000, 'controller 2 elected');
    expect(second.activeControllerId()).toBe(2);
    // controller 1 has heard nothing yet and believes it is active; its fenced writes would fail
    expect(first.isActive()).toBe(true);
    cluster.brokers.clear();

    // the new controller acts: broker 1 dies, leadership moves with controller epoch 2
    await cluster.killBroker(1);
    const moved = await cluster.waitForState('orders', 0, (s) => s.leader !== 1);
    expect(moved).toMatchObject({ leader: 2, controllerEpoch: 2 });
    await waitFor(() => cluster.brokers.leaderAndIsr(2).length > 0, 10_000, 'controller 2 told broker 2');
    expect(cluster.brokers.leaderAndIsr(2).at(-1)).toMatchObject({ controllerId: 2, controllerEpoch: 2 });

    // controller 1 still believes it is active and decides something (broker 3 shutting down needs an ISR write);
    // healed, the write reaches ZooKeeper fenced with its old epoch and fails, and it steps down
    const stale = first.controlledShutdown(3, -1);
    killed.heal();
    await expect(stale).resolves.toMatchObject({ errorCode: ErrorCode.NOT_CONTROLLER });
    expect((await cluster.state('orders', 0))!).toMatchObject({ leader: 2, isr: [2, 3], controllerEpoch: 2 });
    await waitFor(() => !first.isActive() && first.activeControllerId() === 2, 15_000, 'controller 1 resigned');
    await expect(first.controlledShutdown(3, -1)).resolves.toMatchObject({ errorCode: ErrorCode.NOT_CONTROLLER });
    await expect(first.electPreferredLeaders(null)).rejects.toMatchObject({ code: ErrorCode.NOT_CONTROLLER });
    // a write fenced with controller 1's epoch fails and changes nothing
    await expect(
      fencedMultiAt(cluster.admin.zk, firstFence, [{ type: 'create', path: '/written-by-1' }]),
    ).rejects.toBeInstanceOf(ControllerMovedError);
    expect(await cluster.admin.zk.exists('/written-by-1')).toBeNull();
  });

  it('resigns at once when a fenced write fails because another controller was elected', async () => {
    const cluster = await ControllerTestCluster.create(zkFile, 'fenced');
    await cluster.startBroker(1);
    await cluster.startBroker(2);
    await cluster.createTopic('orders', [[1, 2]]);
    const controller = await cluster.controller(1);
    await controller.startup();
    expect(controller.isActive()).toBe(true);

    // another controller's election bumps the epoch (as a broker that saw /controller vanish would)
    const { data, stat } = await cluster.admin.zk.getData(ZkPaths.controllerEpoch);
    await cluster.admin.zk.setData(
      ZkPaths.controllerEpoch,
      Buffer.from(String(Number(data.toString()) + 1)),
      stat.version,
    );

    // the next decision (broker 1 shuts down) needs a fenced write: it fails, and the controller steps down
    const result = await controller.controlledShutdown(1, -1);
    expect(result.errorCode).toBe(ErrorCode.NOT_CONTROLLER);
    expect(controller.isActive()).toBe(false);
    expect((await cluster.state('orders', 0))!.leader).toBe(1);
    // it gave the office up; the election that follows makes it controller again, with the next epoch
    await waitFor(() => controller.isActive(), 15_000, 'elected again');
    expect((await cluster.admin.zk.getData(ZkPaths.controllerEpoch)).data.toString()).toBe('3');
  });
});

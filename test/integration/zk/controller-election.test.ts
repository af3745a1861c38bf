import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import {
  ControllerElection,
  ControllerMovedError,
  fencedMultiAt,
  parseZkConnectString,
  ZkBadVersionError,
  ZkClient,
  ZkPaths,
} from '../../../broker/zk/index.js';
import { waitFor } from '../../helpers/broker-process.js';
import { zooKeeperPerTestFile } from '../../helpers/zookeeper.js';
import { killSessionBehindPartition } from '../../helpers/zk-session-expiry.js';
import { startTcpProxy } from '../../helpers/tcp-proxy.js';

const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
const zkFile = zooKeeperPerTestFile();
const { cleanups } = zkFile;

/** One broker's part in the election: its own ZooKeeper session, and what its callbacks saw. */
interface Participant {
  readonly brokerId: number;
  readonly zk: ZkClient;
  readonly election: ControllerElection;
  readonly elected: number[];
  resignations: number;
}

async function participant(brokerId: number, connectString: string): Promise<Participant> {
  const zk = await ZkClient.connect({ connectString, sessionTimeoutMs: 6_000, connectionTimeoutMs: 10_000, logger });
  const p: Participant = {
    brokerId,
    zk,
    elected: [],
    resignations: 0,
    election: new ControllerElection({
      zk,
      brokerId,
      logger,
      nowMs: () => 1_700_000_000_000 + brokerId,
      onElected: (epoch) => void p.elected.push(epoch),
      onResigned: () => void p.resignations++,
    }),
  };
  cleanups.push(async () => {
    await p.election.close();
    await zk.close();
  });
  return p;
}

async function epochInZk(zk: ZkClient): Promise<string> {
  return (await zk.getData(ZkPaths.controllerEpoch)).data.toString();
}

/** Waits until exactly one of `among` is active and all agree on it; returns it. */
async function soleController(among: readonly Participant[]): Promise<Participant> {
  await waitFor(
    () => {
      const active = among.filter((p) => p.election.isActive());
      return active.length === 1 && among.every((p) => p.election.activeControllerId() === active[0]!.brokerId);
    },
    10_000,
    () =>
      `one controller; active: ${
        among
          .filter((p) => p.election.isActive())
          .map((p) => p.brokerId)
          .join() || 'none'
      }`,
  );
  return among.find((p) => p.election.isActive())!;
}

describe('controller election', () => {
  it('elects exactly one of three brokers, writing Kafka’s /controller and /controller_epoch', async () => {
    const connectString = await zkFile.server.chrootFor('three');
    const brokers = await Promise.all([1, 2, 3].map((id) => participant(id, connectString)));
    await Promise.all(brokers.map((b) => b.election.start()));
    const winner = await soleController(brokers);

    expect(winner.elected).toEqual([1]);
    expect(winner.election.epoch).toBe(1);
    expect(brokers.filter((b) => b !== winner).every((b) => b.elected.length === 0)).toBe(true);
    const { data, stat } = await winner.zk.getData(ZkPaths.controller);
    expect(data.toString()).toBe(
      `{"version":2,"brokerid":${winner.brokerId},"timestamp":"${1_700_000_000_000 + winner.brokerId}","kraftControllerEpoch":-1}`,
    );
    expect(stat.ephemeralOwner).toBe(winner.zk.sessionId);
    expect(await epochInZk(winner.zk)).toBe('1');
    expect(winner.election.epochZkVersion).toBe((await winner.zk.exists(ZkPaths.controllerEpoch))?.version);
  });

  it('elects another broker with the next epoch each time the controller dies', async () => {
    const connectString = await zkFile.server.chrootFor('failover');
    const alive = await Promise.all([1, 2, 3].map((id) => participant(id, connectString)));
    await Promise.all(alive.map((b) => b.election.start()));
    const seen: number[] = [];
    for (const expectedEpoch of [1, 2, 3]) {
      const controller = await soleController(alive);
      expect(controller.election.epoch).toBe(expectedEpoch);
      expect(controller.elected).toEqual([expectedEpoch]);
      expect(await epochInZk(controller.zk)).toBe(String(expectedEpoch));
      seen.push(controller.brokerId);
      // a crash: the session ends without the election being told
      await controller.zk.close();
      alive.splice(alive.indexOf(controller), 1);
    }
    expect(new Set(seen).size).toBe(3);
  });

  it('resigns when its session expires and is elected again, with a new epoch, on the new session', async () => {
    const direct = await zkFile.server.chrootFor('expiry');
    const { hosts, chroot } = parseZkConnectString(direct);
    const [host, port] = hosts.split(':');
    const proxy = await startTcpProxy(host!, Number(port));
    cleanups.push(() => proxy.close());
    const broker = await participant(1, proxy.address + chroot);
    await broker.election.start();
    await soleController([broker]);

    const killed = await killSessionBehindPartition(broker.zk, proxy, hosts);
    killed.heal();
    await waitFor(
      () => broker.elected.length === 2,
      10_000,
      () => `elections ${broker.elected.join()}`,
    );
    expect(broker.resignations).toBe(1);
    expect(broker.elected).toEqual([1, 2]);
    expect(broker.election.isActive()).toBe(true);
    expect((await broker.zk.exists(ZkPaths.controller))?.ephemeralOwner).toBe(broker.zk.sessionId);
  });

  it('fails a deposed controller’s fenced write, applying none of it', async () => {
    const direct = await zkFile.server.chrootFor('deposed');
    const { hosts, chroot } = parseZkConnectString(direct);
    const [host, port] = hosts.split(':');
    const proxy = await startTcpProxy(host!, Number(port));
    cleanups.push(() => proxy.close());
    const old = await participant(1, proxy.address + chroot);
    await old.election.start();
    await soleController([old]);
    const successor = await participant(2, direct);
    await successor.election.start();
    expect(await old.election.fencedMulti([{ type: 'create', path: '/by-epoch-1', data: null }])).toEqual([
      { type: 'create', path: '/by-epoch-1' },
    ]);

    // cut the controller off; its session ends; broker 2 takes over with epoch 2
    const killed = await killSessionBehindPartition(old.zk, proxy, hosts);
    await waitFor(() => successor.election.isActive(), 10_000, 'broker 2 elected');
    expect(successor.election.epoch).toBe(2);
    // broker 1 has heard nothing and still believes it is the controller of epoch 1
    expect(old.election.isActive()).toBe(true);
    const stale = old.election.fencedMulti([
      { type: 'create', path: '/by-epoch-1-late', data: null },
      { type: 'setData', path: '/by-epoch-1', data: Buffer.from('late') },
    ]);
    killed.heal();
    await expect(stale).rejects.toBeInstanceOf(ControllerMovedError);
    await expect(stale).rejects.toHaveProperty('cause', expect.any(ZkBadVersionError));
    expect(await successor.zk.exists('/by-epoch-1-late')).toBeNull();
    expect((await successor.zk.getData('/by-epoch-1')).data.length).toBe(0);

    await waitFor(() => !old.election.isActive(), 10_000, 'broker 1 resigned');
    expect(old.resignations).toBe(1);
    await waitFor(() => old.election.activeControllerId() === 2, 10_000, 'broker 1 sees broker 2 in office');
    await expect(old.election.fencedMulti([{ type: 'create', path: '/x' }])).rejects.toBeInstanceOf(
      ControllerMovedError,
    );
    // the current controller's fenced writes go through
    expect(await successor.election.fencedMulti([{ type: 'create', path: '/by-epoch-2' }])).toHaveLength(1);
  });

  it('fences a write made with an older epoch’s zkVersion even from a live session', async () => {
    const connectString = await zkFile.server.chrootFor('fence');
    const a = await participant(1, connectString);
    await a.election.start();
    await soleController([a]);
    const epoch1Version = a.election.epochZkVersion;
    await a.election.resign();
    await waitFor(() => a.elected.length === 2, 10_000, 're-election after resigning');
    expect(a.election.epoch).toBe(2);

    const replay = fencedMultiAt(a.zk, epoch1Version, [{ type: 'create', path: '/replayed' }]);
    await expect(replay).rejects.toBeInstanceOf(ControllerMovedError);
    expect(await a.zk.exists('/replayed')).toBeNull();
    const failed = fencedMultiAt(a.zk, a.election.epochZkVersion, [
      { type: 'create', path: '/ok' },
      { type: 'setData', path: '/missing', data: null },
    ]);
    await expect(failed).rejects.toMatchObject({ opIndex: 1, path: '/missing', code: -101 });
    expect(await a.zk.exists('/ok')).toBeNull();
  });

  it('resigns and gives the office up when the epoch is moved under it', async () => {
    const connectString = await zkFile.server.chrootFor('epoch-moved');
    const a = await participant(1, connectString);
    await a.election.start();
    await soleController([a]);
    // an outside write (an operator, a controller we never saw) bumps the epoch
    await a.zk.setData(ZkPaths.controllerEpoch, Buffer.from('41'));
    await expect(a.election.fencedMulti([{ type: 'create', path: '/x' }])).rejects.toBeInstanceOf(ControllerMovedError);
    await waitFor(() => a.elected.length === 2, 10_000, 're-election');
    expect(a.resignations).toBe(1);
    expect(a.election.epoch).toBe(42);
  });
});

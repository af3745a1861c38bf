import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  parseZkConnectString,
  ZkBadVersionError,
  ZkClient,
  ZkClosedError,
  ZkConnectionTimeoutError,
  ZkNodeExistsError,
  ZkNoNodeError,
  ZkNotEmptyError,
  type ZkClientOptions,
  type ZkWatchEvent,
} from '../../../broker/zk/index.js';
import { waitFor } from '../../helpers/broker-process.js';
import { zooKeeperForTests, type TestZooKeeper } from '../../helpers/zookeeper.js';
import { killSessionBehindPartition } from '../../helpers/zk-session-expiry.js';
import { startTcpProxy, type TcpProxy } from '../../helpers/tcp-proxy.js';

const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
let server: TestZooKeeper;
const open: ZkClient[] = [];
const proxies: TcpProxy[] = [];

beforeAll(async () => {
  server = await zooKeeperForTests();
});
afterEach(async () => {
  for (const zk of open.splice(0)) await zk.close();
  for (const proxy of proxies.splice(0)) await proxy.close();
});
afterAll(() => server.stop());

async function connect(connectString: string, options: Partial<ZkClientOptions> = {}): Promise<ZkClient> {
  const zk = await ZkClient.connect({
    connectString,
    sessionTimeoutMs: 6_000,
    connectionTimeoutMs: 10_000,
    logger,
    ...options,
  });
  open.push(zk);
  return zk;
}

/** A client reaching ZooKeeper through a proxy whose link the test can cut. */
async function connectThroughProxy(name: string): Promise<{ zk: ZkClient; proxy: TcpProxy; direct: string }> {
  const direct = await server.chrootFor(name);
  const { hosts, chroot } = parseZkConnectString(direct);
  const [host, port] = hosts.split(':');
  const proxy = await startTcpProxy(host!, Number(port));
  proxies.push(proxy);
  return { zk: await connect(proxy.address + chroot), proxy, direct: hosts };
}

function collect(): { events: ZkWatchEvent[]; watcher: (e: ZkWatchEvent) => void } {
  const events: ZkWatchEvent[] = [];
  return { events, watcher: (e) => events.push(e) };
}

describe('ZkClient', () => {
  it('creates a missing chroot and keeps every path relative to it', async () => {
    const root = await connect(server.connectString);
    const chroot = `/client-chroot-${Date.now()}/nested`;
    const zk = await connect(server.connectString + chroot);
    expect(zk.chroot).toBe(chroot);
    expect(await zk.create('/a', Buffer.from('x'))).toBe('/a');
    expect((await root.getData(`${chroot}/a`)).data.toString()).toBe('x');
    expect(await zk.getChildren('/')).toEqual(['a']);
  });

  it('reads and writes with versions, and maps ZooKeeper’s codes to error classes', async () => {
    const zk = await connect(await server.chrootFor('crud'));
    await zk.create('/n', Buffer.from('v0'));
    await expect(zk.create('/n')).rejects.toBeInstanceOf(ZkNodeExistsError);
    await expect(zk.create('/missing/child')).rejects.toBeInstanceOf(ZkNoNodeError);
    expect(await zk.create('/deep/er/child', null, { createParents: true })).toBe('/deep/er/child');

    const { data, stat } = await zk.getData('/n');
    expect([data.toString(), stat.version]).toEqual(['v0', 0]);
    const updated = await zk.setData('/n', Buffer.from('v1'), 0);
    expect(updated.version).toBe(1);
    const stale = zk.setData('/n', Buffer.from('v2'), 0);
    await expect(stale).rejects.toBeInstanceOf(ZkBadVersionError);
    await expect(stale).rejects.toMatchObject({ code: -103, path: '/n' });
    expect((await zk.getData('/n')).data.toString()).toBe('v1');

    expect((await zk.getData('/deep')).data.length).toBe(0);
    await expect(zk.delete('/deep')).rejects.toBeInstanceOf(ZkNotEmptyError);
    await expect(zk.delete('/n', 0)).rejects.toBeInstanceOf(ZkBadVersionError);
    await zk.delete('/n', 1);
    expect(await zk.exists('/n')).toBeNull();
    await expect(zk.getData('/n')).rejects.toBeInstanceOf(ZkNoNodeError);
    await zk.deleteRecursive('/deep');
    expect(await zk.getChildren('/')).toEqual([]);
  });

  it('creates sequential and ephemeral nodes; an ephemeral is owned by the session and goes with it', async () => {
    const connectString = await server.chrootFor('modes');
    const zk = await connect(connectString);
    const observer = await connect(connectString);
    await zk.ensurePath('/seq');
    const first = await zk.create('/seq/n_', null, { mode: 'persistent_sequential' });
    const second = await zk.create('/seq/n_', null, { mode: 'persistent_sequential' });
    expect(first).toMatch(/^\/seq\/n_\d{10}$/);
    expect(second > first).toBe(true);

    await zk.create('/eph', Buffer.from('e'), { mode: 'ephemeral' });
    const stat = await observer.exists('/eph');
    expect(stat?.ephemeralOwner).toBe(zk.sessionId);
    expect(zk.sessionId).not.toBe(0n);
    expect((await observer.exists('/seq'))?.ephemeralOwner).toBe(0n);
    await zk.close();
    expect(await observer.exists('/eph')).toBeNull();
  });

  it('applies a multi atomically and names the op that failed', async () => {
    const zk = await connect(await server.chrootFor('multi'));
    await zk.create('/epoch', Buffer.from('0'));
    const results = await zk.multi([
      { type: 'check', path: '/epoch', version: 0 },
      { type: 'create', path: '/a', data: Buffer.from('1') },
      { type: 'setData', path: '/epoch', data: Buffer.from('1'), version: 0 },
    ]);
    expect(results[0]).toEqual({ type: 'check' });
    expect(results[1]).toEqual({ type: 'create', path: '/a' });
    expect(results[2]).toMatchObject({ type: 'setData', stat: { version: 1 } });

    // version 0 is stale now: the check must fail (the library alone would send -1, "any version")
    const failed = zk.multi([
      { type: 'create', path: '/b' },
      { type: 'check', path: '/epoch', version: 0 },
    ]);
    await expect(failed).rejects.toBeInstanceOf(ZkBadVersionError);
    await expect(failed).rejects.toMatchObject({ opIndex: 1, path: '/epoch' });
    expect(await zk.exists('/b')).toBeNull();

    const exists = zk.multi([
      { type: 'delete', path: '/a' },
      { type: 'create', path: '/epoch' },
    ]);
    await expect(exists).rejects.toMatchObject({ opIndex: 1, code: -110 });
    expect(await zk.exists('/a')).not.toBeNull();
  });

  it('fires one-shot watches for data, children, creation and deletion', async () => {
    const connectString = await server.chrootFor('watches');
    const zk = await connect(connectString);
    const other = await connect(connectString);

    const created = collect();
    expect(await zk.exists('/w', created.watcher)).toBeNull();
    await other.create('/w', Buffer.from('1'));
    await waitFor(() => created.events.length === 1, 5_000, 'creation watch');
    expect(created.events).toEqual([{ type: 'created', path: '/w' }]);

    const data = collect();
    await zk.getData('/w', data.watcher);
    await zk.getData('/w', data.watcher);
    await other.setData('/w', Buffer.from('2'));
    await waitFor(() => data.events.length > 0, 5_000, 'data watch');
    await other.setData('/w', Buffer.from('3'));
    const children = collect();
    expect(await zk.getChildren('/w', children.watcher)).toEqual([]);
    await other.create('/w/c');
    await waitFor(() => children.events.length === 1, 5_000, 'children watch');
    // one watch per (path, watcher), and one-shot: the second setData fired nothing
    expect(data.events).toEqual([{ type: 'dataChanged', path: '/w' }]);
    expect(children.events).toEqual([{ type: 'childrenChanged', path: '/w' }]);

    const deleted = collect();
    await zk.getData('/w/c', deleted.watcher);
    await other.delete('/w/c');
    await waitFor(() => deleted.events.length === 1, 5_000, 'deletion watch');
    expect(deleted.events).toEqual([{ type: 'deleted', path: '/w/c' }]);
  });

  it('keeps requests waiting through a short disconnection and sends them once reconnected', async () => {
    const { zk, proxy } = await connectThroughProxy('disconnect');
    const states: string[] = [];
    zk.addSessionListener({ connectionChanged: (s) => states.push(s) });
    const session = zk.sessionId;
    proxy.partition();
    await waitFor(() => zk.state === 'disconnected', 5_000, 'disconnected state');
    const write = zk.create('/during', Buffer.from('x'));
    proxy.heal();
    expect(await write).toBe('/during');
    expect(zk.sessionId).toBe(session);
    await waitFor(
      () => states.join() === 'disconnected,connected',
      5_000,
      () => `states ${states.join()}`,
    );
  });

  it('opens a new session after expiry and tells listeners, in order, so they re-create ephemerals', async () => {
    const { zk, proxy, direct } = await connectThroughProxy('expiry');
    const calls: string[] = [];
    zk.addSessionListener({
      sessionExpired: () => void calls.push('expired'),
      newSession: async () => {
        calls.push('new');
        await zk.create('/eph', null, { mode: 'ephemeral' });
      },
    });
    await zk.create('/eph', null, { mode: 'ephemeral' });
    const first = zk.sessionId;

    const killed = await killSessionBehindPartition(zk, proxy, direct);
    expect(zk.state).not.toBe('expired');
    killed.heal();
    await waitFor(
      () => calls.length === 2,
      10_000,
      () => `listener calls ${calls.join()}`,
    );
    expect(calls).toEqual(['expired', 'new']);
    expect(zk.sessionId).not.toBe(first);
    expect((await zk.exists('/eph'))?.ephemeralOwner).toBe(zk.sessionId);
  });

  it('closes idempotently and fails requests after close', async () => {
    const zk = await connect(await server.chrootFor('close'));
    await Promise.all([zk.close(), zk.close()]);
    await zk.close();
    expect(zk.state).toBe('closed');
    await expect(zk.getChildren('/')).rejects.toBeInstanceOf(ZkClosedError);
  });

  it('fails to connect within the connection timeout when nothing answers, and fails waiting requests on close', async () => {
    const proxy = await startTcpProxy('127.0.0.1', 1);
    proxies.push(proxy);
    proxy.partition();
    const started = Date.now();
    await expect(connect(proxy.address, { connectionTimeoutMs: 700 })).rejects.toBeInstanceOf(ZkConnectionTimeoutError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(650);

    const { zk, proxy: link } = await connectThroughProxy('close-waiting');
    link.partition();
    await waitFor(() => zk.state === 'disconnected', 5_000, 'disconnected state');
    const waiting = zk.getChildren('/');
    await zk.close();
    await expect(waiting).rejects.toBeInstanceOf(ZkClosedError);
  });
});

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect as tcpConnect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { createClient, type Client } from 'node-zookeeper-client';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fourLetterWord } from '../../../broker/zk/four-letter-word.js';
import { startLocalZooKeeper, type LocalZooKeeper } from '../../../broker/zk/local-zookeeper.js';
import { ZooKeeperNotFoundError } from '../../../broker/zk/zookeeper-install.js';
import { waitFor } from '../../helpers/broker-process.js';
import { ensureZooKeeperInstalled, zooKeeperForTests, type TestZooKeeper } from '../../helpers/zookeeper.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CHILD = fileURLToPath(new URL('../../helpers/local-zookeeper-child.ts', import.meta.url));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function refusesConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

function connected(connectString: string): Promise<Client> {
  return new Promise((resolve) => {
    const client = createClient(connectString, { sessionTimeout: 5_000, spinDelay: 100 });
    client.once('connected', () => resolve(client));
    client.connect();
  });
}

function create(client: Client, path: string, data: string): Promise<void> {
  return new Promise((resolve, reject) =>
    client.create(path, Buffer.from(data), (err) => (err ? reject(new Error(String(err))) : resolve())),
  );
}

function read(client: Client, path: string): Promise<string> {
  return new Promise((resolve, reject) =>
    client.getData(path, (err, data) => (err ? reject(new Error(String(err))) : resolve(data.toString()))),
  );
}

function exists(client: Client, path: string): Promise<boolean> {
  return new Promise((resolve, reject) =>
    client.exists(path, (err, stat) => (err ? reject(new Error(String(err))) : resolve(!!stat))),
  );
}

describe('startLocalZooKeeper', () => {
  const started: LocalZooKeeper[] = [];
  const clients: Client[] = [];
  const dirs: string[] = [];

  beforeAll(() => ensureZooKeeperInstalled());
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await Promise.all(started.splice(0).map((zk) => zk.stop()));
    await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });

  async function start(options: Parameters<typeof startLocalZooKeeper>[0] = {}): Promise<LocalZooKeeper> {
    const zk = await startLocalZooKeeper(options);
    started.push(zk);
    return zk;
  }

  it('serves on a loopback port once started, and stop() ends the JVM and removes its files', async () => {
    const zk = await start();
    expect(zk.connectString).toBe(`127.0.0.1:${zk.port}`);
    expect(await fourLetterWord('127.0.0.1', zk.port, 'srvr')).toContain('Mode: standalone');
    expect(await fourLetterWord('127.0.0.1', zk.port, 'ruok')).toBe('imok');
    expect(alive(zk.pid)).toBe(true);
    expect(existsSync(zk.dataDir)).toBe(true);

    await zk.stop();
    expect(alive(zk.pid)).toBe(false);
    expect(await refusesConnections(zk.port)).toBe(true);
    expect(existsSync(zk.dataDir)).toBe(false);
    await zk.stop(); // idempotent
  });

  it("forwards ZooKeeper's own output to the given logger", async () => {
    const lines: { component?: string; msg?: string }[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as { component?: string; msg?: string });
        done();
      },
    });
    const zk = await start({ logger: pino({ level: 'debug' }, sink) });
    const ours = lines.filter((line) => line.component === 'local-zookeeper').map((line) => line.msg ?? '');
    expect(ours).toContain('local ZooKeeper started');
    expect(ours.some((msg) => msg.includes(`binding to port /127.0.0.1:${zk.port}`))).toBe(true);
  });

  it('runs two servers at once on different ports with separate data', async () => {
    const [a, b] = await Promise.all([start(), start()]);
    expect(a.port).not.toBe(b.port);
    expect(a.pid).not.toBe(b.pid);
    const [ca, cb] = await Promise.all([connected(a.connectString), connected(b.connectString)]);
    clients.push(ca, cb);
    await create(ca, '/only-in-a', 'x');
    expect(await exists(ca, '/only-in-a')).toBe(true);
    expect(await exists(cb, '/only-in-a')).toBe(false);

    await a.stop();
    expect(alive(a.pid)).toBe(false);
    expect(await fourLetterWord('127.0.0.1', b.port, 'srvr')).toContain('Mode: standalone');
  });

  it('keeps a given dataDir across a restart, so znodes survive', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'zk-data-'));
    dirs.push(dataDir);
    const first = await start({ dataDir });
    const client = await connected(first.connectString);
    await create(client, '/kept', 'still here');
    client.close();
    await first.stop();
    expect(existsSync(join(dataDir, 'version-2'))).toBe(true);

    const second = await start({ dataDir });
    const again = await connected(second.connectString);
    clients.push(again);
    expect(await read(again, '/kept')).toBe('still here');
  });

  it('refuses a fixed port that another process holds, saying so', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as { port: number }).port;
    try {
      await expect(start({ port })).rejects.toThrow(`could not bind 127.0.0.1:${port}: the port is in use`);
    } finally {
      holder.close();
    }
  });

  it('does not answer for another ZooKeeper that holds its fixed port', async () => {
    const first = await start();
    await expect(start({ port: first.port })).rejects.toThrow('the port is in use');
  });

  it('names what is missing when ZOOKEEPER_HOME points to an empty directory', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'zk-home-'));
    dirs.push(empty);
    const viaOption = start({ zooKeeperHome: empty });
    await expect(viaOption).rejects.toBeInstanceOf(ZooKeeperNotFoundError);
    await expect(viaOption).rejects.toThrow(`ZOOKEEPER_HOME=${empty} holds no zookeeper jar`);
    await expect(viaOption).rejects.toThrow('install it with: apt-get install -y zookeeper, or set ZOOKEEPER_HOME');

    const saved = process.env.ZOOKEEPER_HOME;
    process.env.ZOOKEEPER_HOME = empty;
    try {
      await expect(start()).rejects.toThrow(`ZOOKEEPER_HOME=${empty} holds no zookeeper jar`);
      await expect(ensureZooKeeperInstalled()).rejects.toBeInstanceOf(ZooKeeperNotFoundError);
    } finally {
      if (saved === undefined) delete process.env.ZOOKEEPER_HOME;
      else process.env.ZOOKEEPER_HOME = saved;
    }
  });

  it('names Java when no java can be found', async () => {
    const noJava = await mkdtemp(join(tmpdir(), 'zk-path-'));
    dirs.push(noJava);
    const savedPath = process.env.PATH;
    const savedJavaHome = process.env.JAVA_HOME;
    process.env.PATH = noJava;
    delete process.env.JAVA_HOME;
    try {
      await expect(start()).rejects.toThrow('Java not found');
    } finally {
      process.env.PATH = savedPath;
      if (savedJavaHome !== undefined) process.env.JAVA_HOME = savedJavaHome;
    }
  });

  it('does not leave the JVM behind when the owning process is killed with SIGKILL', async () => {
    const owner = spawn(process.execPath, ['--import', 'tsx', CHILD], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    owner.stdout.on('data', (d: Buffer) => (out += d.toString()));
    owner.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const ownerExited = new Promise((resolve) => owner.once('exit', resolve));
    try {
      await waitFor(
        () => out.includes('\n'),
        30_000,
        () => `the child to start ZooKeeper:\n${out}`,
      );
      const { pid, connectString } = JSON.parse(out.split('\n')[0]!) as { pid: number; connectString: string };
      const port = Number(connectString.split(':')[1]);
      expect(await fourLetterWord('127.0.0.1', port, 'srvr')).toContain('Mode: standalone');

      owner.kill('SIGKILL');
      await ownerExited;
      await waitFor(() => !alive(pid), 10_000, `JVM ${pid} to die with its owner`);
      expect(await refusesConnections(port)).toBe(true);
    } finally {
      owner.kill('SIGKILL');
    }
  });
});

describe('zooKeeperForTests', () => {
  let zk: TestZooKeeper;
  const clients: Client[] = [];
  beforeAll(async () => (zk = await zooKeeperForTests()));
  afterAll(async () => {
    for (const client of clients) client.close();
    await zk.stop();
  });

  it('gives each test its own chroot, created beforehand, where a client reads and writes znodes', async () => {
    const first = await zk.chrootFor('controller failover / SIGKILL');
    const second = await zk.chrootFor('controller failover / SIGKILL');
    expect(first).toMatch(new RegExp(`^${zk.connectString}/controller-failover-SIGKILL-[0-9a-f]{8}$`));
    expect(second).not.toBe(first);

    const [a, b, root] = await Promise.all([connected(first), connected(second), connected(zk.connectString)]);
    clients.push(a, b, root);
    expect(await exists(a, '/')).toBe(true);
    await create(a, '/brokers', 'in the first chroot');
    expect(await read(a, '/brokers')).toBe('in the first chroot');
    expect(await exists(b, '/brokers')).toBe(false);
    const firstChroot = first.slice(zk.connectString.length);
    expect(await read(root, `${firstChroot}/brokers`)).toBe('in the first chroot');
  });
});

import { afterAll, afterEach, beforeAll } from 'vitest';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createClient, type Client } from 'node-zookeeper-client';
import { startLocalZooKeeper, type LocalZooKeeper } from '../../broker/zk/local-zookeeper.js';
import { locateZooKeeper, ZooKeeperNotFoundError } from '../../broker/zk/zookeeper-install.js';

/**
 * One real ZooKeeper per test file (ARCHITECTURE.md §10), each test in its own chroot:
 *
 *   let zk: TestZooKeeper;
 *   beforeAll(async () => (zk = await zooKeeperForTests()));
 *   afterAll(() => zk.stop());
 *   it('…', async () => { const connect = await zk.chrootFor('controller failover'); … });
 *
 * Per file rather than a vitest globalSetup: a cold start costs about a second, a file then owns its server (it
 * may stop, pause or restart it without disturbing other files), and running one file needs nothing else.
 */
export interface TestZooKeeper {
  readonly server: LocalZooKeeper;
  /** `127.0.0.1:<port>`, the root namespace. */
  readonly connectString: string;
  /**
   * Creates a fresh chroot node named after `name` (plus a random suffix) through a root connection and returns
   * the connect string with it (`127.0.0.1:<port>/<chroot>`), for `zookeeper.connect`.
   */
  chrootFor(name: string): Promise<string>;
  /** Closes the root connection and stops the server. */
  stop(): Promise<void>;
}

const CONNECT_TIMEOUT_MS = 15_000;

/** Starts this file's ZooKeeper, installing Debian's package first when it is missing and that is possible. */
export async function zooKeeperForTests(): Promise<TestZooKeeper> {
  await ensureZooKeeperInstalled();
  const server = await startLocalZooKeeper();
  let root: Promise<Client> | undefined;
  return {
    server,
    connectString: server.connectString,
    async chrootFor(name) {
      root ??= connectedClient(server.connectString);
      const chroot = `/${name.replace(/[^A-Za-z0-9_-]+/g, '-').slice(0, 60)}-${randomUUID().slice(0, 8)}`;
      await mkdirp(await root, chroot);
      return `${server.connectString}${chroot}`;
    },
    async stop() {
      if (root !== undefined) (await root.catch(() => undefined))?.close();
      await server.stop();
    },
  };
}

let installing: Promise<void> | undefined;

/**
 * Makes sure ZooKeeper and Java can be found. When they cannot, installs Debian's `zookeeper` package (which
 * brings a JRE) if this process runs as root on a machine with apt-get, else rethrows the error that says how to
 * install it. A broken ZOOKEEPER_HOME is reported, never papered over by an install.
 */
export async function ensureZooKeeperInstalled(): Promise<void> {
  const locate = () =>
    locateZooKeeper({
      zooKeeperHome: process.env.ZOOKEEPER_HOME,
      javaHome: process.env.JAVA_HOME,
      searchPath: process.env.PATH,
    });
  try {
    await locate();
    return;
  } catch (err) {
    const brokenHome = process.env.ZOOKEEPER_HOME !== undefined && process.env.ZOOKEEPER_HOME !== '';
    if (!(err instanceof ZooKeeperNotFoundError) || (err.missing === 'zookeeper' && brokenHome)) throw err;
    if (process.getuid?.() !== 0 || !(await succeeds('apt-get', ['--version']))) throw err;
    // One install per process, however many files or tests ask at once.
    installing ??= aptInstall(err.missing === 'zookeeper' ? 'zookeeper' : 'default-jre-headless');
    await installing;
  }
  await locate();
}

async function aptInstall(pkg: string): Promise<void> {
  await run('apt-get', ['update']);
  await run('apt-get', ['install', '-y', '--no-install-recommends', pkg]);
}

function connectedClient(connectString: string): Promise<Client> {
  return new Promise((resolve, reject) => {
    const client = createClient(connectString, { sessionTimeout: 10_000, spinDelay: 100 });
    const timer = setTimeout(() => {
      client.close();
      reject(new Error(`could not connect to ZooKeeper at ${connectString} within ${CONNECT_TIMEOUT_MS} ms`));
    }, CONNECT_TIMEOUT_MS);
    client.once('connected', () => {
      clearTimeout(timer);
      resolve(client);
    });
    client.connect();
  });
}

function mkdirp(client: Client, path: string): Promise<void> {
  return new Promise((resolve, reject) =>
    client.mkdirp(path, (err) => (err ? reject(new Error(`mkdirp ${path}: ${String(err)}`)) : resolve())),
  );
}

function succeeds(command: string, args: string[]): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: 'ignore' });
    child.once('error', () => resolve(false));
    child.once('close', (code) => resolve(code === 0));
  });
}

/** Runs an install step, its output shown (an install takes a while and may fail for reasons worth reading). */
function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited with ${code}`)),
    );
  });
}

/** This test file's ZooKeeper, and cleanups run (last registered first) after each test. */
export interface ZooKeeperTestFile {
  /** Available from beforeAll on. */
  readonly server: TestZooKeeper;
  readonly cleanups: (() => Promise<void>)[];
}

/** Starts a ZooKeeper for the calling test file (beforeAll), runs its cleanups after each test, stops it after all. */
export function zooKeeperPerTestFile(): ZooKeeperTestFile {
  let server: TestZooKeeper | undefined;
  const cleanups: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    server = await zooKeeperForTests();
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  afterAll(() => server?.stop());
  return {
    get server(): TestZooKeeper {
      if (server === undefined) throw new Error('the ZooKeeper starts in beforeAll');
      return server;
    },
    cleanups,
  };
}

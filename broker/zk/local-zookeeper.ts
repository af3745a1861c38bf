import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { Binding, type Logger } from '../logger.js';
import { fourLetterWord } from './four-letter-word.js';
import { locateZooKeeper, type ZooKeeperInstall } from './zookeeper-install.js';

export { ZooKeeperNotFoundError, ZOOKEEPER_INSTALL_HINT } from './zookeeper-install.js';

export interface LocalZooKeeperOptions {
  /** Where ZooKeeper keeps its snapshots and logs; kept after stop(). Unset ⇒ a temporary directory, removed. */
  dataDir?: string;
  /** The client port on 127.0.0.1; unset or 0 ⇒ a free port (retried if another process takes it first). */
  port?: number;
  /** ZooKeeper's own output goes to a child of this logger (debug; errors at warn). Unset ⇒ silent. */
  logger?: Logger;
  /** An Apache ZooKeeper distribution directory; unset ⇒ the ZOOKEEPER_HOME environment variable, then Debian's. */
  zooKeeperHome?: string;
  /** How long the server may take to serve; 30 s by default (a cold start takes about a second). */
  startTimeoutMs?: number;
}

/** A running standalone ZooKeeper server on loopback. */
export interface LocalZooKeeper {
  /** `127.0.0.1:<port>`, for `zookeeper.connect` (append a chroot as needed). */
  readonly connectString: string;
  readonly port: number;
  readonly dataDir: string;
  /** The JVM's process id. */
  readonly pid: number;
  /** Stops the JVM (SIGTERM, then SIGKILL after a grace period) and removes the temporary files. Idempotent. */
  stop(): Promise<void>;
}

/** The server could not be started: it exited early or did not serve in time. The message holds its last output. */
export class LocalZooKeeperError extends Error {
  override readonly name = 'LocalZooKeeperError';
}

const HOST = '127.0.0.1';
/** Short ticks so tests can use short sessions: sessions may last from 2 to 120 ticks, i.e. 1 s to 60 s. */
const TICK_MS = 500;
const MIN_SESSION_MS = 1_000;
const MAX_SESSION_MS = 60_000;
const PORT_ATTEMPTS = 5;
const POLL_MS = 50;
const STOP_GRACE_MS = 5_000;
const OUTPUT_TAIL_LINES = 40;
/**
 * Small heap and a quick-starting JIT: a local server holds little data, and tests start many of them. No
 * hsperfdata files in /tmp.
 */
const JVM_FLAGS = ['-Xmx512m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-XX:-UsePerfData'];
const SERVER_MAIN = 'org.apache.zookeeper.server.ZooKeeperServerMain';

/**
 * Starts a standalone Apache ZooKeeper on 127.0.0.1 and resolves once it serves (`srvr` reports `Mode:
 * standalone`). ZooKeeper is found through `zooKeeperHome`, ZOOKEEPER_HOME or Debian's `zookeeper` package; a
 * missing ZooKeeper or Java rejects with a ZooKeeperNotFoundError saying how to install it.
 */
export async function startLocalZooKeeper(options: LocalZooKeeperOptions = {}): Promise<LocalZooKeeper> {
  const install = await locateZooKeeper({
    zooKeeperHome: options.zooKeeperHome ?? process.env.ZOOKEEPER_HOME,
    javaHome: process.env.JAVA_HOME,
    searchPath: process.env.PATH,
  });
  const log = options.logger?.child({ [Binding.component]: 'local-zookeeper' });
  const workDir = await mkdtemp(join(tmpdir(), 'samsa-zk-'));
  const dataDir = resolve(options.dataDir ?? join(workDir, 'data'));
  const fixedPort = options.port !== undefined && options.port !== 0 ? options.port : undefined;
  try {
    await mkdir(dataDir, { recursive: true });
    for (let attempt = 1; ; attempt++) {
      const port = fixedPort ?? (await freePort());
      const launch = { install, workDir, dataDir, port, log, timeoutMs: options.startTimeoutMs ?? 30_000 };
      const server = await launchServer(launch);
      if (server !== 'port-taken') {
        log?.info({ connectString: server.connectString, dataDir, pid: server.pid }, 'local ZooKeeper started');
        return server;
      }
      if (fixedPort !== undefined) {
        throw new LocalZooKeeperError(`ZooKeeper could not bind ${HOST}:${port}: the port is in use`);
      }
      if (attempt === PORT_ATTEMPTS) {
        throw new LocalZooKeeperError(`ZooKeeper could not bind a free port in ${PORT_ATTEMPTS} attempts`);
      }
      log?.debug({ port }, 'port taken before ZooKeeper bound it; trying another');
    }
  } catch (err) {
    await rm(workDir, { recursive: true, force: true });
    throw err;
  }
}

interface Launch {
  install: ZooKeeperInstall;
  workDir: string;
  dataDir: string;
  port: number;
  log: Logger | undefined;
  timeoutMs: number;
}

/** Starts one JVM on `port` and waits until it serves; 'port-taken' when another process holds the port. */
async function launchServer(launch: Launch): Promise<RunningZooKeeper | 'port-taken'> {
  const { install, workDir, dataDir, port } = launch;
  const config = join(workDir, 'zoo.cfg');
  await writeFile(config, zooCfg(dataDir, port));
  const javaArgs = [...JVM_FLAGS, ...slf4jSimpleFlags(), '-cp', install.classpath.join(':'), SERVER_MAIN, config];
  // setpriv execs java in place (same pid) with a parent-death signal, so the kernel kills the JVM when this
  // process dies by a signal, where no 'exit' handler runs.
  const [command, args] =
    install.setpriv !== undefined
      ? [install.setpriv, ['--pdeathsig', 'SIGKILL', install.java, ...javaArgs]]
      : [install.java, javaArgs];
  const child = spawn(command, args, { cwd: workDir, stdio: ['ignore', 'pipe', 'pipe'] });
  const server = new RunningZooKeeper(child, port, dataDir, workDir, launch.log);
  const outcome = await server.waitUntilServing(launch.timeoutMs);
  if (outcome === 'serving') return server;
  await server.kill();
  if (outcome === 'port-taken') return outcome;
  throw new LocalZooKeeperError(`${outcome.failed}; its last output:\n${server.outputTail()}`);
}

/**
 * One ZooKeeper JVM started by this process. Owns the child process, its output (forwarded to the logger, the last
 * lines kept for error messages) and the work directory (removed on stop). Every live instance is in `liveJvms`,
 * so a process exit kills it even when stop() was never called.
 */
class RunningZooKeeper implements LocalZooKeeper {
  readonly connectString: string;
  readonly pid: number;
  readonly #child: ChildProcess;
  readonly #workDir: string;
  readonly #log: Logger | undefined;
  readonly #exited: Promise<void>;
  readonly #tail: string[] = [];
  #stopping: Promise<void> | undefined;
  /** Set once it served: an exit before that is a failed start, reported by startLocalZooKeeper instead. */
  #serving = false;

  constructor(
    child: ChildProcess,
    readonly port: number,
    readonly dataDir: string,
    workDir: string,
    log: Logger | undefined,
  ) {
    this.connectString = `${HOST}:${port}`;
    this.#child = child;
    this.pid = child.pid ?? -1;
    this.#workDir = workDir;
    this.#log = log;
    trackJvm(child);
    // 'close' (not 'exit') so the output, which tells why a start failed, has been read in full.
    this.#exited = new Promise((done) => child.once('close', () => done()));
    child.once('close', (code, signal) => {
      if (this.#serving && this.#stopping === undefined) log?.warn({ code, signal }, 'local ZooKeeper exited');
    });
    for (const stream of [child.stdout, child.stderr]) {
      if (stream !== null) createInterface({ input: stream, crlfDelay: Infinity }).on('line', (l) => this.#output(l));
    }
  }

  /** Polls until the server answers as ours; anything else is a reason the start failed. */
  async waitUntilServing(timeoutMs: number): Promise<'serving' | 'port-taken' | { failed: string }> {
    let spawnError: Error | undefined;
    let closed = false;
    this.#child.once('error', (err) => (spawnError = err));
    void this.#exited.then(() => (closed = true));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (spawnError !== undefined) return { failed: `could not run ${this.#child.spawnfile}: ${spawnError.message}` };
      if (closed) {
        if (this.#tail.some((line) => line.includes('Address already in use'))) return 'port-taken';
        const how = this.#child.exitCode ?? this.#child.signalCode;
        return { failed: `ZooKeeper exited (${how}) before it served on ${this.connectString}` };
      }
      const state = await this.#probe();
      this.#serving = state === 'serving';
      if (state !== 'down') return state;
      if (Date.now() > deadline) {
        return { failed: `ZooKeeper did not serve on ${this.connectString} within ${timeoutMs} ms` };
      }
      await delay(POLL_MS);
    }
  }

  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  /** Stops the JVM but keeps the work directory (a retry on another port reuses it). */
  kill(): Promise<void> {
    this.#stopping ??= this.#terminate();
    return this.#stopping;
  }

  outputTail(): string {
    return this.#tail.join('\n');
  }

  async #stop(): Promise<void> {
    await this.#terminate();
    await rm(this.#workDir, { recursive: true, force: true });
    this.#log?.info({ connectString: this.connectString }, 'local ZooKeeper stopped');
  }

  async #terminate(): Promise<void> {
    const child = this.#child;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const escalate = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await this.#exited;
      clearTimeout(escalate);
    }
    await this.#exited;
  }

  /**
   * `srvr` says when a server serves; `conf` then checks that it is this one (its dataDir): the free port may have
   * been taken by another ZooKeeper between our probe and our bind, and it would answer too.
   */
  async #probe(): Promise<'serving' | 'port-taken' | 'down'> {
    try {
      const srvr = await fourLetterWord(HOST, this.port, 'srvr');
      if (!srvr.includes('Mode: standalone')) return 'down';
      const conf = await fourLetterWord(HOST, this.port, 'conf');
      const served = /^dataDir=(.*)$/m.exec(conf)?.[1];
      return served === join(this.dataDir, 'version-2') ? 'serving' : 'port-taken';
    } catch {
      return 'down';
    }
  }

  #output(line: string): void {
    this.#tail.push(line);
    if (this.#tail.length > OUTPUT_TAIL_LINES) this.#tail.shift();
    if (this.#log === undefined) return;
    if (/\b(ERROR|FATAL)\b/.test(line)) this.#log.warn(line);
    else this.#log.debug(line);
  }
}

function zooCfg(dataDir: string, port: number): string {
  return [
    `tickTime=${TICK_MS}`,
    `minSessionTimeout=${MIN_SESSION_MS}`,
    `maxSessionTimeout=${MAX_SESSION_MS}`,
    `dataDir=${dataDir}`,
    `clientPort=${port}`,
    `clientPortAddress=${HOST}`,
    // Every broker and test client connects from 127.0.0.1; the default limit of 60 per address is too low.
    'maxClientCnxns=0',
    // A local server: the OS page cache survives a process crash, and an fsync per write slows tests down.
    'forceSync=no',
    // Else ZooKeeper's admin HTTP server binds 0.0.0.0:8080.
    'admin.enableServer=false',
    '4lw.commands.whitelist=srvr,ruok,conf',
    '',
  ].join('\n');
}

/** Settings for slf4j-simple, the binding added for Debian's jars; ignored by other bindings. */
function slf4jSimpleFlags(): string[] {
  return ['-Dorg.slf4j.simpleLogger.defaultLogLevel=info', '-Dorg.slf4j.simpleLogger.logFile=System.out'];
}

/** A port that was free a moment ago on 127.0.0.1 (the kernel's pick for port 0). */
function freePort(): Promise<number> {
  return new Promise((done, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, HOST, () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address !== null ? done(address.port) : reject(new Error('no port bound')),
      );
    });
  });
}

const liveJvms = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Kills every JVM still running when this process exits normally (setpriv covers deaths by signal). */
function trackJvm(child: ChildProcess): void {
  if (!exitHookInstalled) {
    process.once('exit', () => {
      for (const jvm of liveJvms) jvm.kill('SIGKILL');
    });
    exitHookInstalled = true;
  }
  liveJvms.add(child);
  child.once('exit', () => liveJvms.delete(child));
}

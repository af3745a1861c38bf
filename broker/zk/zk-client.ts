import { createClient, type Client, type Event, type Exception, type Stat } from 'node-zookeeper-client';
import type { Logger } from '../logger.js';
import { parseZkConnectString, zkPathProblem, type ZkConnectString } from './zk-connect-string.js';
import {
  ZkClosedError,
  ZkConnectionTimeoutError,
  ZkError,
  ZkErrorCode,
  ZkNodeExistsError,
  ZkNoNodeError,
} from './zk-errors.js';
import {
  buildTransaction,
  isConnectionLoss,
  libraryCreateMode,
  multiOutcome,
  type RawOpResult,
  sessionIdOf,
  stopClient,
  toWatchEvent,
  toZkError,
  toZkStat,
} from './zk-library.js';
import {
  ANY_VERSION,
  type ZkCreateMode,
  type ZkOp,
  type ZkOpResult,
  type ZkSessionListener,
  type ZkSessionState,
  type ZkStat,
  type ZkWatcher,
} from './zk-types.js';

export interface ZkClientOptions {
  /** zookeeper.connect: `host:port[,host:port...][/chroot]`. */
  readonly connectString: string;
  /** zookeeper.session.timeout.ms (the server may negotiate it into [2, 20] ticks). */
  readonly sessionTimeoutMs: number;
  /** zookeeper.connection.timeout.ms: the longest wait for a connected session, at start and per request. */
  readonly connectionTimeoutMs: number;
  readonly logger: Logger;
  /** Create a missing chroot path first, as Kafka does (default true). */
  readonly createChroot?: boolean;
}

/** The session id and password of a live session, and where it lives: what a test needs to expire it. */
export interface ZkSessionCredentials {
  /** The servers and chroot this client connects to. */
  readonly connectString: string;
  readonly sessionId: Buffer;
  readonly password: Buffer;
}

/** A request that lost its connection on the way is sent again this many times before it fails. */
const MAX_ATTEMPTS = 20;
/** How long the library waits, at most, between two rounds of connection attempts. */
const SPIN_DELAY_MS = 200;

/** What the library's callbacks pass as their error. */
type LibraryError = Error | Exception | null | undefined;

interface InFlight {
  readonly generation: number;
  fail(err: Error): void;
}

/** Stands for a request cut off by a session's end: it is sent again on the next session. */
class SessionEnded extends Error {}

/**
 * A promise-based ZooKeeper client over node-zookeeper-client, modelled on Kafka's ZooKeeperClient.
 *
 * Session handling: one live library client at a time (a "generation"). Requests wait for a connected session (at
 * most connectionTimeoutMs, then ZkConnectionTimeoutError) and are sent again when the connection drops under
 * them (CONNECTION_LOSS), as Kafka's retryRequestsUntilConnected does; a retried create or conditional write may
 * therefore answer NODE_EXISTS or BAD_VERSION for its own first attempt, which callers that care check (the
 * ephemeral owner, as Kafka's CheckedEphemeral does). When the server expires the session, listeners hear
 * `sessionExpired`, a new session is opened (retrying until closed), and listeners hear `newSession` to re-create
 * their ephemerals and watches: watches are one-shot and die with their session.
 *
 * Concurrency: requests run concurrently (ZooKeeper answers them in order); listener callbacks run one at a time in
 * registration order, on a chain of their own. Invariants: no library error escapes (all become ZkError);
 * `close()` is idempotent and fails every waiting request with ZkClosedError.
 */
export class ZkClient {
  readonly #options: ZkClientOptions;
  readonly #connect: ZkConnectString;
  readonly #log: Logger;
  readonly #listeners: ZkSessionListener[] = [];
  readonly #inFlight = new Set<InFlight>();
  readonly #stateWaiters = new Set<() => void>();
  readonly #watchers = new WeakMap<ZkWatcher, (event: Event) => void>();
  #client: Client | null = null;
  #generation = 0;
  #state: ZkSessionState = 'connecting';
  #notifications: Promise<void> = Promise.resolve();
  #closing: Promise<void> | null = null;

  private constructor(options: ZkClientOptions, connect: ZkConnectString) {
    this.#options = options;
    this.#connect = connect;
    this.#log = options.logger.child({ component: 'zk-client' });
  }

  /** Connects (creating the chroot when missing) and resolves once a session is established. */
  static async connect(options: ZkClientOptions): Promise<ZkClient> {
    const connect = parseZkConnectString(options.connectString);
    if (connect.chroot !== '' && options.createChroot !== false) {
      const root = new ZkClient({ ...options, connectString: connect.hosts }, { hosts: connect.hosts, chroot: '' });
      try {
        await root.#open();
        await root.ensurePath(connect.chroot);
      } finally {
        await root.close();
      }
    }
    const zk = new ZkClient(options, connect);
    try {
      await zk.#open();
    } catch (err) {
      await zk.close();
      throw err;
    }
    return zk;
  }

  get state(): ZkSessionState {
    return this.#state;
  }

  /** The chroot this client lives in ('' for none); paths given to and returned by the client are relative to it. */
  get chroot(): string {
    return this.#connect.chroot;
  }

  /** The current session's id (0n before the first session): compare with ZkStat.ephemeralOwner. */
  get sessionId(): bigint {
    return this.#client === null ? 0n : sessionIdOf(this.#client.getSessionId());
  }

  /** The session timeout the server granted. */
  get sessionTimeoutMs(): number {
    return this.#client?.getSessionTimeout() ?? this.#options.sessionTimeoutMs;
  }

  /** The live session's id and password (what another client needs to join the session); connected only. */
  sessionCredentials(): ZkSessionCredentials {
    if (this.#client === null || this.#state !== 'connected') throw new ZkClosedError();
    return {
      connectString: this.#connect.hosts + this.#connect.chroot,
      sessionId: this.#client.getSessionId(),
      password: this.#client.getSessionPassword(),
    };
  }

  /** Registers a session listener; returns its removal. */
  addSessionListener(listener: ZkSessionListener): () => void {
    this.#listeners.push(listener);
    return () => {
      const at = this.#listeners.indexOf(listener);
      if (at !== -1) this.#listeners.splice(at, 1);
    };
  }

  /** Creates a znode and returns its path (with the sequence number for sequential modes). */
  async create(
    path: string,
    data: Buffer | null = null,
    options: { readonly mode?: ZkCreateMode; readonly createParents?: boolean } = {},
  ): Promise<string> {
    const mode = libraryCreateMode(options.mode ?? 'persistent');
    const attempt = () =>
      this.#request<string>(path, (client, done) =>
        data === null ? client.create(path, mode, done) : client.create(path, data, mode, done),
      );
    try {
      return await attempt();
    } catch (err) {
      if (!(err instanceof ZkNoNodeError) || options.createParents !== true) throw err;
    }
    await this.ensurePath(parentOf(path));
    return attempt();
  }

  /** Creates `path` and its missing parents as empty persistent znodes; an existing node is fine. */
  async ensurePath(path: string): Promise<void> {
    if (path === '/' || path === '') return;
    try {
      await this.create(path);
    } catch (err) {
      if (err instanceof ZkNodeExistsError) return;
      if (!(err instanceof ZkNoNodeError)) throw err;
      await this.ensurePath(parentOf(path));
      await this.ensurePath(path);
    }
  }

  /** A znode's data (empty when it has none) and stat; `watcher` fires on its change or deletion. */
  async getData(path: string, watcher?: ZkWatcher): Promise<{ data: Buffer; stat: ZkStat }> {
    const watch = this.#libraryWatcher(watcher);
    const [data, stat] = await this.#request<[Buffer | undefined, Stat]>(path, (client, done) => {
      const cb = (err: LibraryError, d?: Buffer, s?: Stat) => done(err, [d, s!]);
      if (watch === undefined) client.getData(path, cb);
      else client.getData(path, watch, cb);
    });
    return { data: data ?? Buffer.alloc(0), stat: toZkStat(stat) };
  }

  /** Sets a znode's data, if its version is `version` (ANY_VERSION: whatever it is); returns the new stat. */
  async setData(path: string, data: Buffer, version: number = ANY_VERSION): Promise<ZkStat> {
    const stat = await this.#request<Stat>(path, (client, done) => client.setData(path, data, version, done));
    return toZkStat(stat);
  }

  /** The znode's stat or null; `watcher` fires on its creation (when absent) or change/deletion (when present). */
  async exists(path: string, watcher?: ZkWatcher): Promise<ZkStat | null> {
    const watch = this.#libraryWatcher(watcher);
    const stat = await this.#request<Stat | null>(path, (client, done) => {
      if (watch === undefined) client.exists(path, done);
      else client.exists(path, watch, done);
    });
    return stat === null ? null : toZkStat(stat);
  }

  /** The names of a znode's children; `watcher` fires when they change or the node is deleted. */
  async getChildren(path: string, watcher?: ZkWatcher): Promise<string[]> {
    const watch = this.#libraryWatcher(watcher);
    return this.#request<string[]>(path, (client, done) => {
      if (watch === undefined) client.getChildren(path, done);
      else client.getChildren(path, watch, done);
    });
  }

  async delete(path: string, version: number = ANY_VERSION): Promise<void> {
    await this.#request<void>(path, (client, done) => client.remove(path, version, done));
  }

  /** Deletes a znode and everything under it; a missing node is fine. */
  async deleteRecursive(path: string): Promise<void> {
    let children: string[];
    try {
      children = await this.getChildren(path);
    } catch (err) {
      if (err instanceof ZkNoNodeError) return;
      throw err;
    }
    for (const child of children) await this.deleteRecursive(`${path === '/' ? '' : path}/${child}`);
    try {
      await this.delete(path);
    } catch (err) {
      if (!(err instanceof ZkNoNodeError)) throw err;
    }
  }

  /**
   * Applies `ops` atomically. On failure nothing applied, and the thrown ZkError is the failing op's (NO_NODE,
   * NODE_EXISTS, BAD_VERSION, ...) with `opIndex` saying which op it was.
   */
  async multi(ops: readonly ZkOp[]): Promise<ZkOpResult[]> {
    if (ops.length === 0) return [];
    for (const op of ops) checkPath(op.path);
    const outcome = await this.#request<ReturnType<typeof multiOutcome>>(null, (client, done) =>
      buildTransaction(client, ops).commit((err, results) => {
        // a failed op arrives as an Exception with the per-op results beside it
        if (results !== undefined && results !== null) done(null, multiOutcome(ops, results as readonly RawOpResult[]));
        else done(err);
      }),
    );
    if ('error' in outcome) throw outcome.error;
    return outcome.results;
  }

  /** Ends the session (its ephemerals go at once) and fails waiting requests; idempotent. */
  close(): Promise<void> {
    if (this.#closing !== null) return this.#closing;
    this.#setState('closed');
    this.#failInFlight(() => true, new ZkClosedError());
    const client = this.#client;
    this.#closing = client === null ? Promise.resolve() : stopClient(client);
    return this.#closing;
  }

  /** Opens the first session, failing after connectionTimeoutMs. */
  async #open(): Promise<void> {
    this.#startClient();
    await this.#awaitConnected();
  }

  #startClient(): void {
    const generation = ++this.#generation;
    const client = createClient(this.#connect.hosts + this.#connect.chroot, {
      sessionTimeout: this.#options.sessionTimeoutMs,
      spinDelay: SPIN_DELAY_MS,
      retries: 0,
    });
    this.#client = client;
    const current = () => generation === this.#generation && this.#state !== 'closed';
    client.on('connected', () => {
      if (current()) this.#onConnected();
    });
    client.on('disconnected', () => {
      if (current() && this.#state === 'connected') {
        this.#log.warn('ZooKeeper connection lost; the session lives on while it reconnects');
        this.#setState('disconnected');
        this.#notify((l) => l.connectionChanged?.('disconnected'));
      }
    });
    client.on('expired', () => {
      if (current()) this.#onExpired(client, generation);
    });
    client.on('authenticationFailed', () => {
      if (current()) this.#log.error('ZooKeeper authentication failed');
    });
    client.connect();
  }

  #onConnected(): void {
    const previous = this.#state;
    this.#setState('connected');
    if (previous === 'disconnected') {
      this.#log.info('ZooKeeper connection re-established');
      this.#notify((l) => l.connectionChanged?.('connected'));
    } else if (previous === 'expired') {
      this.#log.info({ sessionId: this.sessionId.toString(16) }, 'new ZooKeeper session established');
      this.#notify((l) => l.newSession?.());
    } else {
      this.#log.debug({ sessionId: this.sessionId.toString(16) }, 'ZooKeeper session established');
    }
  }

  /** Kafka's ZooKeeperClient.reinitialize: tell listeners, drop the dead client, open a new session. */
  #onExpired(client: Client, generation: number): void {
    this.#log.warn({ sessionId: sessionIdOf(client.getSessionId()).toString(16) }, 'ZooKeeper session expired');
    this.#setState('expired');
    this.#failInFlight((r) => r.generation === generation, new SessionEnded());
    this.#notify((l) => l.sessionExpired?.());
    stopClient(client).catch((err: unknown) => this.#log.warn({ err }, 'stopping the expired ZooKeeper client'));
    this.#startClient();
  }

  /** Runs `call` on every listener, in order, after the previous notification; failures are logged. */
  #notify(call: (listener: ZkSessionListener) => void | Promise<void>): void {
    const listeners = [...this.#listeners];
    this.#notifications = this.#notifications.then(async () => {
      for (const listener of listeners) {
        if (this.#state === 'closed') return;
        try {
          await call(listener);
        } catch (err) {
          this.#log.error({ err }, 'ZooKeeper session listener failed');
        }
      }
    });
  }

  #setState(state: ZkSessionState): void {
    if (this.#state === 'closed') return;
    this.#state = state;
    for (const wake of this.#stateWaiters) wake();
  }

  /** The live client once connected; waits at most connectionTimeoutMs. */
  async #awaitConnected(): Promise<{ client: Client; generation: number }> {
    const deadline = Date.now() + this.#options.connectionTimeoutMs;
    for (;;) {
      if (this.#state === 'closed') throw new ZkClosedError();
      if (this.#state === 'connected' && this.#client !== null) {
        return { client: this.#client, generation: this.#generation };
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new ZkConnectionTimeoutError(
          this.#connect.hosts + this.#connect.chroot,
          this.#options.connectionTimeoutMs,
        );
      }
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.#stateWaiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, left);
        this.#stateWaiters.add(wake);
      });
    }
  }

  /** Sends one request on the live session, again after a connection loss, and maps every failure to a ZkError. */
  async #request<T>(path: string | null, send: (client: Client, done: (err: LibraryError, value?: T) => void) => void) {
    if (path !== null) checkPath(path);
    for (let attempt = 1; ; attempt++) {
      const { client, generation } = await this.#awaitConnected();
      try {
        return await new Promise<T>((resolve, reject) => {
          const entry: InFlight = { generation, fail: reject };
          this.#inFlight.add(entry);
          const done = (err: LibraryError, value?: T) => {
            this.#inFlight.delete(entry);
            // the library's Exception inherits Error at run time; toZkError only covers its typings
            if (err !== null && err !== undefined) reject(err instanceof Error ? err : toZkError(err, path));
            else resolve(value as T);
          };
          try {
            send(client, done);
          } catch (err) {
            done(err instanceof Error ? err : new Error(String(err)));
          }
        });
      } catch (err) {
        if (this.#state === 'closed') throw new ZkClosedError();
        const lost = err instanceof SessionEnded || isConnectionLoss(err);
        if (!lost || attempt >= MAX_ATTEMPTS) throw toZkError(err, path);
        this.#log.debug({ path, attempt }, 'ZooKeeper request lost its connection; sending it again');
      }
    }
  }

  #failInFlight(which: (r: InFlight) => boolean, err: Error): void {
    for (const entry of [...this.#inFlight]) {
      if (!which(entry)) continue;
      this.#inFlight.delete(entry);
      entry.fail(err);
    }
  }

  /** One library watcher per caller watcher, so that watching the same path twice arms one watch. */
  #libraryWatcher(watcher: ZkWatcher | undefined): ((event: Event) => void) | undefined {
    if (watcher === undefined) return undefined;
    let wrapped = this.#watchers.get(watcher);
    if (wrapped === undefined) {
      wrapped = (event: Event) => {
        const converted = toWatchEvent(event);
        if (converted === null) return;
        try {
          watcher(converted);
        } catch (err) {
          this.#log.error({ err, path: converted.path }, 'ZooKeeper watcher failed');
        }
      };
      this.#watchers.set(watcher, wrapped);
    }
    return wrapped;
  }
}

function checkPath(path: string): void {
  const problem = zkPathProblem(path);
  if (problem !== null) throw new ZkError(ZkErrorCode.BAD_ARGUMENTS, path, `bad znode path "${path}": ${problem}`);
}

function parentOf(path: string): string {
  const at = path.lastIndexOf('/');
  return at <= 0 ? '/' : path.slice(0, at);
}

import type { Logger } from '../logger.js';
import type { ZkClient } from './zk-client.js';
import {
  decodeController,
  decodeControllerEpoch,
  encodeController,
  encodeControllerEpoch,
  INITIAL_CONTROLLER_EPOCH,
} from './zk-data.js';
import {
  ControllerMovedError,
  ZkBadVersionError,
  ZkClosedError,
  ZkError,
  zkErrorFor,
  ZkNodeExistsError,
  ZkNoNodeError,
} from './zk-errors.js';
import { ZkPaths } from './zk-paths.js';
import type { ZkOp, ZkOpResult, ZkWatchEvent } from './zk-types.js';

export interface ControllerElectionOptions {
  readonly zk: ZkClient;
  readonly brokerId: number;
  readonly logger: Logger;
  readonly nowMs?: () => number;
  /** This broker became the active controller with `epoch`. A throw makes it resign and give the office up. */
  readonly onElected?: (epoch: number) => void | Promise<void>;
  /** This broker stopped being the active controller (deposed, session expired, or closing). */
  readonly onResigned?: () => void | Promise<void>;
}

/** Pause before re-running the election after an event failed (ZooKeeper unreachable, most likely). */
const RETRY_BACKOFF_MS = 1_000;

type ElectionEvent =
  'startup' | 'controllerChange' | 'reelect' | 'fenced' | 'expire' | 'newSession' | 'resign' | 'shutdown';

/**
 * Kafka's ZooKeeper controller election (KafkaController.elect, KafkaZkClient.registerControllerAndIncrementControllerEpoch):
 * every broker tries to create the ephemeral `/controller`; the winner bumps `/controller_epoch` with a conditional
 * write and keeps the epoch's zkVersion, and every later controller write goes through {@link fencedMulti}, a
 * multi that first checks that zkVersion, so a deposed controller's writes fail (ControllerMovedError) instead of
 * changing state. Creating `/controller` is itself checked against the epoch's zkVersion, so a broker that read a
 * stale epoch cannot win.
 *
 * Concurrency: one event queue. ZooKeeper watches on `/controller` and session changes only enqueue events
 * (created/changed → ControllerChange, deleted → Reelect, session expired → Expire, new session → re-elect); the
 * queue runs them one at a time, so onElected/onResigned never overlap. Invariant: isActive() is true only between
 * a successful epoch bump and the next resignation, and then epochZkVersion is that bump's zkVersion.
 */
export class ControllerElection {
  readonly #zk: ZkClient;
  readonly #brokerId: number;
  readonly #options: ControllerElectionOptions;
  readonly #log: Logger;
  #queue: Promise<void> = Promise.resolve();
  #unsubscribe: (() => void) | null = null;
  #closed = false;
  #active = false;
  #activeControllerId = -1;
  #epoch = -1;
  #epochZkVersion = -1;

  constructor(options: ControllerElectionOptions) {
    this.#options = options;
    this.#zk = options.zk;
    this.#brokerId = options.brokerId;
    this.#log = options.logger.child({ component: 'controller-election', brokerId: options.brokerId });
  }

  /** Watches `/controller` and runs the first election; resolves once it has run (won or not). */
  async start(): Promise<void> {
    if (this.#unsubscribe !== null || this.#closed) return;
    this.#unsubscribe = this.#zk.addSessionListener({
      sessionExpired: () => void this.#enqueue('expire'),
      newSession: () => void this.#enqueue('newSession'),
    });
    await this.#enqueue('startup');
  }

  isActive(): boolean {
    return this.#active;
  }

  /** The broker id in `/controller` as last read, -1 when none (or unknown, after a session expiry). */
  activeControllerId(): number {
    return this.#activeControllerId;
  }

  /** This controller's epoch while active; the last one it held otherwise (-1 if never). */
  get epoch(): number {
    return this.#epoch;
  }

  /** The zkVersion of `/controller_epoch` written by this controller's epoch bump; -1 when not active. */
  get epochZkVersion(): number {
    return this.#epochZkVersion;
  }

  /**
   * Applies `ops` atomically if this broker is still the controller of its epoch: a check of `/controller_epoch`'s
   * zkVersion goes first. A failed check throws ControllerMovedError (cause: the ZkBadVersionError) and makes the
   * election re-read `/controller`; other failures throw the op's ZkError with `opIndex` counting `ops` only.
   */
  async fencedMulti(ops: readonly ZkOp[]): Promise<ZkOpResult[]> {
    if (!this.#active) throw new ControllerMovedError(`broker ${this.#brokerId} is not the active controller`);
    try {
      const results = await fencedMultiAt(this.#zk, this.#epochZkVersion, ops);
      return results;
    } catch (err) {
      if (err instanceof ControllerMovedError) void this.#enqueue('fenced');
      throw err;
    }
  }

  /** Steps down and deletes `/controller` (if still ours) so that the brokers elect again (Kafka's controller move). */
  async resign(): Promise<void> {
    await this.#enqueue('resign');
  }

  /** Stops taking part: resigns if active and deletes `/controller` if still ours; idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return this.#queue;
    this.#closed = true;
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    await this.#enqueue('shutdown');
  }

  #enqueue(event: ElectionEvent): Promise<void> {
    const run = async () => {
      if (this.#closed && event !== 'shutdown') return;
      this.#log.debug({ event }, 'controller election event');
      try {
        await this.#process(event);
      } catch (err) {
        // the watch on /controller may not be armed now: read it again (and elect) after a pause
        this.#log.error({ err, event }, 'controller election event failed; retrying');
        if (!this.#closed && !(err instanceof ZkClosedError)) {
          setTimeout(() => void this.#enqueue('reelect'), RETRY_BACKOFF_MS).unref();
        }
      }
    };
    this.#queue = this.#queue.then(run);
    return this.#queue;
  }

  async #process(event: ElectionEvent): Promise<void> {
    switch (event) {
      case 'startup':
      case 'newSession':
        await this.#elect();
        return;
      case 'controllerChange':
        await this.#maybeResign();
        return;
      case 'reelect':
        await this.#maybeResign();
        await this.#elect();
        return;
      case 'fenced':
        await this.#afterFencedWrite();
        return;
      case 'expire':
        this.#activeControllerId = -1;
        if (this.#active) await this.#resignLocally('ZooKeeper session expired');
        return;
      case 'resign':
        if (this.#active) await this.#resignLocally('asked to resign');
        await this.#giveUpOffice();
        return;
      case 'shutdown':
        if (this.#active) await this.#resignLocally('shutting down');
        await this.#giveUpOffice().catch((err: unknown) => this.#log.debug({ err }, 'leaving /controller to expire'));
        return;
    }
  }

  /** Fires on `/controller` changes; only enqueues, as ZooKeeper watches must. */
  readonly #onControllerEvent = (event: ZkWatchEvent): void => {
    void this.#enqueue(event.type === 'deleted' ? 'reelect' : 'controllerChange');
  };

  /** Reads `/controller` and re-arms the watch on it (an existence watch when absent, a data watch otherwise). */
  async #readController(): Promise<{ brokerId: number; ownedByUs: boolean; version: number } | null> {
    const stat = await this.#zk.exists(ZkPaths.controller, this.#onControllerEvent);
    if (stat === null) {
      this.#activeControllerId = -1;
      return null;
    }
    try {
      const { data, stat: current } = await this.#zk.getData(ZkPaths.controller, this.#onControllerEvent);
      const brokerId = decodeController(data).brokerId;
      this.#activeControllerId = brokerId;
      return { brokerId, ownedByUs: current.ephemeralOwner === this.#zk.sessionId, version: current.version };
    } catch (err) {
      if (!(err instanceof ZkNoNodeError)) throw err;
      this.#activeControllerId = -1;
      return null;
    }
  }

  async #elect(): Promise<void> {
    const current = await this.#readController();
    if (current !== null) {
      this.#log.debug({ controller: current.brokerId }, 'a controller is in office');
      return;
    }
    try {
      const { epoch, zkVersion } = await this.#registerAndIncrementEpoch();
      this.#active = true;
      this.#activeControllerId = this.#brokerId;
      this.#epoch = epoch;
      this.#epochZkVersion = zkVersion;
      this.#log.info({ epoch, epochZkVersion: zkVersion }, 'elected controller');
    } catch (err) {
      if (!(err instanceof ControllerMovedError)) throw err;
      this.#log.info({ reason: err.message }, 'lost the controller election');
      await this.#maybeResign();
      return;
    }
    try {
      await this.#options.onElected?.(this.#epoch);
    } catch (err) {
      this.#log.error({ err }, 'controller failover failed; resigning');
      await this.#resignLocally('failover failed');
      await this.#giveUpOffice();
    }
  }

  /**
   * Creates `/controller` (checked against the epoch's zkVersion read first) and bumps `/controller_epoch` with a
   * conditional write. Throws ControllerMovedError when another broker got there first.
   */
  async #registerAndIncrementEpoch(): Promise<{ epoch: number; zkVersion: number }> {
    try {
      await this.#zk.create(ZkPaths.controllerEpoch, encodeControllerEpoch(INITIAL_CONTROLLER_EPOCH));
    } catch (err) {
      if (!(err instanceof ZkNodeExistsError)) throw err;
    }
    const { data, stat } = await this.#zk.getData(ZkPaths.controllerEpoch);
    const currentEpoch = decodeControllerEpoch(data);
    await this.#createControllerZnode(stat.version);
    try {
      const bumped = await this.#zk.setData(
        ZkPaths.controllerEpoch,
        encodeControllerEpoch(currentEpoch + 1),
        stat.version,
      );
      return { epoch: currentEpoch + 1, zkVersion: bumped.version };
    } catch (err) {
      if (!(err instanceof ZkBadVersionError)) throw err;
      await this.#giveUpOffice();
      throw new ControllerMovedError('another broker bumped the controller epoch first', { cause: err });
    }
  }

  async #createControllerZnode(expectedEpochZkVersion: number): Promise<void> {
    const data = encodeController(this.#brokerId, this.#options.nowMs?.() ?? Date.now());
    for (;;) {
      try {
        await this.#zk.multi([
          { type: 'check', path: ZkPaths.controllerEpoch, version: expectedEpochZkVersion },
          { type: 'create', path: ZkPaths.controller, data, mode: 'ephemeral' },
        ]);
        return;
      } catch (err) {
        if (err instanceof ZkBadVersionError) {
          throw new ControllerMovedError('the controller epoch changed during the election', { cause: err });
        }
        if (!(err instanceof ZkNodeExistsError)) throw err;
      }
      // NODE_EXISTS: ours when a retried create had landed; another broker's otherwise
      const current = await this.#readController();
      if (current?.ownedByUs === true) return;
      if (current !== null) throw new ControllerMovedError(`broker ${current.brokerId} won the controller election`);
    }
  }

  /** Re-reads `/controller`; resigns when this broker was active and no longer holds it. */
  async #maybeResign(): Promise<void> {
    const wasActive = this.#active;
    const current = await this.#readController();
    if (wasActive && (current === null || !current.ownedByUs)) await this.#resignLocally('controller moved');
  }

  /**
   * A fenced write failed: resign when `/controller` moved; when it is still ours but the epoch moved under it
   * (written by hand, or a bump we never saw), our epoch is void: resign and give the office up for a new election.
   */
  async #afterFencedWrite(): Promise<void> {
    await this.#maybeResign();
    if (!this.#active) return;
    const stat = await this.#zk.exists(ZkPaths.controllerEpoch);
    if (stat !== null && stat.version === this.#epochZkVersion) return;
    await this.#resignLocally('controller epoch moved');
    await this.#giveUpOffice();
  }

  async #resignLocally(reason: string): Promise<void> {
    this.#active = false;
    this.#epochZkVersion = -1;
    this.#log.info({ reason, epoch: this.#epoch }, 'resigning as controller');
    try {
      await this.#options.onResigned?.();
    } catch (err) {
      this.#log.error({ err }, 'controller resignation failed');
    }
  }

  /** Deletes `/controller` if this session holds it (at the version read), so that an election follows. */
  async #giveUpOffice(): Promise<void> {
    const stat = await this.#zk.exists(ZkPaths.controller);
    if (stat === null || stat.ephemeralOwner !== this.#zk.sessionId) return;
    try {
      await this.#zk.delete(ZkPaths.controller, stat.version);
    } catch (err) {
      if (!(err instanceof ZkNoNodeError || err instanceof ZkBadVersionError)) throw err;
    }
  }
}

/**
 * `ops` as one multi behind a check that `/controller_epoch` is still at `epochZkVersion`. Exported for the
 * controller's own writes and for tests that replay a deposed controller's write.
 */
export async function fencedMultiAt(zk: ZkClient, epochZkVersion: number, ops: readonly ZkOp[]): Promise<ZkOpResult[]> {
  try {
    const results = await zk.multi([{ type: 'check', path: ZkPaths.controllerEpoch, version: epochZkVersion }, ...ops]);
    return results.slice(1);
  } catch (err) {
    if (!(err instanceof ZkError) || err.opIndex === null) throw err;
    if (err.opIndex === 0) {
      throw new ControllerMovedError(`the controller epoch moved past zkVersion ${epochZkVersion}`, { cause: err });
    }
    throw zkErrorFor(err.code, err.path, { opIndex: err.opIndex - 1 });
  }
}

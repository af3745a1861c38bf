import type { Logger } from '../logger.js';
import type { ZkClient } from './zk-client.js';
import { decodeBrokerInfo, encodeBrokerInfo, formatAddress, type ZkBrokerEndpoint } from './zk-data.js';
import { BrokerIdConflictError, ZkNodeExistsError, ZkNoNodeError } from './zk-errors.js';
import { ZkPaths } from './zk-paths.js';
import type { ZkStat } from './zk-types.js';

export interface BrokerRegistrationOptions {
  readonly zk: ZkClient;
  readonly brokerId: number;
  /** The advertised endpoints, published to clients and other brokers. */
  readonly endpoints: readonly ZkBrokerEndpoint[];
  readonly rack: string | null;
  readonly logger: Logger;
  /**
   * How long a registration held by another session may take to go away before start-up is refused. A broker
   * restarted right after a crash finds its predecessor's ephemeral until that session expires; the default (the
   * session timeout plus 2 s, for the server's tick-granular expiry) waits that out, 0 refuses at once as Kafka does.
   */
  readonly staleRegistrationWaitMs?: number;
  readonly nowMs?: () => number;
  /** Called with the new broker epoch after each registration, including those after a session expiry. */
  readonly onRegistered?: (brokerEpoch: number) => void;
  /** Called when re-registering after a session expiry fails (another broker took the id meanwhile, ...). */
  readonly onError?: (err: Error) => void;
}

/** Extra wait past the session timeout: the server expires sessions on tick boundaries. */
const EXPIRY_SLACK_MS = 2_000;

/**
 * Registers this broker in ZooKeeper as Kafka does (KafkaZkClient.registerBroker): an ephemeral
 * `/brokers/ids/<id>` with its endpoints and rack in BrokerInfo version 5. The broker epoch is the registration's
 * czxid, so it grows with every registration and lets the controller fence requests aimed at an older incarnation.
 *
 * The create is "checked" like Kafka's CheckedEphemeral: NODE_EXISTS owned by our own session (a retried create
 * whose first attempt landed) counts as success; owned by another session it means another broker holds the id,
 * which refuses start-up with BrokerIdConflictError once staleRegistrationWaitMs has passed. After a session expiry
 * the registration is re-created on the new session (Kafka's RegisterBrokerAndReelect); register this listener
 * before the controller election's so that re-election follows re-registration.
 *
 * Concurrency: register() once; re-registrations run on the ZkClient's listener chain, one at a time.
 */
export class BrokerRegistration {
  readonly #options: BrokerRegistrationOptions;
  readonly #zk: ZkClient;
  readonly #path: string;
  readonly #log: Logger;
  #brokerEpoch = -1;
  #unsubscribe: (() => void) | null = null;
  #closed = false;

  constructor(options: BrokerRegistrationOptions) {
    this.#options = options;
    this.#zk = options.zk;
    this.#path = ZkPaths.brokerId(options.brokerId);
    this.#log = options.logger.child({ component: 'broker-registration', brokerId: options.brokerId });
  }

  /** The czxid of the current registration; -1 while not registered (before register(), after a session expiry). */
  get brokerEpoch(): number {
    return this.#brokerEpoch;
  }

  /** Creates the registration and keeps it across session expiries; resolves with the broker epoch. */
  async register(): Promise<number> {
    if (this.#unsubscribe === null) {
      this.#unsubscribe = this.#zk.addSessionListener({
        sessionExpired: () => {
          this.#brokerEpoch = -1;
        },
        newSession: () => this.#reregister(),
      });
    }
    return this.#createChecked();
  }

  /** Stops re-registering and deletes the registration if this session still holds it; idempotent. */
  async deregister(): Promise<void> {
    this.#closed = true;
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    if (this.#brokerEpoch === -1) return;
    this.#brokerEpoch = -1;
    const stat = await this.#zk.exists(this.#path);
    if (stat === null || stat.ephemeralOwner !== this.#zk.sessionId) return;
    try {
      await this.#zk.delete(this.#path, stat.version);
    } catch (err) {
      if (!(err instanceof ZkNoNodeError)) throw err;
    }
  }

  async #reregister(): Promise<void> {
    if (this.#closed) return;
    try {
      await this.#createChecked();
    } catch (err) {
      this.#log.error({ err }, 'could not re-register the broker after a ZooKeeper session expiry');
      this.#options.onError?.(err as Error);
    }
  }

  async #createChecked(): Promise<number> {
    const waitMs = this.#options.staleRegistrationWaitMs ?? this.#zk.sessionTimeoutMs + EXPIRY_SLACK_MS;
    const deadline = Date.now() + waitMs;
    let warned = false;
    for (;;) {
      const stat = await this.#tryCreate();
      if (stat.kind === 'ours') {
        this.#brokerEpoch = stat.stat.czxid;
        this.#log.info(
          { brokerEpoch: this.#brokerEpoch, endpoints: this.#options.endpoints.map(endpointText) },
          'registered broker in ZooKeeper',
        );
        this.#options.onRegistered?.(this.#brokerEpoch);
        return this.#brokerEpoch;
      }
      if (stat.kind === 'gone') continue;
      const left = deadline - Date.now();
      if (left <= 0) throw new BrokerIdConflictError(this.#options.brokerId, stat.holder);
      if (!warned) {
        warned = true;
        this.#log.warn(
          { holder: stat.holder, waitMs },
          'broker.id is registered by another ZooKeeper session; waiting for it to expire',
        );
      }
      await this.#awaitDeletion(left);
    }
  }

  /** One create attempt: ours (with its stat), gone (deleted meanwhile: try again), or held by another session. */
  async #tryCreate(): Promise<{ kind: 'ours'; stat: ZkStat } | { kind: 'gone' } | { kind: 'other'; holder: string }> {
    const data = encodeBrokerInfo({
      endpoints: this.#options.endpoints,
      rack: this.#options.rack,
      timestampMs: this.#options.nowMs?.() ?? Date.now(),
    });
    try {
      await this.#zk.create(this.#path, data, { mode: 'ephemeral', createParents: true });
    } catch (err) {
      if (!(err instanceof ZkNodeExistsError)) throw err;
    }
    let existing: { data: Buffer; stat: ZkStat };
    try {
      existing = await this.#zk.getData(this.#path);
    } catch (err) {
      if (err instanceof ZkNoNodeError) return { kind: 'gone' };
      throw err;
    }
    if (existing.stat.ephemeralOwner === this.#zk.sessionId) return { kind: 'ours', stat: existing.stat };
    return { kind: 'other', holder: this.#describeHolder(existing.data, existing.stat) };
  }

  /** Waits until the registration znode changes (is deleted, normally) or `timeoutMs` passes. */
  async #awaitDeletion(timeoutMs: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.#zk
        .exists(this.#path, () => done())
        .then(
          (stat) => stat === null && done(),
          (err: unknown) => {
            clearTimeout(timer);
            reject(err instanceof Error ? err : new Error(String(err)));
          },
        );
    });
  }

  #describeHolder(data: Buffer, stat: ZkStat): string {
    try {
      const info = decodeBrokerInfo(this.#options.brokerId, data);
      if (info.endpoints.length > 0) return info.endpoints.map((e) => formatAddress(e.host, e.port)).join(', ');
    } catch (err) {
      this.#log.debug({ err }, 'unreadable registration of the other broker');
    }
    return `ZooKeeper session 0x${BigInt.asUintN(64, stat.ephemeralOwner).toString(16)}`;
  }
}

function endpointText(e: ZkBrokerEndpoint): string {
  return `${e.listenerName}://${formatAddress(e.host, e.port)}`;
}

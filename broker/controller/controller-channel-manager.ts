import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode, type ApiSchema, type RequestInput, type ResponseOf } from '../../protocol/index.js';
import type { Logger } from '../logger.js';

/** What the controller needs of a connection to one broker: BrokerChannel's shape, so tests can stand in for it. */
export interface ControllerChannel {
  send<A extends ApiSchema>(
    api: A,
    version: number,
    request: RequestInput<A>,
    options?: { timeoutMs?: number; signal?: AbortSignal },
  ): Promise<ResponseOf<A>>;
  close(): void;
}

/** The broker a channel leads to: its inter-broker endpoint. */
export interface ChannelTarget {
  readonly brokerId: number;
  readonly host: string;
  readonly port: number;
}

export type ControllerChannelFactory = (target: ChannelTarget) => ControllerChannel;

export interface ControllerChannelManagerOptions {
  readonly factory: ControllerChannelFactory;
  readonly logger: Logger;
  /** controller.socket.timeout.ms: one attempt's limit. */
  readonly requestTimeoutMs: number;
  /** Pause between attempts at a request that failed (Kafka's RequestSendThread waits 100 ms). */
  readonly retryBackoffMs?: number;
}

/** One queued request: its send and what to do with the answer, typed together in a closure. */
interface Job {
  readonly apiName: string;
  attempt(channel: ControllerChannel, options: { timeoutMs: number; signal: AbortSignal }): Promise<void>;
}

interface BrokerQueue {
  readonly target: ChannelTarget;
  readonly channel: ControllerChannel;
  readonly jobs: Job[];
  readonly abort: AbortController;
  draining: boolean;
}

const DEFAULT_RETRY_BACKOFF_MS = 100;

/**
 * The controller's connections to the live brokers (Kafka's ControllerChannelManager): per broker one channel and a
 * FIFO queue drained by one loop, so requests to a broker arrive in the order the controller decided them. A failed
 * send (connection refused, timeout, disconnect) is retried after a pause for as long as the broker stays registered;
 * removing a broker drops its queue. An error code in an answer is logged, not retried (the broker refused on
 * purpose: a stale epoch). Response callbacks run after the answer; they should only enqueue controller events.
 *
 * Concurrency: called from the controller's event queue; each broker's loop runs on its own, one request in flight
 * per broker. Invariant: a job is sent only while its broker's queue is registered (same target, same epoch).
 */
export class ControllerChannelManager {
  readonly #options: ControllerChannelManagerOptions;
  readonly #log: Logger;
  readonly #queues = new Map<number, BrokerQueue>();

  constructor(options: ControllerChannelManagerOptions) {
    this.#options = options;
    this.#log = options.logger.child({ component: 'controller-channel-manager' });
  }

  /** Opens a queue to `target` (a broker that registered, or registered again: any previous queue is dropped). */
  addBroker(target: ChannelTarget): void {
    this.removeBroker(target.brokerId);
    this.#queues.set(target.brokerId, {
      target,
      channel: this.#options.factory(target),
      jobs: [],
      abort: new AbortController(),
      draining: false,
    });
    this.#log.debug({ target }, 'controller channel added');
  }

  /** Drops a broker's queue and closes its channel; unsent requests are dropped. */
  removeBroker(brokerId: number): void {
    const queue = this.#queues.get(brokerId);
    if (queue === undefined) return;
    this.#queues.delete(brokerId);
    queue.abort.abort();
    queue.channel.close();
    if (queue.jobs.length > 0) {
      this.#log.info({ brokerId, dropped: queue.jobs.length }, 'dropped requests to a broker that left');
    }
    queue.jobs.length = 0;
  }

  hasBroker(brokerId: number): boolean {
    return this.#queues.has(brokerId);
  }

  /** Queues `request` for `brokerId`; `onResponse` gets the answer. A broker without a queue gets nothing. */
  send<A extends ApiSchema>(
    brokerId: number,
    api: A,
    version: number,
    request: RequestInput<A>,
    onResponse?: (response: ResponseOf<A>) => void,
  ): void {
    const queue = this.#queues.get(brokerId);
    if (queue === undefined) {
      this.#log.debug({ brokerId, api: api.name }, 'not sending to a broker without a channel');
      return;
    }
    queue.jobs.push({
      apiName: api.name,
      attempt: async (channel, options) => {
        const response = await channel.send(api, version, request, options);
        const errorCode = (response as { errorCode?: number }).errorCode;
        if (errorCode !== undefined && errorCode !== ErrorCode.NONE) {
          this.#log.warn({ brokerId, api: api.name, errorCode }, 'broker refused a controller request');
        }
        try {
          onResponse?.(response);
        } catch (err) {
          this.#log.error({ err, brokerId, api: api.name }, 'controller response callback failed');
        }
      },
    });
    void this.#drain(queue);
  }

  /** Drops every queue and closes every channel; idempotent. */
  close(): void {
    for (const brokerId of [...this.#queues.keys()]) this.removeBroker(brokerId);
  }

  async #drain(queue: BrokerQueue): Promise<void> {
    if (queue.draining) return;
    queue.draining = true;
    const { signal } = queue.abort;
    let failures = 0;
    try {
      while (queue.jobs.length > 0 && !signal.aborted) {
        const job = queue.jobs[0]!;
        try {
          await job.attempt(queue.channel, { timeoutMs: this.#options.requestTimeoutMs, signal });
          queue.jobs.shift();
          failures = 0;
        } catch (err) {
          if (signal.aborted) return;
          failures++;
          // the first failure is news; the retries that follow while the broker is away are not
          const level = failures === 1 ? 'warn' : 'debug';
          this.#log[level]({ err, brokerId: queue.target.brokerId, api: job.apiName, failures }, 'retrying a request');
          await sleep(this.#options.retryBackoffMs ?? DEFAULT_RETRY_BACKOFF_MS, undefined, { signal }).catch(
            () => undefined,
          );
        }
      }
    } finally {
      queue.draining = false;
    }
  }
}

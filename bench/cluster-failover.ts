import { Kafka, logLevel, type RetryOptions } from 'kafkajs';

/**
 * kafkajs retries quickly, so the figure is the cluster's failover plus little client back-off: 20 ms, doubling
 * to at most 100 ms between attempts (kafkajs's default starts at 300 ms and stops after 5 retries), and enough
 * attempts to outlast any failover the bench waits for.
 */
export const FAILOVER_RETRY: RetryOptions = { initialRetryTime: 20, maxRetryTime: 100, retries: 300 };
/** Writes before the signal, so connections and metadata are warm and the leader is known to be serving. */
const WARM_WRITES = 50;
const WARM_MS = 500;
const TIMEOUT_MS = 60_000;

export interface FailoverTiming {
  /** Signal → acknowledgment of the first write answered by another broker (the new leader), in ms. */
  readonly failoverMs: number;
  /** Longest wait for an acknowledgment from the signal until then (less than failoverMs when writes went on). */
  readonly longestPauseMs: number;
}

export interface FailoverOptions {
  /** Bootstrap servers of the running brokers, comma-separated. */
  readonly bootstrap: string;
  /** A one-partition topic whose leader is `leader`. */
  readonly topic: string;
  /** The leader's host:port, as the brokers advertise it. */
  readonly leader: string;
  /** Sends the signal to the leader's process; called between two writes. */
  readonly signal: () => void;
}

/**
 * Times a leader failover as a producer sees it: one kafkajs producer writes acks=all records to partition 0, one
 * at a time, without pause; after a warm-up it calls `signal` between two writes (so no write is in flight and the
 * next one starts after the signal), then keeps writing until a write is acknowledged by a broker other than
 * `leader`. Writes the client gives up on are written again: the clock keeps running. Kafka's producer sees the
 * same thing: its own retries and metadata refreshes are part of the figure.
 */
export async function timeFailover(options: FailoverOptions): Promise<FailoverTiming> {
  const kafka = new Kafka({
    brokers: options.bootstrap.split(','),
    logLevel: logLevel.NOTHING,
    retry: FAILOVER_RETRY,
    connectionTimeout: 1000,
  });
  const producer = kafka.producer({ allowAutoTopicCreation: false, maxInFlightRequests: 1, retry: FAILOVER_RETRY });
  // sends go one at a time, so the last Produce answered before a send resolves is the one that acknowledged it
  let lastProduceBroker = '';
  producer.on(producer.events.REQUEST, ({ payload }) => {
    if (payload.apiName === 'Produce') lastProduceBroker = payload.broker;
  });
  await producer.connect();
  try {
    const started = performance.now();
    let signalledAt: number | undefined;
    let lastAck = started;
    let longestPauseMs = 0;
    let acked = 0;
    let lastError: unknown;
    for (let seq = 0; ; seq++) {
      const now = performance.now();
      if (signalledAt === undefined && acked >= WARM_WRITES && now - started >= WARM_MS) {
        options.signal();
        signalledAt = now;
        lastAck = now;
      }
      if (now - (signalledAt ?? started) > TIMEOUT_MS) {
        const what = signalledAt === undefined ? 'warm-up writes' : 'a write acknowledged by a new leader';
        throw new Error(`no ${what} of ${options.topic} within ${TIMEOUT_MS} ms (last error: ${String(lastError)})`);
      }
      try {
        await producer.send({ topic: options.topic, acks: -1, messages: [{ partition: 0, value: String(seq) }] });
      } catch (err) {
        lastError = err;
        continue;
      }
      const at = performance.now();
      if (signalledAt === undefined) {
        acked++;
        continue;
      }
      longestPauseMs = Math.max(longestPauseMs, at - lastAck);
      lastAck = at;
      if (lastProduceBroker !== options.leader) return { failoverMs: at - signalledAt, longestPauseMs };
    }
  } finally {
    await producer.disconnect();
  }
}

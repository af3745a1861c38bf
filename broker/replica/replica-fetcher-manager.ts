import { BrokerChannel } from '../cluster/broker-channel.js';
import { Binding, type Logger } from '../logger.js';
import type { Partition } from './partition.js';
import { type FetcherChannel, type FetchState, type ReplicaFetchConfig, ReplicaFetcher } from './replica-fetcher.js';

/** Where a partition's leader listens for other brokers. */
export interface LeaderEndpoint {
  readonly brokerId: number;
  readonly host: string;
  readonly port: number;
}

/** Room for a fetch response's headers beyond its records. */
const FETCH_RESPONSE_OVERHEAD_BYTES = 64 * 1024;

/** Opens the connection a fetcher uses; the default is a BrokerChannel timing out after replica.socket.timeout.ms. */
export type FetcherChannelFactory = (endpoint: LeaderEndpoint, clientId: string) => FetcherChannel;

export interface ReplicaFetcherManagerOptions {
  brokerId: number;
  /** num.replica.fetchers: fetchers per source broker. */
  numReplicaFetchers: number;
  config: ReplicaFetchConfig;
  logger: Logger;
  channelFactory?: FetcherChannelFactory;
}

/** A partition to follow: fetched from `leader` in `leaderEpoch`, starting with truncation. */
export interface FollowEntry {
  readonly partition: Partition;
  readonly leader: LeaderEndpoint;
  readonly leaderEpoch: number;
}

interface FetcherSlot {
  readonly endpoint: LeaderEndpoint;
  readonly fetcher: ReplicaFetcher;
}

/**
 * The replica fetchers of this broker (Kafka's ReplicaFetcherManager): num.replica.fetchers loops per source
 * broker, a partition always on the same one (a hash of topic and partition). A source broker seen at a new
 * address (it restarted on another port) gets a new fetcher; the old one stops and its other partitions move
 * over, with their progress. Fetchers left without partitions stop.
 *
 * Concurrency: calls are serialized (the BrokerLifecycle applies one controller decision at a time); add and
 * remove resolve once the fetchers involved have taken the change (remove: no answer for those partitions is being
 * applied any more).
 */
export class ReplicaFetcherManager {
  readonly #options: ReplicaFetcherManagerOptions;
  readonly #log: Logger;
  readonly #fetchers = new Map<string, FetcherSlot>();
  #shutDown = false;

  constructor(options: ReplicaFetcherManagerOptions) {
    this.#options = options;
    this.#log = options.logger.child({ [Binding.component]: 'replica-fetcher-manager' });
  }

  /** How many fetchers run (tests). */
  get fetcherCount(): number {
    return this.#fetchers.size;
  }

  /** The fetcher that has `topic-partition`, if any (tests). */
  fetcherOf(topic: string, partition: number): ReplicaFetcher | undefined {
    for (const { fetcher } of this.#fetchers.values()) {
      if (fetcher.states().some((s) => s.partition.topic === topic && s.partition.partition === partition)) {
        return fetcher;
      }
    }
    return undefined;
  }

  /** Starts following each entry's partition from its leader (after truncation); replaces an earlier follow. */
  async addFetcherForPartitions(entries: readonly FollowEntry[]): Promise<void> {
    if (this.#shutDown || entries.length === 0) return;
    const byFetcher = new Map<string, { endpoint: LeaderEndpoint; entries: FollowEntry[] }>();
    for (const e of entries) {
      const id = `${e.leader.brokerId}-${this.#fetcherId(e.partition)}`;
      let group = byFetcher.get(id);
      if (group === undefined) byFetcher.set(id, (group = { endpoint: e.leader, entries: [] }));
      group.entries.push(e);
    }
    // a partition moving to another leader must leave its old fetcher first
    await this.removeFetcherForPartitions(
      entries.map((e) => e.partition),
      { keepIdle: true },
    );
    for (const [id, group] of byFetcher) {
      const fetcher = await this.#fetcherFor(id, group.endpoint);
      fetcher.addPartitions(group.entries.map((e) => ({ partition: e.partition, leaderEpoch: e.leaderEpoch })));
    }
    await this.#stopIdle();
  }

  /** Stops following these partitions; resolves once no fetcher appends to them any more. */
  async removeFetcherForPartitions(
    partitions: readonly { topic: string; partition: number }[],
    options: { keepIdle?: boolean } = {},
  ): Promise<void> {
    if (partitions.length === 0) return;
    await Promise.all([...this.#fetchers.values()].map(({ fetcher }) => fetcher.removePartitions(partitions)));
    if (options.keepIdle !== true) await this.#stopIdle();
  }

  /** Stops every fetcher; idempotent. */
  async shutdown(): Promise<void> {
    this.#shutDown = true;
    const slots = [...this.#fetchers.values()];
    this.#fetchers.clear();
    await Promise.all(slots.map(({ fetcher }) => fetcher.shutdown()));
  }

  async #fetcherFor(id: string, endpoint: LeaderEndpoint): Promise<ReplicaFetcher> {
    const existing = this.#fetchers.get(id);
    if (
      existing !== undefined &&
      existing.endpoint.host === endpoint.host &&
      existing.endpoint.port === endpoint.port
    ) {
      return existing.fetcher;
    }
    const fetcher = this.#newFetcher(id, endpoint);
    this.#fetchers.set(id, { endpoint, fetcher });
    if (existing !== undefined) {
      this.#log.info(
        { sourceBroker: endpoint.brokerId, from: existing.endpoint, to: endpoint },
        'leader moved address',
      );
      const moved: FetchState[] = existing.fetcher.states();
      await existing.fetcher.shutdown();
      fetcher.addPartitions(moved.map((s) => ({ partition: s.partition, leaderEpoch: s.leaderEpoch, resume: s })));
    }
    fetcher.start();
    return fetcher;
  }

  #newFetcher(id: string, endpoint: LeaderEndpoint): ReplicaFetcher {
    const { brokerId, config, logger } = this.#options;
    const clientId = `broker-${brokerId}-fetcher-${id}`;
    const channel =
      this.#options.channelFactory?.(endpoint, clientId) ??
      new BrokerChannel({
        host: endpoint.host,
        port: endpoint.port,
        clientId,
        requestTimeoutMs: config.replicaSocketTimeoutMs,
        logger,
        // a fetch response: up to replica.fetch.response.max.bytes of records, and its headers
        pooledFrameBytes: config.replicaFetchResponseMaxBytes + FETCH_RESPONSE_OVERHEAD_BYTES,
      });
    return new ReplicaFetcher({ brokerId, sourceBrokerId: endpoint.brokerId, channel, config, logger });
  }

  async #stopIdle(): Promise<void> {
    const idle = [...this.#fetchers].filter(([, slot]) => slot.fetcher.partitionCount === 0);
    for (const [id] of idle) this.#fetchers.delete(id);
    await Promise.all(idle.map(([, slot]) => slot.fetcher.shutdown()));
  }

  /** Kafka's fetcher id: a stable hash of topic and partition, modulo num.replica.fetchers. */
  #fetcherId(partition: Partition): number {
    let hash = 0;
    for (let i = 0; i < partition.topic.length; i++) hash = (Math.imul(hash, 31) + partition.topic.charCodeAt(i)) | 0;
    hash = (Math.imul(hash, 31) + partition.partition) | 0;
    return Math.abs(hash) % Math.max(1, this.#options.numReplicaFetchers);
  }
}

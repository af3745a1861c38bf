import { ErrorCode, errorInfo } from '../../protocol/index.js';
import type { BrokerConfig } from '../config.js';
import type { Controller } from '../controller/controller.js';
import { Binding, type Logger } from '../logger.js';
import type { MetadataCache } from '../metadata/metadata-cache.js';

/** Kafka's internal topic of committed offsets and group metadata. */
export const OFFSETS_TOPIC = '__consumer_offsets';

/** Where a group's coordinator is, as FindCoordinator answers it (Kafka's Node.noNode on error). */
export interface CoordinatorLocation {
  errorCode: ErrorCode;
  errorMessage: string | null;
  nodeId: number;
  host: string;
  port: number;
}

/** Java's String.hashCode: s[0]*31^(n-1) + … + s[n-1] over UTF-16 code units, in int32 arithmetic. */
export function javaStringHashCode(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

/** Kafka's Utils.abs: Math.abs, except that Integer.MIN_VALUE (whose Math.abs is itself) gives 0. */
export function kafkaAbs(n: number): number {
  return n === -0x8000_0000 ? 0 : Math.abs(n);
}

/**
 * The __consumer_offsets topic as the group coordinator and FindCoordinator see it: which partition holds a
 * group, its creation on first need, and which broker leads a group's partition.
 *
 * Partition of a group: Utils.abs(groupId.hashCode) % partitions, as Kafka computes it. The partition count is
 * the existing topic's (read from the MetadataCache) once it exists, else offsets.topic.num.partitions, as
 * Kafka's GroupMetadataManager takes it.
 *
 * Creation: through the Controller, with offsets.topic.num.partitions partitions, offsets.topic.replication.factor
 * replicas, cleanup.policy=compact, compression.type=producer and segment.bytes=offsets.topic.segment.bytes.
 * Kafka refuses to create it while fewer brokers are alive than the replication factor (FindCoordinator answers
 * COORDINATOR_NOT_AVAILABLE until enough are), and so do we: a single node needs
 * offsets.topic.replication.factor=1 (the embedded broker sets it, as Kafka's sample server.properties does).
 *
 * Concurrency: one creation at a time; callers arriving meanwhile share it.
 */
export class OffsetsTopic {
  readonly #config: BrokerConfig;
  readonly #metadataCache: MetadataCache;
  readonly #controller: Controller;
  readonly #log: Logger;
  #creating: Promise<ErrorCode> | undefined;
  /** The last creation failure logged, so retrying clients do not flood the log with the same line. */
  #lastFailure = '';

  constructor(deps: { config: BrokerConfig; metadataCache: MetadataCache; controller: Controller; logger: Logger }) {
    this.#config = deps.config;
    this.#metadataCache = deps.metadataCache;
    this.#controller = deps.controller;
    this.#log = deps.logger.child({ [Binding.component]: 'offsets-topic' });
  }

  /** Partitions of the topic: the existing topic's count, else offsets.topic.num.partitions. */
  partitionCount(): number {
    const existing = this.#metadataCache.snapshot().topic(OFFSETS_TOPIC)?.partitions.length ?? 0;
    return existing > 0 ? existing : this.#config.offsetsTopicNumPartitions;
  }

  partitionFor(groupId: string): number {
    return kafkaAbs(javaStringHashCode(groupId)) % this.partitionCount();
  }

  /** The topic's config overrides, as Kafka's GroupCoordinator.offsetsTopicConfigs. */
  topicConfigs(): { name: string; value: string }[] {
    return [
      { name: 'cleanup.policy', value: 'compact' },
      { name: 'compression.type', value: 'producer' },
      { name: 'segment.bytes', value: String(this.#config.offsetsTopicSegmentBytes) },
    ];
  }

  /** Creates the topic unless it exists; NONE once it does, else the reason it could not be created. */
  ensureCreated(): Promise<ErrorCode> {
    if (this.#metadataCache.snapshot().topic(OFFSETS_TOPIC) !== undefined) return Promise.resolve(ErrorCode.NONE);
    this.#creating ??= this.#create().finally(() => (this.#creating = undefined));
    return this.#creating;
  }

  async #create(): Promise<ErrorCode> {
    const replicationFactor = this.#config.offsetsTopicReplicationFactor;
    const aliveBrokers = this.#metadataCache.snapshot().brokers.size;
    if (aliveBrokers < replicationFactor) {
      this.#failed(
        `${OFFSETS_TOPIC} needs offsets.topic.replication.factor=${replicationFactor} brokers, ` +
          `but ${aliveBrokers} are alive: groups are unavailable until enough brokers are up (or the factor is lowered)`,
      );
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    }
    try {
      const [result] = await this.#controller.createTopics([
        {
          name: OFFSETS_TOPIC,
          numPartitions: this.#config.offsetsTopicNumPartitions,
          replicationFactor,
          configs: this.topicConfigs(),
        },
      ]);
      const code = result!.errorCode;
      if (code === ErrorCode.NONE) {
        this.#lastFailure = '';
        this.#log.info({ partitions: result!.numPartitions, replicationFactor }, `created ${OFFSETS_TOPIC}`);
      } else if (code !== ErrorCode.TOPIC_ALREADY_EXISTS) {
        this.#failed(`creating ${OFFSETS_TOPIC} failed: ${result!.errorMessage ?? code}`);
      }
      return code === ErrorCode.TOPIC_ALREADY_EXISTS ? ErrorCode.NONE : code;
    } catch (err) {
      this.#log.error({ err }, `creating ${OFFSETS_TOPIC} failed`);
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    }
  }

  #failed(message: string): void {
    if (message === this.#lastFailure) return;
    this.#lastFailure = message;
    this.#log.warn(message);
  }

  /**
   * FindCoordinator's answer for a group: the leader of its partition, at its endpoint on the request's listener
   * (or its first endpoint, as Metadata answers). A missing topic is created first (Kafka answers
   * COORDINATOR_NOT_AVAILABLE at once and lets the client retry; the creation is quick here, so the first
   * lookup waits for it). COORDINATOR_NOT_AVAILABLE while the topic or the partition's leader is missing.
   */
  async locate(groupId: string, listenerName: string): Promise<Readonly<CoordinatorLocation>> {
    let topic = this.#metadataCache.snapshot().topic(OFFSETS_TOPIC);
    if (topic === undefined) {
      const created = await this.ensureCreated();
      topic = this.#metadataCache.snapshot().topic(OFFSETS_TOPIC);
      if (created !== ErrorCode.NONE || topic === undefined) return NOT_AVAILABLE;
    }
    const snapshot = this.#metadataCache.snapshot();
    const partition = topic.partitions[kafkaAbs(javaStringHashCode(groupId)) % topic.partitions.length];
    const leader = partition === undefined || partition.leader < 0 ? undefined : snapshot.broker(partition.leader);
    const endpoint =
      leader?.endpoints.find((e) => e.listenerName === listenerName) ?? leader?.endpoints[0] ?? undefined;
    if (leader === undefined || endpoint === undefined) return NOT_AVAILABLE;
    return {
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      nodeId: leader.brokerId,
      host: endpoint.host,
      port: endpoint.port,
    };
  }
}

const NOT_AVAILABLE: Readonly<CoordinatorLocation> = Object.freeze({
  errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE,
  errorMessage: errorInfo(ErrorCode.COORDINATOR_NOT_AVAILABLE).message,
  nodeId: -1,
  host: '',
  port: -1,
});

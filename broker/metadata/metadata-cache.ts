/** One endpoint a broker publishes (an advertised listener). */
export interface BrokerEndpoint {
  readonly listenerName: string;
  readonly host: string;
  readonly port: number;
  readonly securityProtocol: string;
}

export interface BrokerMetadata {
  readonly brokerId: number;
  readonly rack: string | null;
  readonly endpoints: readonly BrokerEndpoint[];
}

/** A partition's leadership as the controller last decided it (UpdateMetadata's partition state). */
export interface PartitionMetadata {
  readonly partition: number;
  /** -1 when the partition has no leader. */
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  readonly offlineReplicas: readonly number[];
}

export interface TopicMetadata {
  readonly name: string;
  readonly topicId: string;
  readonly isInternal: boolean;
  /** Indexed by partition number: partitions[p].partition === p. */
  readonly partitions: readonly PartitionMetadata[];
}

/**
 * What the controller sends (UpdateMetadata's shape): a full snapshot replaces everything; a delta upserts the
 * brokers and topics it lists (a listed topic replaces the old entry whole) and drops the deleted ones.
 */
export type MetadataUpdate =
  | {
      readonly kind: 'full';
      readonly clusterId: string;
      readonly controllerId: number;
      readonly brokers: readonly BrokerMetadata[];
      readonly topics: readonly TopicMetadata[];
    }
  | {
      readonly kind: 'delta';
      readonly controllerId?: number;
      readonly brokers?: readonly BrokerMetadata[];
      readonly removedBrokerIds?: readonly number[];
      readonly topics?: readonly TopicMetadata[];
      readonly deletedTopics?: readonly string[];
    };

/** Kafka's internal topics, flagged isInternal in Metadata responses. */
const INTERNAL_TOPICS: ReadonlySet<string> = new Set(['__consumer_offsets', '__transaction_state']);

export function isInternalTopic(name: string): boolean {
  return INTERNAL_TOPICS.has(name);
}

/** One immutable, self-consistent view of the cluster; lookups never see a half-applied update. */
export class MetadataSnapshot {
  /** -1 before the first update, as Kafka answers MetadataResponse.controllerId when it knows none. */
  static readonly EMPTY = new MetadataSnapshot(null, -1, new Map(), new Map());

  readonly #topicsById: ReadonlyMap<string, TopicMetadata>;

  constructor(
    /** null until the controller has sent the first full snapshot. */
    readonly clusterId: string | null,
    readonly controllerId: number,
    readonly brokers: ReadonlyMap<number, BrokerMetadata>,
    readonly topics: ReadonlyMap<string, TopicMetadata>,
  ) {
    const byId = new Map<string, TopicMetadata>();
    for (const topic of topics.values()) byId.set(topic.topicId, topic);
    this.#topicsById = byId;
    Object.freeze(this);
  }

  topic(name: string): TopicMetadata | undefined {
    return this.topics.get(name);
  }

  topicById(topicId: string): TopicMetadata | undefined {
    return this.#topicsById.get(topicId);
  }

  partition(topic: string, partition: number): PartitionMetadata | undefined {
    return this.topics.get(topic)?.partitions[partition];
  }

  broker(brokerId: number): BrokerMetadata | undefined {
    return this.brokers.get(brokerId);
  }

  /** Sorted topic names, as Metadata lists them when asked for all topics. */
  topicNames(): string[] {
    return [...this.topics.keys()].sort();
  }
}

/**
 * What this broker knows about the cluster: brokers and their endpoints, the controller, the cluster id, and each
 * topic's partitions with leader, epoch, replicas and ISR. Read by the Metadata and DescribeCluster handlers, fed
 * by the controller through {@link applyUpdate}.
 *
 * Concurrency: the current {@link MetadataSnapshot} is replaced by a new one in a single assignment, synchronously;
 * a handler takes `snapshot()` once and reads from it, so it sees one consistent view however long it awaits.
 * Invariant: snapshots and everything reachable from them are frozen.
 */
export class MetadataCache {
  #current: MetadataSnapshot = MetadataSnapshot.EMPTY;

  snapshot(): MetadataSnapshot {
    return this.#current;
  }

  applyUpdate(update: MetadataUpdate): void {
    const old = this.#current;
    if (update.kind === 'full') {
      this.#current = new MetadataSnapshot(
        update.clusterId,
        update.controllerId,
        new Map(update.brokers.map((b) => [b.brokerId, freezeBroker(b)])),
        new Map(update.topics.map((t) => [t.name, freezeTopic(t)])),
      );
      return;
    }
    const brokers = new Map(old.brokers);
    for (const id of update.removedBrokerIds ?? []) brokers.delete(id);
    for (const b of update.brokers ?? []) brokers.set(b.brokerId, freezeBroker(b));
    const topics = new Map(old.topics);
    for (const name of update.deletedTopics ?? []) topics.delete(name);
    for (const t of update.topics ?? []) topics.set(t.name, freezeTopic(t));
    this.#current = new MetadataSnapshot(old.clusterId, update.controllerId ?? old.controllerId, brokers, topics);
  }
}

function freezeBroker(b: BrokerMetadata): BrokerMetadata {
  return Object.freeze({ ...b, endpoints: Object.freeze(b.endpoints.map((e) => Object.freeze({ ...e }))) });
}

function freezeTopic(t: TopicMetadata): TopicMetadata {
  const partitions = [...t.partitions].sort((a, b) => a.partition - b.partition);
  partitions.forEach((p, i) => {
    if (p.partition !== i) throw new RangeError(`topic ${t.name}: partitions must be 0..n-1, found ${p.partition}`);
  });
  return Object.freeze({
    ...t,
    partitions: Object.freeze(
      partitions.map((p) =>
        Object.freeze({
          ...p,
          replicas: Object.freeze([...p.replicas]),
          isr: Object.freeze([...p.isr]),
          offlineReplicas: Object.freeze([...p.offlineReplicas]),
        }),
      ),
    ),
  });
}

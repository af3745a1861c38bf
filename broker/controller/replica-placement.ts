import { ErrorCode, KafkaError } from '../../protocol/index.js';

/** A live broker as placement sees it. */
export interface PlacementBroker {
  readonly brokerId: number;
  readonly rack: string | null;
}

/**
 * How racks are used (Kafka's RackAwareMode). `enforced` (CreateTopics, CreatePartitions): racks are used, and a
 * cluster where only some brokers have a rack is refused. `safe` (auto-creation): racks are used only when every
 * broker has one.
 */
export type RackAwareMode = 'enforced' | 'safe';

export interface PlacementOptions {
  /**
   * Where the round robin starts in the broker list and the first follower shift; random when absent (spreading
   * the leaders of many small topics). Growing a topic passes the position of its partition 0's first replica.
   */
  readonly fixedStartIndex?: number;
  /** The id of the first partition to place (growing a topic: its current partition count). Default 0. */
  readonly startPartitionId?: number;
  /** A random integer in [0, bound); Math.random by default (tests pass their own). */
  readonly randomInt?: (bound: number) => number;
}

/**
 * The brokers placement works with, sorted by id, with their racks kept or dropped by `mode` (Kafka's
 * AdminZkClient.getBrokerMetadatas). Enforced mode with racks on only some brokers throws UNKNOWN_SERVER_ERROR
 * with Kafka's message, the answer of Kafka's ZooKeeper-mode broker to that cluster.
 */
export function placementBrokers(brokers: readonly PlacementBroker[], mode: RackAwareMode): PlacementBroker[] {
  const sorted = [...brokers].sort((a, b) => a.brokerId - b.brokerId);
  const withRack = sorted.filter((b) => b.rack !== null).length;
  if (withRack === 0 || withRack === sorted.length) return sorted;
  if (mode === 'enforced') {
    throw new KafkaError(
      ErrorCode.UNKNOWN_SERVER_ERROR,
      'Not all brokers have rack information for replica rack aware assignment.',
    );
  }
  return sorted.map((b) => ({ brokerId: b.brokerId, rack: null }));
}

/**
 * Kafka's AdminUtils.assignReplicasToBrokers: the replicas of `partitions` partitions, by partition id. Goals:
 * spread replicas and leaders evenly over the brokers; spread the followers of one broker's partitions over the
 * other brokers; when every broker has a rack, put each partition's replicas on distinct racks when there are at
 * least as many racks as replicas (otherwise every rack gets at least one).
 *
 * Without racks: the first replica goes round robin over the brokers from the start index; the others follow it
 * at a shift that grows by one each time the round robin wraps, so the same replica sets do not repeat. With racks:
 * the same round robin over a rack-alternated broker list, each further replica taken from the next broker in
 * that list on a rack (and then a broker) that has no replica of the partition yet, until every rack (broker) has
 * one. `brokers` must come from {@link placementBrokers}: sorted, all with racks or none.
 */
export function assignReplicasToBrokers(
  brokers: readonly PlacementBroker[],
  partitions: number,
  replicationFactor: number,
  options: PlacementOptions = {},
): Map<number, number[]> {
  if (partitions <= 0)
    throw new KafkaError(ErrorCode.INVALID_PARTITIONS, 'Number of partitions must be larger than 0.');
  if (replicationFactor <= 0) {
    throw new KafkaError(ErrorCode.INVALID_REPLICATION_FACTOR, 'Replication factor must be larger than 0.');
  }
  if (replicationFactor > brokers.length) {
    throw new KafkaError(
      ErrorCode.INVALID_REPLICATION_FACTOR,
      `Replication factor: ${replicationFactor} larger than available brokers: ${brokers.length}.`,
    );
  }
  const randomInt = options.randomInt ?? ((bound: number) => Math.floor(Math.random() * bound));
  const fixed = options.fixedStartIndex ?? -1;
  const startIndex = fixed >= 0 ? fixed : randomInt(brokers.length);
  const shift = fixed >= 0 ? fixed : randomInt(brokers.length);
  const first = Math.max(0, options.startPartitionId ?? 0);
  return brokers.every((b) => b.rack === null)
    ? rackUnaware(
        brokers.map((b) => b.brokerId),
        partitions,
        replicationFactor,
        startIndex,
        shift,
        first,
      )
    : rackAware(brokers, partitions, replicationFactor, startIndex, shift, first);
}

function rackUnaware(
  ids: readonly number[],
  partitions: number,
  replicationFactor: number,
  startIndex: number,
  initialShift: number,
  firstPartition: number,
): Map<number, number[]> {
  const n = ids.length;
  const result = new Map<number, number[]>();
  let shift = initialShift;
  for (let partition = firstPartition; partition < firstPartition + partitions; partition++) {
    if (partition > 0 && partition % n === 0) shift++;
    const firstReplica = (partition + startIndex) % n;
    const replicas = [ids[firstReplica]!];
    for (let j = 0; j < replicationFactor - 1; j++) replicas.push(ids[followerIndex(firstReplica, shift, j, n)]!);
    result.set(partition, replicas);
  }
  return result;
}

function rackAware(
  brokers: readonly PlacementBroker[],
  partitions: number,
  replicationFactor: number,
  startIndex: number,
  initialShift: number,
  firstPartition: number,
): Map<number, number[]> {
  const rackOf = new Map(brokers.map((b) => [b.brokerId, b.rack!]));
  const numRacks = new Set(rackOf.values()).size;
  const arranged = rackAlternatedBrokers(brokers);
  const n = arranged.length;
  const result = new Map<number, number[]>();
  let shift = initialShift;
  for (let partition = firstPartition; partition < firstPartition + partitions; partition++) {
    if (partition > 0 && partition % n === 0) shift++;
    const firstReplica = (partition + startIndex) % n;
    const leader = arranged[firstReplica]!;
    const replicas = [leader];
    const racksUsed = new Set([rackOf.get(leader)!]);
    const brokersUsed = new Set([leader]);
    let k = 0;
    while (replicas.length < replicationFactor) {
      const broker = arranged[followerIndex(firstReplica, shift * numRacks, k++, n)]!;
      const rack = rackOf.get(broker)!;
      // Skip a broker on a rack that has a replica while another rack has none, and a broker that has a replica
      // while another broker has none.
      const rackOk = !racksUsed.has(rack) || racksUsed.size === numRacks;
      const brokerOk = !brokersUsed.has(broker) || brokersUsed.size === n;
      if (rackOk && brokerOk) {
        replicas.push(broker);
        racksUsed.add(rack);
        brokersUsed.add(broker);
      }
    }
    result.set(partition, replicas);
  }
  return result;
}

/** The j-th follower of the replica at `firstReplica`: never the leader itself, at 1..n-1 places after it. */
function followerIndex(firstReplica: number, shift: number, j: number, n: number): number {
  return (firstReplica + 1 + ((shift + j) % (n - 1))) % n;
}

/**
 * The brokers taken one rack at a time, racks in name order and brokers by id within a rack: racks a: 0,1,2,
 * b: 3,4,5, c: 6,7,8 give 0,3,6,1,4,7,2,5,8, so a round robin over it alternates racks.
 */
function rackAlternatedBrokers(brokers: readonly PlacementBroker[]): number[] {
  const byRack = new Map<string, number[]>();
  for (const b of brokers) {
    const ids = byRack.get(b.rack!) ?? [];
    ids.push(b.brokerId);
    byRack.set(b.rack!, ids);
  }
  const racks = [...byRack.keys()].sort();
  for (const ids of byRack.values()) ids.sort((a, b) => a - b);
  const result: number[] = [];
  for (let round = 0; result.length < brokers.length; round++) {
    for (const rack of racks) {
      const id = byRack.get(rack)![round];
      if (id !== undefined) result.push(id);
    }
  }
  return result;
}

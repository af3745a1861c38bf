import { describe, expect, it } from 'vitest';
import {
  assignReplicasToBrokers,
  type PlacementBroker,
  placementBrokers,
} from '../../../broker/controller/replica-placement.js';
import { ErrorCode, KafkaError } from '../../../protocol/index.js';

const noRacks = (...ids: number[]): PlacementBroker[] => ids.map((brokerId) => ({ brokerId, rack: null }));
const racked = (racks: Record<number, string>): PlacementBroker[] =>
  Object.entries(racks).map(([id, rack]) => ({ brokerId: Number(id), rack }));

/** A seeded generator, so a failing case can be replayed. */
function seeded(seed: number): (bound: number) => number {
  let state = seed >>> 0;
  return (bound) => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state % bound;
  };
}

function asArrays(placement: Map<number, number[]>): number[][] {
  return [...placement.entries()].sort(([a], [b]) => a - b).map(([, replicas]) => replicas);
}

function countBy(values: readonly number[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return counts;
}

function expectKafkaError(run: () => unknown, code: ErrorCode, message: string): void {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(KafkaError);
    expect((err as KafkaError).code).toBe(code);
    expect((err as KafkaError).message).toBe(message);
    return;
  }
  throw new Error('expected a KafkaError');
}

describe('assignReplicasToBrokers without racks', () => {
  it('lays out replicas as Kafka does: leaders round robin, followers at a shift that grows per round', () => {
    // Kafka's AdminUtils example: 5 brokers, 10 partitions, 3 replicas, start 0.
    const placement = assignReplicasToBrokers(noRacks(0, 1, 2, 3, 4), 10, 3, { fixedStartIndex: 0 });
    expect(asArrays(placement)).toEqual([
      [0, 1, 2],
      [1, 2, 3],
      [2, 3, 4],
      [3, 4, 0],
      [4, 0, 1],
      [0, 2, 3],
      [1, 3, 4],
      [2, 4, 0],
      [3, 0, 1],
      [4, 1, 2],
    ]);
  });

  it('continues a layout: partitions added from n go on with the leaders’ round robin', () => {
    const brokers = noRacks(1, 2, 3, 4);
    const all = assignReplicasToBrokers(brokers, 9, 2, { fixedStartIndex: 1 });
    const grown = assignReplicasToBrokers(brokers, 4, 2, { fixedStartIndex: 1, startPartitionId: 5 });
    expect([...grown.keys()]).toEqual([5, 6, 7, 8]);
    for (const [p, replicas] of grown) expect(replicas[0]).toBe(all.get(p)![0]);
    // from a round boundary, the followers' shift lines up too
    const fromRound = assignReplicasToBrokers(brokers, 4, 2, { fixedStartIndex: 1, startPartitionId: 4 });
    const wholeRounds = assignReplicasToBrokers(brokers, 8, 2, { fixedStartIndex: 1 });
    for (const [p, replicas] of fromRound) expect(replicas).toEqual(wholeRounds.get(p));
  });

  it('keeps each partition’s replicas distinct and spreads leaders and replicas evenly, from any start', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const random = seeded(seed);
      const brokerCount = 1 + random(8);
      const ids = Array.from({ length: brokerCount }, (_, i) => 10 + i * 3);
      const rf = 1 + random(brokerCount);
      const rounds = 1 + random(4);
      const partitions = brokerCount * rounds;
      const placement = assignReplicasToBrokers(noRacks(...ids), partitions, rf, { randomInt: random });

      expect(placement.size).toBe(partitions);
      for (const replicas of placement.values()) {
        expect(replicas).toHaveLength(rf);
        expect(new Set(replicas).size).toBe(rf);
        for (const id of replicas) expect(ids).toContain(id);
      }
      // a whole number of rounds: every broker leads, and holds, exactly as many as the others
      const leaders = countBy([...placement.values()].map((r) => r[0]!));
      const holdings = countBy([...placement.values()].flat());
      for (const id of ids) {
        expect(leaders.get(id), `seed ${seed}`).toBe(rounds);
        expect(holdings.get(id), `seed ${seed}`).toBe(rounds * rf);
      }
    }
  });

  it('starts at a random place, so leaders of small topics do not pile up on the first broker', () => {
    const random = seeded(7);
    const leaders = Array.from(
      { length: 60 },
      () => assignReplicasToBrokers(noRacks(0, 1, 2), 1, 1, { randomInt: random }).get(0)![0]!,
    );
    expect(new Set(leaders)).toEqual(new Set([0, 1, 2]));
  });
});

describe('assignReplicasToBrokers with racks', () => {
  it('alternates racks as Kafka does, shifting followers after the first round', () => {
    // Kafka's AdminUtils example: the rack-alternated list is 0, 3, 1, 5, 4, 2.
    const brokers = racked({ 0: 'rack1', 1: 'rack3', 2: 'rack3', 3: 'rack2', 4: 'rack2', 5: 'rack1' });
    const placement = assignReplicasToBrokers(brokers, 7, 3, { fixedStartIndex: 0 });
    expect(asArrays(placement)).toEqual([
      [0, 3, 1],
      [3, 1, 5],
      [1, 5, 4],
      [5, 4, 2],
      [4, 2, 0],
      [2, 0, 3],
      [0, 4, 2],
    ]);
  });

  it('puts every partition’s replicas on distinct racks when there are enough racks', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const random = seeded(seed);
      const rackCount = 1 + random(4);
      const perRack = 1 + random(3);
      const racks: Record<number, string> = {};
      for (let r = 0; r < rackCount; r++) for (let b = 0; b < perRack; b++) racks[r * 10 + b] = `rack-${r}`;
      const brokers = racked(racks);
      const rf = 1 + random(rackCount * perRack);
      const partitions = brokers.length * (1 + random(3));
      const placement = assignReplicasToBrokers(brokers, partitions, rf, { randomInt: random });

      for (const replicas of placement.values()) {
        expect(new Set(replicas).size).toBe(rf);
        const racksUsed = new Set(replicas.map((id) => racks[id]));
        // distinct racks while they last; with more replicas than racks, every rack has one
        expect(racksUsed.size, `seed ${seed}`).toBe(Math.min(rf, rackCount));
      }
      const leaders = countBy([...placement.values()].map((r) => r[0]!));
      const perBroker = partitions / brokers.length;
      for (const { brokerId } of brokers) expect(leaders.get(brokerId), `seed ${seed}`).toBe(perBroker);
    }
  });
});

describe('assignReplicasToBrokers refusals', () => {
  it('refuses a replication factor above the broker count, or below 1, and no partitions', () => {
    expectKafkaError(
      () => assignReplicasToBrokers(noRacks(1, 2), 3, 3),
      ErrorCode.INVALID_REPLICATION_FACTOR,
      'Replication factor: 3 larger than available brokers: 2.',
    );
    expectKafkaError(
      () => assignReplicasToBrokers(noRacks(1, 2), 3, 0),
      ErrorCode.INVALID_REPLICATION_FACTOR,
      'Replication factor must be larger than 0.',
    );
    expectKafkaError(
      () => assignReplicasToBrokers(noRacks(1, 2), 0, 1),
      ErrorCode.INVALID_PARTITIONS,
      'Number of partitions must be larger than 0.',
    );
  });
});

describe('placementBrokers', () => {
  const mixed: PlacementBroker[] = [
    { brokerId: 3, rack: 'a' },
    { brokerId: 1, rack: null },
    { brokerId: 2, rack: 'b' },
  ];

  it('sorts by id and keeps racks when all or none have one', () => {
    expect(placementBrokers(racked({ 2: 'b', 1: 'a' }), 'enforced')).toEqual(racked({ 1: 'a', 2: 'b' }));
    expect(placementBrokers(noRacks(5, 4), 'safe')).toEqual(noRacks(4, 5));
  });

  it('refuses racks on only some brokers when enforced, and drops them when safe', () => {
    expectKafkaError(
      () => placementBrokers(mixed, 'enforced'),
      ErrorCode.UNKNOWN_SERVER_ERROR,
      'Not all brokers have rack information for replica rack aware assignment.',
    );
    expect(placementBrokers(mixed, 'safe')).toEqual(noRacks(1, 2, 3));
  });
});

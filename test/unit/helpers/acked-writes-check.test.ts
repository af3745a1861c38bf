import { describe, expect, it } from 'vitest';
import { checkPartition } from '../../helpers/acked-writes.js';

/** The failover proofs are only as good as their checker: it must see every kind of damage. */
describe('checkPartition (the acked-writes checker)', () => {
  const log = (...values: string[]) => values.map((value, offset) => ({ offset, value }));

  it('passes a log holding every acknowledged value once, in order, with unacknowledged ones among them', () => {
    const check = checkPartition(0, log('0:1', '0:2', '0:4', '0:5'), [1, 2, 5], 6);
    expect(check).toMatchObject({ lost: [], duplicates: [], outOfOrder: [], foreign: [], unackedPresent: 1, read: 4 });
  });

  it('reports a lost acknowledged value', () => {
    expect(checkPartition(0, log('0:1', '0:3'), [1, 2, 3], 3).lost).toEqual([2]);
  });

  it('reports duplicates, acknowledged or not', () => {
    const check = checkPartition(1, log('1:1', '1:2', '1:2', '1:3', '1:1'), [1, 3], 3);
    expect(check.duplicates).toEqual([2, 1]);
    expect(check.lost).toEqual([]);
  });

  it('reports a value below an earlier one', () => {
    expect(checkPartition(2, log('2:1', '2:3', '2:2'), [1, 2, 3], 3).outOfOrder).toEqual(['2@2 after 3']);
  });

  it("reports values of another partition, never sent, or not the writers' at all", () => {
    const check = checkPartition(0, log('0:1', '1:2', '0:9', 'probe', '0:0'), [1], 3);
    expect(check.foreign).toEqual(['1:2@1', '0:9@2', 'probe@3', '0:0@4']);
  });
});

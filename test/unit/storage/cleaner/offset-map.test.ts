import { describe, expect, it } from 'vitest';
import type { KeyDigest } from '../../../../storage/cleaner/offset-map.js';
import {
  DEFAULT_OFFSET_MAP_MEMORY_BYTES,
  OFFSET_MAP_BYTES_PER_ENTRY,
  OffsetMap,
} from '../../../../storage/cleaner/offset-map.js';

const key = (s: string): Buffer => Buffer.from(s);
const fixedKey = Buffer.from('0123456789abcdef');

describe('OffsetMap', () => {
  it('returns -1 for an absent key and the stored offset for a present one', () => {
    const map = new OffsetMap({ memoryBytes: 24 * 1000 });
    expect(map.get(key('a'))).toBe(-1);
    expect(map.put(key('a'), 5)).toBe(true);
    expect(map.put(key('b'), 0)).toBe(true);
    expect(map.get(key('a'))).toBe(5);
    expect(map.get(key('b'))).toBe(0);
    expect(map.get(key('c'))).toBe(-1);
    expect(map.size).toBe(2);
  });

  it('compares keys by content, whatever buffer or range holds them', () => {
    const map = new OffsetMap({ memoryBytes: 24 * 100 });
    const frame = Buffer.from('xxkey-1yy');
    map.put(frame.subarray(2, 7), 42);
    expect(map.get(key('key-1'))).toBe(42);
    expect(map.get(new Uint8Array(Buffer.from('key-1')))).toBe(42);
  });

  it('accepts the empty key and large offsets', () => {
    const map = new OffsetMap({ memoryBytes: 24 * 100 });
    map.put(Buffer.alloc(0), Number.MAX_SAFE_INTEGER - 1);
    expect(map.get(Buffer.alloc(0))).toBe(Number.MAX_SAFE_INTEGER - 1);
  });

  it('overwrites: a later put of the same key replaces its offset without growing', () => {
    const map = new OffsetMap({ memoryBytes: 24 * 100 });
    map.put(key('k'), 1);
    map.put(key('k'), 7);
    expect(map.get(key('k'))).toBe(7);
    expect(map.size).toBe(1);
  });

  it('tracks latestOffset from puts and updateLatestOffset', () => {
    const map = new OffsetMap({ memoryBytes: 24 * 100 });
    expect(map.latestOffset).toBe(-1);
    map.put(key('a'), 3);
    expect(map.latestOffset).toBe(3);
    map.updateLatestOffset(9);
    expect(map.latestOffset).toBe(9);
  });

  it('rejects invalid offsets', () => {
    const map = new OffsetMap({ memoryBytes: 24 * 100 });
    expect(() => map.put(key('a'), -1)).toThrow(RangeError);
    expect(() => map.put(key('a'), 1.5)).toThrow(RangeError);
  });

  it('refuses new keys once full, but still updates present ones', () => {
    const map = new OffsetMap({ memoryBytes: 24 * 11, loadFactor: 0.5 }); // 11 slots, 5 entries
    expect(map.slots).toBe(11);
    expect(map.maxEntries).toBe(5);
    for (let i = 0; i < 5; i++) {
      expect(map.isFull).toBe(false);
      expect(map.put(key(`k${i}`), i)).toBe(true);
    }
    expect(map.isFull).toBe(true);
    expect(map.put(key('new'), 100)).toBe(false);
    expect(map.get(key('new'))).toBe(-1);
    expect(map.size).toBe(5);
    expect(map.latestOffset).toBe(4); // a refused put records nothing
    expect(map.put(key('k2'), 50)).toBe(true);
    expect(map.get(key('k2'))).toBe(50);
    expect(map.utilization).toBeCloseTo(5 / 11);
  });

  it('fills every slot with load factor 1 and still answers misses', () => {
    const map = new OffsetMap({ memoryBytes: 24 * 7, loadFactor: 1, hashKey: fixedKey });
    expect(map.slots).toBe(7);
    for (let i = 0; i < 7; i++) expect(map.put(key(`k${i}`), i)).toBe(true);
    expect(map.isFull).toBe(true);
    for (let i = 0; i < 7; i++) expect(map.get(key(`k${i}`))).toBe(i);
    expect(map.get(key('absent'))).toBe(-1);
    expect(map.put(key('absent'), 9)).toBe(false);
  });

  it('resolves slot collisions: a tiny table holds and finds every key', () => {
    // 13 slots for 12 keys: most keys cannot take their first slot.
    const map = new OffsetMap({ memoryBytes: 24 * 13, loadFactor: 1, hashKey: fixedKey });
    for (let i = 0; i < 12; i++) map.put(key(`key-${i}`), 100 + i);
    for (let i = 0; i < 12; i++) expect(map.get(key(`key-${i}`))).toBe(100 + i);
    expect(map.collisionRate).toBeGreaterThan(0);
  });

  it('agrees with a Map on a large random workload with overwrites', () => {
    const map = new OffsetMap({ memoryBytes: 24 * 20_011 });
    const reference = new Map<string, number>();
    let seed = 12345;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    let refused = 0;
    for (let offset = 0; offset < 50_000; offset++) {
      const k = `user-${random() % 15_000}`;
      if (!map.put(key(k), offset)) refused++;
      reference.set(k, offset);
    }
    expect(refused).toBe(0);
    expect(map.size).toBe(reference.size);
    const wrong = [...reference].filter(([k, offset]) => map.get(key(k)) !== offset);
    expect(wrong).toEqual([]);
    const phantoms = Array.from({ length: 1000 }, (_, i) => `user-${15_000 + i}`).filter((k) => map.get(key(k)) !== -1);
    expect(phantoms).toEqual([]);
    expect(map.latestOffset).toBe(49_999);
  });

  it('aliases keys whose digests collide (the documented trade-off)', () => {
    // A degenerate digest: only the first byte counts, so 'apple' and 'avocado' collide.
    const firstByte: KeyDigest = (k, start, end, out) => {
      out.fill(0);
      out[0] = end > start ? k[start]! : 0;
    };
    const map = new OffsetMap({ memoryBytes: 24 * 100, digest: firstByte });
    map.put(key('apple'), 1);
    map.put(key('banana'), 2);
    map.put(key('avocado'), 3);
    expect(map.size).toBe(2);
    expect(map.get(key('apple'))).toBe(3);
    expect(map.get(key('banana'))).toBe(2);
  });

  it('clear() empties the map for reuse', () => {
    const map = new OffsetMap({ memoryBytes: 24 * 100 });
    for (let i = 0; i < 50; i++) map.put(key(`k${i}`), i);
    map.clear();
    expect(map.size).toBe(0);
    expect(map.latestOffset).toBe(-1);
    expect(map.collisionRate).toBe(0);
    for (let i = 0; i < 50; i++) expect(map.get(key(`k${i}`))).toBe(-1);
    map.put(key('k3'), 70);
    expect(map.get(key('k3'))).toBe(70);
    expect(map.size).toBe(1);
  });

  it('stays within its memory budget', () => {
    for (const budget of [48, 100, 24 * 1000, 1_000_003, 16 * 1024 * 1024]) {
      const map = new OffsetMap({ memoryBytes: budget });
      expect(map.memoryBytes).toBeLessThanOrEqual(budget);
      expect(map.memoryBytes).toBe(map.slots * OFFSET_MAP_BYTES_PER_ENTRY);
      // The prime below budget/24 is close to it: little of the budget goes unused.
      expect(map.slots).toBeGreaterThan(Math.floor(budget / OFFSET_MAP_BYTES_PER_ENTRY) * 0.9 - 2);
    }
    const defaults = new OffsetMap();
    expect(defaults.memoryBytes).toBeLessThanOrEqual(DEFAULT_OFFSET_MAP_MEMORY_BYTES);
    expect(defaults.maxEntries).toBe(Math.floor(defaults.slots * 0.9));
  });

  it('rejects budgets and load factors it cannot honour', () => {
    expect(() => new OffsetMap({ memoryBytes: 47 })).toThrow(RangeError);
    expect(() => new OffsetMap({ memoryBytes: 3 * 1024 * 1024 * 1024 })).toThrow(RangeError);
    expect(() => new OffsetMap({ memoryBytes: 1000, loadFactor: 0 })).toThrow(RangeError);
    expect(() => new OffsetMap({ memoryBytes: 1000, loadFactor: 1.5 })).toThrow(RangeError);
  });
});

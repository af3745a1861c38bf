import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CorruptIndexError, SegmentOffsetOverflowError } from '../../../storage/errors.js';
import { FileHandleCache } from '../../../storage/file-handle-cache.js';
import { OffsetIndex } from '../../../storage/offset-index.js';

let dir: string;
let handles: FileHandleCache;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'samsa-offset-index-'));
  handles = new FileHandleCache(8);
});
afterEach(async () => {
  await handles.close();
  await rm(dir, { recursive: true, force: true });
});

const MAX_INDEX_BYTES = 10 * 1024 * 1024;

async function fresh(baseOffset = 100, maxIndexSize = MAX_INDEX_BYTES, name = '00000000000000000100.index') {
  return OffsetIndex.open(join(dir, name), baseOffset, maxIndexSize, handles, { create: true });
}

describe('OffsetIndex', () => {
  it('looks up the largest entry ≤ the target, (baseOffset, 0) below the first or when empty', async () => {
    const index = await fresh();
    expect(index.lookup(100)).toEqual({ offset: 100, position: 0 });
    expect(index.lookup(5000)).toEqual({ offset: 100, position: 0 });
    index.append(110, 1000);
    index.append(120, 2000);
    index.append(130, 3000);
    expect(index.lookup(100)).toEqual({ offset: 100, position: 0 }); // below the first entry
    expect(index.lookup(109)).toEqual({ offset: 100, position: 0 });
    expect(index.lookup(110)).toEqual({ offset: 110, position: 1000 }); // exact
    expect(index.lookup(119)).toEqual({ offset: 110, position: 1000 }); // between
    expect(index.lookup(120)).toEqual({ offset: 120, position: 2000 });
    expect(index.lookup(130)).toEqual({ offset: 130, position: 3000 }); // last
    expect(index.lookup(10_000)).toEqual({ offset: 130, position: 3000 }); // beyond the last
    expect(index.lastOffset).toBe(130);
    expect(index.entry(1)).toEqual({ offset: 120, position: 2000 });
    expect(() => index.entry(3)).toThrow(RangeError);
  });

  it('finds the right entry by binary search among many', async () => {
    const index = await fresh(0);
    for (let i = 1; i <= 5000; i++) index.append(i * 10, i * 4096);
    for (const target of [0, 9, 10, 11, 25_005, 49_999, 50_000, 60_000]) {
      const expected =
        target < 10
          ? { offset: 0, position: 0 }
          : {
              offset: Math.min(Math.floor(target / 10), 5000) * 10,
              position: Math.min(Math.floor(target / 10), 5000) * 4096,
            };
      expect(index.lookup(target)).toEqual(expected);
    }
    expect(index.fetchUpperBoundOffset(4096, 8192)).toEqual({ offset: 30, position: 12288 });
    expect(index.fetchUpperBoundOffset(5000 * 4096, 1)).toBeNull();
  });

  it("writes Kafka's format byte for byte: int32 relative offset, int32 position, big-endian", async () => {
    const index = await fresh(100);
    index.append(101, 0x10);
    index.append(105, 0x2000);
    index.append(100 + 0x01020304, 0x7fffffff);
    expect((await readFile(index.path)).length).toBe(0); // write-behind: nothing yet
    expect(index.pendingBytes).toBe(24);
    await index.flush();
    expect(index.pendingBytes).toBe(0);
    expect((await readFile(index.path)).toString('hex')).toBe(
      '00000001' + '00000010' + '00000005' + '00002000' + '01020304' + '7fffffff',
    );
  });

  it('loads a file written by Kafka (or by us) and keeps appending after it', async () => {
    const path = join(dir, '00000000000000000050.index');
    await writeFile(path, Buffer.from('0000000a000003e8' + '00000014000007d0', 'hex'));
    const index = await OffsetIndex.open(path, 50, MAX_INDEX_BYTES, handles);
    expect(index.wasMissing).toBe(false);
    expect(index.entries).toBe(2);
    expect(index.lastOffset).toBe(70);
    expect(index.lookup(65)).toEqual({ offset: 60, position: 1000 });
    expect(() => index.sanityCheck()).not.toThrow();
    index.append(80, 3000);
    await index.close();
    expect((await readFile(path)).toString('hex')).toBe('0000000a000003e8' + '00000014000007d0' + '0000001e00000bb8');
  });

  it('creates a missing file empty and says so', async () => {
    const path = join(dir, '00000000000000000000.index');
    const index = await OffsetIndex.open(path, 0, MAX_INDEX_BYTES, handles);
    expect(index.wasMissing).toBe(true);
    expect(index.entries).toBe(0);
    expect((await stat(path)).size).toBe(0);
  });

  it('is full at floor(segment.index.bytes / 8) entries and refuses more', async () => {
    const index = await fresh(0, 8 * 3 + 5);
    expect(index.maxEntries).toBe(3);
    index.append(1, 10);
    index.append(2, 20);
    expect(index.isFull()).toBe(false);
    index.append(3, 30);
    expect(index.isFull()).toBe(true);
    expect(() => index.append(4, 40)).toThrow(/full/);
    expect(index.lookup(4)).toEqual({ offset: 3, position: 30 });
  });

  it('rejects offsets that do not increase or do not fit an int32 relative offset', async () => {
    const index = await fresh(100);
    index.append(110, 100);
    expect(() => index.append(110, 200)).toThrow(RangeError);
    expect(() => index.append(105, 200)).toThrow(RangeError);
    expect(() => index.append(100 + 2 ** 31, 200)).toThrow(SegmentOffsetOverflowError);
    expect(index.canAppendOffset(100 + 2 ** 31 - 1)).toBe(true);
    expect(index.canAppendOffset(99)).toBe(false);
  });

  it('holds memory proportional to its entries, not to segment.index.bytes', async () => {
    const index = await fresh(0, MAX_INDEX_BYTES);
    expect(index.capacityBytes).toBe(0);
    for (let i = 1; i <= 20; i++) index.append(i, i * 100);
    expect(index.capacityBytes).toBeLessThanOrEqual(64 * 8);
    await index.trim();
    expect(index.capacityBytes).toBe(20 * 8);
    expect(index.lookup(20)).toEqual({ offset: 20, position: 2000 });
  });

  it('truncates to an offset: exact entry removed, between keeps the lower, below the first empties', async () => {
    const index = await fresh(0);
    for (const [o, p] of [
      [10, 100],
      [20, 200],
      [30, 300],
      [40, 400],
    ] as const) {
      index.append(o, p);
    }
    await index.flush();
    await index.truncateTo(50); // beyond the last: no effect
    expect(index.entries).toBe(4);
    await index.truncateTo(30); // exact: 30 goes
    expect(index.entries).toBe(2);
    expect(index.lastOffset).toBe(20);
    expect((await stat(index.path)).size).toBe(16);
    await index.truncateTo(15); // between: keep 10
    expect(index.entries).toBe(1);
    expect(index.lastOffset).toBe(10);
    index.append(12, 150);
    await index.truncateTo(5); // below the first: empty
    expect(index.entries).toBe(0);
    expect(index.lastOffset).toBe(0);
    expect((await stat(index.path)).size).toBe(0);
    index.append(3, 30);
    await index.flush();
    expect((await readFile(index.path)).toString('hex')).toBe('000000030000001e');
  });

  it('reset empties memory and file', async () => {
    const index = await fresh(0);
    index.append(1, 10);
    await index.flush();
    await index.reset();
    expect(index.entries).toBe(0);
    expect(index.lastOffset).toBe(0);
    expect((await stat(index.path)).size).toBe(0);
  });

  it('sanityCheck rejects garbage: a partial entry, decreasing offsets or positions', async () => {
    const check = async (hex: string): Promise<unknown> => {
      const path = join(dir, `${hex.length}-${hex.slice(0, 8)}.index`);
      await writeFile(path, Buffer.from(hex, 'hex'));
      const index = await OffsetIndex.open(path, 0, MAX_INDEX_BYTES, handles);
      try {
        index.sanityCheck();
        return null;
      } catch (err) {
        return err;
      }
    };
    expect(await check('0000000100000010')).toBeNull();
    expect(await check('000000010000001000')).toBeInstanceOf(CorruptIndexError); // 9 bytes
    expect(await check('0000000500000010' + '0000000300000020')).toBeInstanceOf(CorruptIndexError);
    expect(await check('0000000100000010' + '0000000300000008')).toBeInstanceOf(CorruptIndexError);
    expect(await check('ffffffff00000010')).toBeInstanceOf(CorruptIndexError); // last offset < base
    expect(await check('00'.repeat(64))).toBeInstanceOf(CorruptIndexError); // preallocated zeros
    const err = (await check('0000000100')) as CorruptIndexError;
    expect(err.file).toMatch(/\.index$/);
  });

  it('renames and deletes its file', async () => {
    const index = await fresh(100);
    index.append(101, 1);
    const renamed = join(dir, '00000000000000000100.index.deleted');
    await index.renameTo(renamed);
    expect(index.path).toBe(renamed);
    await index.flush();
    expect((await stat(renamed)).size).toBe(8);
    expect(await index.deleteIfExists()).toBe(true);
    expect(await index.deleteIfExists()).toBe(false);
  });
});

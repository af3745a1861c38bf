import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CorruptIndexError } from '../../../storage/errors.js';
import { FileHandleCache } from '../../../storage/file-handle-cache.js';
import { TimeIndex } from '../../../storage/time-index.js';

let dir: string;
let handles: FileHandleCache;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'samsa-time-index-'));
  handles = new FileHandleCache(8);
});
afterEach(async () => {
  await handles.close();
  await rm(dir, { recursive: true, force: true });
});

const T0 = 1_700_000_000_000;
const MAX_INDEX_BYTES = 10 * 1024 * 1024;

async function fresh(baseOffset = 0, maxIndexSize = MAX_INDEX_BYTES): Promise<TimeIndex> {
  return TimeIndex.open(join(dir, `${baseOffset}.timeindex`), baseOffset, maxIndexSize, handles, { create: true });
}

describe('TimeIndex', () => {
  it('looks up the largest timestamp ≤ the target, (-1, baseOffset) below the first or when empty', async () => {
    const index = await fresh(100);
    expect(index.lookup(T0)).toEqual({ timestamp: -1, offset: 100 });
    expect(index.lastEntry).toEqual({ timestamp: -1, offset: 100 });
    index.maybeAppend(T0 + 10, 110);
    index.maybeAppend(T0 + 20, 120);
    index.maybeAppend(T0 + 30, 130);
    expect(index.lookup(T0)).toEqual({ timestamp: -1, offset: 100 });
    expect(index.lookup(T0 + 10)).toEqual({ timestamp: T0 + 10, offset: 110 });
    expect(index.lookup(T0 + 25)).toEqual({ timestamp: T0 + 20, offset: 120 });
    expect(index.lookup(T0 + 30)).toEqual({ timestamp: T0 + 30, offset: 130 });
    expect(index.lookup(T0 + 1_000_000)).toEqual({ timestamp: T0 + 30, offset: 130 });
    expect(index.lastEntry).toEqual({ timestamp: T0 + 30, offset: 130 });
  });

  it('appends only when the timestamp grows, and rejects going backwards', async () => {
    const index = await fresh(0);
    index.maybeAppend(T0, 5);
    index.maybeAppend(T0, 7); // same timestamp: ignored
    expect(index.entries).toBe(1);
    index.maybeAppend(T0 + 1, 7);
    expect(index.entries).toBe(2);
    index.maybeAppend(T0 + 1, 7); // same entry again (roll or close): ignored
    expect(index.entries).toBe(2);
    expect(() => index.maybeAppend(T0 - 1, 8)).toThrow(RangeError); // timestamp going back
    expect(() => index.maybeAppend(T0 + 5, 6)).toThrow(RangeError); // offset going back
    expect(index.entries).toBe(2);
    const empty = await fresh(10);
    empty.maybeAppend(-1, 10); // no timestamp (-1) is never indexed
    expect(empty.entries).toBe(0);
  });

  it("writes Kafka's format byte for byte: int64 timestamp, int32 relative offset, big-endian", async () => {
    const index = await fresh(1000);
    index.maybeAppend(T0, 1005);
    index.maybeAppend(T0 + 123, 1000 + 0x10203);
    await index.flush();
    expect((await readFile(index.path)).toString('hex')).toBe(
      '0000018bcfe56800' + '00000005' + '0000018bcfe5687b' + '00010203',
    );
    const reloaded = await TimeIndex.open(index.path, 1000, MAX_INDEX_BYTES, handles);
    expect(reloaded.entries).toBe(2);
    expect(reloaded.lastEntry).toEqual({ timestamp: T0 + 123, offset: 1000 + 0x10203 });
    expect(reloaded.lookup(T0 + 100)).toEqual({ timestamp: T0, offset: 1005 });
    expect(() => reloaded.sanityCheck()).not.toThrow();
  });

  it('reserves the last slot: full one entry early, except with skipFullCheck (roll and close)', async () => {
    const index = await fresh(0, 12 * 3);
    expect(index.maxEntries).toBe(3);
    index.maybeAppend(T0 + 1, 1);
    index.maybeAppend(T0 + 2, 2);
    expect(index.isFull()).toBe(true);
    expect(() => index.maybeAppend(T0 + 3, 3)).toThrow(/full/);
    index.maybeAppend(T0 + 3, 3, true);
    expect(index.entries).toBe(3);
  });

  it('truncates by offset, Kafka style', async () => {
    const index = await fresh(0);
    index.maybeAppend(T0 + 1, 10);
    index.maybeAppend(T0 + 2, 20);
    index.maybeAppend(T0 + 3, 30);
    await index.flush();
    await index.truncateTo(20);
    expect(index.entries).toBe(1);
    expect(index.lastEntry).toEqual({ timestamp: T0 + 1, offset: 10 });
    expect((await stat(index.path)).size).toBe(12);
    await index.truncateTo(0);
    expect(index.entries).toBe(0);
    expect(index.lastEntry).toEqual({ timestamp: -1, offset: 0 });
    index.maybeAppend(T0, 4);
    expect(index.entries).toBe(1);
  });

  it('sanityCheck rejects garbage', async () => {
    const check = async (hex: string): Promise<unknown> => {
      const path = join(dir, `${hex.length}-${hex.slice(-8)}.timeindex`);
      await writeFile(path, Buffer.from(hex, 'hex'));
      const index = await TimeIndex.open(path, 0, MAX_INDEX_BYTES, handles);
      try {
        index.sanityCheck();
        return null;
      } catch (err) {
        return err;
      }
    };
    const entry = (ts: number, rel: number): string =>
      ts.toString(16).padStart(16, '0') + (rel >>> 0).toString(16).padStart(8, '0');
    expect(await check(entry(T0, 1) + entry(T0 + 5, 1))).toBeNull();
    expect(await check(entry(T0, 1) + '00')).toBeInstanceOf(CorruptIndexError); // 13 bytes
    expect(await check(entry(T0 + 5, 1) + entry(T0, 2))).toBeInstanceOf(CorruptIndexError); // time goes back
    expect(await check(entry(T0, 5) + entry(T0 + 1, 2))).toBeInstanceOf(CorruptIndexError); // offset goes back
    expect(await check(entry(T0, -1))).toBeInstanceOf(CorruptIndexError); // below the base offset
    expect(await check('00'.repeat(36))).toBeInstanceOf(CorruptIndexError); // preallocated zeros
    expect(await check('ff'.repeat(12))).toBeInstanceOf(CorruptIndexError);
  });
});

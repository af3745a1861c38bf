import { mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  buildCompressedRecordBatch,
  buildRecordBatch,
  CompressionType,
  RecordBatchView,
} from '../../../protocol/records/index.js';
import { MockClock } from '../../../storage/clock.js';
import { CorruptIndexError, SegmentOffsetOverflowError, StorageIoError } from '../../../storage/errors.js';
import { FileHandleCache } from '../../../storage/file-handle-cache.js';
import { NODE_FILE_IO } from '../../../storage/file-records.js';
import type { LogConfig } from '../../../storage/log-config.js';
import { logConfigFrom } from '../../../storage/log-config.js';
import type { LogSegmentOptions } from '../../../storage/segment.js';
import { LogSegment } from '../../../storage/segment.js';
import {
  CLEANED_FILE_SUFFIX,
  offsetFromFileName,
  parseSegmentFileName,
  segmentFileName,
  SWAP_FILE_SUFFIX,
} from '../../../storage/segment-files.js';

let dir: string;
let handles: FileHandleCache;
let clock: MockClock;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'samsa-segment-'));
  handles = new FileHandleCache(16);
  clock = new MockClock(1_700_000_000_000);
});
afterEach(async () => {
  await handles.close();
  await rm(dir, { recursive: true, force: true });
});

const T0 = 1_600_000_000_000;

/** `count` records from `baseOffset`; record i has timestamp T0 + (offset * 10) unless given. */
function batch(
  baseOffset: number,
  count = 1,
  options: { valueSize?: number; timestamp?: (o: number) => number } = {},
): Buffer {
  const ts = options.timestamp ?? ((o: number) => T0 + o * 10);
  return buildRecordBatch(
    Array.from({ length: count }, (_, i) => ({
      key: `key-${String(baseOffset + i).padStart(8, '0')}`,
      value: Buffer.alloc(options.valueSize ?? 50, 0x61 + ((baseOffset + i) % 26)),
      timestamp: ts(baseOffset + i),
    })),
    { baseOffset, partitionLeaderEpoch: 7 },
  );
}

function config(overrides: Record<string, string> = {}): LogConfig {
  return logConfigFrom({ 'index.interval.bytes': '300', ...overrides });
}

async function create(baseOffset = 0, cfg = config(), options: LogSegmentOptions = {}): Promise<LogSegment> {
  return LogSegment.create(dir, baseOffset, cfg, clock, handles, options);
}

/** Appends each batch as its own append, as the Log does; returns the batches. */
async function appendAll(segment: LogSegment, batches: Buffer[]): Promise<Buffer[]> {
  for (const b of batches) {
    const v = new RecordBatchView(b);
    await segment.append(v.lastOffset, v.maxTimestamp, v.lastOffset, b);
  }
  return batches;
}

/** 20 batches of 5 records each, offsets base..base+99. */
function hundredRecords(base = 0): Buffer[] {
  return Array.from({ length: 20 }, (_, i) => batch(base + i * 5, 5));
}

function offsetsIn(records: Buffer): number[] {
  const out: number[] = [];
  let p = 0;
  while (p < records.length) {
    const v = new RecordBatchView(records, p);
    for (let o = v.baseOffset; o <= v.lastOffset; o++) out.push(o);
    p += v.sizeInBytes;
  }
  return out;
}

describe('segment file names', () => {
  it("are Kafka's 20-digit base offsets with suffixes", () => {
    expect(segmentFileName(0, '.log')).toBe('00000000000000000000.log');
    expect(segmentFileName(1234, '.timeindex.swap')).toBe('00000000000000001234.timeindex.swap');
    expect(() => segmentFileName(-1, '.log')).toThrow(RangeError);
    expect(parseSegmentFileName('00000000000000001234.log')).toEqual({
      baseOffset: 1234,
      kind: '.log',
      extraSuffix: '',
    });
    expect(parseSegmentFileName('00000000000000000007.index.deleted')).toEqual({
      baseOffset: 7,
      kind: '.index',
      extraSuffix: '.deleted',
    });
    expect(parseSegmentFileName('00000000000000000007.timeindex.cleaned')?.extraSuffix).toBe('.cleaned');
    expect(parseSegmentFileName('00000000000000000007.log.swap')?.extraSuffix).toBe('.swap');
    expect(parseSegmentFileName('0007.log')).toBeNull();
    expect(parseSegmentFileName('00000000000000000007.snapshot')).toBeNull();
    expect(parseSegmentFileName('recovery-point-offset-checkpoint')).toBeNull();
    expect(offsetFromFileName('00000000000000000042.index')).toBe(42);
  });
});

describe('LogSegment', () => {
  it('starts empty with its three files', async () => {
    const segment = await create(40);
    expect(segment.size).toBe(0);
    expect(await segment.readNextOffset()).toBe(40);
    expect(await segment.read(40, 1000)).toBeNull();
    expect(segment.maxTimestampSoFar).toBe(-1);
    expect(segment.indexNeedsRebuild).toBe(false);
    expect((await readdir(dir)).sort()).toEqual([
      '00000000000000000040.index',
      '00000000000000000040.log',
      '00000000000000000040.timeindex',
    ]);
    expect(segment.log.pinned).toBe(true);
    await segment.close();
  });

  it('appends and reads whole batches', async () => {
    const segment = await create();
    const batches = await appendAll(segment, hundredRecords());
    const all = Buffer.concat(batches);
    expect(segment.size).toBe(all.length);
    expect(await segment.readNextOffset()).toBe(100);

    const everything = await segment.read(0, 1 << 20);
    expect(everything!.records).toEqual(all);
    expect(everything!.position).toBe(0);

    // starting mid-batch returns the batch holding the offset, from its start
    const mid = await segment.read(37, 1 << 20);
    expect(mid!.position).toBe(batches[0]!.length * 7);
    expect(offsetsIn(mid!.records)[0]).toBe(35);

    // maxSize cuts at a batch boundary, never inside a batch
    const size = batches[0]!.length;
    const limited = await segment.read(0, size * 2 + Math.floor(size / 2));
    expect(offsetsIn(limited!.records)).toEqual([...Array(10).keys()]);

    // maxSize below one batch: nothing, unless minOneBatch
    expect((await segment.read(0, 10))!.records.length).toBe(0);
    expect((await segment.read(0, 10, segment.size, true))!.records).toEqual(batches[0]);

    // maxPosition: nothing at or after it
    const bounded = await segment.read(0, 1 << 20, size * 3);
    expect(offsetsIn(bounded!.records)).toHaveLength(15);

    expect(await segment.read(100, 1000)).toBeNull();
    await segment.close();
  });

  it('reads the same far past the index entry, with batches larger than a read, and up to maxPosition', async () => {
    // A sparse index: the lookup lands at 0 and the target is beyond read()'s first read, so the header scan runs.
    const segment = await create(0, config({ 'index.interval.bytes': String(64 << 20) }));
    const small = await appendAll(
      segment,
      Array.from({ length: 400 }, (_, i) => batch(i * 5, 5, { valueSize: 200 })),
    );
    const positionOf = (n: number): number => small.slice(0, n).reduce((sum, b) => sum + b.length, 0);

    const far = await segment.read(1_801, 10_000);
    expect(far!.position).toBe(positionOf(360));
    expect(offsetsIn(far!.records)[0]).toBe(1_800);
    expect(far!.records).toEqual(Buffer.concat(small.slice(360, 360 + Math.floor(10_000 / small[0]!.length))));

    // the batch found starts at or after maxPosition: nothing, at that batch's position
    const bounded = await segment.read(50, 1 << 20, positionOf(10));
    expect(bounded).toEqual({ records: Buffer.alloc(0), position: positionOf(10) });
    expect(await segment.read(2_000, 1000)).toBeNull();
    await segment.close();

    // minOneBatch returns a first batch larger than maxSize plus the search margin whole, and nothing after it
    const indexed = await create(5_000);
    const big = await appendAll(indexed, [batch(5_000, 5), batch(5_005, 2, { valueSize: 100_000 }), batch(5_007, 1)]);
    const whole = await indexed.read(5_006, 10, indexed.size, true);
    expect(whole).toEqual({ records: big[1], position: big[0]!.length });
    expect((await indexed.read(5_006, 10))!.records.length).toBe(0);
    expect((await indexed.read(5_006, 1 << 20))!.records).toEqual(Buffer.concat(big.slice(1)));
    await indexed.close();
  });

  it('reads past a previous batch larger than a read, whole, into a scratch buffer when it fits', async () => {
    // every batch is indexed, so the lookup for the next batch's first offset lands on the whole previous batch
    const segment = await create();
    const big = await appendAll(segment, [
      batch(0, 3, { valueSize: 100_000 }),
      batch(3, 3, { valueSize: 100_000 }),
      batch(6, 3, { valueSize: 100_000 }),
    ]);
    // Buffer.equals: deep equality on 300 KB buffers is slow
    for (const scratch of [undefined, Buffer.alloc(1 << 20), Buffer.alloc(100_000)]) {
      const second = await segment.read(3, 1000, segment.size, true, scratch);
      expect(second!.position).toBe(big[0]!.length);
      expect(second!.records.equals(big[1]!)).toBe(true);
      expect(second!.records.buffer === scratch?.buffer).toBe(scratch !== undefined && scratch.length > big[1]!.length);
      expect((await segment.read(6, 1 << 20, segment.size, true, scratch))!.records.equals(big[2]!)).toBe(true);
      expect((await segment.read(4, 1000, segment.size, false, scratch))!.records.length).toBe(0);
    }
    await segment.close();
  });

  it('reads a batch that the read after a large previous batch cut short into the scratch buffer, moved to its start', async () => {
    // a follower fetching from the end of the leader's last batch: the lookup lands on that whole batch
    const segment = await create();
    const big = await appendAll(segment, [
      batch(0, 1, { valueSize: 1000 }),
      batch(1, 3, { valueSize: 200_000 }),
      batch(4, 3, { valueSize: 200_000 }),
    ]);
    const scratch = Buffer.alloc(1 << 20);
    const read = await segment.read(4, 1 << 20, segment.size, true, scratch);
    expect(read!.position).toBe(big[0]!.length + big[1]!.length);
    expect(read!.records.equals(big[2]!)).toBe(true);
    expect(read!.records.buffer).toBe(scratch.buffer);
    expect(read!.records.byteOffset).toBe(0);
    await segment.close();
  });

  it('steps over an indexed batch that ends before the offset wanted by reading its length only', async () => {
    // a follower fetching from the end of the leader's log: the entry below its offset is the previous batch
    const segment = await create();
    const big = await appendAll(segment, [
      batch(0, 1, { valueSize: 1000 }),
      batch(1, 3, { valueSize: 200_000 }),
      batch(4, 3, { valueSize: 200_000 }),
    ]);
    let bytesRead = 0;
    const read = segment.log.read.bind(segment.log);
    vi.spyOn(segment.log, 'read').mockImplementation(async (position, size) => {
      const bytes = await read(position, size);
      bytesRead += bytes.length;
      return bytes;
    });
    const result = await segment.read(4, 1 << 20, segment.size, true);
    expect(result!.position).toBe(big[0]!.length + big[1]!.length);
    expect(result!.records.equals(big[2]!)).toBe(true);
    // the previous 600 KB batch was not read: only its 12-byte header and the batch returned
    expect(bytesRead).toBe(12 + big[2]!.length);
    await segment.close();
  });

  it('reads small indexed batches before the offset wanted in its one read, without a header read first', async () => {
    const segment = await create(0, config({ 'index.interval.bytes': '600' }));
    const small = await appendAll(
      segment,
      [0, 1, 2, 3].map((offset) => batch(offset, 1, { valueSize: 500 })),
    );
    // the entry below offset 3 is a batch that ends before it
    expect(segment.offsetIndex.lookup(3).offset).toBeLessThan(3);
    expect(segment.offsetIndex.lookup(3).position).toBeGreaterThan(0);
    const reads = vi.spyOn(segment.log, 'read');
    const result = await segment.read(3, 1 << 20, segment.size, true);
    expect(result!.records.equals(small[3]!)).toBe(true);
    expect(reads).toHaveBeenCalledTimes(1);
    await segment.close();
  });

  it('adds index entries at batch boundaries every index.interval.bytes, never for the first batch', async () => {
    const segment = await create(1000, config({ 'index.interval.bytes': '500' }));
    const batches = await appendAll(segment, hundredRecords(1000));
    // Kafka 3.x: before each batch, if more than index.interval.bytes were appended since the last entry,
    // index (that batch's last offset → its position)
    const expected: { offset: number; position: number }[] = [];
    let position = 0;
    let since = 0;
    for (const b of batches) {
      const v = new RecordBatchView(b);
      if (since > 500) {
        expected.push({ offset: v.lastOffset, position });
        since = 0;
      }
      position += b.length;
      since += b.length;
    }
    expect(expected.length).toBeGreaterThan(3);
    const index = segment.offsetIndex;
    expect(Array.from({ length: index.entries }, (_, n) => index.entry(n))).toEqual(expected);
    expect(index.lookup(1000)).toEqual({ offset: 1000, position: 0 });
    const timeEntries = Array.from({ length: segment.timeIndex.entries }, (_, n) => segment.timeIndex.entry(n));
    expect(timeEntries).toEqual(expected.map((e) => ({ timestamp: T0 + e.offset * 10, offset: e.offset })));
    await segment.flush();
    const hex = (await readFile(segment.offsetIndexFile)).toString('hex');
    expect(hex).toBe(
      expected
        .map((e) => (e.offset - 1000).toString(16).padStart(8, '0') + e.position.toString(16).padStart(8, '0'))
        .join(''),
    );
    await segment.close();
  });

  it('translates offsets through the index and a header scan', async () => {
    const segment = await create();
    const batches = await appendAll(segment, hundredRecords());
    const size = batches[0]!.length;
    for (const offset of [0, 4, 5, 42, 99]) {
      const found = await segment.translateOffset(offset);
      const n = Math.floor(offset / 5);
      expect(found).toEqual({ offset: n * 5 + 4, baseOffset: n * 5, position: n * size, size });
    }
    expect(await segment.translateOffset(100)).toBeNull();
    expect(await segment.translateOffset(10, size * 5)).toMatchObject({ baseOffset: 25 }); // startingPosition wins
    await segment.close();
  });

  it('finds offsets by timestamp at record level, via the time index', async () => {
    const segment = await create();
    await appendAll(segment, hundredRecords()); // offset o has timestamp T0 + 10 o
    expect(await segment.findOffsetByTimestamp(T0)).toEqual({ timestamp: T0, offset: 0, leaderEpoch: 7 });
    expect(await segment.findOffsetByTimestamp(T0 - 5000)).toEqual({ timestamp: T0, offset: 0, leaderEpoch: 7 });
    expect(await segment.findOffsetByTimestamp(T0 + 423)).toEqual({ timestamp: T0 + 430, offset: 43, leaderEpoch: 7 });
    expect(await segment.findOffsetByTimestamp(T0 + 990)).toMatchObject({ offset: 99 });
    expect(await segment.findOffsetByTimestamp(T0 + 991)).toBeNull();
    expect(await segment.findOffsetByTimestamp(T0 + 100, 50)).toMatchObject({ offset: 50, timestamp: T0 + 500 });
    expect(segment.maxTimestampSoFar).toBe(T0 + 990);
    expect(segment.offsetOfMaxTimestampSoFar).toBe(99);
    expect(segment.largestTimestamp).toBe(T0 + 990);
    await segment.close();
  });

  it('finds offsets by timestamp inside compressed batches, with out-of-order timestamps', async () => {
    const segment = await create(10);
    const stamps = [T0 + 50, T0 + 10, T0 + 40, T0 + 30];
    const compressed = await buildCompressedRecordBatch(
      stamps.map((timestamp, i) => ({ value: `v${i}`, timestamp })),
      { baseOffset: 10, compression: CompressionType.Gzip },
    );
    await appendAll(segment, [compressed]);
    expect(await segment.findOffsetByTimestamp(T0 + 20)).toMatchObject({ offset: 10, timestamp: T0 + 50 });
    expect(await segment.findOffsetByTimestamp(T0 + 20, 11)).toMatchObject({ offset: 12, timestamp: T0 + 40 });
    expect(await segment.findOffsetByTimestamp(T0 + 35, 13)).toBeNull();
    await segment.close();
  });

  it('rejects offsets that overflow the int32 relative offset', async () => {
    const segment = await create(100);
    const far = batch(100 + 2 ** 31);
    await expect(segment.append(100 + 2 ** 31, T0, 100 + 2 ** 31, far)).rejects.toBeInstanceOf(
      SegmentOffsetOverflowError,
    );
    await expect(segment.append(99, T0, 99, batch(99))).rejects.toBeInstanceOf(SegmentOffsetOverflowError);
    expect(segment.size).toBe(0);
    await segment.close();
  });

  it('survives a failed write: StorageIoError, nothing visible, the next append works', async () => {
    let fail = false;
    const segment = await create(0, config(), {
      io: {
        writev: async (h, buffers, position) => {
          if (!fail) return NODE_FILE_IO.writev(h, buffers, position);
          await NODE_FILE_IO.writev(h, [buffers[0]!.subarray(0, 20)], position);
          throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
        },
      },
    });
    const first = await appendAll(segment, hundredRecords().slice(0, 10));
    const entries = segment.offsetIndex.entries;
    fail = true;
    const err = await appendAll(segment, [batch(50, 5)]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageIoError);
    expect((err as StorageIoError).code).toBe('ENOSPC');
    expect(segment.size).toBe(Buffer.concat(first).length);
    expect((await stat(segment.logFile)).size).toBe(segment.size);
    expect(segment.offsetIndex.entries).toBe(entries);
    expect(await segment.readNextOffset()).toBe(50);
    fail = false;
    await appendAll(segment, [batch(50, 5)]);
    expect(await segment.readNextOffset()).toBe(55);
    expect(offsetsIn((await segment.read(45, 1 << 20))!.records)).toEqual([45, 46, 47, 48, 49, 50, 51, 52, 53, 54]);
    await segment.close();
  });

  it('reopens after close with the same indexes, max timestamp and next offset', async () => {
    const segment = await create(200);
    await appendAll(segment, hundredRecords(200));
    const entries = segment.offsetIndex.entries;
    await segment.close();
    const reopened = await LogSegment.open(dir, 200, config(), clock, handles);
    expect(reopened.indexNeedsRebuild).toBe(false);
    expect(() => reopened.sanityCheck()).not.toThrow();
    expect(reopened.offsetIndex.entries).toBe(entries);
    expect(reopened.maxTimestampSoFar).toBe(T0 + 2990);
    expect(reopened.offsetOfMaxTimestampSoFar).toBe(299);
    expect(reopened.log.pinned).toBe(false);
    expect(await reopened.readNextOffset()).toBe(300);
    expect(reopened.rollingBasedTimestamp).toBe(T0 + 2040); // first batch's max timestamp
    expect(offsetsIn((await reopened.read(250, 1 << 20))!.records)[0]).toBe(250);
    await reopened.close();
  });

  it('recovers a torn tail: truncates at the last whole batch and rebuilds the same indexes', async () => {
    const segment = await create();
    const batches = await appendAll(segment, hundredRecords());
    await segment.close();
    const indexBefore = await readFile(join(dir, segmentFileName(0, '.index')));
    const whole = Buffer.concat(batches.slice(0, 19)).length;
    await truncate(join(dir, segmentFileName(0, '.log')), whole + 30);

    const reopened = await LogSegment.open(dir, 0, config(), clock, handles);
    expect(await reopened.recover(1_000_000)).toBe(30);
    expect(reopened.size).toBe(whole);
    expect((await stat(reopened.logFile)).size).toBe(whole);
    expect(await reopened.readNextOffset()).toBe(95);
    const rebuilt = await readFile(reopened.offsetIndexFile);
    // the same entries as when appending, minus any for the lost batch
    expect(indexBefore.subarray(0, rebuilt.length)).toEqual(rebuilt);
    expect(rebuilt.length).toBeGreaterThanOrEqual(indexBefore.length - 8);
    expect(reopened.maxTimestampSoFar).toBe(T0 + 940);
    expect(reopened.timeIndex.lastEntry).toEqual({ timestamp: T0 + 940, offset: 94 });
    await reopened.close();
  });

  it('recovers a flipped byte: everything from the corrupt batch on is cut', async () => {
    const segment = await create();
    const batches = await appendAll(segment, hundredRecords());
    await segment.close();
    const path = join(dir, segmentFileName(0, '.log'));
    const bytes = await readFile(path);
    const at = Buffer.concat(batches.slice(0, 12)).length + 70; // inside batch 12's records
    bytes[at] = bytes[at]! ^ 0x20;
    await writeFile(path, bytes);
    const reopened = await LogSegment.open(dir, 0, config(), clock, handles);
    const truncated = await reopened.recover();
    expect(truncated).toBe(Buffer.concat(batches.slice(12)).length);
    expect(await reopened.readNextOffset()).toBe(60);
    expect(offsetsIn((await reopened.read(0, 1 << 20))!.records)).toEqual([...Array(60).keys()]);
    // appends continue after recovery
    await appendAll(reopened, [batch(60, 5)]);
    expect(await reopened.readNextOffset()).toBe(65);
    await reopened.close();
  });

  it.each([
    ['a length below the minimum', (b: Buffer, at: number) => b.writeInt32BE(10, at + 8)],
    ['a huge length', (b: Buffer, at: number) => b.writeInt32BE(0x7ffffff0, at + 8)],
    ['a wrong magic', (b: Buffer, at: number) => b.writeInt8(1, at + 16)],
    ['offsets going backwards', (b: Buffer, at: number) => b.writeInt32BE(0, at + 4)],
  ])('recovers from %s by truncating there', async (_name, damage) => {
    const segment = await create();
    const batches = await appendAll(segment, hundredRecords());
    await segment.close();
    const path = join(dir, segmentFileName(0, '.log'));
    const bytes = await readFile(path);
    const at = Buffer.concat(batches.slice(0, 5)).length;
    damage(bytes, at);
    await writeFile(path, bytes);
    const reopened = await LogSegment.open(dir, 0, config(), clock, handles);
    await reopened.recover(1_048_588);
    expect(reopened.size).toBe(at);
    expect(await reopened.readNextOffset()).toBe(25);
    await reopened.close();
  });

  it('rebuilds a garbage index: sanityCheck fails, recover() fixes it, every offset is readable', async () => {
    const segment = await create();
    await appendAll(segment, hundredRecords());
    await segment.close();
    await writeFile(join(dir, segmentFileName(0, '.index')), Buffer.from('garbage in the offset index!'));
    await writeFile(join(dir, segmentFileName(0, '.timeindex')), Buffer.alloc(120, 0xff));
    const reopened = await LogSegment.open(dir, 0, config(), clock, handles);
    expect(() => reopened.sanityCheck()).toThrow(CorruptIndexError);
    expect(await reopened.recover()).toBe(0);
    expect(() => reopened.sanityCheck()).not.toThrow();
    for (let offset = 0; offset < 100; offset++) {
      const read = await reopened.read(offset, 1, reopened.size, true);
      expect(offsetsIn(read!.records)).toContain(offset);
    }
    expect(await reopened.findOffsetByTimestamp(T0 + 555)).toMatchObject({ offset: 56 });
    await reopened.close();
  });

  it('flags missing index files and an index pointing past the log', async () => {
    const segment = await create();
    await appendAll(segment, hundredRecords());
    await segment.close();
    await rm(join(dir, segmentFileName(0, '.index')));
    const missing = await LogSegment.open(dir, 0, config(), clock, handles);
    expect(missing.indexNeedsRebuild).toBe(true);
    await missing.recover();
    expect(missing.indexNeedsRebuild).toBe(false);
    expect(missing.offsetIndex.entries).toBeGreaterThan(0);
    await missing.close();

    await truncate(join(dir, segmentFileName(0, '.log')), 500);
    const short = await LogSegment.open(dir, 0, config(), clock, handles);
    expect(() => short.sanityCheck()).toThrow(/beyond the log/);
    await short.close();
  });

  it('truncates to an offset: whole batches, indexes and max timestamp follow', async () => {
    const segment = await create();
    const batches = await appendAll(segment, hundredRecords());
    const size = batches[0]!.length;
    expect(await segment.truncateTo(100)).toBe(0); // past the end
    expect(await segment.truncateTo(52)).toBe(size * 10); // batch 50..54 goes entirely
    expect(segment.size).toBe(size * 10);
    expect(await segment.readNextOffset()).toBe(50);
    expect(segment.offsetIndex.lastOffset).toBeLessThan(50);
    expect(segment.timeIndex.lastEntry.offset).toBeLessThan(50);
    expect(segment.maxTimestampSoFar).toBe(T0 + 490);
    expect(segment.offsetOfMaxTimestampSoFar).toBe(49);
    await appendAll(segment, [batch(50, 5)]);
    expect(await segment.readNextOffset()).toBe(55);
    clock.advance(1000);
    expect(await segment.truncateTo(0)).toBe(size * 11);
    expect(segment.size).toBe(0);
    expect(segment.createdMs).toBe(clock.nowMs());
    expect(segment.rollingBasedTimestamp).toBeNull();
    expect(segment.offsetIndex.entries).toBe(0);
    expect((await stat(segment.offsetIndexFile)).size).toBe(0);
    await segment.close();
  });

  describe('shouldRoll', () => {
    const roll = (s: LogSegment, p: Partial<{ size: number; ts: number; offset: number }> = {}): boolean =>
      s.shouldRoll({
        messagesSize: p.size ?? 100,
        maxTimestampInMessages: p.ts ?? T0,
        maxOffsetInMessages: p.offset ?? s.baseOffset,
        nowMs: clock.nowMs(),
      });

    it('rolls when the append would exceed segment.bytes', async () => {
      const segment = await create(0, config({ 'segment.bytes': '2000' }));
      expect(roll(segment, { size: 2000 })).toBe(false);
      expect(roll(segment, { size: 2001 })).toBe(true);
      await appendAll(segment, [batch(0, 10)]);
      expect(roll(segment, { size: 2000 - segment.size })).toBe(false);
      expect(roll(segment, { size: 2001 - segment.size })).toBe(true);
      await segment.close();
    });

    it('rolls on segment.ms from the first batch timestamp, minus the jitter', async () => {
      const segment = await create(0, config({ 'segment.ms': '60000' }));
      expect(roll(segment, { ts: T0 + 10_000_000 })).toBe(false); // empty segments never roll on time
      await appendAll(segment, [batch(0)]); // max timestamp T0
      expect(segment.rollingBasedTimestamp).toBe(T0);
      expect(roll(segment, { ts: T0 + 60_000 })).toBe(false);
      expect(roll(segment, { ts: T0 + 60_001 })).toBe(true);
      const jittered = await create(100, config({ 'segment.ms': '60000' }), { rollJitterMs: 10_000 });
      await appendAll(jittered, [batch(100, 1, { timestamp: () => T0 })]);
      expect(roll(jittered, { ts: T0 + 50_000, offset: 101 })).toBe(false);
      expect(roll(jittered, { ts: T0 + 50_001, offset: 101 })).toBe(true);
      await segment.close();
      await jittered.close();
    });

    it('falls back to the creation time when batches carry no timestamp', async () => {
      const segment = await create(0, config({ 'segment.ms': '60000' }));
      await appendAll(segment, [batch(0, 1, { timestamp: () => -1 })]);
      clock.advance(60_000);
      expect(roll(segment, { ts: -1 })).toBe(false);
      clock.advance(1);
      expect(roll(segment, { ts: -1 })).toBe(true);
      expect(segment.largestTimestamp).toBe(segment.lastModifiedMs); // no timestamps: the file's mtime
      await segment.close();
    });

    it('rolls when an index is full or the offset would overflow', async () => {
      const segment = await create(0, config({ 'segment.index.bytes': '24', 'index.interval.bytes': '0' }));
      expect(roll(segment)).toBe(false);
      expect(roll(segment, { offset: 2 ** 31 })).toBe(true);
      expect(roll(segment, { offset: 2 ** 31 - 1 })).toBe(false);
      await appendAll(segment, [batch(0), batch(1)]); // one time index entry: full (last slot reserved)
      expect(segment.timeIndex.isFull()).toBe(true);
      expect(roll(segment)).toBe(true);
      await appendAll(segment, [batch(2), batch(3), batch(4)]); // more entries are skipped, not an error
      expect(segment.offsetIndex.entries).toBeLessThanOrEqual(3);
      expect(await segment.readNextOffset()).toBe(5);
      await segment.close();
    });
  });

  it('on becoming inactive adds the final time index entry, trims and unpins', async () => {
    const segment = await create(0, config({ 'index.interval.bytes': '100000' }));
    await appendAll(segment, hundredRecords());
    expect(segment.timeIndex.entries).toBe(0);
    await segment.onBecomeInactive();
    expect(segment.timeIndex.lastEntry).toEqual({ timestamp: T0 + 990, offset: 99 });
    expect(segment.log.pinned).toBe(false);
    expect((await readFile(segment.timeIndexFile)).toString('hex')).toBe(
      (T0 + 990).toString(16).padStart(16, '0') + '00000063',
    );
    // still readable through the cache
    expect(offsetsIn((await segment.read(98, 1 << 20))!.records)).toEqual([95, 96, 97, 98, 99]);
    await segment.close();
  });

  it('changes file suffixes and deletes its files', async () => {
    const segment = await create(5, config(), { fileSuffix: CLEANED_FILE_SUFFIX });
    await appendAll(segment, [batch(5, 3)]);
    expect(segment.hasSuffix(CLEANED_FILE_SUFFIX)).toBe(true);
    await segment.changeFileSuffixes(CLEANED_FILE_SUFFIX, SWAP_FILE_SUFFIX);
    expect((await readdir(dir)).sort()).toEqual([
      '00000000000000000005.index.swap',
      '00000000000000000005.log.swap',
      '00000000000000000005.timeindex.swap',
    ]);
    await segment.changeFileSuffixes(SWAP_FILE_SUFFIX, '');
    expect(segment.logFile).toBe(join(dir, '00000000000000000005.log'));
    expect(offsetsIn((await segment.read(5, 1000))!.records)).toEqual([5, 6, 7]);
    await expect(segment.changeFileSuffixes('.swap', '')).rejects.toThrow(RangeError);
    await segment.deleteIfExists();
    expect(await readdir(dir)).toEqual([]);
  });

  it('create replaces existing files; setLastModified drives largestTimestamp of timestamp-less segments', async () => {
    const first = await create(0);
    await appendAll(first, hundredRecords());
    await first.close();
    const replaced = await create(0);
    expect(replaced.size).toBe(0);
    expect((await stat(replaced.offsetIndexFile)).size).toBe(0);
    await appendAll(replaced, [batch(0, 1, { timestamp: () => -1 })]);
    await replaced.setLastModified(1_234_000);
    expect(replaced.largestTimestamp).toBe(1_234_000);
    expect((await stat(replaced.logFile)).mtimeMs).toBe(1_234_000);
    await replaced.close();
    const reopened = await LogSegment.open(dir, 0, config(), clock, handles);
    expect(reopened.largestTimestamp).toBe(1_234_000);
    expect(await reopened.firstBatchTimestamp()).toBe(Infinity);
    await reopened.close();
  });

  it('open fails with StorageIoError when the log file is missing', async () => {
    await expect(LogSegment.open(dir, 0, config(), clock, handles)).rejects.toBeInstanceOf(StorageIoError);
  });
});

import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { batchViews, decodeBatch, RecordBatchView, type Record } from '../../../protocol/records/index.js';
import { MockClock } from '../../../storage/clock.js';
import {
  CorruptRecordError,
  InvalidRecordError,
  OffsetOutOfRangeError,
  RecordBatchTooLargeError,
} from '../../../storage/errors.js';
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, MAX_TIMESTAMP } from '../../../storage/log-types.js';
import type { Log } from '../../../storage/log.js';
import { batchOf, openLog, withTempDir } from '../../helpers/storage.js';

async function recordsOf(buf: Buffer): Promise<Record[]> {
  const out: Record[] = [];
  for (const view of batchViews(buf)) out.push(...(await decodeBatch(view)));
  return out;
}

/** Every record from `from` to the end, following the log the way a consumer does. */
async function readAll(log: Log, from = log.logStartOffset): Promise<Record[]> {
  const out: Record[] = [];
  let next = from;
  while (next < log.logEndOffset) {
    const { records } = await log.read(next, { maxBytes: 1 << 20 });
    const batch = (await recordsOf(records)).filter((r) => r.offset >= next);
    if (batch.length === 0) break;
    out.push(...batch);
    next = batch.at(-1)!.offset + 1;
  }
  return out;
}

const values = (n: number, tag = 'v'): string[] => Array.from({ length: n }, (_, i) => `${tag}${i}`);

describe('Log', () => {
  it('assigns offsets in arrival order and reads them back across many segments', async () => {
    await withTempDir(async (root) => {
      const log = await openLog(join(root, 'orders-0'), { 'segment.bytes': '1024' });
      const appends = await Promise.all(Array.from({ length: 60 }, (_, i) => log.append(batchOf(values(5, `b${i}-`)))));
      expect(appends.map((a) => a.firstOffset)).toEqual(Array.from({ length: 60 }, (_, i) => i * 5));
      expect(log.logEndOffset).toBe(300);
      expect(log.segmentCount).toBeGreaterThan(5);
      const all = await readAll(log);
      expect(all.map((r) => r.offset)).toEqual(Array.from({ length: 300 }, (_, i) => i));
      expect(all[7]!.value!.toString()).toBe('b1-2');
      expect(log.topic).toBe('orders');
      expect(log.partition).toBe(0);
      await log.close();
    });
  });

  it('writes the leader epoch and base offset into the stored batch, keeping the CRC valid', async () => {
    await withTempDir(async (root) => {
      const log = await openLog(join(root, 't-0'));
      await log.append(batchOf(['a']));
      await log.append(batchOf(['b', 'c']), { leaderEpoch: 7 });
      const { records } = await log.read(1, { maxBytes: 10_000 });
      const [view] = [...batchViews(records)];
      expect(view!.baseOffset).toBe(1);
      expect(view!.partitionLeaderEpoch).toBe(7);
      expect(view!.isValidCrc()).toBe(true);
      await log.close();
    });
  });

  it('honours maxBytes, minOneBatch and maxOffset when reading', async () => {
    await withTempDir(async (root) => {
      const log = await openLog(join(root, 't-0'));
      for (let i = 0; i < 10; i++) await log.append(batchOf(values(10)));
      const one = (await log.read(0, { maxBytes: 1 })).records;
      expect([...batchViews(one)]).toHaveLength(1); // the first batch whole, though larger than maxBytes
      expect((await log.read(0, { maxBytes: 1, minOneBatch: false })).records.length).toBe(0);
      const upToHw = await log.read(0, { maxBytes: 1 << 20, maxOffset: 30 });
      expect([...batchViews(upToHw.records)].map((v) => v.baseOffset)).toEqual([0, 10, 20]);
      // a fetch inside a batch returns the whole batch
      expect([...batchViews((await log.read(15, { maxBytes: 1 << 20, maxOffset: 30 })).records)][0]!.baseOffset).toBe(
        10,
      );
      expect((await log.read(100, { maxBytes: 100 })).records.length).toBe(0);
      await expect(log.read(101, { maxBytes: 100 })).rejects.toBeInstanceOf(OffsetOutOfRangeError);
      await log.close();
    });
  });

  it('rejects corrupt and oversized batches and writes nothing for them', async () => {
    await withTempDir(async (root) => {
      const log = await openLog(join(root, 't-0'), { 'max.message.bytes': '200' });
      const corrupt = batchOf(['x']);
      corrupt[corrupt.length - 1] = corrupt.at(-1)! ^ 0xff;
      await expect(log.append(corrupt)).rejects.toBeInstanceOf(CorruptRecordError);
      await expect(log.append(batchOf(values(40)))).rejects.toBeInstanceOf(RecordBatchTooLargeError);
      await expect(log.append(batchOf(['x']).subarray(0, 30))).rejects.toBeInstanceOf(CorruptRecordError);
      expect(log.logEndOffset).toBe(0);
      expect(log.size).toBe(0);
      expect((await log.append(batchOf(['ok']))).firstOffset).toBe(0);
      await log.close();
    });
  });

  it('reads into a caller buffer when the bytes fit, and allocates when they do not', async () => {
    await withTempDir(async (root) => {
      const log = await openLog(join(root, 't-0'), { 'segment.bytes': '20000', 'index.interval.bytes': '500' });
      for (let i = 0; i < 60; i++) await log.append(batchOf(values(1 + (i % 7), `b${i}-`.padEnd(100, 'x'))));
      for (const size of [64, 3000, 70_000]) {
        const scratch = Buffer.alloc(size);
        for (let offset = 0; offset < log.logEndOffset; offset += 5) {
          for (const maxBytes of [1, 900, 5000]) {
            const plain = await log.read(offset, { maxBytes });
            const viaBuffer = await log.read(offset, { maxBytes, buffer: scratch });
            expect(viaBuffer.records).toEqual(plain.records);
            const inScratch = viaBuffer.records.buffer === scratch.buffer;
            // a buffer of maxBytes + 64 KiB always holds the records
            if (size >= maxBytes + 65536) expect(inScratch).toBe(true);
            if (inScratch) scratch.fill(0); // the next read must not depend on what this one left there
          }
        }
      }
      await log.close();
    });
  });

  it('undoes the write of an append whose CRC check fails while it is being written', async () => {
    await withTempDir(async (root) => {
      const log = await openLog(join(root, 't-0'));
      await log.append(batchOf(['a']));
      const sizeBefore = log.size;
      const corrupt = batchOf(['c'.repeat(5000)]);
      corrupt[corrupt.length - 1] = corrupt.at(-1)! ^ 0xff;
      await expect(log.append(Buffer.concat([batchOf(['b']), corrupt]))).rejects.toBeInstanceOf(CorruptRecordError);
      expect(log.logEndOffset).toBe(1);
      expect(log.size).toBe(sizeBefore);
      expect((await stat(log.segments[0]!.logFile)).size).toBe(sizeBefore);
      expect((await readAll(log)).map((r) => r.value?.toString())).toEqual(['a']);
      expect((await log.append(batchOf(['d']))).firstOffset).toBe(1);
      expect((await readAll(log)).map((r) => r.value?.toString())).toEqual(['a', 'd']);
      await log.close();
    });
  });

  it('refuses a client batch whose last offset delta does not match its record count, before any offset moves', async () => {
    await withTempDir(async (root) => {
      const log = await openLog(join(root, 't-0'));
      await log.append(batchOf(['a', 'b']));
      const lying = batchOf(['c', 'd', 'e']);
      lying.writeInt32BE(-3, 23); // lastOffsetDelta sits after baseOffset, length, leader epoch, magic, crc, attributes
      await expect(log.append(lying)).rejects.toBeInstanceOf(CorruptRecordError); // the CRC covers the delta
      const consistent = new RecordBatchView(lying);
      consistent.buf.writeUInt32BE(consistent.computeCrc(), 17);
      await expect(log.append(lying)).rejects.toBeInstanceOf(InvalidRecordError);
      expect(log.logEndOffset).toBe(2);
      expect((await log.append(batchOf(['f']))).firstOffset).toBe(2);
      await log.close();
    });
  });

  it('requires keys on a compacted topic', async () => {
    await withTempDir(async (root) => {
      const log = await openLog(join(root, 't-0'), { 'cleanup.policy': 'compact' });
      await expect(log.append(batchOf(['v'], { keys: [null] }))).rejects.toBeInstanceOf(InvalidRecordError);
      await log.append(batchOf(['v'], { keys: ['k'] }));
      expect(log.logEndOffset).toBe(1);
      await log.close();
    });
  });

  it('stamps LogAppendTime batches with the broker clock', async () => {
    await withTempDir(async (root) => {
      const clock = new MockClock(2_000_000_000_000);
      const log = await openLog(join(root, 't-0'), { 'message.timestamp.type': 'LogAppendTime' }, { clock });
      const info = await log.append(batchOf(['a', 'b']));
      expect(info.logAppendTime).toBe(2_000_000_000_000);
      const records = await recordsOf((await log.read(0, { maxBytes: 1000 })).records);
      expect(records.map((r) => r.timestamp)).toEqual([2_000_000_000_000, 2_000_000_000_000]);
      await log.close();
    });
  });

  it('rolls on segment.ms by the injected clock', async () => {
    await withTempDir(async (root) => {
      const clock = new MockClock(1_700_000_000_000);
      const log = await openLog(join(root, 't-0'), { 'segment.ms': '1000' }, { clock });
      await log.append(batchOf(['a'], { timestamp: clock.nowMs() }));
      await log.append(batchOf(['b'], { timestamp: clock.nowMs() }));
      expect(log.segmentCount).toBe(1);
      clock.advance(1001);
      await log.append(batchOf(['c'], { timestamp: clock.nowMs() }));
      expect(log.segmentCount).toBe(2);
      expect(log.segments[1]!.baseOffset).toBe(2);
      await log.close();
    });
  });

  it('finds offsets by timestamp, earliest, latest and max timestamp', async () => {
    await withTempDir(async (root) => {
      const log = await openLog(join(root, 't-0'), { 'segment.bytes': '300' });
      for (let i = 0; i < 10; i++) await log.append(batchOf(['x', 'y'], { timestamp: 1000 + i * 100 }));
      expect(await log.offsetForTimestamp(1450)).toMatchObject({ offset: 10, timestamp: 1500 });
      expect((await log.offsetForTimestamp(1000))!.offset).toBe(0);
      expect(await log.offsetForTimestamp(5000)).toBeNull();
      expect((await log.offsetForTimestamp(EARLIEST_TIMESTAMP))!.offset).toBe(0);
      expect((await log.offsetForTimestamp(LATEST_TIMESTAMP))!.offset).toBe(20);
      expect(await log.offsetForTimestamp(MAX_TIMESTAMP)).toMatchObject({ offset: 19, timestamp: 1900 });
      await log.close();
    });
  });

  it('deletes old segments by retention.ms, never the active one, and moves the log start offset', async () => {
    await withTempDir(async (root) => {
      const clock = new MockClock(1_000_000);
      const log = await openLog(join(root, 't-0'), { 'segment.bytes': '200', 'retention.ms': '5000' }, { clock });
      for (let i = 0; i < 6; i++) await log.append(batchOf(['old'], { timestamp: 1_000_000 }));
      clock.advance(10_000);
      for (let i = 0; i < 2; i++) await log.append(batchOf(['new'], { timestamp: clock.nowMs() }));
      const before = log.segmentCount;
      expect(await log.deleteOldSegments()).toBeGreaterThan(0);
      expect(log.segmentCount).toBeLessThan(before);
      expect(log.logStartOffset).toBe(log.segments[0]!.baseOffset);
      expect(log.logStartOffset).toBeGreaterThanOrEqual(5);
      await expect(log.read(0, { maxBytes: 100 })).rejects.toBeInstanceOf(OffsetOutOfRangeError);
      // everything old: all but the active segment go
      clock.advance(100_000);
      await log.deleteOldSegments();
      expect(log.segmentCount).toBe(1);
      expect(log.logEndOffset).toBe(8);
      await log.close();
    });
  });

  it('renames retired segments .deleted and removes them after file.delete.delay.ms', async () => {
    await withTempDir(async (root) => {
      const overrides = { 'segment.bytes': '200', 'retention.bytes': '0', 'file.delete.delay.ms': '60000' };
      const log = await openLog(join(root, 't-0'), overrides);
      for (let i = 0; i < 6; i++) await log.append(batchOf([`v${i}`]));
      const deleted = await log.deleteOldSegments();
      expect(deleted).toBeGreaterThan(0);
      const names = await readdir(log.dir);
      expect(names.filter((n) => n.endsWith('.log.deleted'))).toHaveLength(deleted);
      await log.close(); // closing removes what is still waiting
      expect((await readdir(log.dir)).filter((n) => n.endsWith('.deleted'))).toEqual([]);
    });
  });

  it('deletes old segments by retention.bytes', async () => {
    await withTempDir(async (root) => {
      const log = await openLog(join(root, 't-0'), { 'segment.bytes': '200', 'retention.bytes': '400' });
      for (let i = 0; i < 20; i++) await log.append(batchOf([`v${i}`]));
      await log.deleteOldSegments();
      expect(log.size).toBeLessThanOrEqual(400 + log.segments.at(-1)!.size);
      expect((await readAll(log)).at(-1)!.value!.toString()).toBe('v19');
      await log.close();
    });
  });

  it('advances the log start offset for DeleteRecords and keeps it across a restart', async () => {
    await withTempDir(async (root) => {
      const dir = join(root, 't-0');
      const log = await openLog(dir, { 'segment.bytes': '200' });
      for (let i = 0; i < 20; i++) await log.append(batchOf([`v${i}`]));
      expect(await log.advanceLogStartOffset(12)).toBe(12);
      expect(await log.advanceLogStartOffset(3)).toBe(12); // never backwards
      await expect(log.advanceLogStartOffset(21)).rejects.toBeInstanceOf(OffsetOutOfRangeError);
      expect(log.segments[0]!.baseOffset).toBeLessThanOrEqual(12);
      await expect(log.read(11, { maxBytes: 100 })).rejects.toBeInstanceOf(OffsetOutOfRangeError);
      await log.close();
      const reopened = await openLog(dir, { 'segment.bytes': '200' }, { logStartOffset: 12, hadCleanShutdown: true });
      expect(reopened.logStartOffset).toBe(12);
      expect(reopened.logEndOffset).toBe(20);
      await reopened.close();
    });
  });

  it('truncates to an offset, and fully to a new start, for followers', async () => {
    await withTempDir(async (root) => {
      const log = await openLog(join(root, 't-0'), { 'segment.bytes': '200' });
      for (let i = 0; i < 20; i++) await log.append(batchOf([`v${i}`]));
      expect(await log.truncateTo(7)).toBe(true);
      expect(log.logEndOffset).toBe(7);
      expect((await readAll(log)).map((r) => r.offset)).toEqual([0, 1, 2, 3, 4, 5, 6]);
      expect((await log.append(batchOf(['after']))).firstOffset).toBe(7);
      expect(await log.truncateTo(100)).toBe(false);
      await log.truncateFullyAndStartAt(500);
      expect([log.logStartOffset, log.logEndOffset, log.segmentCount]).toEqual([500, 500, 1]);
      expect((await log.append(batchOf(['x']))).firstOffset).toBe(500);
      const names = await readdir(log.dir);
      expect(names.filter((n) => n.endsWith('.log'))).toEqual(['00000000000000000500.log']);
      await log.close();
    });
  });

  it('keeps replicated offsets and refuses to go backwards', async () => {
    await withTempDir(async (root) => {
      const leader = await openLog(join(root, 'l-0'));
      for (let i = 0; i < 3; i++) await leader.append(batchOf(values(4)), { leaderEpoch: 2 });
      const follower = await openLog(join(root, 'f-0'));
      const { records } = await leader.read(4, { maxBytes: 1 << 20 });
      const info = await follower.append(Buffer.from(records), { origin: 'replication' });
      expect([info.firstOffset, info.lastOffset, follower.logEndOffset]).toEqual([4, 11, 12]);
      await expect(follower.append(Buffer.from(records), { origin: 'replication' })).rejects.toBeInstanceOf(
        CorruptRecordError,
      );
      await leader.close();
      await follower.close();
    });
  });

  it('reopens with the same content after a clean close and after an unclean stop', async () => {
    await withTempDir(async (root) => {
      const dir = join(root, 't-0');
      const log = await openLog(dir, { 'segment.bytes': '500' });
      for (let i = 0; i < 30; i++) await log.append(batchOf([`v${i}`]));
      await log.flush();
      const expected = await readAll(log);
      await log.close();
      for (const hadCleanShutdown of [true, false]) {
        const reopened = await openLog(dir, { 'segment.bytes': '500' }, { hadCleanShutdown });
        expect(reopened.logEndOffset).toBe(30);
        expect((await readAll(reopened)).map((r) => r.value!.toString())).toEqual(
          expected.map((r) => r.value!.toString()),
        );
        expect((await reopened.append(batchOf(['next']))).firstOffset).toBe(30);
        await reopened.truncateTo(30);
        await reopened.close();
      }
    });
  });
});

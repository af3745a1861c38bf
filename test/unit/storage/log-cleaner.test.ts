import { readdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  buildCompressedRecordBatch,
  buildEndTransactionBatch,
  ControlRecordType,
  CompressionType,
} from '../../../protocol/records/index.js';
import { groupSegmentsBySize, LogCleaningAbortedError } from '../../../storage/cleaner/cleaner.js';
import { isCleanable, logToClean } from '../../../storage/cleaner/cleanable.js';
import { MockClock } from '../../../storage/clock.js';
import { openLog } from '../../helpers/storage.js';
import {
  appendEntries,
  cleanOnce,
  compactConfig,
  type Entry,
  HOUR_MS,
  keyedBatch,
  latestPerKey,
  readBack,
  readRecords,
  T0,
  withLogDir,
} from './cleaner/cleaner-fixtures.js';

/** `rounds` overwrites of keys k0..k(keys-1), value `r<round>-k<i>`. */
function overwrites(keys: number, rounds: number): Entry[] {
  const out: Entry[] = [];
  for (let r = 0; r < rounds; r++) for (let k = 0; k < keys; k++) out.push([`k${k}`, `r${r}-k${k}`]);
  return out;
}

describe('Cleaner', () => {
  it('keeps the latest value of every key across many segments, at unchanged offsets', async () => {
    await withLogDir(async (dir) => {
      const clock = new MockClock(T0);
      const log = await openLog(dir, compactConfig(), { clock });
      await appendEntries(log, overwrites(40, 8));
      await log.roll();
      const before = await readRecords(log);
      const segmentsBefore = log.segmentCount;
      const sizeBefore = log.size;
      const logEndOffset = log.logEndOffset;
      expect(segmentsBefore).toBeGreaterThan(10);

      const { endOffset, stats } = await cleanOnce(log, clock);

      const expected = [...latestPerKey(before).values()].sort((a, b) => a.offset - b.offset);
      expect(await readRecords(log)).toEqual(expected);
      expect(endOffset).toBe(logEndOffset);
      expect(log.logEndOffset).toBe(logEndOffset);
      expect(log.size).toBeLessThan(sizeBefore / 4);
      expect(stats.recordsWritten).toBe(40);
      expect(stats.segmentsCleaned).toBe(segmentsBefore - 1);
      // groups are sized by their input, so full segments are cleaned one by one; the next pass merges them
      await cleanOnce(log, clock, { checkpoint: 0 });
      expect(log.segmentCount).toBeLessThan(segmentsBefore / 2);
      expect(await readRecords(log)).toEqual(expected);
      // nothing but whole segments is left in the directory
      expect((await readdir(dir)).filter((n) => /\.(cleaned|swap|deleted)$/.test(n))).toEqual([]);

      // the cleaned segments are what a restart finds, with or without recovery
      await log.close();
      for (const hadCleanShutdown of [true, false]) {
        const reopened = await openLog(dir, compactConfig(), { clock, hadCleanShutdown });
        expect(await readRecords(reopened)).toEqual(expected);
        expect(reopened.logEndOffset).toBe(logEndOffset);
        await reopened.close();
      }
    });
  });

  it('groups segments so that no cleaned segment exceeds segment.bytes', async () => {
    await withLogDir(async (dir) => {
      const clock = new MockClock(T0);
      const log = await openLog(dir, compactConfig(), { clock });
      // distinct keys: nothing is removed, so the groups must be split by size
      await appendEntries(
        log,
        Array.from({ length: 300 }, (_, i): Entry => [`key-${i}`, `value-${i}`]),
        3,
      );
      await log.roll();
      const before = await readRecords(log);
      const groups = groupSegmentsBySize(log.segments.slice(0, -1), 2048, log.config.segmentIndexBytes, 300);
      expect(groups.length).toBeGreaterThan(1);
      for (const group of groups) expect(group.reduce((n, s) => n + s.size, 0)).toBeLessThanOrEqual(2048);
      expect(groups.flat()).toEqual(log.segments.slice(0, -1));

      await cleanOnce(log, clock);
      expect(await readRecords(log)).toEqual(before);
      for (const s of log.segments) expect(s.size).toBeLessThanOrEqual(2048);
      await log.close();
    });
  });

  it('keeps tombstones for delete.retention.ms after the first cleaning that sees them, then removes them', async () => {
    await withLogDir(async (dir) => {
      const clock = new MockClock(T0);
      const log = await openLog(dir, compactConfig({ 'delete.retention.ms': String(HOUR_MS) }), { clock });
      await appendEntries(log, overwrites(6, 3));
      await appendEntries(log, [
        ['k1', null],
        ['k2', null],
      ]);
      await log.roll();

      // first cleaning: the old values of k1 and k2 go, their tombstones stay and get a delete horizon
      let { endOffset } = await cleanOnce(log, clock);
      const back = await readBack(log);
      expect(back.records.map((r) => [r.key, r.value])).toEqual([
        ['k0', 'r2-k0'],
        ['k3', 'r2-k3'],
        ['k4', 'r2-k4'],
        ['k5', 'r2-k5'],
        ['k1', null],
        ['k2', null],
      ]);
      const tombstoneBatches = back.batches.filter((b) => b.hasDeleteHorizon);
      expect(tombstoneBatches).toHaveLength(2);
      for (const b of tombstoneBatches) expect(b.baseTimestamp).toBe(T0 + HOUR_MS);
      // the stamped batches keep each record's own timestamp
      expect(back.records.every((r) => r.timestamp === T0)).toBe(true);

      // within delete.retention.ms they survive another cleaning
      clock.advance(HOUR_MS / 2);
      await appendEntries(log, [['k9', 'filler-1']]);
      await log.roll();
      ({ endOffset } = await cleanOnce(log, clock, { checkpoint: endOffset }));
      expect((await readRecords(log)).filter((r) => r.value === null).map((r) => r.key)).toEqual(['k1', 'k2']);

      // after it they are gone, as is everything they deleted
      clock.advance(HOUR_MS / 2);
      await appendEntries(log, [['k9', 'filler-2']]);
      await log.roll();
      await cleanOnce(log, clock, { checkpoint: endOffset });
      expect((await readRecords(log)).map((r) => r.key)).toEqual(['k0', 'k3', 'k4', 'k5', 'k9']);
      await log.close();
    });
  });

  it.each([
    ['gzip', CompressionType.Gzip],
    ['snappy', CompressionType.Snappy],
    ['lz4', CompressionType.Lz4],
    ['zstd', CompressionType.Zstd],
  ] as const)('cleans %s batches and recompresses them with the same codec', async (_name, compression) => {
    await withLogDir(async (dir) => {
      const clock = new MockClock(T0);
      const log = await openLog(dir, compactConfig({ 'segment.bytes': '1024' }), { clock });
      // 10-record batches over 15 keys: every batch loses some records
      const entries = Array.from({ length: 120 }, (_, i): Entry => [`k${(i * 7) % 15}`, `v${i}-${'x'.repeat(i % 13)}`]);
      entries.push(['k3', null]);
      await appendEntries(log, entries, 10, { compression });
      await log.roll();
      const before = await readRecords(log);

      await cleanOnce(log, clock);

      const back = await readBack(log);
      const expected = [...latestPerKey(before).values()].sort((a, b) => a.offset - b.offset);
      expect(back.records).toEqual(expected);
      for (const b of back.batches.filter((v) => v.recordsCount > 0)) expect(b.compression).toBe(compression);
      await log.close();
    });
  });

  it('with compact,delete, retention removes old cleaned segments and the cleaner starts again at the log start', async () => {
    await withLogDir(async (dir) => {
      const clock = new MockClock(T0);
      const config = compactConfig({ 'cleanup.policy': 'compact,delete', 'retention.ms': String(HOUR_MS) });
      const log = await openLog(dir, config, { clock });
      await appendEntries(log, overwrites(10, 5), 1, { timestamp: T0 });
      await log.roll();
      const { endOffset } = await cleanOnce(log, clock);
      // the cleaned segments keep their records' timestamps, so retention still sees how old they are
      for (const s of log.segments.slice(0, -1)) expect(s.largestTimestamp).toBe(T0);

      clock.advance(2 * HOUR_MS);
      await appendEntries(log, overwrites(10, 2), 1, { timestamp: clock.nowMs() });
      await log.roll();
      expect(await log.deleteOldSegments()).toBeGreaterThan(0);
      expect(log.logStartOffset).toBe(endOffset);

      const candidate = await logToClean(log, 0, clock.nowMs());
      expect(candidate.forceUpdateCheckpoint).toBe(true);
      expect(candidate.firstDirtyOffset).toBe(log.logStartOffset);
      await cleanOnce(log, clock, { checkpoint: 0 });
      expect((await readRecords(log)).map((r) => r.value)).toEqual(Array.from({ length: 10 }, (_, k) => `r1-k${k}`));
      await log.close();
    });
  });

  it('lets appends land and reads run while it cleans', async () => {
    await withLogDir(async (dir) => {
      const clock = new MockClock(T0);
      // swapped-out segments stay readable for file.delete.delay.ms
      const log = await openLog(dir, compactConfig({ 'file.delete.delay.ms': '60000' }), { clock });
      await appendEntries(log, overwrites(20, 6));
      await log.roll();
      const latest = latestPerKey(await readRecords(log));
      const oldFirst = log.segments[0]!;

      let reads = 0;
      let cleaning = true;
      const reader = (async () => {
        while (cleaning) {
          const records = await readRecords(log);
          // a reader may see old and cleaned segments mixed, but never loses a key's latest value
          for (const r of latest.values()) expect(records).toContainEqual(r);
          for (let i = 1; i < records.length; i++) expect(records[i]!.offset).toBeGreaterThan(records[i - 1]!.offset);
          reads++;
        }
      })();
      let appended = 0;
      await cleanOnce(log, clock, {
        afterStep: async (step) => {
          if (step !== 'cleaned') return;
          // the long part of cleaning holds no lock: an append completes before the swap
          await appendEntries(log, [[`late-${appended}`, `during-${appended}`]]);
          appended++;
        },
      }).finally(() => (cleaning = false));
      await reader;

      expect(reads).toBeGreaterThan(0);
      expect(appended).toBeGreaterThan(0);
      const after = await readRecords(log);
      expect(after.filter((r) => r.key!.startsWith('late-'))).toHaveLength(appended);
      expect(after.filter((r) => r.key!.startsWith('k'))).toEqual([...latest.values()]);
      // a read that took its segment snapshot before the swap still finds the replaced segment's bytes
      const stale = await oldFirst.read(0, 1 << 20);
      expect(stale?.records.length).toBeGreaterThan(0);
      expect((await readdir(dir)).some((n) => n.endsWith('.log.deleted'))).toBe(true);
      // closing the log removes them without waiting for the delay
      await log.close();
      expect((await readdir(dir)).some((n) => n.endsWith('.deleted'))).toBe(false);
    });
  });

  it('stops mapping when the offset map is full and continues from its checkpoint next time', async () => {
    await withLogDir(async (dir) => {
      const clock = new MockClock(T0);
      const log = await openLog(dir, compactConfig(), { clock });
      await appendEntries(log, overwrites(100, 3), 4);
      await log.roll();
      const before = await readRecords(log);
      const activeBase = log.segments.at(-1)!.baseOffset;
      // 24 bytes per slot: about 45 keys fit
      const cleaner = { dedupeBufferSize: 24 * 50 };

      let checkpoint = 0;
      let rounds = 0;
      while (checkpoint < activeBase) {
        const { endOffset } = await cleanOnce(log, clock, { checkpoint, cleaner });
        expect(endOffset).toBeGreaterThan(checkpoint);
        if (rounds === 0) expect(endOffset).toBeLessThan(activeBase);
        checkpoint = endOffset;
        rounds++;
      }
      expect(rounds).toBeGreaterThan(2);
      expect(await readRecords(log)).toEqual([...latestPerKey(before).values()].sort((a, b) => a.offset - b.offset));
      await log.close();
    });
  });

  it('respects min.compaction.lag.ms and max.compaction.lag.ms', async () => {
    await withLogDir(async (dir) => {
      const clock = new MockClock(T0);
      const log = await openLog(dir, compactConfig({ 'min.compaction.lag.ms': String(HOUR_MS) }), { clock });
      await appendEntries(log, overwrites(10, 4), 1, { timestamp: T0 });
      await log.roll();
      // records younger than the lag: nothing may be cleaned yet
      let candidate = await logToClean(log, undefined, clock.nowMs());
      expect(candidate.firstUncleanableOffset).toBe(0);
      expect(isCleanable(candidate)).toBe(false);
      clock.advance(2 * HOUR_MS);
      candidate = await logToClean(log, undefined, clock.nowMs());
      expect(candidate.firstUncleanableOffset).toBe(log.segments.at(-1)!.baseOffset);
      expect(isCleanable(candidate)).toBe(true);
      const { endOffset } = await cleanOnce(log, clock);

      // a little dirt stays below a high min.cleanable.dirty.ratio until max.compaction.lag.ms demands a cleaning
      await log.updateConfig({ ...log.config, minCompactionLagMs: 0, minCleanableDirtyRatio: 0.9 });
      await appendEntries(log, [['k1', 'late']], 1, { timestamp: clock.nowMs() });
      await log.roll();
      candidate = await logToClean(log, endOffset, clock.nowMs());
      expect(candidate.cleanableRatio).toBeLessThan(0.9);
      expect(isCleanable(candidate)).toBe(false);
      await log.updateConfig({ ...log.config, maxCompactionLagMs: HOUR_MS });
      clock.advance(2 * HOUR_MS);
      candidate = await logToClean(log, endOffset, clock.nowMs());
      expect(candidate.needCompactionNow).toBe(true);
      expect(isCleanable(candidate)).toBe(true);
      await log.close();
    });
  });

  it("keeps each idempotent producer's last batch, emptied, so its sequence survives", async () => {
    await withLogDir(async (dir) => {
      const clock = new MockClock(T0);
      const log = await openLog(dir, compactConfig(), { clock });
      const idempotent = (value: string, sequence: number) =>
        buildCompressedRecordBatch([{ key: 'k', value, timestamp: T0 }], {
          producerId: 7,
          producerEpoch: 2,
          baseSequence: sequence,
        });
      await log.append(await idempotent('a', 0));
      await log.append(await idempotent('b', 1));
      await log.append(await keyedBatch([['k', 'c']]));
      await log.roll();

      await cleanOnce(log, clock);

      const back = await readBack(log);
      expect(back.records.map((r) => r.value)).toEqual(['c']);
      const kept = back.batches.filter((b) => b.producerId === 7);
      expect(kept).toHaveLength(1);
      expect(kept[0]!.recordsCount).toBe(0);
      expect(kept[0]!.baseSequence).toBe(1);
      expect(kept[0]!.lastOffset).toBe(1);
      await log.close();
    });
  });

  it('keeps a transaction marker while its data exists, then removes it after delete.retention.ms', async () => {
    await withLogDir(async (dir) => {
      const clock = new MockClock(T0);
      const log = await openLog(dir, compactConfig({ 'delete.retention.ms': String(HOUR_MS) }), { clock });
      const txn = { producerId: 9, producerEpoch: 0, transactional: true } as const;
      const commit = () =>
        buildEndTransactionBatch(
          { type: ControlRecordType.Commit, coordinatorEpoch: 1 },
          { producerId: 9, producerEpoch: 0, timestamp: T0 },
        );
      await log.append(await buildCompressedRecordBatch([{ key: 'a', value: 'x', timestamp: T0 }], txn));
      await log.append(commit()); // offset 1
      await log.append(await keyedBatch([['a', 'y']]));
      await log.append(await buildCompressedRecordBatch([{ key: 'b', value: 'z', timestamp: T0 }], txn));
      await log.append(commit()); // offset 4: the producer's last marker
      const markers = async () => (await readBack(log)).batches.filter((b) => b.isControl);
      const roll = async (value: string) => {
        await appendEntries(log, [['filler', value]]);
        await log.roll();
      };

      await roll('1');
      let { endOffset } = await cleanOnce(log, clock);
      // pass 1 still met the data batch of the first transaction: its marker stays, unstamped
      expect((await markers()).map((b) => [b.baseOffset, b.hasDeleteHorizon])).toEqual([
        [1, false],
        [4, false],
      ]);

      await roll('2');
      ({ endOffset } = await cleanOnce(log, clock, { checkpoint: endOffset }));
      // pass 2 met no data before the first marker: stamped with a delete horizon
      expect((await markers()).map((b) => [b.baseOffset, b.hasDeleteHorizon])).toEqual([
        [1, true],
        [4, false],
      ]);

      clock.advance(HOUR_MS);
      await roll('3');
      await cleanOnce(log, clock, { checkpoint: endOffset });
      expect((await markers()).map((b) => b.baseOffset)).toEqual([4]);
      expect((await readRecords(log)).filter((r) => r.key !== 'filler').map((r) => [r.key, r.value])).toEqual([
        ['a', 'y'],
        ['b', 'z'],
      ]);
      await log.close();
    });
  });

  it('abandons the cleaning when the log is truncated under it', async () => {
    await withLogDir(async (dir) => {
      const clock = new MockClock(T0);
      const log = await openLog(dir, compactConfig(), { clock });
      await appendEntries(log, overwrites(10, 6));
      await log.roll();
      const truncateAt = log.segments[1]!.baseOffset + 1;
      const before = await readRecords(log);

      const cleaning = cleanOnce(log, clock, {
        afterStep: async (step) => {
          if (step === 'cleaned') await log.truncateTo(truncateAt);
        },
      });
      await expect(cleaning).rejects.toBeInstanceOf(LogCleaningAbortedError);

      expect(await readRecords(log)).toEqual(before.filter((r) => r.offset < truncateAt));
      expect((await readdir(dir)).filter((n) => /\.(cleaned|swap|deleted)$/.test(n))).toEqual([]);
      await log.close();
    });
  });

  it('abandons the cleaning when retention deletes the segments it cleans', async () => {
    await withLogDir(async (dir) => {
      const clock = new MockClock(T0);
      const log = await openLog(dir, compactConfig({ 'cleanup.policy': 'compact,delete' }), { clock });
      await appendEntries(log, overwrites(10, 6));
      await log.roll();
      const start = log.segments[2]!.baseOffset;

      const cleaning = cleanOnce(log, clock, {
        afterStep: async (step) => {
          if (step === 'cleaned') await log.advanceLogStartOffset(start);
        },
      });
      await expect(cleaning).rejects.toBeInstanceOf(LogCleaningAbortedError);
      expect(log.logStartOffset).toBe(start);
      expect((await readRecords(log))[0]!.offset).toBe(start);
      await log.close();
    });
  });
});

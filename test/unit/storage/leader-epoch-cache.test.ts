import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LEADER_EPOCH_CHECKPOINT_FILE } from '../../../storage/checkpoint-file.js';
import {
  type EpochStart,
  LeaderEpochCache,
  UNDEFINED_EPOCH,
  UNDEFINED_EPOCH_OFFSET,
} from '../../../storage/leader-epoch-cache.js';
import { SILENT_LOGGER } from '../../../storage/logger.js';
import { recordingLogger } from '../../helpers/log-check.js';
import { withTempDir } from '../../helpers/storage.js';

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

/** A cache at `dir` holding `entries`, assigned in order. */
async function cacheOf(dir: string, entries: [number, number][]): Promise<LeaderEpochCache> {
  const cache = new LeaderEpochCache(join(dir, LEADER_EPOCH_CHECKPOINT_FILE), SILENT_LOGGER);
  for (const [epoch, start] of entries) expect(await cache.assign(epoch, start)).toBe(true);
  return cache;
}

const pairs = (cache: LeaderEpochCache): [number, number][] => cache.entries().map((e) => [e.epoch, e.startOffset]);

/** A valid file is never rebuilt from the batches. */
const noBatches = (): never => {
  throw new Error('batches read although the file was valid');
};

describe('LeaderEpochCache', () => {
  it('appends newer epochs, ignores the latest one again and refuses older ones with a warning', async () => {
    await withTempDir(async (dir) => {
      const logger = recordingLogger();
      const cache = new LeaderEpochCache(join(dir, LEADER_EPOCH_CHECKPOINT_FILE), logger);
      expect(cache.latestEpoch).toBeUndefined();
      expect(await cache.assign(0, 0)).toBe(true);
      expect(await cache.assign(0, 5)).toBe(false);
      expect(await cache.assign(2, 10)).toBe(true);
      expect(cache.latestEpoch).toBe(2);
      expect(await cache.assign(1, 20)).toBe(false);
      expect(pairs(cache)).toEqual([
        [0, 0],
        [2, 10],
      ]);
      expect(logger.lines.filter((l) => l.level === 'warn').map((l) => l.msg)).toEqual([
        'ignoring an older leader epoch',
      ]);
      await expect(cache.assign(-1, 30)).rejects.toBeInstanceOf(RangeError);
      await expect(cache.assign(3, -1)).rejects.toBeInstanceOf(RangeError);
    });
  });

  it('replaces entries at or after a new epoch start, warning only when data is lost', async () => {
    await withTempDir(async (dir) => {
      const logger = recordingLogger();
      const cache = new LeaderEpochCache(join(dir, LEADER_EPOCH_CHECKPOINT_FILE), logger);
      await cache.assign(0, 0);
      await cache.assign(2, 10); // a leader assigned its epoch at the log end and wrote nothing
      await cache.assign(3, 10);
      expect(pairs(cache)).toEqual([
        [0, 0],
        [3, 10],
      ]);
      expect(logger.lines.filter((l) => l.level === 'warn')).toEqual([]);
      await cache.assign(4, 5);
      expect(pairs(cache)).toEqual([
        [0, 0],
        [4, 5],
      ]);
      expect(logger.lines.filter((l) => l.level === 'warn').map((l) => l.msg)).toEqual([
        'new leader epoch replaced conflicting entries',
      ]);
    });
  });

  it('answers endOffsetFor as Kafka does', async () => {
    await withTempDir(async (dir) => {
      const empty = new LeaderEpochCache(join(dir, 'empty'), SILENT_LOGGER);
      const undefinedAnswer = { epoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET };
      expect(empty.endOffsetFor(0, 50)).toEqual(undefinedAnswer);

      const cache = await cacheOf(dir, [
        [1, 5],
        [3, 10],
        [5, 20],
      ]);
      const answer = (epoch: number) => cache.endOffsetFor(epoch, 30);
      expect(answer(5)).toEqual({ epoch: 5, endOffset: 30 }); // the latest epoch ends at the log end
      expect(answer(4)).toEqual({ epoch: 3, endOffset: 20 }); // an epoch without entry: the one before it
      expect(answer(3)).toEqual({ epoch: 3, endOffset: 20 });
      expect(answer(2)).toEqual({ epoch: 1, endOffset: 10 });
      expect(answer(1)).toEqual({ epoch: 1, endOffset: 10 });
      // below every entry: the requested epoch ends where the first known one starts
      expect(answer(0)).toEqual({ epoch: 0, endOffset: 5 });
      expect(answer(6)).toEqual(undefinedAnswer);
      expect(answer(UNDEFINED_EPOCH)).toEqual(undefinedAnswer);
    });
  });

  it('finds the epoch of an offset', async () => {
    await withTempDir(async (dir) => {
      const cache = await cacheOf(dir, [
        [1, 5],
        [3, 10],
      ]);
      expect([4, 5, 9, 10, 99].map((o) => cache.epochForOffset(o))).toEqual([undefined, 1, 1, 3, 3]);
    });
  });

  it('truncates from the end', async () => {
    await withTempDir(async (dir) => {
      const cache = await cacheOf(dir, [
        [1, 0],
        [3, 10],
        [5, 20],
      ]);
      expect(await cache.truncateFromEnd(21)).toBe(false);
      expect(await cache.truncateFromEnd(20)).toBe(true);
      expect(pairs(cache)).toEqual([
        [1, 0],
        [3, 10],
      ]);
      expect(await cache.truncateFromEnd(5)).toBe(true);
      expect(pairs(cache)).toEqual([[1, 0]]);
      expect(await cache.truncateFromEnd(0)).toBe(true);
      expect(cache.latestEpoch).toBeUndefined();
    });
  });

  it('truncates from the start, moving the entry that covers the new start up to it', async () => {
    await withTempDir(async (dir) => {
      const cache = await cacheOf(dir, [
        [1, 0],
        [3, 10],
        [5, 20],
      ]);
      expect(await cache.truncateFromStart(0)).toBe(false);
      expect(await cache.truncateFromStart(15)).toBe(true);
      expect(pairs(cache)).toEqual([
        [3, 15],
        [5, 20],
      ]);
      expect(await cache.truncateFromStart(20)).toBe(true);
      expect(pairs(cache)).toEqual([[5, 20]]);
      expect(await cache.truncateFromStart(20)).toBe(false);
      expect(await cache.truncateFromStart(25)).toBe(true);
      expect(pairs(cache)).toEqual([[5, 25]]);
      await cache.clear();
      expect(pairs(cache)).toEqual([]);
    });
  });

  it('keeps the file in step with every change, and writes it only on a change', async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, LEADER_EPOCH_CHECKPOINT_FILE);
      const cache = await cacheOf(dir, [
        [0, 0],
        [2, 7],
      ]);
      expect(await readFile(path, 'utf8')).toBe('0\n2\n0 0\n2 7\n');
      await rm(path);
      // no change, no write: the file stays missing
      expect(await cache.assign(2, 9)).toBe(false);
      expect(await cache.truncateFromEnd(8)).toBe(false);
      expect(await cache.assignBatches([{ partitionLeaderEpoch: 2, baseOffset: 9 }])).toBe(false);
      expect(await exists(path)).toBe(false);

      // a follower's append: one write for all its new epochs; batches without an epoch assign nothing
      const batches = [
        { partitionLeaderEpoch: -1, baseOffset: 9 },
        { partitionLeaderEpoch: 3, baseOffset: 10 },
        { partitionLeaderEpoch: 3, baseOffset: 12 },
        { partitionLeaderEpoch: 4, baseOffset: 15 },
      ];
      expect(await cache.assignBatches(batches)).toBe(true);
      expect(await readFile(path, 'utf8')).toBe('0\n4\n0 0\n2 7\n3 10\n4 15\n');
      await cache.truncateFromStart(8);
      expect(await readFile(path, 'utf8')).toBe('0\n3\n2 8\n3 10\n4 15\n');

      const loaded = await LeaderEpochCache.load(path, SILENT_LOGGER, {
        logStartOffset: 0,
        logEndOffset: 20,
        batches: noBatches,
      });
      expect(pairs(loaded)).toEqual(pairs(cache));
      await cache.clear();
      expect(await readFile(path, 'utf8')).toBe('0\n0\n');
      await cache.deleteFile();
      expect(await exists(path)).toBe(false);
    });
  });

  it('loads trimmed to the log, rewriting the file when it held more', async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, LEADER_EPOCH_CHECKPOINT_FILE);
      await writeFile(path, '0\n4\n0 0\n1 10\n2 20\n3 30\n');
      const cache = await LeaderEpochCache.load(path, SILENT_LOGGER, {
        logStartOffset: 12,
        logEndOffset: 30,
        batches: noBatches,
      });
      expect(pairs(cache)).toEqual([
        [1, 12],
        [2, 20],
      ]);
      expect(await readFile(path, 'utf8')).toBe('0\n2\n1 12\n2 20\n');
    });
  });

  it('loads a missing file as an empty cache without creating it', async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, LEADER_EPOCH_CHECKPOINT_FILE);
      const cache = await LeaderEpochCache.load(path, SILENT_LOGGER, {
        logStartOffset: 0,
        logEndOffset: 100,
        batches: noBatches,
      });
      expect(cache.latestEpoch).toBeUndefined();
      expect(await exists(path)).toBe(false);
    });
  });

  it('takes a well-formed but inconsistent file as assign() would, and rewrites it', async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, LEADER_EPOCH_CHECKPOINT_FILE);
      await writeFile(path, '0\n4\n0 0\n3 10\n2 15\n4 10\n');
      const cache = await LeaderEpochCache.load(path, SILENT_LOGGER, {
        logStartOffset: 0,
        logEndOffset: 100,
        batches: noBatches,
      });
      expect(pairs(cache)).toEqual([
        [0, 0],
        [4, 10],
      ]);
      expect(await readFile(path, 'utf8')).toBe('0\n2\n0 0\n4 10\n');
    });
  });

  it('rebuilds a corrupt file from the batches, with a warning', async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, LEADER_EPOCH_CHECKPOINT_FILE);
      await writeFile(path, '0\n3\n0 0\ngarbage\n');
      const logger = recordingLogger();
      const batches = (): EpochStart[] => [
        { partitionLeaderEpoch: -1, baseOffset: 0 },
        { partitionLeaderEpoch: 1, baseOffset: 2 },
        { partitionLeaderEpoch: 1, baseOffset: 5 },
        { partitionLeaderEpoch: 4, baseOffset: 9 },
        { partitionLeaderEpoch: 6, baseOffset: 12 },
      ];
      const cache = await LeaderEpochCache.load(path, logger, { logStartOffset: 3, logEndOffset: 12, batches });
      expect(pairs(cache)).toEqual([
        [1, 3],
        [4, 9],
      ]);
      expect(await readFile(path, 'utf8')).toBe('0\n2\n1 3\n4 9\n');
      expect(logger.lines.some((l) => l.level === 'warn' && /corrupt leader epoch checkpoint/.test(l.msg))).toBe(true);
    });
  });
});

import { open as openFile, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { batchViews } from '../../../protocol/records/index.js';
import { LEADER_EPOCH_CHECKPOINT_FILE } from '../../../storage/checkpoint-file.js';
import { UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET } from '../../../storage/leader-epoch-cache.js';
import type { Log } from '../../../storage/log.js';
import { batchOf, openLog, withTempDir } from '../../helpers/storage.js';

const pairs = (log: Log): [number, number][] => log.leaderEpochCache.entries().map((e) => [e.epoch, e.startOffset]);

const epochFile = (log: Log) => join(log.dir, LEADER_EPOCH_CHECKPOINT_FILE);

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

/** Appends one batch of `count` records per epoch, as a leader in that epoch would. */
async function appendEpochs(log: Log, epochs: number[], count = 2): Promise<void> {
  for (const [i, leaderEpoch] of epochs.entries()) {
    await log.append(batchOf(Array.from({ length: count }, (_, j) => `b${i}-${j}`)), { leaderEpoch });
  }
}

/** Every batch of `log`, copied, as a follower fetches them. */
async function allBytes(log: Log): Promise<Buffer> {
  return Buffer.from((await log.read(log.logStartOffset, { maxBytes: 1 << 20 })).records);
}

describe('Log leader epochs', () => {
  it('records the first offset of each epoch of client appends', async () => {
    await withTempDir(async (root) => {
      const log = await openLog(join(root, 't-0'));
      await log.append(batchOf(['a', 'b', 'c']), { leaderEpoch: 0 });
      await log.append(batchOf(['d']), { leaderEpoch: 0 });
      await log.append(batchOf(['e', 'f']), { leaderEpoch: 1 });
      expect(pairs(log)).toEqual([
        [0, 0],
        [1, 4],
      ]);
      expect(log.latestEpoch).toBe(1);
      expect(await readFile(epochFile(log), 'utf8')).toBe('0\n2\n0 0\n1 4\n');
      expect(log.endOffsetForEpoch(1)).toEqual({ epoch: 1, endOffset: 6 });
      expect(log.endOffsetForEpoch(0)).toEqual({ epoch: 0, endOffset: 4 });
      await log.append(batchOf(['g']), { leaderEpoch: 1 });
      expect(log.endOffsetForEpoch(1)).toEqual({ epoch: 1, endOffset: 7 });
      expect(log.endOffsetForEpoch(2)).toEqual({ epoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET });
      await log.close();
    });
  });

  it('records nothing for appends without a leader epoch', async () => {
    await withTempDir(async (root) => {
      const log = await openLog(join(root, 't-0'));
      await log.append(batchOf(['a']));
      expect(log.latestEpoch).toBeUndefined();
      expect(await exists(epochFile(log))).toBe(false);
      await log.close();
    });
  });

  it('takes the epochs of replicated batches at their base offsets', async () => {
    await withTempDir(async (root) => {
      const leader = await openLog(join(root, 'leader', 't-0'));
      await leader.append(batchOf(['x']));
      await appendEpochs(leader, [0, 0, 2, 5, 5]);
      const follower = await openLog(join(root, 'follower', 't-0'));
      await follower.append(await allBytes(leader), { origin: 'replication' });
      expect(follower.logEndOffset).toBe(11);
      // the first batch carries no epoch (-1) and assigns nothing
      expect(pairs(follower)).toEqual([
        [0, 1],
        [2, 5],
        [5, 7],
      ]);
      expect(pairs(follower)).toEqual(pairs(leader));
      await leader.close();
      await follower.close();
    });
  });

  it('keeps no epoch past the log end when a replicated append fails', async () => {
    await withTempDir(async (root) => {
      const leader = await openLog(join(root, 'leader', 't-0'));
      await appendEpochs(leader, [0, 1, 2]);
      const bytes = await allBytes(leader);
      bytes[bytes.length - 1]! ^= 0xff; // the last batch fails its CRC while being written
      const follower = await openLog(join(root, 'follower', 't-0'));
      await expect(follower.append(bytes, { origin: 'replication' })).rejects.toThrow();
      expect(follower.logEndOffset).toBe(0);
      // epoch 0 starting at the log end is still true of the next append; epochs 1 and 2 are not
      expect(pairs(follower)).toEqual([[0, 0]]);
      expect(await readFile(epochFile(follower), 'utf8')).toBe('0\n1\n0 0\n');
      await leader.close();
      await follower.close();
    });
  });

  it('drops the epochs above a truncation point', async () => {
    await withTempDir(async (root) => {
      const log = await openLog(join(root, 't-0'), { 'segment.bytes': '200' });
      await appendEpochs(log, [0, 0, 2, 5, 5]);
      expect(pairs(log)).toEqual([
        [0, 0],
        [2, 4],
        [5, 6],
      ]);
      expect(await log.truncateTo(7)).toBe(true);
      expect(pairs(log)).toEqual([
        [0, 0],
        [2, 4],
        [5, 6],
      ]);
      expect(await log.truncateTo(6)).toBe(true);
      expect(pairs(log)).toEqual([
        [0, 0],
        [2, 4],
      ]);
      expect(log.endOffsetForEpoch(2)).toEqual({ epoch: 2, endOffset: 6 });
      expect(await log.truncateTo(3)).toBe(true);
      expect(pairs(log)).toEqual([[0, 0]]);
      expect(await readFile(epochFile(log), 'utf8')).toBe('0\n1\n0 0\n');
      await log.truncateFullyAndStartAt(50);
      expect(pairs(log)).toEqual([]);
      expect(await readFile(epochFile(log), 'utf8')).toBe('0\n0\n');
      await log.close();
    });
  });

  it('lets a new leader assign its epoch before writing, and a truncation to the log end drop it again', async () => {
    await withTempDir(async (root) => {
      const log = await openLog(join(root, 't-0'));
      await appendEpochs(log, [1]);
      expect(await log.assignEpochStartOffset(3)).toBe(true);
      expect(pairs(log)).toEqual([
        [1, 0],
        [3, 2],
      ]);
      expect(log.endOffsetForEpoch(1)).toEqual({ epoch: 1, endOffset: 2 });
      expect(log.endOffsetForEpoch(2)).toEqual({ epoch: 1, endOffset: 2 });
      expect(log.endOffsetForEpoch(3)).toEqual({ epoch: 3, endOffset: 2 });
      // it became a follower without writing in epoch 3: the entry is dropped though nothing is truncated
      expect(await log.truncateTo(2)).toBe(false);
      expect(pairs(log)).toEqual([[1, 0]]);
      await log.close();
    });
  });

  it('raises the first epoch with the log start offset (DeleteRecords, retention)', async () => {
    await withTempDir(async (root) => {
      const log = await openLog(join(root, 't-0'), { 'segment.bytes': '200', 'retention.bytes': '200' });
      await appendEpochs(log, [0, 0, 0, 2, 2, 2, 4, 4, 4], 1);
      expect(pairs(log)).toEqual([
        [0, 0],
        [2, 3],
        [4, 6],
      ]);
      await log.advanceLogStartOffset(2);
      expect(pairs(log)).toEqual([
        [0, 2],
        [2, 3],
        [4, 6],
      ]);
      await log.advanceLogStartOffset(3);
      expect(pairs(log)).toEqual([
        [2, 3],
        [4, 6],
      ]);
      expect(await log.deleteOldSegments()).toBeGreaterThan(0);
      const start = log.logStartOffset;
      expect(start).toBeGreaterThan(3);
      expect(start).toBeLessThan(9);
      expect(pairs(log)[0]).toEqual([start < 6 ? 2 : 4, start]);
      expect(pairs(log).at(-1)).toEqual([4, Math.max(6, start)]);
      expect(await readFile(epochFile(log), 'utf8')).toMatch(new RegExp(`^0\\n\\d\\n\\d ${start}\\n`));
      await log.close();
    });
  });

  it('keeps its epochs across a restart and removes the file when the log is deleted', async () => {
    await withTempDir(async (root) => {
      const dir = join(root, 't-0');
      const log = await openLog(dir);
      await appendEpochs(log, [0, 3, 7]);
      await log.close();
      const again = await openLog(dir, {}, { hadCleanShutdown: true });
      expect(pairs(again)).toEqual([
        [0, 0],
        [3, 2],
        [7, 4],
      ]);
      await again.delete();
      expect(await exists(join(dir, LEADER_EPOCH_CHECKPOINT_FILE))).toBe(false);
    });
  });

  it('drops the epochs of a tail cut by crash recovery', async () => {
    await withTempDir(async (root) => {
      const dir = join(root, 't-0');
      const log = await openLog(dir);
      await appendEpochs(log, [0, 0, 1]);
      const file = log.segments.at(-1)!.logFile;
      await log.close();
      expect(pairs(log)).toEqual([
        [0, 0],
        [1, 4],
      ]);
      // garbage over the end of the last batch, as a torn write leaves it
      const handle = await openFile(file, 'r+');
      const { size } = await handle.stat();
      await handle.write(Buffer.alloc(8, 0xee), 0, 8, size - 8);
      await handle.close();

      const recovered = await openLog(dir, {}, { hadCleanShutdown: false, recoveryPoint: 0 });
      expect(recovered.logEndOffset).toBe(4);
      expect(pairs(recovered)).toEqual([[0, 0]]);
      expect(await readFile(join(dir, LEADER_EPOCH_CHECKPOINT_FILE), 'utf8')).toBe('0\n1\n0 0\n');
      await recovered.close();
    });
  });

  it('rebuilds a corrupt epoch file from the batch headers', async () => {
    await withTempDir(async (root) => {
      const dir = join(root, 't-0');
      const log = await openLog(dir, { 'segment.bytes': '200' });
      await appendEpochs(log, [0, 0, 2, 2, 3, 6]);
      const before = pairs(log);
      await log.close();
      await writeFile(join(dir, LEADER_EPOCH_CHECKPOINT_FILE), '0\n3\n0 0\n');
      const again = await openLog(dir, { 'segment.bytes': '200' }, { hadCleanShutdown: true });
      expect(again.segmentCount).toBeGreaterThan(1);
      expect(pairs(again)).toEqual(before);
      expect(await readFile(join(dir, LEADER_EPOCH_CHECKPOINT_FILE), 'utf8')).toBe('0\n4\n0 0\n2 4\n3 8\n6 10\n');
      await again.close();
    });
  });

  it('starts empty when the file is missing, though the batches carry epochs', async () => {
    await withTempDir(async (root) => {
      const dir = join(root, 't-0');
      const log = await openLog(dir);
      await appendEpochs(log, [4]);
      await log.close();
      await rm(join(dir, LEADER_EPOCH_CHECKPOINT_FILE));
      const again = await openLog(dir, {}, { hadCleanShutdown: true });
      expect([...batchViews(await allBytes(again))][0]!.partitionLeaderEpoch).toBe(4);
      expect(again.latestEpoch).toBeUndefined();
      // the next epoch written starts the cache again
      await again.append(batchOf(['z']), { leaderEpoch: 5 });
      expect(pairs(again)).toEqual([[5, 2]]);
      await again.close();
    });
  });
});

import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MockClock } from '../../../storage/clock.js';
import type { Log } from '../../../storage/log.js';
import { LogManager, type LogManagerOptions } from '../../../storage/log-manager.js';
import { withTempDir } from '../../helpers/storage.js';
import {
  appendEntries,
  compactConfig,
  type Entry,
  keyedBatch,
  latestPerKey,
  readRecords,
  T0,
  waitFor,
} from './cleaner/cleaner-fixtures.js';

const start = (logDirs: string[], extra: Partial<LogManagerOptions> = {}) =>
  LogManager.start({
    logDirs,
    scheduled: false,
    clock: new MockClock(T0),
    cleaner: { dedupeBufferSize: 1 << 20 },
    ...extra,
  });

const checkpointFile = (dir: string) => readFile(join(dir, 'cleaner-offset-checkpoint'), 'utf8');

describe('LogManager log cleaner', () => {
  it('checkpoints the cleaned offset and starts from it after a restart', async () => {
    await withTempDir(async (root) => {
      const manager = await start([root]);
      await manager.setTopicConfig('t', compactConfig());
      const log = await manager.getOrCreateLog('t', 0);
      await appendEntries(
        log,
        Array.from({ length: 60 }, (_, i): Entry => [`k${i % 10}`, `v${i}`]),
      );
      await log.roll();
      const cleanedUpTo = log.logEndOffset;

      const summary = await manager.runCleanerOnce();
      expect(summary).toMatchObject({ topic: 't', partition: 0, firstDirtyOffset: 0, endOffset: cleanedUpTo });
      expect(summary!.bytesAfter).toBeLessThan(summary!.bytesBefore);
      expect(await checkpointFile(root)).toBe(`0\n1\nt 0 ${cleanedUpTo}\n`);
      // nothing is dirty any more
      expect(await manager.runCleanerOnce()).toBeNull();
      await manager.shutdown();

      const again = await start([root]);
      await again.setTopicConfig('t', compactConfig());
      expect(await again.runCleanerOnce()).toBeNull();
      const reopened = again.getLog('t', 0)!;
      await appendEntries(reopened, [['k1', 'new']]);
      await reopened.roll();
      expect(await again.runCleanerOnce()).toMatchObject({ firstDirtyOffset: cleanedUpTo, endOffset: cleanedUpTo + 1 });
      expect((await readRecords(reopened)).filter((r) => r.key === 'k1').map((r) => r.value)).toEqual(['new']);
      await again.shutdown();
    });
  });

  it('moves the checkpoint back when the log is truncated below it', async () => {
    await withTempDir(async (root) => {
      const manager = await start([root]);
      await manager.setTopicConfig('t', compactConfig());
      const log = await manager.getOrCreateLog('t', 0);
      await appendEntries(
        log,
        Array.from({ length: 30 }, (_, i): Entry => [`k${i % 5}`, `v${i}`]),
      );
      await log.roll();
      await manager.runCleanerOnce();
      await log.truncateTo(10);
      await manager.checkpoint();
      expect(await checkpointFile(root)).toBe('0\n1\nt 0 10\n');
      await manager.shutdown();
    });
  });

  it('shrinks a __consumer_offsets-like log whose keys are overwritten again and again', async () => {
    await withTempDir(async (root) => {
      const manager = await start([root]);
      await manager.setTopicConfig('__consumer_offsets', compactConfig({ 'segment.bytes': '16384' }));
      const log = await manager.getOrCreateLog('__consumer_offsets', 0);
      // 20 groups × 10 partitions committed 25 times, 50 commits per batch
      const commits: Entry[] = [];
      for (let round = 0; round < 25; round++) {
        for (let g = 0; g < 20; g++) {
          for (let p = 0; p < 10; p++) commits.push([`group-${g}/topic/${p}`, `offset=${round * 100 + p}`]);
        }
      }
      await appendEntries(log, commits, 50);
      await log.roll();
      const before = await readRecords(log);
      const sizeBefore = log.size;

      while ((await manager.runCleanerOnce()) !== null);

      const after = await readRecords(log);
      expect(after).toHaveLength(200);
      expect(after).toEqual([...latestPerKey(before).values()].sort((a, b) => a.offset - b.offset));
      expect(log.size).toBeLessThan(sizeBefore / 10);
      await manager.shutdown();
    });
  });

  it('cleans the filthiest log first and leaves logs without compact alone', async () => {
    await withTempDir(async (root) => {
      const manager = await start([root]);
      await manager.setTopicConfig('a', compactConfig());
      await manager.setTopicConfig('b', compactConfig());
      const a = await manager.getOrCreateLog('a', 0);
      const b = await manager.getOrCreateLog('b', 0);
      const plain = await manager.getOrCreateLog('plain', 0);
      const fill = async (log: Log, count: number) => {
        await appendEntries(
          log,
          Array.from({ length: count }, (_, i): Entry => [`k${i % 10}`, `v${i}`]),
        );
        await log.roll();
      };
      await fill(a, 10);
      await fill(b, 10);
      await fill(plain, 20);
      expect((await manager.runCleanerOnce())?.topic).toBe('a');
      expect((await manager.runCleanerOnce())?.topic).toBe('b');
      expect(await manager.runCleanerOnce()).toBeNull();

      // now b has far more dirty bytes over its clean ones than a
      await fill(a, 1);
      await fill(b, 30);
      const first = await manager.runCleanerOnce();
      const second = await manager.runCleanerOnce();
      expect(first?.topic).toBe('b');
      expect(second?.topic).toBe('a');
      expect(first!.cleanableRatio).toBeGreaterThan(second!.cleanableRatio);
      expect(await readRecords(plain)).toHaveLength(20);
      await manager.shutdown();
    });
  });

  it('runs in the background when scheduled and stops on shutdown', async () => {
    await withTempDir(async (root) => {
      const manager = await start([root], { scheduled: true, cleaner: { dedupeBufferSize: 1 << 20, backoffMs: 5 } });
      // reads racing the background swaps need the replaced segments to linger (file.delete.delay.ms)
      await manager.setTopicConfig('t', compactConfig({ 'file.delete.delay.ms': '60000' }));
      const log = await manager.getOrCreateLog('t', 0);
      await appendEntries(
        log,
        Array.from({ length: 40 }, (_, i): Entry => [`k${i % 4}`, `v${i}`]),
      );
      await log.roll();
      // the loop may clean several times as the segments roll; it ends with everything cleaned and checkpointed
      const done = `0\n1\nt 0 ${log.logEndOffset}\n`;
      await waitFor(async () => (await checkpointFile(root).catch(() => '')) === done);
      expect(await readRecords(log)).toHaveLength(4);
      await manager.shutdown();
    });
  });

  it('does not clean when log.cleaner.enable is false', async () => {
    await withTempDir(async (root) => {
      const manager = await start([root], { cleaner: { enable: false } });
      await manager.setTopicConfig('t', compactConfig());
      const log = await manager.getOrCreateLog('t', 0);
      await appendEntries(log, [
        ['k', 'a'],
        ['k', 'b'],
      ]);
      await log.roll();
      expect(await manager.runCleanerOnce()).toBeNull();
      expect(await readRecords(log)).toHaveLength(2);
      await manager.shutdown();
    });
  });

  it('deleting a partition aborts its cleaning', async () => {
    await withTempDir(async (root) => {
      let deleting: Promise<void> | undefined;
      const manager: LogManager = await start([root], {
        cleaner: {
          dedupeBufferSize: 1 << 20,
          afterStep: async (step) => {
            if (step !== 'cleaned' || deleting !== undefined) return;
            deleting = manager.deleteLog('t', 0);
            // deleteLog aborts the cleaning synchronously once the log has left the manager
            await waitFor(() => manager.getLog('t', 0) === undefined);
          },
        },
      });
      await manager.setTopicConfig('t', compactConfig());
      const log = await manager.getOrCreateLog('t', 0);
      for (let i = 0; i < 30; i++) await log.append(await keyedBatch([[`k${i % 3}`, `v${i}`]]));
      await log.roll();

      expect(await manager.runCleanerOnce()).toBeNull();
      await deleting;
      expect((await readdir(root)).filter((n) => n.startsWith('t-0'))).not.toContain('t-0');
      await manager.shutdown();
    });
  });
});

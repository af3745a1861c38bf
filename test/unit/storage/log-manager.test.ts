import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MockClock } from '../../../storage/clock.js';
import { InvalidConfigError } from '../../../storage/errors.js';
import { CLEAN_SHUTDOWN_FILE, LogManager, type LogManagerOptions } from '../../../storage/log-manager.js';
import { batchOf, withTempDir } from '../../helpers/storage.js';

const start = (logDirs: string[], extra: Partial<LogManagerOptions> = {}) =>
  LogManager.start({ logDirs, scheduled: false, clock: new MockClock(1_700_000_000_000), ...extra });

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

describe('LogManager', () => {
  it('creates logs spread over log.dirs and finds them again after a clean restart', async () => {
    await withTempDir(async (root) => {
      const dirs = [join(root, 'a'), join(root, 'b')];
      const manager = await start(dirs);
      for (let p = 0; p < 4; p++) {
        const log = await manager.getOrCreateLog('events', p);
        await log.append(batchOf([`p${p}-0`, `p${p}-1`]));
      }
      expect((await readdir(dirs[0]!)).filter((n) => n.startsWith('events-'))).toHaveLength(2);
      expect((await readdir(dirs[1]!)).filter((n) => n.startsWith('events-'))).toHaveLength(2);
      expect(await manager.getOrCreateLog('events', 0)).toBe(manager.getLog('events', 0));
      await manager.shutdown();
      expect(await exists(join(dirs[0]!, CLEAN_SHUTDOWN_FILE))).toBe(true);
      expect(await readFile(join(dirs[0]!, 'recovery-point-offset-checkpoint'), 'utf8')).toMatch(/^0\n2\n/);

      const again = await start(dirs);
      expect(again.allLogs()).toHaveLength(4);
      expect(again.getLog('events', 3)!.logEndOffset).toBe(2);
      // the marker is gone while running, so a crash now counts as unclean
      expect(await exists(join(dirs[0]!, CLEAN_SHUTDOWN_FILE))).toBe(false);
      await again.shutdown();
    });
  });

  it('creates a partition once when asked concurrently', async () => {
    await withTempDir(async (root) => {
      const manager = await start([root]);
      const logs = await Promise.all(Array.from({ length: 5 }, () => manager.getOrCreateLog('t', 0)));
      expect(new Set(logs).size).toBe(1);
      await manager.shutdown();
    });
  });

  it('keeps the log start offset across restarts through its checkpoint', async () => {
    await withTempDir(async (root) => {
      const manager = await start([root], { defaultConfig: undefined });
      await manager.setTopicConfig('t', { 'segment.bytes': '200' });
      const log = await manager.getOrCreateLog('t', 0);
      for (let i = 0; i < 10; i++) await log.append(batchOf([`v${i}`]));
      await log.advanceLogStartOffset(6);
      await manager.shutdown();
      const again = await start([root]);
      expect(again.getLog('t', 0)!.logStartOffset).toBe(6);
      await again.shutdown();
    });
  });

  it('applies topic config overrides to open logs and rejects bad ones naming the key', async () => {
    await withTempDir(async (root) => {
      const manager = await start([root]);
      const log = await manager.getOrCreateLog('t', 0);
      expect(log.config.retentionMs).toBe(7 * 24 * 3600 * 1000);
      await manager.setTopicConfig('t', { 'retention.ms': '1000' });
      expect(log.config.retentionMs).toBe(1000);
      await expect(manager.setTopicConfig('t', { 'retention.ms': 'soon' })).rejects.toThrow(/retention\.ms/);
      await expect(manager.setTopicConfig('t', { 'no.such.key': '1' })).rejects.toBeInstanceOf(InvalidConfigError);
      await manager.shutdown();
    });
  });

  it("schedules no timer for an interval of Kafka's never (Long.MAX_VALUE)", async () => {
    await withTempDir(async (root) => {
      const warnings: Error[] = [];
      const onWarning = (w: Error): number => warnings.push(w);
      process.on('warning', onWarning);
      const manager = await LogManager.start({
        logDirs: [root],
        scheduled: true,
        flushCheckIntervalMs: Infinity,
        retentionCheckIntervalMs: 2 ** 40,
      });
      await new Promise((resolve) => setImmediate(resolve));
      await manager.shutdown();
      process.off('warning', onWarning);
      expect(warnings.filter((w) => w.name === 'TimeoutOverflowWarning')).toEqual([]);
    });
  });

  it('runs retention over every log', async () => {
    await withTempDir(async (root) => {
      const clock = new MockClock(1_000_000);
      const manager = await start([root], { clock });
      await manager.setTopicConfig('t', { 'segment.bytes': '200', 'retention.ms': '1000' });
      const log = await manager.getOrCreateLog('t', 0);
      for (let i = 0; i < 10; i++) await log.append(batchOf([`v${i}`], { timestamp: 1_000_000 }));
      clock.advance(5000);
      expect(await manager.runRetention()).toBeGreaterThan(0);
      expect(log.segmentCount).toBe(1);
      await manager.shutdown();
    });
  });

  it('deletes a partition by renaming it first, and removes leftovers of an interrupted delete at start', async () => {
    await withTempDir(async (root) => {
      const manager = await start([root]);
      const log = await manager.getOrCreateLog('gone', 0);
      await log.append(batchOf(['x']));
      await manager.deleteLog('gone', 0);
      expect(manager.getLog('gone', 0)).toBeUndefined();
      expect(await exists(join(root, 'gone-0'))).toBe(false);
      await manager.shutdown();

      const leftover = join(root, 'old-0.0123456789abcdef-delete');
      await mkdir(leftover);
      await writeFile(join(leftover, '00000000000000000000.log'), 'x');
      const again = await start([root]);
      expect(again.getLog('old', 0)).toBeUndefined();
      const deadline = Date.now() + 5000;
      while ((await exists(leftover)) && Date.now() < deadline) await new Promise((r) => setImmediate(r));
      expect(await exists(leftover)).toBe(false);
      await again.shutdown();
    });
  });
});

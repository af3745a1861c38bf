import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPLICATION_OFFSET_CHECKPOINT_FILE } from '../../../storage/checkpoint-file.js';
import { MockClock } from '../../../storage/clock.js';
import type { Log } from '../../../storage/log.js';
import { LogManager, type LogManagerOptions } from '../../../storage/log-manager.js';
import { recordingLogger } from '../../helpers/log-check.js';
import { withTempDir } from '../../helpers/storage.js';

const start = (logDirs: string[], extra: Partial<LogManagerOptions> = {}) =>
  LogManager.start({ logDirs, scheduled: false, clock: new MockClock(1_700_000_000_000), ...extra });

/** The `topic partition offset` lines of a dir's high watermark checkpoint, sorted. */
async function checkpointLines(logDir: string): Promise<string[]> {
  const [version, count, ...lines] = (await readFile(join(logDir, REPLICATION_OFFSET_CHECKPOINT_FILE), 'utf8'))
    .trimEnd()
    .split('\n');
  expect(version).toBe('0');
  expect(Number(count)).toBe(lines.length);
  return lines.sort();
}

describe('LogManager high watermark checkpoint', () => {
  it('writes each log dir its own logs and reads them back after a restart', async () => {
    await withTempDir(async (root) => {
      const dirs = [join(root, 'a'), join(root, 'b')];
      const manager = await start(dirs);
      const logs: Log[] = [];
      for (let p = 0; p < 4; p++) logs.push(await manager.getOrCreateLog('events', p));
      // partition 3 has no high watermark yet (a replica the broker does not track): it is left out
      await manager.writeHighWatermarks(new Map(logs.slice(0, 3).map((log, p) => [log, 10 * (p + 1)])));
      const inDir = (dir: string) => logs.filter((l) => l.dir.startsWith(dir + '/'));
      for (const dir of dirs) {
        const expected = inDir(dir)
          .filter((l) => l.partition < 3)
          .map((l) => `events ${l.partition} ${10 * (l.partition + 1)}`);
        expect(expected.length).toBeGreaterThan(0);
        expect(await checkpointLines(dir)).toEqual(expected.sort());
      }
      expect(manager.checkpointedHighWatermark('events', 0)).toBeUndefined(); // read at start only
      await manager.shutdown();

      const again = await start(dirs);
      expect([0, 1, 2, 3].map((p) => again.checkpointedHighWatermark('events', p))).toEqual([10, 20, 30, undefined]);
      await again.getOrCreateLog('fresh', 0);
      expect(again.checkpointedHighWatermark('fresh', 0)).toBeUndefined();
      expect(again.checkpointedHighWatermark('missing', 0)).toBeUndefined();
      await again.shutdown();
    });
  });

  it('serializes concurrent writes in call order and leaves out deleted logs', async () => {
    await withTempDir(async (root) => {
      const manager = await start([root]);
      const a = await manager.getOrCreateLog('t', 0);
      const b = await manager.getOrCreateLog('t', 1);
      const writes = Array.from({ length: 20 }, (_, i) =>
        manager.writeHighWatermarks(
          new Map([
            [a, i],
            [b, 100 + i],
          ]),
        ),
      );
      await Promise.all(writes);
      expect(await checkpointLines(root)).toEqual(['t 0 19', 't 1 119']);

      await manager.deleteLog('t', 1);
      await manager.writeHighWatermarks(
        new Map([
          [a, 30],
          [b, 130],
        ]),
      );
      expect(await checkpointLines(root)).toEqual(['t 0 30']);
      await manager.shutdown();
    });
  });

  it('treats a corrupt checkpoint as empty, with a warning', async () => {
    await withTempDir(async (root) => {
      const dirs = [join(root, 'a'), join(root, 'b')];
      const manager = await start(dirs);
      const logs = [await manager.getOrCreateLog('t', 0), await manager.getOrCreateLog('t', 1)];
      await manager.writeHighWatermarks(new Map(logs.map((l) => [l, 5 + l.partition])));
      await manager.shutdown();
      const corruptDir = logs[0]!.dir.startsWith(dirs[0]! + '/') ? dirs[0]! : dirs[1]!;
      await writeFile(join(corruptDir, REPLICATION_OFFSET_CHECKPOINT_FILE), '0\n1\nt zero 5\n');

      const logger = recordingLogger();
      const again = await start(dirs, { logger });
      expect(again.checkpointedHighWatermark('t', 0)).toBeUndefined();
      expect(again.checkpointedHighWatermark('t', 1)).toBe(6); // the other dir's file is fine
      expect(
        logger.lines.some((l) => l.level === 'warn' && l.msg === 'ignoring a corrupt high watermark checkpoint'),
      ).toBe(true);
      await again.shutdown();
    });
  });
});

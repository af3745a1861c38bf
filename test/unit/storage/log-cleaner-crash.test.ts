import { readdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CleaningStep } from '../../../storage/cleaner/cleaner.js';
import { MockClock } from '../../../storage/clock.js';
import type { Log } from '../../../storage/log.js';
import { segmentFileName } from '../../../storage/segment-files.js';
import { openLog } from '../../helpers/storage.js';
import {
  appendEntries,
  cleanOnce,
  compactConfig,
  latestPerKey,
  type ReadRecord,
  readRecords,
  T0,
  withLogDir,
} from './cleaner/cleaner-fixtures.js';

/** Thrown by the step hook: everything after it is what a crash at that point would not have done. */
class Crash extends Error {}

const STEPS: readonly CleaningStep[] = ['cleaned', 'swap', 'replaced', 'old-renamed', 'renamed'];
const CONFIG = compactConfig({ 'segment.bytes': '1024' });

/**
 * A log of small segments (rolled every 4 appends) over 12 keys, so that cleaning makes several groups of several
 * segments each. Returns every record it holds.
 */
async function buildLog(log: Log): Promise<ReadRecord[]> {
  for (let i = 0; i < 48; i++) {
    const key = `k${(i * 5) % 12}`;
    await appendEntries(log, [[key, i % 11 === 10 ? null : `v${i}`]]);
    if (i % 4 === 3) await log.roll();
  }
  return readRecords(log);
}

/**
 * What must hold after recovery from any crash: offsets strictly increasing (no duplicates), every record one of
 * the originals at its own offset, every key's latest record present, the log end unchanged, no leftover files.
 */
async function expectConsistent(dir: string, log: Log, original: readonly ReadRecord[], logEndOffset: number) {
  const records = await readRecords(log);
  const byOffset = new Map(original.map((r) => [r.offset, r]));
  for (let i = 1; i < records.length; i++) expect(records[i]!.offset).toBeGreaterThan(records[i - 1]!.offset);
  for (const r of records) expect(r).toEqual(byOffset.get(r.offset));
  for (const latest of latestPerKey(original).values()) expect(records).toContainEqual(latest);
  expect(log.logEndOffset).toBe(logEndOffset);
  expect((await readdir(dir)).filter((n) => /\.(cleaned|swap|deleted)$/.test(n))).toEqual([]);
}

/** The extra suffixes in the directory right after each step (the loader must resolve each combination). */
const LEFTOVERS: Record<CleaningStep, string[]> = {
  cleaned: ['.cleaned'],
  swap: ['.swap'],
  replaced: ['.swap'],
  'old-renamed': ['.deleted', '.swap'],
  renamed: ['.deleted'],
};

/** Cleans `log` and "crashes" right after `step` of group `groupAt` (0-based), a group of several segments. */
async function crashDuring(dir: string, log: Log, clock: MockClock, step: CleaningStep, groupAt: number) {
  let group = -1;
  let groupSize = 0;
  const cleaning = cleanOnce(log, clock, {
    afterStep: (at, segments) => {
      if (at === 'cleaned') group++;
      if (at === step && group === groupAt) {
        groupSize = segments.length;
        throw new Crash(`crash after ${step} of group ${groupAt}`);
      }
    },
  });
  await expect(cleaning).rejects.toBeInstanceOf(Crash);
  expect(groupSize).toBeGreaterThan(1);
  const suffixes = new Set((await readdir(dir)).map((n) => /\.(cleaned|swap|deleted)$/.exec(n)?.[0]).filter(Boolean));
  expect([...suffixes].sort()).toEqual(LEFTOVERS[step]);
}

describe('Cleaner crash safety', () => {
  for (const groupAt of [0, 1]) {
    for (const step of STEPS) {
      for (const recoveryPoint of ['none', 'log end'] as const) {
        it(`recovers a readable log after a crash right after '${step}' of group ${groupAt} (recovery point: ${recoveryPoint})`, async () => {
          await withLogDir(async (dir) => {
            const clock = new MockClock(T0);
            const log = await openLog(dir, CONFIG, { clock });
            const original = await buildLog(log);
            const logEndOffset = log.logEndOffset;

            await crashDuring(dir, log, clock, step, groupAt);

            // the crashed log object is abandoned, as the process would be; a fresh one loads the directory
            const reopened = await openLog(dir, CONFIG, {
              clock,
              recoveryPoint: recoveryPoint === 'none' ? 0 : logEndOffset,
            });
            await expectConsistent(dir, reopened, original, logEndOffset);

            // and a full cleaning afterwards gives the compacted log
            await cleanOnce(reopened, clock);
            const expected = [...latestPerKey(original).values()].sort((a, b) => a.offset - b.offset);
            expect(await readRecords(reopened)).toEqual(expected);
            await reopened.close();
          });
        });
      }
    }
  }

  it('recovers when the crash renamed only some old segments to .deleted', async () => {
    await withLogDir(async (dir) => {
      const clock = new MockClock(T0);
      const log = await openLog(dir, CONFIG, { clock });
      const original = await buildLog(log);
      const logEndOffset = log.logEndOffset;
      const [first, second] = log.segments;

      await crashDuring(dir, log, clock, 'replaced', 0);
      // as if the crash came between renaming the first and the second old segment
      for (const suffix of ['.log', '.index', '.timeindex']) {
        await rename(
          join(dir, segmentFileName(first!.baseOffset, suffix)),
          join(dir, segmentFileName(first!.baseOffset, `${suffix}.deleted`)),
        );
      }
      expect((await readdir(dir)).includes(segmentFileName(second!.baseOffset, '.log'))).toBe(true);

      const reopened = await openLog(dir, CONFIG, { clock });
      await expectConsistent(dir, reopened, original, logEndOffset);
      await reopened.close();
    });
  });

  it('recovers when the crash renamed the .log.swap but not its indexes', async () => {
    await withLogDir(async (dir) => {
      const clock = new MockClock(T0);
      const log = await openLog(dir, CONFIG, { clock });
      const original = await buildLog(log);
      const logEndOffset = log.logEndOffset;
      const base = log.segments[0]!.baseOffset;

      await crashDuring(dir, log, clock, 'old-renamed', 0);
      await rename(join(dir, segmentFileName(base, '.log.swap')), join(dir, segmentFileName(base, '.log')));
      expect((await readdir(dir)).filter((n) => n.endsWith('.swap'))).toHaveLength(2);

      for (const hadCleanShutdown of [false, true]) {
        const reopened = await openLog(dir, CONFIG, { clock, hadCleanShutdown });
        await expectConsistent(dir, reopened, original, logEndOffset);
        await reopened.close();
      }
    });
  });
});

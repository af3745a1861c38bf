import { mkdir, mkdtemp, open as openFile, readdir, readFile, rm, truncate, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCompressedRecordBatch, CompressionType, RecordBatchView } from '../../../protocol/records/index.js';
import { MockClock } from '../../../storage/clock.js';
import { FileHandleCache } from '../../../storage/file-handle-cache.js';
import { logConfigFrom } from '../../../storage/log-config.js';
import { loadLog } from '../../../storage/log-loader.js';
import type { Log } from '../../../storage/log.js';
import { segmentFileName } from '../../../storage/segment-files.js';
import { checkLog, type LoggedLine, recordingLogger } from '../../helpers/log-check.js';
import { batchOf } from '../../helpers/storage.js';

/*
 * Recovery from damaged files (Kafka's LogLoader and LogSegment.recover semantics): a fixture log of several
 * segments is written once; each case restores it into a fresh directory, damages it, reopens it and checks the
 * result with the same consistency checks as the crash tests (test/helpers/log-check.ts).
 */

const CONFIG = { 'segment.bytes': '4096', 'index.interval.bytes': '200' };
const T0 = 1_700_000_000_000;
const TOPIC_DIR = 'recovery-0';
/** Random damage positions tried per kind of damage. */
const TRIALS = 25;

/** A batch in the fixture's files. */
interface Placed {
  segment: number;
  position: number;
  size: number;
  baseOffset: number;
  lastOffset: number;
}

let work: string;
/** The fixture: file name → content, after a clean close. */
let files: Map<string, Buffer>;
let bases: number[];
let placed: Placed[];
let logEndOffset: number;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'samsa-recovery-'));
  const dir = join(work, 'fixture', TOPIC_DIR);
  const { log } = await open(dir, { hadCleanShutdown: true });
  const rand = random(7);
  for (let i = 0; i < 60; i++) {
    const records = Array.from({ length: 1 + Math.floor(rand() * 8) }, (_, j) => ({
      key: `k${j}`,
      value: 'v'.repeat(Math.floor(rand() * 300)) + i,
      // not monotonic: time lookups must use the running maximum
      timestamp: T0 + i * 1000 + Math.floor(rand() * 3000) - 1500,
    }));
    const compression = i % 5 === 4 ? CompressionType.Gzip : CompressionType.None;
    await log.append(await buildCompressedRecordBatch(records, { compression }));
  }
  logEndOffset = log.logEndOffset;
  await log.close();
  files = new Map();
  for (const name of await readdir(dir)) files.set(name, await readFile(join(dir, name)));
  bases = [...files.keys()].filter((n) => n.endsWith('.log')).map((n) => Number(n.substring(0, 20)));
  bases.sort((a, b) => a - b);
  placed = [];
  bases.forEach((base, segment) => {
    const buf = files.get(segmentFileName(base, '.log'))!;
    for (let position = 0; position < buf.length;) {
      const view = new RecordBatchView(buf, position);
      placed.push({
        segment,
        position,
        size: view.sizeInBytes,
        baseOffset: view.baseOffset,
        lastOffset: view.lastOffset,
      });
      position += view.sizeInBytes;
    }
  });
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('recovery after an unclean shutdown', () => {
  it('has a fixture of several segments, each with index entries', () => {
    expect(bases.length).toBeGreaterThanOrEqual(4);
    for (const base of bases) expect(files.get(segmentFileName(base, '.index'))!.length).toBeGreaterThan(0);
  });

  it('cuts a tail segment with a flipped byte at the batch holding it, and logs how much was cut', async () => {
    const rand = random(11);
    const tail = bases.length - 1;
    const tailBatches = placed.filter((p) => p.segment === tail);
    const tailFile = segmentFileName(bases[tail]!, '.log');
    const size = files.get(tailFile)!.length;
    for (let trial = 0; trial < TRIALS; trial++) {
      // baseOffset (bytes 0-7) and partitionLeaderEpoch (12-15) are outside the CRC: see the next test
      let position: number;
      let hit: Placed;
      do {
        position = Math.floor(rand() * size);
        hit = tailBatches.find((b) => position < b.position + b.size)!;
      } while (position - hit.position < 8 || (position - hit.position >= 12 && position - hit.position < 16));
      const dir = await restore(`flip-${trial}`);
      const path = join(dir, tailFile);
      const bytes = await readFile(path);
      bytes[position] = bytes[position]! ^ (1 + Math.floor(rand() * 255));
      await writeFile(path, bytes);
      const recoveryPoint = [0, bases[tail]!, logEndOffset][trial % 3]!;
      const context = `flip at ${position} (batch at ${hit.position}), recovery point ${recoveryPoint}`;

      const { log, lines } = await open(dir, { recoveryPoint });
      expect(log.logEndOffset, context).toBe(hit.baseOffset);
      expect(truncations(lines), context).toEqual([{ baseOffset: bases[tail], truncatedBytes: size - hit.position }]);
      expect(await readFile(path), context).toEqual(files.get(tailFile)!.subarray(0, hit.position));
      await checkLog(log, { fullChecksFrom: bases[tail] });
      await expectAppendAndReopen(log, dir, trial % 4 === 0);
    }
  });

  it('truncates at a batch whose offsets are impossible, but cannot see a changed leader epoch (as Kafka)', async () => {
    const tail = bases.length - 1;
    const tailFile = segmentFileName(bases[tail]!, '.log');
    const [first, second] = placed.filter((p) => p.segment === tail);
    const damage = async (
      name: string,
      change: (bytes: Buffer) => void,
    ): Promise<{ log: Log; lines: LoggedLine[] }> => {
      const dir = await restore(name);
      const bytes = await readFile(join(dir, tailFile));
      change(bytes);
      await writeFile(join(dir, tailFile), bytes);
      return open(dir, { recoveryPoint: 0 });
    };

    // the second batch's base offset going backwards: cut there
    const backwards = await damage('backwards', (b) => b.writeBigInt64BE(BigInt(first!.baseOffset), second!.position));
    expect(backwards.log.logEndOffset).toBe(second!.baseOffset);
    expect(truncations(backwards.lines)).toEqual([
      { baseOffset: bases[tail], truncatedBytes: files.get(tailFile)!.length - second!.position },
    ]);
    await backwards.log.close();

    // a base offset that no longer fits the segment's int32 relative offsets: cut there, not a failed load
    for (const [name, offset] of [
      ['overflow', bases[tail]! + 2 ** 33],
      ['unsafe', 2n ** 62n],
    ] as const) {
      const overflow = await damage(name, (b) => b.writeBigInt64BE(BigInt(offset), second!.position));
      expect(overflow.log.logEndOffset, name).toBe(second!.baseOffset);
      await checkLog(overflow.log);
      await overflow.log.close();
    }

    // the partition leader epoch is not covered by the CRC, like the base offset: nothing to detect
    const epoch = await damage('epoch', (b) => b.writeInt32BE(12345, second!.position + 12));
    expect(epoch.log.logEndOffset).toBe(logEndOffset);
    expect(truncations(epoch.lines)).toEqual([]);
    await epoch.log.close();
  });

  it('cuts a tail segment truncated at any position back to its last whole batch', async () => {
    const rand = random(13);
    const tail = bases.length - 1;
    const tailFile = segmentFileName(bases[tail]!, '.log');
    const tailBatches = placed.filter((p) => p.segment === tail);
    const size = files.get(tailFile)!.length;
    for (let trial = 0; trial < TRIALS; trial++) {
      // every third trial cuts exactly at a batch boundary: nothing left to truncate then
      const length =
        trial % 3 === 0 ? tailBatches[Math.floor(rand() * tailBatches.length)]!.position : Math.floor(rand() * size);
      const dir = await restore(`truncate-${trial}`);
      await truncate(join(dir, tailFile), length);
      const whole = tailBatches.filter((b) => b.position + b.size <= length);
      const end = whole.length === 0 ? 0 : whole.at(-1)!.position + whole.at(-1)!.size;
      const context = `truncated to ${length} bytes of ${size}`;

      const { log, lines } = await open(dir, { recoveryPoint: trial % 2 === 0 ? 0 : logEndOffset });
      expect(log.logEndOffset, context).toBe(whole.length === 0 ? bases[tail] : whole.at(-1)!.lastOffset + 1);
      expect(truncations(lines), context).toEqual(
        length === end ? [] : [{ baseOffset: bases[tail], truncatedBytes: length - end }],
      );
      await checkLog(log, { fullChecksFrom: bases[tail] });
      await expectAppendAndReopen(log, dir, trial % 4 === 0);
    }
  });

  it('cuts a corrupt middle segment there and deletes the segments after it, as Kafka does', async () => {
    const middle = Math.floor(bases.length / 2);
    const victim = placed.filter((p) => p.segment === middle)[1]!;
    const dir = await restore('middle');
    const path = join(dir, segmentFileName(bases[middle]!, '.log'));
    const bytes = await readFile(path);
    bytes[victim.position + victim.size - 1] = bytes[victim.position + victim.size - 1]! ^ 0x55;
    await writeFile(path, bytes);

    const { log, lines } = await open(dir, { recoveryPoint: bases[middle - 1]! });
    expect(log.logEndOffset).toBe(victim.baseOffset);
    expect(log.segments.map((s) => s.baseOffset)).toEqual(bases.slice(0, middle + 1));
    expect(truncations(lines)).toEqual([{ baseOffset: bases[middle], truncatedBytes: bytes.length - victim.position }]);
    expect(lines.find((l) => l.msg.includes('deleted segments'))?.obj).toEqual({ segments: bases.slice(middle + 1) });
    const remaining = (await readdir(dir)).filter((n) => n.endsWith('.log')).sort();
    expect(remaining).toEqual(bases.slice(0, middle + 1).map((b) => segmentFileName(b, '.log')));
    await checkLog(log);
    await expectAppendAndReopen(log, dir);
  });

  it('keeps batches larger than a max.message.bytes lowered since they were written, as Kafka does', async () => {
    const dir = await restore('lowered-max-message-bytes');
    const { log, lines } = await open(dir, { recoveryPoint: 0, config: { 'max.message.bytes': '100' } });
    expect(log.logEndOffset).toBe(logEndOffset);
    expect(truncations(lines)).toEqual([]);
    await log.close();
  });

  it('trusts segments below the recovery point (only their indexes are checked), as Kafka does', async () => {
    const victim = placed.filter((p) => p.segment === 1)[1]!;
    const dir = await restore('below-recovery-point');
    const path = join(dir, segmentFileName(bases[1]!, '.log'));
    const bytes = await readFile(path);
    bytes[victim.position + victim.size - 1] = bytes[victim.position + victim.size - 1]! ^ 0x55;
    await writeFile(path, bytes);

    const { log, lines } = await open(dir, { recoveryPoint: bases[2]! });
    expect(log.logEndOffset).toBe(logEndOffset);
    expect(truncations(lines)).toEqual([]);
    // the damaged batch is served as stored; consumers check CRCs
    const { records } = await log.read(victim.baseOffset, { maxBytes: 1 });
    expect(new RecordBatchView(records).isValidCrc()).toBe(false);
    await log.close();
  });
});

describe('a crash during a roll', () => {
  // A roll must write the old segment's final time index entry before the fsync that moves the recovery point past
  // it: otherwise a checkpoint taken in between, then a crash, leaves a trusted segment whose time index lacks its
  // maximum timestamp, and offsetForTimestamp skips it.
  it('never lets the recovery point pass a segment whose final time index entry is not written', async () => {
    const dir = join(work, 'roll-window', TOPIC_DIR);
    const copy = join(work, 'roll-window-copy', TOPIC_DIR);
    /** The log once open: the gate below looks at its recovery point. */
    let opened: Log | null = null;
    let reached: () => void = () => undefined;
    const atWindow = new Promise<void>((resolve) => (reached = resolve));
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    // the old segment's .timeindex write that happens once the recovery point has moved past it waits here
    const handles = new FileHandleCache(16, async (path) => {
      const handle = await openFile(path, 'r+');
      if (!path.endsWith(segmentFileName(0, '.timeindex'))) return handle;
      return new Proxy(handle, {
        get(target, property) {
          const value: unknown = Reflect.get(target, property, target);
          if (typeof value !== 'function') return value;
          const bound = (value as (...args: unknown[]) => Promise<unknown>).bind(target);
          if (property !== 'write') return bound;
          return async (...args: unknown[]) => {
            if ((opened?.recoveryPoint ?? 0) > 0) {
              reached();
              await gate;
            }
            return bound(...args);
          };
        },
      });
    });
    const log = await loadLog({
      dir,
      config: logConfigFrom({ 'index.interval.bytes': '300' }),
      clock: new MockClock(T0),
      handles,
      logger: recordingLogger(),
      recoveryPoint: 0,
      logStartOffset: 0,
      hadCleanShutdown: true,
    });
    opened = log;
    // batches of about 170 bytes: index entries for the third and fifth; the sixth has the largest timestamp
    for (let i = 0; i < 6; i++) await log.append(batchOf(['x'.repeat(100)], { timestamp: T0 + (i === 5 ? 500 : i) }));
    const rolling = log.roll();
    await Promise.race([atWindow, rolling]);
    const recoveryPoint = log.recoveryPoint; // what a checkpoint taken now would record
    await mkdir(copy, { recursive: true });
    for (const name of await readdir(dir)) await writeFile(join(copy, name), await readFile(join(dir, name)));
    release();
    await rolling;
    await log.close();
    await handles.closeAll();

    const { log: reopened } = await open(copy, { recoveryPoint });
    expect(await reopened.offsetForTimestamp(T0 + 500)).toMatchObject({ offset: 5, timestamp: T0 + 500 });
    await checkLog(reopened);
    await reopened.close();
  });
});

describe('index files', () => {
  it.each([
    ['garbage in an offset index', '.index', 'garbage'],
    ['garbage in a time index', '.timeindex', 'garbage'],
    ['a partial entry at the end of an offset index', '.index', 'partial'],
    ['a missing offset index', '.index', 'missing'],
    ['a missing time index', '.timeindex', 'missing'],
  ] as const)('rebuilds %s, after a clean or an unclean shutdown', async (_name, suffix, damage) => {
    const rand = random(17);
    for (const segment of [1, bases.length - 1]) {
      for (const hadCleanShutdown of [true, false]) {
        const dir = await restore(`index-${suffix}-${damage}-${segment}-${hadCleanShutdown}`);
        const file = segmentFileName(bases[segment]!, suffix);
        const path = join(dir, file);
        if (damage === 'missing') await unlink(path);
        else if (damage === 'partial') await writeFile(path, Buffer.concat([files.get(file)!, Buffer.from([1, 2, 3])]));
        else
          await writeFile(path, Buffer.from(Array.from({ length: 16 + Math.floor(rand() * 200) }, () => rand() * 256)));
        const context = `${file}, ${hadCleanShutdown ? 'clean' : 'unclean'} shutdown`;

        // The recovery point is the log end: after an unclean shutdown the tail segment is recovered (its
        // indexes rebuilt with it) and the earlier ones only have their indexes checked, and found wanting.
        const { log, lines } = await open(dir, { hadCleanShutdown, recoveryPoint: logEndOffset });
        const checkedOnly = hadCleanShutdown || segment < bases.length - 1;
        expect(lines.filter((l) => l.msg.includes('rebuilding segment indexes')).length, context).toBe(
          checkedOnly ? 1 : 0,
        );
        expect(log.logEndOffset, context).toBe(logEndOffset);
        await checkLog(log);
        await log.close();
        // a log written in one go gets the same entries from a rebuild
        expect(await readFile(path), context).toEqual(files.get(file));
      }
    }
  });
});

describe('a trusted segment', () => {
  it('whose index is rebuilt and whose log turns out corrupt is cut there, logged, and keeps later segments (Kafka)', async () => {
    const victim = placed.filter((p) => p.segment === 1)[1]!;
    const dir = await restore('trusted-corrupt');
    const path = join(dir, segmentFileName(bases[1]!, '.log'));
    const bytes = await readFile(path);
    bytes[victim.position + victim.size - 1] = bytes[victim.position + victim.size - 1]! ^ 0x55;
    await writeFile(path, bytes);
    await unlink(join(dir, segmentFileName(bases[1]!, '.index')));

    const { log, lines } = await open(dir, { hadCleanShutdown: true });
    expect(truncations(lines)).toEqual([{ baseOffset: bases[1], truncatedBytes: bytes.length - victim.position }]);
    expect(log.segments.map((s) => s.baseOffset)).toEqual(bases);
    expect(log.logEndOffset).toBe(logEndOffset);
    await log.close();
  });
});

describe('leftovers of interrupted work', () => {
  it('removes .tmp, .cleaned and .deleted files and index files without a log', async () => {
    const dir = await restore('leftovers');
    const stray = [
      `${segmentFileName(bases[1]!, '.log')}.cleaned`,
      `${segmentFileName(bases[1]!, '.index')}.cleaned`,
      `${segmentFileName(bases[2]!, '.timeindex')}.deleted`,
      'leader-epoch-checkpoint.tmp',
      segmentFileName(99_999, '.index'),
      segmentFileName(99_999, '.timeindex'),
    ];
    for (const name of stray) await writeFile(join(dir, name), 'left over');
    const { log } = await open(dir, { hadCleanShutdown: true });
    expect((await readdir(dir)).sort()).toEqual([...files.keys()].sort());
    await checkLog(log);
    await log.close();
  });

  it('completes a segment swap: the .swap log replaces the segments it covers and gets new indexes', async () => {
    // the cleaner's output for segments 1 and 2, complete but not yet renamed (here: their bytes unchanged)
    const dir = await restore('swap');
    const merged = Buffer.concat([
      files.get(segmentFileName(bases[1]!, '.log'))!,
      files.get(segmentFileName(bases[2]!, '.log'))!,
    ]);
    await writeFile(join(dir, `${segmentFileName(bases[1]!, '.log')}.swap`), merged);
    await writeFile(join(dir, `${segmentFileName(bases[1]!, '.index')}.swap`), 'stale');

    const { log, lines } = await open(dir, { hadCleanShutdown: true });
    expect(log.segments.map((s) => s.baseOffset)).toEqual(bases.filter((_, i) => i !== 2));
    expect(log.logEndOffset).toBe(logEndOffset);
    expect(lines.some((l) => l.msg.includes('completed interrupted segment swap'))).toBe(true);
    expect(
      (await readdir(dir)).filter((n) => n.includes('.swap') || n.startsWith(segmentFileName(bases[2]!, ''))),
    ).toEqual([]);
    await checkLog(log);
    await log.close();
  });
});

/** The fixture's files in a new directory (named like a partition); returns its path. */
async function restore(name: string): Promise<string> {
  const dir = join(work, name, TOPIC_DIR);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  for (const [file, content] of files) await writeFile(join(dir, file), content);
  return dir;
}

async function open(
  dir: string,
  options: { hadCleanShutdown?: boolean; recoveryPoint?: number; config?: Record<string, string> } = {},
): Promise<{ log: Log; lines: LoggedLine[] }> {
  const lines: LoggedLine[] = [];
  const log = await loadLog({
    dir,
    config: logConfigFrom({ ...CONFIG, ...options.config }),
    clock: new MockClock(T0),
    handles: new FileHandleCache(16),
    logger: recordingLogger(lines),
    recoveryPoint: options.recoveryPoint ?? 0,
    logStartOffset: 0,
    hadCleanShutdown: options.hadCleanShutdown ?? false,
  });
  return { log, lines };
}

/** The truncations the loader logged. */
function truncations(lines: LoggedLine[]): object[] {
  return lines.filter((l) => l.level === 'warn' && l.msg.includes('truncated')).map((l) => l.obj);
}

/** Appending continues at the log end; with `reopen`, the log then reopens (cleanly) with the new batch. */
async function expectAppendAndReopen(log: Log, dir: string, reopen = true): Promise<void> {
  const end = log.logEndOffset;
  const info = await log.append(batchOf(['after recovery'], { timestamp: T0 }));
  expect(info.firstOffset).toBe(end);
  await log.close();
  if (!reopen) return;
  const { log: reopened } = await open(dir, { hadCleanShutdown: true });
  expect(reopened.logEndOffset).toBe(end + 1);
  // the recovered part was checked in full already
  await checkLog(reopened, { fullChecksFrom: end });
  await reopened.close();
}

function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

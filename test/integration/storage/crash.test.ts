import { type ChildProcess, spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  batchViews,
  buildRecordBatch,
  RECORD_BATCH_OVERHEAD,
  RecordBatchView,
} from '../../../protocol/records/index.js';
import {
  LOG_START_OFFSET_CHECKPOINT_FILE,
  OffsetCheckpointFile,
  RECOVERY_POINT_CHECKPOINT_FILE,
} from '../../../storage/checkpoint-file.js';
import { SystemClock } from '../../../storage/clock.js';
import { FileHandleCache } from '../../../storage/file-handle-cache.js';
import { logConfigFrom } from '../../../storage/log-config.js';
import { loadLog } from '../../../storage/log-loader.js';
import { CLEAN_SHUTDOWN_FILE } from '../../../storage/log-manager.js';
import type { CrashWriterOptions } from '../../helpers/crash-writer.js';
import { batchHash, checkLog, type LoggedLine, recordingLogger } from '../../helpers/log-check.js';

/*
 * Crash tests (issue 3): a child process (test/helpers/crash-writer.ts) appends to a log through a LogManager with
 * flush.messages=1 and is killed with SIGKILL at a random moment: while it recovers the log, just after opening
 * it, or after a random number of announced or acknowledged appends (plus a few milliseconds). After each kill the
 * parent reopens the log the way a restarted broker would (unclean shutdown, recovery point from the child's last
 * checkpoint) and checks that
 * - the log is a valid prefix of what was written: offsets contiguous from 0, every batch CRC-valid, each batch
 *   either one verified earlier or exactly one the child announced (same offsets, same records);
 * - every append the child reported as completed is there;
 * - the indexes agree with the log (every offset readable, offsetForTimestamp matches a brute-force search,
 *   sanityCheck passes, index entries point at the batches they name);
 * - appending continues at the recovered log end.
 * Some rounds skip the parent's check, so the next child recovers the crashed log itself (and may be killed while
 * doing so). Some kills are made power cuts: the unsynced end of the last segment is cut at a random byte and
 * may get garbage after it (tearTail). Segments are small, so rolls (by size and by full index) happen all the
 * time.
 *
 * Two lanes (independent logs) run at once. CRASH_ROUNDS and CRASH_SEED override the number of rounds and the
 * random seed (printed on failure; it fixes each round's plan, timing decides the rest). With CRASH_KEEP=1 each
 * lane's directory is copied before every reopen and the temp root is kept, for a post-mortem.
 */

const ROUNDS = Number(process.env.CRASH_ROUNDS ?? 60);
const LANES = 2;
const SEED = Number(process.env.CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));
/** Copy each lane's directory before reopening it and keep the copy of a failed round (not its temp root). */
const KEEP = process.env.CRASH_KEEP === '1';
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const WRITER = fileURLToPath(new URL('../../helpers/crash-writer.ts', import.meta.url));
/**
 * The writer bundled into one ES module (packages stay external, so it lives under node_modules to resolve them):
 * a child then starts in a third of the time `node --import tsx` takes, and start-up is most of a round.
 */
const BUNDLE = join(REPO, 'node_modules', '.cache', 'samsa-tests', `crash-writer-${process.pid}.mjs`);
const TOPIC = 'crash';
const KEY = `${TOPIC}-0`;
const CONFIG: Record<string, string> = {
  'flush.messages': '1',
  'segment.bytes': '16384',
  'index.interval.bytes': '256',
  // 15 offset index entries, 9 usable time index entries: some segments roll because an index is full
  'segment.index.bytes': '120',
};
const TIMESTAMP_BASE = 1_700_000_000_000;
/** How long a child may take to reach the moment it is to be killed at. */
const CHILD_TIMEOUT_MS = 30_000;

interface Chunk {
  first: number;
  last: number;
  hash: string;
}

interface KillPlan {
  /** Kill once this line arrives (the count-th one for 'intent' and 'ack'). */
  on: 'opening' | 'ready' | 'intent' | 'ack';
  count: number;
  delayMs: number;
}

interface ChildRun {
  intents: Chunk[];
  acks: Chunk[];
  signal: NodeJS.Signals | null;
  code: number | null;
  stderr: string;
  errors: string[];
}

interface LaneStats {
  checks: number;
  tears: number;
  acked: number;
  offsets: number;
  truncations: number;
}

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'samsa-crash-'));
  // esbuild comes with tsx, which runs this repository's TypeScript everywhere else
  const { build } = await import('esbuild');
  await build({
    entryPoints: [WRITER],
    outfile: BUNDLE,
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    logLevel: 'error',
  });
});
afterAll(async () => {
  await rm(BUNDLE, { force: true });
  if (!KEEP) await rm(root, { recursive: true, force: true });
});

describe('crash recovery: a writer killed with SIGKILL', () => {
  it(`keeps a valid log with every acknowledged append (${ROUNDS} rounds)`, async ({ annotate }) => {
    const started = Date.now();
    // Independent logs in parallel lanes: most of a round is the child's start-up, which overlaps well. A lane
    // that fails stops the others (at their next round), so no writer outlives the test.
    const stop = { failed: false };
    const settled = await Promise.allSettled(
      Array.from({ length: LANES }, (_, lane) =>
        runLane(lane, Math.ceil((ROUNDS - lane) / LANES), stop).catch((err: unknown) => {
          stop.failed = true;
          throw err;
        }),
      ),
    );
    const stats = settled.map((s) => {
      if (s.status === 'rejected') throw s.reason;
      return s.value;
    });
    const sum = (f: (s: LaneStats) => number): number => stats.reduce((n, s) => n + f(s), 0);
    await annotate(
      `crash test: ${ROUNDS} rounds in ${LANES} lanes (seed ${SEED}), ${sum((s) => s.checks)} checks, ` +
        `${sum((s) => s.tears)} torn tails, ${sum((s) => s.acked)} acknowledged appends, ` +
        `${sum((s) => s.offsets)} offsets, ${sum((s) => s.truncations)} truncations logged by the parent, ` +
        `${Date.now() - started} ms`,
    );
  });
});

/** `rounds` crash rounds on one log of its own. */
async function runLane(lane: number, rounds: number, stop: { failed: boolean }): Promise<LaneStats> {
  const rand = random(SEED + lane * 1_000_003);
  const int = (n: number): number => Math.floor(rand() * n);
  const laneRoot = join(root, `lane-${lane}`);
  const snapshot = join(root, `lane-${lane}-snapshot`);
  await mkdir(laneRoot);
  const dir = join(laneRoot, KEY);
  const config = logConfigFrom(CONFIG);
  /** Batches verified so far: the log must start with exactly these. */
  const known: Chunk[] = [];
  /** Batches announced by writers since the last check, by first offset (a later announcement wins). */
  const pending = new Map<number, Chunk>();
  const pendingAcks: Chunk[] = [];
  const stats: LaneStats = { checks: 0, tears: 0, acked: 0, offsets: 0, truncations: 0 };

  for (let round = 0; round < rounds && !stop.failed; round++) {
    const context = `seed ${SEED}, lane ${lane}, round ${round}`;
    const pick = rand();
    // right after an intent the append is often written but not acknowledged: material for a power cut
    const plan: KillPlan =
      pick < 0.1
        ? { on: 'opening', count: 1, delayMs: int(40) }
        : pick < 0.2
          ? { on: 'ready', count: 1, delayMs: int(5) }
          : { on: pick < 0.5 ? 'intent' : 'ack', count: 1 + int(60), delayMs: int(4) };
    const run = await runWriter(
      {
        root: laneRoot,
        topic: TOPIC,
        seed: SEED + lane * 1_000_003 + round,
        config: CONFIG,
        depth: 1 + int(3),
        timestampBase: TIMESTAMP_BASE + round * 1_000_000,
      },
      plan,
    );
    expect(run.errors, `${context}: the writer failed`).toEqual([]);
    expect(run.signal, `${context}: the writer exited with code ${run.code}: ${run.stderr}`).toBe('SIGKILL');
    for (const intent of run.intents) pending.set(intent.first, intent);
    pendingAcks.push(...run.acks);
    stats.acked += run.acks.length;
    // Sometimes a power cut rather than a kill: what was not yet fsynced may be lost, or half written.
    if (rand() < 0.3) {
      const synced = Math.max(known.at(-1)?.last ?? -1, ...pendingAcks.map((a) => a.last)) + 1;
      if (await tearTail(laneRoot, synced, rand)) stats.tears++;
    }

    // Now and then the next writer recovers the crashed log itself; the last round is always checked.
    if (round < rounds - 1 && rand() < 0.2) continue;

    stats.checks++;
    if (KEEP) {
      await rm(snapshot, { recursive: true, force: true });
      await cp(laneRoot, snapshot, { recursive: true });
    }
    const recoveryPoints = await new OffsetCheckpointFile(join(laneRoot, RECOVERY_POINT_CHECKPOINT_FILE)).readMap();
    const startOffsets = await new OffsetCheckpointFile(join(laneRoot, LOG_START_OFFSET_CHECKPOINT_FILE)).readMap();
    const lines: LoggedLine[] = [];
    const handles = new FileHandleCache(8);
    const log = await loadLog({
      dir,
      config,
      clock: new SystemClock(),
      handles,
      logger: recordingLogger(lines),
      recoveryPoint: recoveryPoints.get(KEY) ?? 0,
      logStartOffset: startOffsets.get(KEY) ?? 0,
      hadCleanShutdown: false,
    });
    try {
      stats.truncations += lines.filter((l) => l.msg.includes('truncated')).length;
      const knownEnd = known.length === 0 ? 0 : known.at(-1)!.last + 1;
      const batches = await checkLog(log, { fullChecksFrom: Math.max(0, knownEnd - 100) });
      expect(log.logStartOffset).toBe(0);
      expect(batches.length, 'batches verified before are missing').toBeGreaterThanOrEqual(known.length);
      batches.forEach((b, i) => {
        const expected = i < known.length ? known[i] : pending.get(b.baseOffset);
        expect(
          { first: b.baseOffset, last: b.lastOffset, hash: b.hash },
          `batch ${i} at offset ${b.baseOffset} is not one that was written`,
        ).toEqual(expected);
      });
      const records = batches.flatMap((b) => b.records);
      for (const ack of pendingAcks) {
        const acked = records.slice(ack.first, ack.last + 1);
        expect(batchHash(acked), `acknowledged append ${ack.first}..${ack.last} lost or changed`).toBe(ack.hash);
      }

      // appending continues at the recovered log end
      const mine = [{ key: Buffer.from('parent'), value: Buffer.from(`round ${round}`), timestamp: TIMESTAMP_BASE }];
      const end = log.logEndOffset;
      const info = await log.append(buildRecordBatch(mine));
      expect(info.firstOffset).toBe(end);
      const [readBack] = batchViews((await log.read(end, { maxBytes: 1024 })).records);
      expect(readBack?.baseOffset).toBe(end);

      known.length = 0;
      for (const b of batches) known.push({ first: b.baseOffset, last: b.lastOffset, hash: b.hash });
      known.push({ first: end, last: end, hash: batchHash(mine) });
      pending.clear();
      pendingAcks.length = 0;
    } catch (err) {
      const where = KEEP ? `; the directory before reopening is in ${snapshot}` : ' (CRASH_KEEP=1 keeps a copy)';
      throw new Error(`${context}: ${(err as Error).message}${where}`, { cause: err });
    } finally {
      await log.close();
      await handles.closeAll();
    }
    // The next writer starts from the parent's checkpoint or the crashed one's, after a clean shutdown or not.
    if (rand() < 0.5) {
      await new OffsetCheckpointFile(join(laneRoot, RECOVERY_POINT_CHECKPOINT_FILE)).writeMap(
        new Map([[KEY, log.recoveryPoint]]),
      );
    }
    if (rand() < 0.3) await writeFile(join(laneRoot, CLEAN_SHUTDOWN_FILE), '');
  }
  await rm(snapshot, { recursive: true, force: true });
  stats.offsets = (known.at(-1)?.last ?? -1) + 1;
  return stats;
}

/**
 * Simulates a power cut after the kill: the last segment loses a random part of what follows offset `synced`
 * (everything below it was acknowledged with flush.messages=1, or verified and closed, so it is on disk), and may
 * end in garbage, as a half-written page would. Only the last segment holds unsynced bytes: a roll fsyncs the
 * segment it leaves. Nothing happens after a clean shutdown (the marker is there: all is synced) or when nothing
 * unsynced is there. Returns whether the file changed.
 */
async function tearTail(laneRoot: string, synced: number, rand: () => number): Promise<boolean> {
  const cleanShutdown = await stat(join(laneRoot, CLEAN_SHUTDOWN_FILE)).then(
    () => true,
    () => false,
  );
  if (cleanShutdown) return false;
  const dir = join(laneRoot, KEY);
  // no directory yet when the first writer was killed before it created the log
  const last = (await readdir(dir).catch(() => []))
    .filter((n) => n.endsWith('.log'))
    .sort()
    .at(-1);
  if (last === undefined) return false;
  const path = join(dir, last);
  const bytes = await readFile(path);
  let from = 0;
  while (from + RECORD_BATCH_OVERHEAD <= bytes.length) {
    const view = new RecordBatchView(bytes, from);
    if (view.lastOffset >= synced || from + view.sizeInBytes > bytes.length) break;
    from += view.sizeInBytes;
  }
  if (from >= bytes.length) return false;
  const cut = from + Math.floor(rand() * (bytes.length - from));
  const garbage = Buffer.from(
    Array.from({ length: rand() < 0.5 ? 0 : 1 + Math.floor(rand() * 300) }, () => rand() * 256),
  );
  await writeFile(path, Buffer.concat([bytes.subarray(0, cut), garbage]));
  return true;
}

/** Runs the writer until the plan's moment, kills it with SIGKILL and collects what it printed. */
async function runWriter(options: CrashWriterOptions, plan: KillPlan): Promise<ChildRun> {
  const child = spawn(process.execPath, [BUNDLE, JSON.stringify(options)], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const run: ChildRun = { intents: [], acks: [], signal: null, code: null, stderr: '', errors: [] };
  let seen = 0;
  let killScheduled = false;
  const kill = (): void => {
    if (killScheduled) return;
    killScheduled = true;
    setTimeout(() => child.kill('SIGKILL'), plan.delayMs);
  };
  const timeout = setTimeout(() => {
    run.errors.push(`the writer did not reach its kill point (${JSON.stringify(plan)}) in ${CHILD_TIMEOUT_MS} ms`);
    child.kill('SIGKILL');
  }, CHILD_TIMEOUT_MS);
  child.stderr.on('data', (d: Buffer) => (run.stderr += d.toString()));
  createInterface({ input: child.stdout }).on('line', (line) => {
    const [word, a, b, c] = line.split(' ');
    if (word === 'intent') run.intents.push({ first: Number(a), last: Number(b), hash: c! });
    else if (word === 'ack') run.acks.push({ first: Number(a), last: Number(b), hash: c! });
    else if (word === 'error') run.errors.push(line);
    if (word === plan.on && ++seen >= plan.count) kill();
  });
  await exited(child, run);
  clearTimeout(timeout);
  return run;
}

function exited(child: ChildProcess, run: ChildRun): Promise<void> {
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      run.code = code;
      run.signal = signal;
      resolve();
    });
  });
}

/** mulberry32, as in the writer: the whole run replays from CRASH_SEED. */
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

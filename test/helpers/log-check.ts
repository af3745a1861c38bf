import { createHash } from 'node:crypto';
import { batchViews, decodeBatch, type Record, type RecordBatchView } from '../../protocol/records/index.js';
import { OffsetOutOfRangeError } from '../../storage/errors.js';
import type { Log } from '../../storage/log.js';
import { MAX_TIMESTAMP } from '../../storage/log-types.js';
import type { StorageLogger } from '../../storage/logger.js';
import type { LogSegment } from '../../storage/segment.js';

/**
 * Checks for storage crash, corruption and disk-full tests: read a whole log back batch by batch, fingerprint
 * batches, and verify that a log and its segments' indexes are consistent with the bytes on disk.
 */

/** One batch as read back from a log: header facts plus its decoded records. */
export interface LoggedBatch {
  baseOffset: number;
  lastOffset: number;
  maxTimestamp: number;
  records: Record[];
  /** batchHash of the records. */
  hash: string;
}

/** A key, value or timestamp change changes the hash; offsets are not part of it. */
export function batchHash(records: readonly { timestamp: number; key: Buffer | null; value: Buffer | null }[]): string {
  const hash = createHash('sha1');
  for (const r of records) {
    hash.update(`${r.timestamp}|${r.key === null ? '-' : r.key.toString('hex')}|`);
    hash.update(`${r.value === null ? '-' : r.value.toString('hex')}\n`);
  }
  return hash.digest('hex').substring(0, 16);
}

/**
 * Every batch from the log start to the log end via Log.read, each CRC-checked and decoded, asserting that offsets
 * are contiguous (no compaction in these tests) and that read() never returns a partial batch.
 */
export async function readAllBatches(log: Log): Promise<LoggedBatch[]> {
  const out: LoggedBatch[] = [];
  let next = log.logStartOffset;
  while (next < log.logEndOffset) {
    const { records } = await log.read(next, { maxBytes: 256 * 1024 });
    if (records.length === 0) throw new Error(`read(${next}) returned nothing below the log end ${log.logEndOffset}`);
    let end = 0;
    for (const view of batchViews(records)) {
      if (view.baseOffset !== next) {
        throw new Error(`batch at offset ${view.baseOffset} where ${next} was expected (read from ${next})`);
      }
      out.push(await loggedBatch(view));
      next = view.lastOffset + 1;
      end = view.position + view.sizeInBytes;
    }
    if (end !== records.length)
      throw new Error(`read(${next}) returned ${records.length - end} bytes of a partial batch`);
  }
  if (next !== log.logEndOffset) throw new Error(`batches end at ${next}, the log end offset is ${log.logEndOffset}`);
  return out;
}

async function loggedBatch(view: RecordBatchView): Promise<LoggedBatch> {
  view.validate();
  const records = await decodeBatch(view);
  records.forEach((r, i) => {
    if (r.offset !== view.baseOffset + i)
      throw new Error(`record ${i} of batch ${view.baseOffset} has offset ${r.offset}`);
  });
  return {
    baseOffset: view.baseOffset,
    lastOffset: view.lastOffset,
    maxTimestamp: view.maxTimestamp,
    records,
    hash: batchHash(records),
  };
}

/**
 * Asserts (throws with a description) that each segment agrees with its files: the batches fill the .log exactly,
 * segments hold contiguous offsets starting at their base offset, the indexes pass sanityCheck and every entry
 * points at the batch it names, the time index holds running maxima, the in-memory max timestamp matches the
 * batches, and each inactive segment's time index ends with that maximum.
 */
export async function checkSegments(log: Log): Promise<void> {
  const segments = log.segments;
  let expectedBase = segments[0]?.baseOffset ?? 0;
  for (const [i, segment] of segments.entries()) {
    const where = `segment ${segment.baseOffset} (${i + 1} of ${segments.length})`;
    const fail = (message: string): never => {
      throw new Error(`${where}: ${message}`);
    };
    if (segment.indexNeedsRebuild) fail('indexes still need a rebuild');
    try {
      segment.sanityCheck();
    } catch (err) {
      fail(`sanity check: ${(err as Error).message}`);
    }
    const headers = [];
    for await (const h of segment.log.batchHeaders(0)) headers.push(h);
    const bytes = headers.reduce((n, h) => n + h.size, 0);
    if (bytes !== segment.size) fail(`batches cover ${bytes} of ${segment.size} bytes`);
    if (segment.baseOffset !== expectedBase) fail(`base offset ${segment.baseOffset}, expected ${expectedBase}`);
    let next = segment.baseOffset;
    let max = -1;
    let offsetOfMax = segment.baseOffset;
    const runningMaxAt = new Map<number, number>();
    const byLastOffset = new Map<number, (typeof headers)[number]>();
    for (const h of headers) {
      if (h.baseOffset !== next) fail(`batch at ${h.position} starts at offset ${h.baseOffset}, expected ${next}`);
      next = h.lastOffset + 1;
      if (h.maxTimestamp > max) {
        max = h.maxTimestamp;
        offsetOfMax = h.lastOffset;
      }
      runningMaxAt.set(h.lastOffset, max);
      byLastOffset.set(h.lastOffset, h);
    }
    expectedBase = next;
    if (i < segments.length - 1 && headers.length === 0) fail('an inactive segment is empty');
    for (let n = 0; n < segment.offsetIndex.entries; n++) {
      const e = segment.offsetIndex.entry(n);
      if (byLastOffset.get(e.offset)?.position !== e.position) {
        fail(`offset index entry ${n} (${e.offset} → ${e.position}) does not point at the batch ending at ${e.offset}`);
      }
    }
    for (let n = 0; n < segment.timeIndex.entries; n++) {
      const e = segment.timeIndex.entry(n);
      const h = byLastOffset.get(e.offset);
      if (h === undefined || h.maxTimestamp !== e.timestamp || runningMaxAt.get(e.offset) !== e.timestamp) {
        fail(`time index entry ${n} (${e.timestamp} → ${e.offset}) is not the running maximum of a batch`);
      }
    }
    if (segment.maxTimestampSoFar !== max || (max >= 0 && segment.offsetOfMaxTimestampSoFar !== offsetOfMax)) {
      fail(
        `max timestamp ${segment.maxTimestampSoFar} at ${segment.offsetOfMaxTimestampSoFar}, ` +
          `the batches say ${max} at ${offsetOfMax}`,
      );
    }
    if (i < segments.length - 1 && max >= 0) {
      const last = segment.timeIndex.lastEntry;
      if (last.timestamp !== max || last.offset !== offsetOfMax) {
        fail(
          `inactive segment's last time index entry is ${last.timestamp} → ${last.offset}, not ${max} → ${offsetOfMax}`,
        );
      }
    }
  }
  if (expectedBase !== log.logEndOffset) {
    throw new Error(`segments end at offset ${expectedBase}, the log end offset is ${log.logEndOffset}`);
  }
}

export interface ReadCheckOptions {
  /**
   * Batches from this offset on get every check: each offset read, each max timestamp looked up. Of the batches
   * below it only a sample of OLDER_SAMPLE is checked (their first and last offsets, their timestamps). Default 0.
   */
  fullChecksFrom?: number;
}

const OLDER_SAMPLE = 32;

/**
 * Asserts that read() finds the batch holding each offset, that reads at and past the log end behave, and that
 * offsetForTimestamp agrees with a brute-force search over `batches` (the log's content, from readAllBatches).
 */
export async function checkLookups(
  log: Log,
  batches: readonly LoggedBatch[],
  options: ReadCheckOptions = {},
): Promise<void> {
  const from = options.fullChecksFrom ?? 0;
  const older = batches.filter((b) => b.lastOffset < from);
  const step = Math.max(1, Math.ceil(older.length / OLDER_SAMPLE));
  const checked = [...older.filter((_, i) => i % step === 0), ...batches.filter((b) => b.lastOffset >= from)];
  for (const b of checked) {
    const offsets = new Set([b.baseOffset, b.lastOffset]);
    if (b.lastOffset >= from) for (let o = b.baseOffset; o <= b.lastOffset; o++) offsets.add(o);
    for (const o of offsets) {
      const { records } = await log.read(o, { maxBytes: 1 });
      const first = [...batchViews(records)][0];
      if (first?.baseOffset !== b.baseOffset) {
        throw new Error(`read(${o}) returned the batch at ${first?.baseOffset}, expected ${b.baseOffset}`);
      }
    }
  }
  const end = await log.read(log.logEndOffset, { maxBytes: 1024 });
  if (end.records.length !== 0) throw new Error('read at the log end returned data');
  const past = await log.read(log.logEndOffset + 1, { maxBytes: 1024 }).then(
    () => null,
    (err: unknown) => err,
  );
  if (!(past instanceof OffsetOutOfRangeError)) throw new Error(`read past the log end gave ${String(past)}`);

  const records = batches.flatMap((b) => b.records);
  const targets = new Set<number>([0]);
  for (const b of checked) for (const t of [b.maxTimestamp - 1, b.maxTimestamp, b.maxTimestamp + 1]) targets.add(t);
  for (const t of targets) {
    const expected = records.find((r) => r.timestamp >= t);
    const found = await log.offsetForTimestamp(t);
    if ((found?.offset ?? null) !== (expected?.offset ?? null) || found?.timestamp !== expected?.timestamp) {
      throw new Error(
        `offsetForTimestamp(${t}) = ${JSON.stringify(found)}, expected offset ${expected?.offset} ` +
          `(timestamp ${expected?.timestamp})`,
      );
    }
  }
  if (batches.length > 0) {
    const maxTimestamp = Math.max(...batches.map((b) => b.maxTimestamp));
    const holder = batches.find((b) => b.maxTimestamp === maxTimestamp)!;
    const found = await log.offsetForTimestamp(MAX_TIMESTAMP);
    if (found?.timestamp !== maxTimestamp || found.offset !== holder.lastOffset) {
      throw new Error(`MAX_TIMESTAMP gave ${JSON.stringify(found)}, expected ${maxTimestamp} at ${holder.lastOffset}`);
    }
  }
}

/** Every check above; returns the batches. */
export async function checkLog(log: Log, options: ReadCheckOptions = {}): Promise<LoggedBatch[]> {
  await checkSegments(log);
  const batches = await readAllBatches(log);
  await checkLookups(log, batches, options);
  return batches;
}

/** One logged call. */
export interface LoggedLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  bindings: object;
  obj: object;
  msg: string;
}

/** A StorageLogger that keeps every line (children share the list and add their bindings). */
export function recordingLogger(
  lines: LoggedLine[] = [],
  bindings: object = {},
): StorageLogger & { lines: LoggedLine[] } {
  const at =
    (level: LoggedLine['level']) =>
    (obj: object, msg: string): void => {
      lines.push({ level, bindings, obj, msg });
    };
  return {
    lines,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (more) => recordingLogger(lines, { ...bindings, ...more }),
  };
}

/** The segment holding `offset`. */
export function segmentOf(log: Log, offset: number): LogSegment {
  const found = [...log.segments].reverse().find((s) => s.baseOffset <= offset);
  if (found === undefined) throw new Error(`no segment holds offset ${offset}`);
  return found;
}

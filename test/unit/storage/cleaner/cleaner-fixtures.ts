import { join } from 'node:path';
import {
  batchViews,
  buildCompressedRecordBatch,
  type CompressedRecordBatchOptions,
  decodeBatch,
  type RecordBatchView,
} from '../../../../protocol/records/index.js';
import {
  Cleaner,
  type CleanContext,
  type CleanerOptions,
  type CleanResult,
} from '../../../../storage/cleaner/cleaner.js';
import { logToClean } from '../../../../storage/cleaner/cleanable.js';
import type { MockClock } from '../../../../storage/clock.js';
import type { Log } from '../../../../storage/log.js';
import { SILENT_LOGGER } from '../../../../storage/logger.js';
import { withTempDir } from '../../../helpers/storage.js';

/** Shared fixtures of the cleaner tests: keyed batches, reading a compacted log back, one-shot cleanings. */

export const T0 = 1_700_000_000_000;
export const HOUR_MS = 3_600_000;

/** [key, value] pairs; a null value is a tombstone. */
export type Entry = readonly [key: string, value: string | null];

/** Runs `fn` with a fresh partition directory `<tmp>/t-0` (a Log's directory must be named topic-partition). */
export function withLogDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  return withTempDir((root) => fn(join(root, 't-0')));
}

/** Config of a compacted log with small segments, whose swapped-out files go at once. */
export function compactConfig(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    'cleanup.policy': 'compact',
    'segment.bytes': '2048',
    'file.delete.delay.ms': '0',
    'min.cleanable.dirty.ratio': '0.01',
    ...overrides,
  };
}

export function keyedBatch(
  entries: readonly Entry[],
  options: CompressedRecordBatchOptions & { timestamp?: number } = {},
): Promise<Buffer> {
  const timestamp = options.timestamp ?? T0;
  return buildCompressedRecordBatch(
    entries.map(([key, value]) => ({ key, value, timestamp })),
    options,
  );
}

/** Appends `entries` one batch per `perBatch` entries. */
export async function appendEntries(
  log: Log,
  entries: readonly Entry[],
  perBatch = 1,
  options: CompressedRecordBatchOptions & { timestamp?: number } = {},
): Promise<void> {
  for (let i = 0; i < entries.length; i += perBatch) {
    await log.append(await keyedBatch(entries.slice(i, i + perBatch), options));
  }
}

export interface ReadRecord {
  offset: number;
  key: string | null;
  value: string | null;
  timestamp: number;
}

export interface ReadBack {
  records: ReadRecord[];
  batches: RecordBatchView[];
}

/**
 * Every batch and data record from the log start to the log end, the way a consumer follows a compacted log: the
 * next fetch starts after the last batch returned (batches may be empty or skip offsets).
 */
export async function readBack(log: Log): Promise<ReadBack> {
  const out: ReadBack = { records: [], batches: [] };
  let next = log.logStartOffset;
  while (next < log.logEndOffset) {
    const { records } = await log.read(next, { maxBytes: 64 * 1024 });
    let last = -1;
    for (const view of batchViews(records)) {
      view.validate();
      last = view.lastOffset;
      if (last < next) continue;
      out.batches.push(view);
      // consumers never see control records (transaction markers)
      if (view.isControl) continue;
      for (const r of await decodeBatch(view)) {
        if (r.offset < next) continue;
        out.records.push({
          offset: r.offset,
          key: r.key?.toString() ?? null,
          value: r.value?.toString() ?? null,
          timestamp: r.timestamp,
        });
      }
    }
    if (last < next) throw new Error(`no progress reading at offset ${next}`);
    next = last + 1;
  }
  return out;
}

export async function readRecords(log: Log): Promise<ReadRecord[]> {
  return (await readBack(log)).records;
}

/** The latest record per key (offset order), tombstones included: what a full compaction must keep. */
export function latestPerKey(records: readonly ReadRecord[]): Map<string, ReadRecord> {
  const latest = new Map<string, ReadRecord>();
  for (const r of records) latest.set(r.key!, r);
  return latest;
}

/** One cleaning of `log` from `checkpoint` (default: its start), at the clock's time. */
export async function cleanOnce(
  log: Log,
  clock: MockClock,
  options: {
    checkpoint?: number;
    cleaner?: CleanerOptions;
    afterStep?: CleanContext['afterStep'];
    isAborted?: () => boolean;
  } = {},
): Promise<CleanResult> {
  const cleaner = new Cleaner({ dedupeBufferSize: 1 << 20, ...options.cleaner }, SILENT_LOGGER);
  const nowMs = clock.nowMs();
  const candidate = await logToClean(log, options.checkpoint, nowMs);
  return cleaner.clean(candidate, {
    nowMs,
    ...(options.afterStep === undefined ? {} : { afterStep: options.afterStep }),
    ...(options.isAborted === undefined ? {} : { isAborted: options.isAborted }),
  });
}

/** Waits for `condition` (polled), failing after `timeoutMs`. */
export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

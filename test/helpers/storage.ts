import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildRecordBatch, type RecordInput } from '../../protocol/records/index.js';
import { type Clock, MockClock } from '../../storage/clock.js';
import { FileHandleCache } from '../../storage/file-handle-cache.js';
import { logConfigFrom } from '../../storage/log-config.js';
import { loadLog } from '../../storage/log-loader.js';
import type { Log } from '../../storage/log.js';
import { SILENT_LOGGER } from '../../storage/logger.js';

/** Test fixtures for storage: temp directories, record batches and logs opened the way LogManager opens them. */
export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'samsa-storage-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** One uncompressed batch of `values` (offsets assigned by the log on append). */
export function batchOf(
  values: (string | null)[],
  options: { keys?: (string | null)[]; timestamp?: number } = {},
): Buffer {
  const records: RecordInput[] = values.map((value, i) => ({
    key: options.keys?.[i] ?? null,
    value,
    timestamp: options.timestamp ?? 1_700_000_000_000,
  }));
  return buildRecordBatch(records);
}

export interface OpenLogOptions {
  clock?: Clock;
  hadCleanShutdown?: boolean;
  recoveryPoint?: number;
  logStartOffset?: number;
  handles?: FileHandleCache;
}

export function openLog(
  dir: string,
  overrides: Record<string, string> = {},
  options: OpenLogOptions = {},
): Promise<Log> {
  return loadLog({
    dir,
    config: logConfigFrom(overrides),
    clock: options.clock ?? new MockClock(1_700_000_000_000),
    handles: options.handles ?? new FileHandleCache(16),
    logger: SILENT_LOGGER,
    recoveryPoint: options.recoveryPoint ?? 0,
    logStartOffset: options.logStartOffset ?? 0,
    hadCleanShutdown: options.hadCleanShutdown ?? false,
  });
}

import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { LEADER_EPOCH_CHECKPOINT_FILE } from './checkpoint-file.js';
import type { Clock } from './clock.js';
import { CorruptRecordError } from './errors.js';
import type { FileHandleCache } from './file-handle-cache.js';
import { type FileBatchHeader, FileRecords } from './file-records.js';
import { LeaderEpochCache } from './leader-epoch-cache.js';
import { Log } from './log.js';
import type { LogConfig } from './log-config.js';
import type { StorageLogger } from './logger.js';
import { LogSegment } from './segment.js';
import {
  CLEANED_FILE_SUFFIX,
  DELETED_FILE_SUFFIX,
  INDEX_FILE_SUFFIX,
  LOG_FILE_SUFFIX,
  parseSegmentFileName,
  segmentFileName,
  SWAP_FILE_SUFFIX,
  TIME_INDEX_FILE_SUFFIX,
} from './segment-files.js';
import { ProducerStateManager } from './producer-state-manager.js';
import { LogSegments } from './segments.js';

export interface LoadLogOptions {
  dir: string;
  config: LogConfig;
  clock: Clock;
  handles: FileHandleCache;
  logger: StorageLogger;
  /** Checkpointed offset below which the log is known to be on disk; 0 when unknown. */
  recoveryPoint: number;
  /** Checkpointed log start offset; 0 when unknown. */
  logStartOffset: number;
  /** The log directory holds a clean-shutdown marker: skip scanning segments. */
  hadCleanShutdown: boolean;
  /** producer.id.expiration.ms; default 1 day. */
  producerIdExpirationMs?: number;
}

/**
 * Opens a partition directory and brings it to a consistent state (Kafka's LogLoader):
 * 1. leftovers of interrupted work are resolved: `*.tmp`, `*.cleaned` (unfinished cleaner output) and
 *    `*.deleted` (deletion in progress) files are removed; a `*.log.swap` (cleaner output that was complete)
 *    replaces the segments it covers and is renamed into place; index files without a log are removed;
 * 2. after a clean shutdown only the indexes are checked (and rebuilt if corrupt or missing); after an unclean
 *    one every segment from the one holding the recovery point onwards is rescanned: a torn or corrupt tail is
 *    truncated at the last valid batch, later segments are discarded, and the indexes are rebuilt;
 * 3. the log end offset is read from the last segment, the log start offset is the checkpointed one or the
 *    first segment's base offset, whichever is larger; the recovery point is the log end after a clean shutdown
 *    and otherwise stays where the checkpoint put it (at most the log end);
 * 4. the idempotent producers' state is the newest valid `.snapshot` at or below the log end plus the batch
 *    headers after it (snapshots above the log end, left by a crash or a truncation, are removed);
 * 5. the leader epoch cache is `leader-epoch-checkpoint` with entries past the log end (a crash cut the data they
 *    describe) or wholly below the log start dropped. A corrupt file is rebuilt from the segments' batch headers; a
 *    missing one means an empty cache, even when the batches carry epochs (data copied from Kafka without the
 *    file): rebuilding would scan every such log at each start, and an empty cache only costs followers an
 *    OffsetForLeaderEpoch answer of UNDEFINED_EPOCH_OFFSET, which sends them back to the high watermark as Kafka's
 *    upgrade path does, until the next leader epoch is written.
 */
export async function loadLog(options: LoadLogOptions): Promise<Log> {
  const { dir, config, clock, handles } = options;
  const logger = options.logger.child({ dir });
  await mkdir(dir, { recursive: true });
  const bases = await resolveLeftovers(dir, logger, handles);

  const segments = new LogSegments();
  for (const base of bases) segments.add(await LogSegment.open(dir, base, config, clock, handles));
  if (segments.size === 0) {
    segments.add(await LogSegment.create(dir, options.logStartOffset, config, clock, handles));
  }

  if (options.hadCleanShutdown) {
    for (const s of segments.all) await recoverIfIndexBad(s, logger);
  } else {
    await recoverAfterCrash(segments, options.recoveryPoint, logger);
  }

  const logEndOffset = await segments.active.readNextOffset();
  const logStartOffset = Math.min(Math.max(options.logStartOffset, segments.first!.baseOffset), logEndOffset);
  const producerState = await ProducerStateManager.load({
    dir,
    logger,
    segments: segments.all,
    logStartOffset,
    logEndOffset,
    nowMs: clock.nowMs(),
    ...(options.producerIdExpirationMs === undefined ? {} : { expirationMs: options.producerIdExpirationMs }),
  });
  const leaderEpochCache = await LeaderEpochCache.load(join(dir, LEADER_EPOCH_CHECKPOINT_FILE), logger, {
    logStartOffset,
    logEndOffset,
    batches: () => batchHeaders(segments, logger),
  });
  return new Log({
    dir,
    config,
    clock,
    handles,
    logger: options.logger,
    segments,
    logStartOffset,
    logEndOffset,
    // After a crash the rescanned segments were not fsynced: they stay above the recovery point until a flush
    // (Kafka's rule), so another crash rescans them.
    recoveryPoint: options.hadCleanShutdown ? logEndOffset : Math.min(options.recoveryPoint, logEndOffset),
    producerState,
    leaderEpochCache,
  });
}

/** Every v2 batch header of the recovered segments, in order; a corrupt batch ends the walk (with a warning). */
async function* batchHeaders(segments: LogSegments, logger: StorageLogger): AsyncGenerator<FileBatchHeader> {
  for (const segment of segments.all) {
    try {
      yield* segment.log.batchHeaders();
    } catch (err) {
      if (!(err instanceof CorruptRecordError)) throw err;
      logger.warn({ err, baseOffset: segment.baseOffset }, 'stopped reading batch headers at a corrupt batch');
      return;
    }
  }
}

/** Removes or completes interrupted work; returns the base offsets of the segments to open, ascending. */
async function resolveLeftovers(dir: string, logger: StorageLogger, handles: FileHandleCache): Promise<number[]> {
  const names = await readdir(dir);
  const logs = new Set<number>();
  const swaps: number[] = [];
  const indexes: string[] = [];
  for (const name of names) {
    if (name.endsWith('.tmp')) {
      await rm(join(dir, name), { force: true });
      continue;
    }
    const parsed = parseSegmentFileName(name);
    if (parsed === null) continue;
    const { baseOffset: base, kind, extraSuffix } = parsed;
    if (extraSuffix === CLEANED_FILE_SUFFIX || extraSuffix === DELETED_FILE_SUFFIX) {
      logger.info({ file: name }, 'removing leftover file of interrupted cleaning or deletion');
      await rm(join(dir, name), { force: true });
    } else if (extraSuffix === SWAP_FILE_SUFFIX) {
      if (kind === LOG_FILE_SUFFIX) swaps.push(base);
      else await rm(join(dir, name), { force: true }); // indexes are rebuilt from the swapped-in log
    } else if (kind === LOG_FILE_SUFFIX) logs.add(base);
    else indexes.push(name);
  }
  for (const base of swaps.sort((a, b) => a - b)) {
    const swapFile = join(dir, segmentFileName(base, LOG_FILE_SUFFIX + SWAP_FILE_SUFFIX));
    const end = await nextOffsetOfFile(swapFile, base, handles);
    for (const replaced of [...logs].filter((b) => b >= base && b < end)) {
      await removeSegmentFiles(dir, replaced);
      logs.delete(replaced);
    }
    await rename(swapFile, join(dir, segmentFileName(base, LOG_FILE_SUFFIX)));
    await removeIndexFiles(dir, base); // rebuilt on open: LogSegment.open flags missing indexes
    logs.add(base);
    logger.info({ baseOffset: base, nextOffset: end }, 'completed interrupted segment swap');
  }
  for (const name of indexes) {
    if (!logs.has(parseSegmentFileName(name)!.baseOffset)) await rm(join(dir, name), { force: true });
  }
  return [...logs].sort((a, b) => a - b);
}

async function recoverIfIndexBad(segment: LogSegment, logger: StorageLogger): Promise<void> {
  let reason: string | undefined;
  if (segment.indexNeedsRebuild) reason = 'index files missing';
  else {
    try {
      segment.sanityCheck();
    } catch (err) {
      reason = (err as Error).message;
    }
  }
  if (reason === undefined) return;
  logger.warn({ baseOffset: segment.baseOffset, reason }, 'rebuilding segment indexes');
  const truncated = await segment.recover();
  // below the recovery point a crash would not recover this segment again, so its new indexes must be durable
  await segment.flush();
  // As in Kafka, the log is not cut further here: this segment was trusted, and only its indexes were suspect.
  if (truncated > 0) logTruncation(logger, segment, truncated);
}

function logTruncation(logger: StorageLogger, segment: LogSegment, truncatedBytes: number): void {
  logger.warn({ baseOffset: segment.baseOffset, truncatedBytes }, 'truncated invalid bytes at the end of a segment');
}

/**
 * Rescans the segments from the one holding the recovery point. No batch size limit applies (as in Kafka):
 * max.message.bytes may have been lowered since larger batches were written, and those are valid.
 */
async function recoverAfterCrash(segments: LogSegments, recoveryPoint: number, logger: StorageLogger): Promise<void> {
  const start = segments.floor(recoveryPoint) ?? segments.first!;
  for (const s of segments.all) {
    if (s.baseOffset < start.baseOffset) {
      await recoverIfIndexBad(s, logger);
      continue;
    }
    const truncated = await s.recover();
    if (truncated === 0) continue;
    logTruncation(logger, s, truncated);
    const later = segments.higher(s);
    for (const dropped of later) {
      segments.remove(dropped);
      await dropped.deleteIfExists();
    }
    if (later.length > 0) {
      logger.warn({ segments: later.map((d) => d.baseOffset) }, 'deleted segments after a corrupt segment');
    }
    return;
  }
}

/**
 * The offset after the last whole batch of a `.log.swap` file, from batch headers only. The swap was complete when
 * it was committed, so a torn or corrupt tail can only mean later damage: the scan stops there (recovery of the
 * renamed segment then truncates it).
 */
async function nextOffsetOfFile(path: string, baseOffset: number, handles: FileHandleCache): Promise<number> {
  const file = await FileRecords.open(path, handles);
  let next = baseOffset;
  try {
    for await (const header of file.batchHeaders()) next = header.lastOffset + 1;
  } catch (err) {
    if (!(err instanceof CorruptRecordError)) throw err;
  } finally {
    await file.close();
  }
  return next;
}

async function removeIndexFiles(dir: string, base: number): Promise<void> {
  for (const suffix of [INDEX_FILE_SUFFIX, TIME_INDEX_FILE_SUFFIX]) {
    await rm(join(dir, segmentFileName(base, suffix)), { force: true });
  }
}

async function removeSegmentFiles(dir: string, base: number): Promise<void> {
  await rm(join(dir, segmentFileName(base, LOG_FILE_SUFFIX)), { force: true });
  await removeIndexFiles(dir, base);
}

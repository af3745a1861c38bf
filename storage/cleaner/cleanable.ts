import type { Log } from '../log.js';
import type { LogSegment } from '../segment.js';

/**
 * Which part of a compacted log the cleaner may work on, and how dirty it is (Kafka's LogCleanerManager companion
 * object and LogToClean). Pure functions over a log's segment snapshot; the only I/O is reading a segment's first
 * batch header once for max.compaction.lag.ms (LogSegment caches it).
 *
 * - The clean section runs from the log start to the first dirty offset (the cleaner checkpoint); the dirty section
 *   from there to the first uncleanable offset: the base of the first segment that may not be cleaned, which is
 *   the active segment or, with min.compaction.lag.ms, the first dirty segment holding a record younger than the
 *   lag. Cleaning always stops at a segment boundary.
 * - dirty ratio = bytes of the segments overlapping the dirty section / bytes of all non-active segments up to the
 *   first uncleanable one (the segment holding the first dirty offset counts on both sides, as in Kafka).
 * - max.compaction.lag.ms: a log whose oldest dirty non-active segment starts with a batch older than the lag must
 *   be cleaned now, whatever its dirty ratio.
 */

/** Segments holding any offset in [from, to): Kafka's UnifiedLog.logSegments(from, to). */
export function segmentsInRange(segments: readonly LogSegment[], from: number, to: number): LogSegment[] {
  const out: LogSegment[] = [];
  if (from >= to) return out;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    if (segment.baseOffset >= to) break;
    const next = segments[i + 1]?.baseOffset ?? Infinity;
    if (next > from) out.push(segment);
  }
  return out;
}

/** The non-active segments from the one holding `from` on: Kafka's nonActiveLogSegmentsFrom. */
export function nonActiveSegmentsFrom(segments: readonly LogSegment[], from: number): LogSegment[] {
  const active = segments.at(-1);
  if (active === undefined || from > active.baseOffset) return [];
  return segmentsInRange(segments, from, active.baseOffset);
}

export interface OffsetsToClean {
  /** Where the dirty section starts: the checkpoint, or the log start when the checkpoint is missing or invalid. */
  readonly firstDirtyOffset: number;
  /** The offset the cleaner must not reach (exclusive), ≥ firstDirtyOffset. */
  readonly firstUncleanableDirtyOffset: number;
  /** The checkpoint was out of range and should be rewritten as firstDirtyOffset. */
  readonly forceUpdateCheckpoint: boolean;
}

/**
 * Kafka's cleanableOffsets. A checkpoint below the log start (retention or DeleteRecords moved it) or above the
 * log end (a truncated log) is replaced by the log start offset: the whole log is dirty again.
 */
export function cleanableOffsets(log: Log, checkpoint: number | undefined, nowMs: number): OffsetsToClean {
  const logStartOffset = log.logStartOffset;
  let firstDirtyOffset = checkpoint ?? logStartOffset;
  let forceUpdateCheckpoint = false;
  if (firstDirtyOffset < logStartOffset || firstDirtyOffset > log.logEndOffset) {
    firstDirtyOffset = logStartOffset;
    forceUpdateCheckpoint = true;
  }
  const segments = log.segments;
  let firstUncleanable = segments.at(-1)!.baseOffset;
  const lagMs = log.config.minCompactionLagMs;
  if (lagMs > 0) {
    const young = nonActiveSegmentsFrom(segments, firstDirtyOffset).find((s) => s.largestTimestamp > nowMs - lagMs);
    if (young !== undefined) firstUncleanable = Math.min(firstUncleanable, young.baseOffset);
  }
  return {
    firstDirtyOffset,
    firstUncleanableDirtyOffset: Math.max(firstDirtyOffset, firstUncleanable),
    forceUpdateCheckpoint,
  };
}

/**
 * How long past max.compaction.lag.ms the oldest dirty record is (Kafka's maxCompactionDelay): the earliest first
 * batch timestamp of the dirty non-active segments against now - max.compaction.lag.ms; 0 when within the lag.
 */
export async function maxCompactionDelay(log: Log, firstDirtyOffset: number, nowMs: number): Promise<number> {
  const maxLagMs = log.config.maxCompactionLagMs;
  if (!Number.isFinite(maxLagMs)) return 0;
  let earliest = Infinity;
  for (const s of nonActiveSegmentsFrom(log.segments, firstDirtyOffset)) {
    const timestamp = await s.firstBatchTimestamp();
    if (timestamp > 0 && timestamp < earliest) earliest = timestamp;
  }
  const cleanUntilMs = nowMs - maxLagMs;
  return earliest < cleanUntilMs ? cleanUntilMs - earliest : 0;
}

/** A log the cleaner could work on, with its dirty ratio (Kafka's LogToClean). */
export interface LogToClean extends OffsetsToClean {
  readonly log: Log;
  /** Base offset of the first segment that is not cleaned this time: cleaning and the offset map stop here. */
  readonly firstUncleanableOffset: number;
  /** Bytes of the segments below the first dirty offset. */
  readonly cleanBytes: number;
  /** Bytes of the segments from the one holding the first dirty offset up to the first uncleanable segment. */
  readonly cleanableBytes: number;
  readonly totalBytes: number;
  /** cleanableBytes / totalBytes: compared with min.cleanable.dirty.ratio. */
  readonly cleanableRatio: number;
  /** max.compaction.lag.ms has passed for some dirty record. */
  readonly needCompactionNow: boolean;
}

/** The cleaning candidate for `log` given its cleaner checkpoint. */
export async function logToClean(log: Log, checkpoint: number | undefined, nowMs: number): Promise<LogToClean> {
  const offsets = cleanableOffsets(log, checkpoint, nowMs);
  const segments = log.segments;
  const { firstDirtyOffset, firstUncleanableDirtyOffset } = offsets;
  const firstUncleanableSegment = nonActiveSegmentsFrom(segments, firstUncleanableDirtyOffset)[0] ?? segments.at(-1)!;
  const firstUncleanableOffset = firstUncleanableSegment.baseOffset;
  const cleanBytes = sizeOf(segmentsInRange(segments, -1, firstDirtyOffset));
  const cleanableBytes = sizeOf(
    segmentsInRange(segments, Math.min(firstDirtyOffset, firstUncleanableOffset), firstUncleanableOffset),
  );
  const totalBytes = cleanBytes + cleanableBytes;
  return {
    ...offsets,
    log,
    firstUncleanableOffset,
    cleanBytes,
    cleanableBytes,
    totalBytes,
    cleanableRatio: totalBytes === 0 ? 0 : cleanableBytes / totalBytes,
    needCompactionNow: (await maxCompactionDelay(log, firstDirtyOffset, nowMs)) > 0,
  };
}

/**
 * Kafka's rule: clean when the dirty ratio is above min.cleanable.dirty.ratio, or when max.compaction.lag.ms
 * demands it and there is something to clean.
 */
export function isCleanable(candidate: LogToClean): boolean {
  return (
    (candidate.needCompactionNow && candidate.cleanableBytes > 0) ||
    candidate.cleanableRatio > candidate.log.config.minCleanableDirtyRatio
  );
}

function sizeOf(segments: readonly LogSegment[]): number {
  let bytes = 0;
  for (const s of segments) bytes += s.size;
  return bytes;
}

import type { LogSegment } from './segment.js';
import type { LogSegments } from './segments.js';

/** Bounds of one read, taken by Log.read from a consistent snapshot of its offsets. */
export interface SegmentReadBounds {
  /** Exclusive upper bound on offsets (≤ logEndOffset). */
  limit: number;
  logEndOffset: number;
  /** Bytes of the active segment up to logEndOffset: a read never goes past them, even mid-append. */
  logEndPosition: number;
  maxBytes: number;
  minOneBatch: boolean;
  buffer: Buffer | undefined;
}

/**
 * Whole batches from the segment holding `fetchOffset` on, below `limit`; null when no segment has any (a
 * compacted log can leave whole segments without batches at or after the offset, so the walk goes on to the next).
 */
export async function readSegments(
  segments: LogSegments,
  fetchOffset: number,
  bounds: SegmentReadBounds,
): Promise<Buffer | null> {
  const { limit, logEndOffset } = bounds;
  const all = segments.all;
  let segment = segments.floor(fetchOffset) ?? all[0];
  while (segment !== undefined && segment.baseOffset < limit) {
    const next = all[all.indexOf(segment) + 1];
    // only a limit inside this segment needs a lookup; the usual fetch (limit = log end) reads to the end
    const maxPosition =
      next !== undefined && next.baseOffset <= limit
        ? segment.size
        : limit >= logEndOffset
          ? Math.min(segment.size, bounds.logEndPosition)
          : await maxPositionFor(segment, limit);
    const result = await segment.read(fetchOffset, bounds.maxBytes, maxPosition, bounds.minOneBatch, bounds.buffer);
    if (result !== null && result.records.length > 0) return result.records;
    segment = next;
  }
  return null;
}

/** The file position of the first batch at or above `limit` in this segment, or its size when there is none. */
async function maxPositionFor(segment: LogSegment, limit: number): Promise<number> {
  const found = await segment.translateOffset(limit);
  return found === null ? segment.size : found.position;
}

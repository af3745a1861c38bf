import { MAX_TIMESTAMP } from './log-types.js';
import type { LogSegment, TimestampAndOffset } from './segment.js';

/**
 * The ListOffsets search over a log's segments: MAX_TIMESTAMP → the batch with the largest timestamp, otherwise
 * the first offset at or above `logStartOffset` whose timestamp is ≥ the target; null when there is none.
 */
export async function searchTimestamp(
  segments: readonly LogSegment[],
  logStartOffset: number,
  timestamp: number,
): Promise<TimestampAndOffset | null> {
  if (timestamp === MAX_TIMESTAMP) {
    let best: TimestampAndOffset | null = null;
    for (const s of segments) {
      if (s.size > 0 && (best === null || s.maxTimestampSoFar > best.timestamp)) {
        best = { offset: s.offsetOfMaxTimestampSoFar, timestamp: s.maxTimestampSoFar, leaderEpoch: -1 };
      }
    }
    return best;
  }
  for (const s of segments) {
    if (s.size === 0 || s.largestTimestamp < timestamp) continue;
    const found = await s.findOffsetByTimestamp(timestamp, Math.max(logStartOffset, s.baseOffset));
    if (found !== null) return found;
  }
  return null;
}

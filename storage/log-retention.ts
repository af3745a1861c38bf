import type { LogConfig } from './log-config.js';
import type { LogSegment } from './segment.js';
import type { LogSegments } from './segments.js';

/** Whether retention deletes `segment`, whose offsets end before `nextBaseOffset`. */
export type SegmentPredicate = (segment: LogSegment, nextBaseOffset: number) => boolean;

/** One retention limit: its config name (logged as the reason) and the predicate for a pass starting now. */
export interface RetentionRule {
  readonly reason: string;
  /** Made when its pass starts: retention.bytes counts the bytes left by the passes before it. */
  predicate(): SegmentPredicate;
}

/**
 * The time and size limits of a topic with cleanup.policy=delete, in the order Kafka applies them: retention.ms
 * (a segment expires by its largest timestamp), then retention.bytes (the oldest segments go until the log fits).
 */
export function retentionRules(config: LogConfig, nowMs: number, segments: LogSegments): RetentionRule[] {
  if (!config.delete) return [];
  const rules: RetentionRule[] = [];
  const { retentionMs, retentionBytes } = config;
  if (retentionMs >= 0) {
    const cutoff = nowMs - retentionMs;
    rules.push({ reason: 'retention.ms', predicate: () => (s) => s.largestTimestamp < cutoff });
  }
  if (retentionBytes >= 0) {
    const predicate = (): SegmentPredicate => {
      let excess = segments.sizeInBytes - retentionBytes;
      return (s) => {
        if (excess - s.size < 0) return false;
        excess -= s.size;
        return true;
      };
    };
    rules.push({ reason: 'retention.bytes', predicate });
  }
  return rules;
}

/** The longest prefix of non-active segments matching `predicate` (only a prefix of a log is ever deleted). */
export function deletablePrefix(segments: LogSegments, predicate: SegmentPredicate): LogSegment[] {
  const doomed: LogSegment[] = [];
  for (const s of segments.all) {
    const next = segments.nextBaseOffset(s);
    if (next === undefined || !predicate(s, next)) break;
    doomed.push(s);
  }
  return doomed;
}

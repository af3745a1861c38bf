import { batchViews, decodeBatch, type RecordBatchView } from '../protocol/records/index.js';
import { CorruptRecordError, InvalidRecordError, RecordBatchTooLargeError } from './errors.js';
import type { LogAppendInfo, LogAppendOptions } from './log-types.js';
import type { DuplicateBatch } from './producer-state-manager.js';

/**
 * Checks every batch's header: the bytes must be whole v2 batches, none too large. The CRCs come later
 * (Log.append checks them while the bytes are written).
 */
export function checkBatchHeaders(
  records: Buffer,
  maxMessageBytes: number,
  origin: LogAppendOptions['origin'],
): RecordBatchView[] {
  const views: RecordBatchView[] = [];
  let end = 0;
  for (const view of batchViews(records)) {
    if (view.magic !== 2) throw new CorruptRecordError('magic', `record batch magic ${view.magic} is not 2`);
    if (view.sizeInBytes > maxMessageBytes) {
      throw new RecordBatchTooLargeError(view.sizeInBytes, maxMessageBytes);
    }
    // A client's batch must span exactly its records (Kafka's LogValidator), or the log end would run backwards
    // or skip; compacted batches from a leader legitimately have gaps. The CRC does not catch a header that lies
    // consistently, and one that also fails the CRC is reported as corrupt, as Kafka checks the CRC first.
    if (origin === 'client' && (view.lastOffsetDelta < 0 || view.recordsCount !== view.lastOffsetDelta + 1)) {
      if (!view.isValidCrc()) throw new CorruptRecordError('crc', `record batch at ${view.position} fails its CRC`);
      throw new InvalidRecordError(
        `record batch at ${view.position} has ${view.recordsCount} records but a last offset delta of ${view.lastOffsetDelta}`,
      );
    }
    views.push(view);
    end = view.position + view.sizeInBytes;
  }
  if (views.length === 0 || end !== records.length) {
    throw new CorruptRecordError('length', `records hold ${records.length - end} bytes that are not a whole batch`);
  }
  return views;
}

/** Compacted topics need a key on every record (Kafka: InvalidRecordException). Control batches are exempt. */
export async function requireKeys(views: RecordBatchView[]): Promise<void> {
  for (const view of views) {
    if (view.isControl) continue;
    for (const record of await decodeBatch(view)) {
      if (record.key === null) {
        throw new InvalidRecordError(`compacted topic requires a key on every record (offset delta ${record.offset})`);
      }
    }
  }
}

/** Where an append's batches land, as Log.append assigns (client) or keeps (replication) their offsets. */
export interface AssignedOffsets {
  firstOffset: number;
  lastOffset: number;
  maxTimestamp: number;
  offsetOfMaxTimestamp: number;
  recordCount: number;
}

/**
 * A client's batches get consecutive offsets from the log end, the leader epoch and (LogAppendTime topics) the
 * append time written into them in place; a follower's batches keep the leader's offsets, which must not run
 * below the log end.
 */
export function assignOffsets(
  views: readonly RecordBatchView[],
  to: { logEndOffset: number; origin: LogAppendOptions['origin']; leaderEpoch: number; logAppendTime: number },
): AssignedOffsets {
  let next = to.logEndOffset;
  let maxTimestamp = -1;
  let offsetOfMaxTimestamp = -1;
  let recordCount = 0;
  for (const view of views) {
    if (to.origin === 'client') {
      view.setBaseOffset(next);
      view.setPartitionLeaderEpoch(to.leaderEpoch);
      if (to.logAppendTime >= 0) view.setLogAppendTime(to.logAppendTime);
    } else if (view.baseOffset < next) {
      throw new CorruptRecordError(
        'record',
        `replicated batch at offset ${view.baseOffset} is below the log end offset ${next}`,
      );
    }
    next = view.lastOffset + 1;
    recordCount += view.recordsCount;
    if (view.maxTimestamp > maxTimestamp) {
      maxTimestamp = view.maxTimestamp;
      offsetOfMaxTimestamp = view.lastOffset;
    }
  }
  const firstOffset = to.origin === 'client' ? to.logEndOffset : views[0]!.baseOffset;
  return { firstOffset, lastOffset: next - 1, maxTimestamp, offsetOfMaxTimestamp, recordCount };
}

/**
 * A retried batch the log already holds: Kafka answers with the original batch's offsets and writes nothing.
 * Its timestamp is the append time only on a LogAppendTime topic.
 */
export function duplicateAppendInfo(
  duplicate: DuplicateBatch,
  logAppendTime: number,
  logStartOffset: number,
): LogAppendInfo {
  return {
    firstOffset: duplicate.firstOffset,
    lastOffset: duplicate.lastOffset,
    maxTimestamp: duplicate.timestamp,
    offsetOfMaxTimestamp: duplicate.lastOffset,
    logAppendTime: logAppendTime >= 0 ? duplicate.timestamp : -1,
    logStartOffset,
    batchCount: 0,
    recordCount: 0,
    validBytes: 0,
  };
}

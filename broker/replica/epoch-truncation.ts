/** Kafka's UNDEFINED_EPOCH / UNDEFINED_EPOCH_OFFSET in OffsetForLeaderEpoch answers. */
const UNDEFINED = -1;

/** Where a follower truncates to, and whether its log then agrees with the leader's (else it asks again). */
export interface TruncationPoint {
  offset: number;
  completed: boolean;
}

/** What the follower's own log says (its Log, read synchronously). */
export interface FollowerLogView {
  readonly logEndOffset: number;
  /** The follower's largest epoch ≤ `epoch` and where it ends, (-1, -1) when none. */
  endOffsetForEpoch(epoch: number): { epoch: number; endOffset: number };
}

/**
 * The follower's side of KIP-101/279 (Kafka's AbstractFetcherThread.getOffsetTruncationState), given the leader's
 * answer to "where does my latest epoch end?":
 * - no end offset (the leader knows no such epoch): fall back to the high watermark;
 * - an end offset without an epoch (an old leader): min(end offset, own log end);
 * - an epoch the follower does not have (its log stops at an older one): truncate to the end of its own largest
 *   epoch below it and ask again with what is then its latest epoch (incomplete), until the epochs agree;
 * - the same epoch: min(leader's end, own end of that epoch, own log end) — the logs agree below it;
 * - no epoch of the follower's at or below the answer: min(leader's end, own log end).
 */
export function truncationPoint(
  log: FollowerLogView,
  highWatermark: number,
  leader: { leaderEpoch: number; endOffset: number },
): TruncationPoint {
  const logEnd = log.logEndOffset;
  if (leader.endOffset === UNDEFINED) return { offset: Math.min(highWatermark, logEnd), completed: true };
  if (leader.leaderEpoch === UNDEFINED) return { offset: Math.min(leader.endOffset, logEnd), completed: true };
  const own = log.endOffsetForEpoch(leader.leaderEpoch);
  if (own.epoch === UNDEFINED || own.endOffset === UNDEFINED) {
    return { offset: Math.min(leader.endOffset, logEnd), completed: true };
  }
  if (own.epoch !== leader.leaderEpoch) return { offset: Math.min(own.endOffset, logEnd), completed: false };
  return { offset: Math.min(own.endOffset, leader.endOffset, logEnd), completed: true };
}

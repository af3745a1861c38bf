/** A follower's log end offset before its first fetch in the current leadership term. */
export const UNKNOWN_OFFSET = -1;

/**
 * What a leader knows of one follower of a partition (Kafka's Replica): its log end offset and log start offset as
 * its last fetch reported them, and the times that decide whether it is in sync.
 *
 * lastCaughtUpTimeMs is the latest time t at which the follower had fetched everything the leader held at t. A
 * fetch at or past the leader's log end (taken before the read) is caught up now; a fetch at or past the log end
 * of the previous fetch was caught up at the previous fetch's time. The second rule keeps a follower in sync when
 * small produces arrive faster than its fetches, so that its fetch offset is always a little behind.
 *
 * Plain mutable state, changed only by the owning Partition, synchronously.
 */
export class FollowerReplica {
  readonly brokerId: number;
  logEndOffset = UNKNOWN_OFFSET;
  logStartOffset = UNKNOWN_OFFSET;
  lastCaughtUpTimeMs = 0;
  lastFetchTimeMs = 0;
  /** The leader's log end offset when the last fetch arrived. */
  lastFetchLeaderLogEndOffset = UNKNOWN_OFFSET;

  constructor(brokerId: number) {
    this.brokerId = brokerId;
  }

  /** Records a fetch from `fetchOffset`, arriving at `fetchTimeMs` while the leader's log ended at `leaderEndOffset`. */
  updateFetchState(
    fetchOffset: number,
    followerStartOffset: number,
    fetchTimeMs: number,
    leaderEndOffset: number,
  ): void {
    if (fetchOffset >= leaderEndOffset) {
      this.lastCaughtUpTimeMs = Math.max(this.lastCaughtUpTimeMs, fetchTimeMs);
    } else if (fetchOffset >= this.lastFetchLeaderLogEndOffset) {
      this.lastCaughtUpTimeMs = Math.max(this.lastCaughtUpTimeMs, this.lastFetchTimeMs);
    }
    this.logEndOffset = fetchOffset;
    this.logStartOffset = followerStartOffset;
    this.lastFetchLeaderLogEndOffset = Math.max(this.lastFetchLeaderLogEndOffset, leaderEndOffset);
    this.lastFetchTimeMs = fetchTimeMs;
  }

  /**
   * A new leadership term: what the follower reported belongs to the old one. An ISR member of a new leader gets a
   * full lag window to fetch (it counts as caught up now); one outside the ISR starts from nothing.
   */
  resetForNewTerm(nowMs: number, leaderEndOffset: number, isNewLeader: boolean, inSync: boolean): void {
    if (isNewLeader) {
      this.lastCaughtUpTimeMs = inSync ? nowMs : 0;
      this.lastFetchTimeMs = inSync ? nowMs : 0;
      this.lastFetchLeaderLogEndOffset = inSync ? leaderEndOffset : UNKNOWN_OFFSET;
    }
    this.logEndOffset = UNKNOWN_OFFSET;
    this.logStartOffset = UNKNOWN_OFFSET;
  }

  /** In sync: at the leader's log end, or caught up within the last `maxLagMs`. */
  isCaughtUp(leaderEndOffset: number, nowMs: number, maxLagMs: number): boolean {
    return this.logEndOffset === leaderEndOffset || nowMs - this.lastCaughtUpTimeMs <= maxLagMs;
  }
}

import type { Logger } from '../logger.js';
import { FollowerReplica } from './follower-replica.js';
import { committedIsr, type IsrState, pendingExpand, pendingShrink } from './isr-state.js';
import type { AlterIsrChange, PartitionStateWriter } from './partition-state-writer.js';

/** What an ISR write says about the partition besides the ISR itself. */
export type IsrChangeBase = Omit<AlterIsrChange, 'isr'>;

export interface LeaderReplicasOptions {
  brokerId: number;
  /** Absent: the ISR never changes (single node). */
  writer: PartitionStateWriter | undefined;
  lagTimeMaxMs: number;
  now: () => number;
  isEligible: (brokerId: number) => boolean;
  retryBackoffMs: number;
  logger: () => Logger;
  /** A proposed change was committed with this partition epoch; the ISR is already updated. */
  onCommitted: (partitionEpoch: number) => void;
}

const NO_REPLICAS: readonly number[] = [];

/**
 * A leader's followers and ISR (the replica half of Kafka's Partition): the follower states its fetches update,
 * the ISR state (see IsrState), the ISR rules (who joins, who lags), the high watermark's candidate, and the
 * lifecycle of each proposed change through the PartitionStateWriter: committed on success; kept pending on a
 * stale answer (only the controller's next LeaderAndIsr, through assign, moves on); sent again after a backoff on
 * a failure. assign and clear supersede a change in flight: its answer is then ignored.
 *
 * Concurrency: synchronous state, owned by one Partition; the write's answer arrives later and checks that its
 * pending state is still the current one.
 */
export class LeaderReplicas {
  readonly #options: LeaderReplicasOptions;
  readonly #followers = new Map<number, FollowerReplica>();
  #state: IsrState = committedIsr(NO_REPLICAS);
  #retryTimer: NodeJS.Timeout | undefined;

  constructor(options: LeaderReplicasOptions) {
    this.#options = options;
  }

  get state(): IsrState {
    return this.#state;
  }

  get followerCount(): number {
    return this.#followers.size;
  }

  follower(brokerId: number): FollowerReplica | undefined {
    return this.#followers.get(brokerId);
  }

  /**
   * LeaderAndIsr as leader: the replica set and committed ISR. A new term (`term` given) resets what followers
   * reported in the previous one; an ISR member counts as caught up now.
   */
  assign(
    replicas: readonly number[],
    isr: readonly number[],
    term?: { nowMs: number; leaderEndOffset: number; isNewLeader: boolean },
  ): void {
    this.#cancel();
    for (const id of replicas) {
      if (id !== this.#options.brokerId && !this.#followers.has(id)) this.#followers.set(id, new FollowerReplica(id));
    }
    for (const id of [...this.#followers.keys()]) if (!replicas.includes(id)) this.#followers.delete(id);
    this.#state = committedIsr([...isr]);
    if (term === undefined) return;
    for (const f of this.#followers.values()) {
      f.resetForNewTerm(term.nowMs, term.leaderEndOffset, term.isNewLeader, isr.includes(f.brokerId));
    }
  }

  /** No longer leader: forget the followers and the ISR. */
  clear(): void {
    this.#cancel();
    this.#followers.clear();
    this.#state = committedIsr(NO_REPLICAS);
  }

  /**
   * The HW the followers allow: the leader's log end, lowered to the LEO of every member of the maximal ISR and of
   * every follower caught up enough to be about to join it (so a joining follower is not left behind for good).
   */
  highWatermarkCandidate(leaderEndOffset: number, nowMs?: number): number {
    let candidate = leaderEndOffset;
    if (this.#followers.size === 0) return candidate;
    const now = nowMs ?? this.#options.now();
    const maximal = this.#state.maximalIsr;
    for (const f of this.#followers.values()) {
      if (
        f.logEndOffset < candidate &&
        (maximal.includes(f.brokerId) ||
          (f.isCaughtUp(leaderEndOffset, now, this.#options.lagTimeMaxMs) && this.#options.isEligible(f.brokerId)))
      ) {
        candidate = f.logEndOffset;
      }
    }
    return candidate;
  }

  /**
   * A follower's fetch from `fetch.fetchOffset` at `nowMs`, when the leader's log ended at `leaderEndOffset`:
   * updates its state and may add it to the ISR. Returns whether its LEO moved (the HW may then move).
   */
  recordFetch(
    follower: FollowerReplica,
    fetch: { fetchOffset: number; logStartOffset: number },
    nowMs: number,
    leaderEndOffset: number,
    leader: { highWatermark: number; epochStartOffset: number; base: IsrChangeBase },
  ): boolean {
    const previous = follower.logEndOffset;
    follower.updateFetchState(fetch.fetchOffset, fetch.logStartOffset, nowMs, leaderEndOffset);
    this.#maybeExpand(follower, leader.highWatermark, leader.epochStartOffset, leader.base);
    return previous !== follower.logEndOffset;
  }

  /**
   * A follower whose LEO reached the HW and the current term's start joins the ISR (Kafka's maybeExpandIsr; the
   * term's start keeps out a follower that has not yet fetched what this leader wrote before its term began).
   */
  #maybeExpand(follower: FollowerReplica, highWatermark: number, epochStartOffset: number, base: IsrChangeBase): void {
    if (this.#options.writer === undefined || this.#state.kind !== 'committed') return;
    const id = follower.brokerId;
    if (this.#state.isr.includes(id) || !this.#options.isEligible(id)) return;
    const end = follower.logEndOffset;
    if (end < highWatermark || end < epochStartOffset) return;
    this.#options.logger().info({ isr: this.#state.isr, replica: id, logEndOffset: end }, 'expanding ISR');
    this.#propose(pendingExpand(this.#state, id), base);
  }

  /** Removes ISR members not caught up within replica.lag.time.max.ms (Kafka's maybeShrinkIsr). */
  maybeShrink(leaderEndOffset: number, nowMs: number, base: IsrChangeBase, highWatermark: number): void {
    if (this.#options.writer === undefined || this.#state.kind !== 'committed') return;
    const { brokerId, lagTimeMaxMs } = this.#options;
    const outOfSync = this.#state.isr.filter(
      (id) => id !== brokerId && !(this.#followers.get(id)?.isCaughtUp(leaderEndOffset, nowMs, lagTimeMaxMs) ?? false),
    );
    if (outOfSync.length === 0) return;
    this.#options.logger().info(
      {
        isr: this.#state.isr,
        outOfSync: outOfSync.map((id) => {
          const f = this.#followers.get(id);
          return { brokerId: id, logEndOffset: f?.logEndOffset, lastCaughtUpTimeMs: f?.lastCaughtUpTimeMs };
        }),
        highWatermark,
        logEndOffset: leaderEndOffset,
      },
      'shrinking ISR',
    );
    this.#propose(pendingShrink(this.#state, outOfSync), base);
  }

  #propose(pending: IsrState, base: IsrChangeBase): void {
    this.#state = pending;
    this.#submit(pending, { ...base, isr: pending.proposed });
  }

  #submit(pending: IsrState, change: AlterIsrChange): void {
    const log = this.#options.logger;
    this.#options.writer!.alterIsr(change).then(
      (partitionEpoch) => {
        if (this.#state !== pending) return;
        if (partitionEpoch === null) {
          // the controller changed the state since: stay pending until its LeaderAndIsr arrives
          log().info({ proposed: change.isr, partitionEpoch: change.partitionEpoch }, 'ISR change was stale');
          return;
        }
        this.#state = committedIsr(change.isr);
        log().info({ isr: change.isr, partitionEpoch }, 'ISR updated');
        this.#options.onCommitted(partitionEpoch);
      },
      (err: unknown) => {
        if (this.#state !== pending) return;
        log().warn({ err, proposed: change.isr }, 'cannot write the ISR change; retrying');
        this.#retryTimer = setTimeout(() => {
          this.#retryTimer = undefined;
          if (this.#state === pending) this.#submit(pending, change);
        }, this.#options.retryBackoffMs);
        this.#retryTimer.unref();
      },
    );
  }

  /** Any change in flight is superseded: its answer will find another state and be ignored. */
  #cancel(): void {
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    if (this.#state.kind !== 'committed') this.#state = committedIsr(this.#state.isr);
  }
}

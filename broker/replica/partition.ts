import { batchViews, ErrorCode, KafkaError } from '../../protocol/index.js';
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, type Log, type LogAppendInfo } from '../../storage/index.js';
import { Binding, type Logger } from '../logger.js';
import type { FollowerReplica } from './follower-replica.js';
import type { IsrState } from './isr-state.js';
import { type IsrChangeBase, LeaderReplicas } from './leader-replicas.js';
import {
  type EpochEndOffsetAnswer,
  type FollowerFetch,
  type FollowerState,
  IsolationLevel,
  type LeaderAppendResult,
  type LeaderState,
  NO_LEADER_EPOCH,
  type OffsetAndTimestamp,
  type PartitionOptions,
  type PartitionReadOptions,
  type PartitionReadResult,
  type RequiredAcks,
} from './partition-types.js';

export * from './partition-types.js';

const DEFAULT_REPLICA_LAG_TIME_MAX_MS = 30_000;
const DEFAULT_ISR_RETRY_BACKOFF_MS = 500;

type Role = 'none' | 'leader' | 'follower';

/**
 * One topic-partition this broker hosts, as leader or follower (Kafka's Partition). Owns the role, leader epoch,
 * partition epoch, replica set, the leader's ISR state (see IsrState) and follower states, and the high watermark
 * (HW). The Log is LogManager's.
 *
 * Leader: HW = what LeaderReplicas allows (the maximal ISR's and about-to-join followers' lowest LEO), moving only
 * forward and only while the committed ISR is at least min(min.insync.replicas, replica count). Followers' fetches
 * (readForFollower) and the ReplicaManager's lag timer (maybeShrinkIsr) drive ISR changes; see LeaderReplicas.
 *
 * Follower: appends the leader's batches with their offsets (appendAsFollower), HW = min(leader's HW, own LEO),
 * log start follows the leader's, and truncation is the fetcher's (truncateTo). Consumers, producers and followers
 * get NOT_LEADER_OR_FOLLOWER here.
 *
 * A new leader keeps its HW (checkpointed or learnt as follower). A lower leader epoch than applied is a stale
 * controller's (STALE_CONTROLLER_EPOCH); the same epoch with an older partition epoch is ignored (our own ISR write
 * already moved past it).
 *
 * Change notification: onChange listeners run synchronously after every HW move, ISR commit, role change and on
 * close (consumer long polls, acks=all waits); onLogEnd listeners after every leader append and on role change or
 * close (followers' long polls wait for new data, not a new HW). Listeners must not throw.
 *
 * Concurrency: role, epochs, ISR and follower states change synchronously; appends are serialized by the Log's
 * queue, and the HW moves synchronously after each append, follower fetch or ISR commit, so readers see a HW no
 * larger than what the log holds. Reads take their bounds before reading.
 */
export class Partition {
  readonly topic: string;
  readonly partition: number;
  readonly log: Log;
  readonly #brokerId: number;
  readonly #options: PartitionOptions;
  readonly #now: () => number;
  #logger: Logger | undefined;
  #role: Role = 'none';
  #leaderId = -1;
  #topicId = '';
  #leaderEpoch = -1;
  #partitionEpoch = -1;
  #controllerEpoch = -1;
  #replicas: readonly number[] = [];
  readonly #leader: LeaderReplicas;
  /** The log end when this broker became leader in the current epoch: followers must reach it to join the ISR. */
  #leaderEpochStartOffset = -1;
  #highWatermark: number;
  readonly #listeners = new Set<() => void>();
  readonly #logEndListeners = new Set<() => void>();
  #closed = false;

  constructor(options: PartitionOptions) {
    this.topic = options.topic;
    this.partition = options.partition;
    this.log = options.log;
    this.#brokerId = options.brokerId;
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#leader = new LeaderReplicas({
      brokerId: options.brokerId,
      writer: options.stateWriter,
      lagTimeMaxMs: options.replicaLagTimeMaxMs ?? DEFAULT_REPLICA_LAG_TIME_MAX_MS,
      now: this.#now,
      isEligible: options.isReplicaIsrEligible ?? (() => true),
      retryBackoffMs: options.isrRetryBackoffMs ?? DEFAULT_ISR_RETRY_BACKOFF_MS,
      logger: () => this.#log,
      onCommitted: (partitionEpoch) => {
        this.#partitionEpoch = partitionEpoch;
        if (!this.maybeIncrementHighWatermark()) this.#notify();
      },
    });
    const { logStartOffset, logEndOffset } = options.log;
    this.#highWatermark = Math.min(
      Math.max(options.initialHighWatermark ?? logStartOffset, logStartOffset),
      logEndOffset,
    );
  }

  get topicId(): string {
    return this.#topicId;
  }

  get leaderEpoch(): number {
    return this.#leaderEpoch;
  }

  get partitionEpoch(): number {
    return this.#partitionEpoch;
  }

  /** The leader's broker id; -1 before the first LeaderAndIsr. */
  get leaderId(): number {
    return this.#leaderId;
  }

  get isLeader(): boolean {
    return this.#role === 'leader';
  }

  /** The committed ISR (empty on a follower, as in Kafka). */
  get isr(): readonly number[] {
    return this.#leader.state.isr;
  }

  /** The leader's ISR state: committed, or with a change proposed (and the maximal ISR the HW waits for). */
  get isrState(): IsrState {
    return this.#leader.state;
  }

  get replicas(): readonly number[] {
    return this.#replicas;
  }

  get highWatermark(): number {
    return this.#highWatermark;
  }

  get lastStableOffset(): number {
    return this.#highWatermark;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** What this leader knows of follower `replicaId` (tests, DescribeLogDirs-style views). */
  follower(replicaId: number): Readonly<FollowerReplica> | undefined {
    return this.#leader.follower(replicaId);
  }

  /**
   * Apply a LeaderAndIsr decision that makes this broker leader (see the class comment for the epoch rules).
   * A new leader epoch records its start offset in the log's epoch cache and resets the followers' states.
   * Returns true when this broker became leader or the epoch moved (a new leadership term).
   */
  async makeLeader(state: LeaderState): Promise<boolean> {
    if (!this.#acceptState(state)) return false;
    const isNewLeader = this.#role !== 'leader';
    const isNewEpoch = state.leaderEpoch > this.#leaderEpoch;
    this.#applyCommon(state);
    const epochStart = isNewEpoch ? this.log.logEndOffset : undefined;
    const nowMs = this.#now();
    this.#leader.assign(
      state.replicas,
      state.isr,
      epochStart === undefined ? undefined : { nowMs, leaderEndOffset: epochStart, isNewLeader },
    );
    if (epochStart !== undefined) {
      this.#leaderEpoch = state.leaderEpoch;
      this.#leaderEpochStartOffset = epochStart;
    }
    this.#role = 'leader';
    this.#leaderId = this.#brokerId;
    this.maybeIncrementHighWatermark(nowMs);
    this.#notifyAll();
    // the new epoch enters the cache before any of its appends (they queue behind it on the log)
    if (epochStart !== undefined) await this.log.assignEpochStartOffset(state.leaderEpoch, epochStart);
    return isNewLeader || isNewEpoch;
  }

  /**
   * Apply a LeaderAndIsr decision that makes this broker a follower of `state.leader`. Pending acks=all waits fail
   * with NOT_LEADER_OR_FOLLOWER. Returns true when fetching must (re)start: a new leader epoch or a former leader.
   */
  makeFollower(state: FollowerState): boolean {
    if (!this.#acceptState(state)) return false;
    const restart = state.leaderEpoch > this.#leaderEpoch || this.#role !== 'follower';
    this.#applyCommon(state);
    this.#role = 'follower';
    this.#leaderId = state.leader;
    this.#leaderEpoch = state.leaderEpoch;
    this.#leaderEpochStartOffset = -1;
    this.#leader.clear();
    this.#notifyAll();
    return restart;
  }

  /** Register a change listener (HW, ISR, role, close); returns the function that removes it. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Register a listener of leader appends (and role changes and close); returns the function that removes it. */
  onLogEnd(listener: () => void): () => void {
    this.#logEndListeners.add(listener);
    return () => this.#logEndListeners.delete(listener);
  }

  /**
   * Append a produce request's records as leader. acks=all refuses up front when the ISR is smaller than
   * min(min.insync.replicas, replica count) (Kafka's NOT_ENOUGH_REPLICAS); waiting is checkEnoughReplicasReachOffset's.
   */
  async appendAsLeader(records: Buffer, requiredAcks: RequiredAcks, minInsync: number): Promise<LeaderAppendResult> {
    this.#checkLeader();
    const minIsr = this.#effectiveMinIsr(minInsync);
    if (requiredAcks === -1 && this.#leader.state.isr.length < minIsr) {
      throw new KafkaError(
        ErrorCode.NOT_ENOUGH_REPLICAS,
        `ISR size ${this.#leader.state.isr.length} is below min.insync.replicas ${minIsr}`,
      );
    }
    const info = await this.log.append(records, { leaderEpoch: this.#leaderEpoch, origin: 'client' });
    this.maybeIncrementHighWatermark();
    notify(this.#logEndListeners);
    return {
      firstOffset: info.firstOffset,
      lastOffset: info.lastOffset,
      logAppendTimeMs: info.logAppendTime,
      logStartOffset: info.logStartOffset,
    };
  }

  /**
   * Where an acks=all produce ending before `requiredOffset` stands (Kafka's checkEnoughReplicasReachOffset):
   * NONE once HW ≥ requiredOffset with the maximal ISR at least min.insync.replicas, NOT_ENOUGH_REPLICAS_AFTER_APPEND
   * when it is smaller then or as soon as the committed ISR drops below it, NOT_LEADER_OR_FOLLOWER once leadership
   * is lost, undefined while it must wait. Re-checked on every onChange.
   */
  checkEnoughReplicasReachOffset(requiredOffset: number, minInsync: number): ErrorCode | undefined {
    if (this.#closed || this.#role !== 'leader') return ErrorCode.NOT_LEADER_OR_FOLLOWER;
    const minIsr = this.#effectiveMinIsr(minInsync);
    const state = this.#leader.state;
    if (this.#highWatermark >= requiredOffset) {
      return state.maximalIsr.length >= minIsr ? ErrorCode.NONE : ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND;
    }
    return state.isr.length < minIsr ? ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND : undefined;
  }

  /**
   * Consumer read: whole batches from fetchOffset, bounded by the HW (read_uncommitted) or the last stable offset
   * (read_committed, the same until transactions exist). An offset between HW and log end reads nothing; one
   * outside [log start, log end] throws OffsetOutOfRangeError. Leader only.
   */
  async read(
    fetchOffset: number,
    maxBytes: number,
    isolationLevel: IsolationLevel,
    options: PartitionReadOptions,
  ): Promise<PartitionReadResult> {
    this.#checkLeader(options.currentLeaderEpoch);
    const highWatermark = this.#highWatermark;
    const lastStableOffset = this.lastStableOffset;
    const maxOffset = isolationLevel === IsolationLevel.READ_COMMITTED ? lastStableOffset : highWatermark;
    const result = await this.log.read(fetchOffset, {
      maxBytes,
      maxOffset,
      minOneBatch: options.minOneBatch,
      ...(options.buffer === undefined ? {} : { buffer: options.buffer }),
    });
    return { records: result.records, highWatermark, lastStableOffset, logStartOffset: result.logStartOffset };
  }

  /**
   * A follower's fetch: reads up to the log end (not the HW), then (first read of a fetch) records the fetch
   * offset as the follower's LEO, which may add it to the ISR and move the HW. A broker outside the replica set
   * gets UNKNOWN_LEADER_EPOCH when it named an epoch, else NOT_LEADER_OR_FOLLOWER (as Kafka).
   */
  async readForFollower(fetch: FollowerFetch): Promise<PartitionReadResult> {
    this.#checkLeader(fetch.currentLeaderEpoch);
    const follower = this.#leader.follower(fetch.replicaId);
    if (follower === undefined) {
      throw new KafkaError(
        fetch.currentLeaderEpoch === NO_LEADER_EPOCH
          ? ErrorCode.NOT_LEADER_OR_FOLLOWER
          : ErrorCode.UNKNOWN_LEADER_EPOCH,
        `broker ${fetch.replicaId} is not a replica of ${this.topic}-${this.partition} in leader epoch ${this.#leaderEpoch}`,
      );
    }
    // bounds before the read: appends during it must not keep the follower from counting as caught up
    const highWatermark = this.#highWatermark;
    const logEndOffset = this.log.logEndOffset;
    const leaderEpoch = this.#leaderEpoch;
    const fetchTimeMs = this.#now();
    const result = await this.log.read(fetch.fetchOffset, {
      maxBytes: fetch.maxBytes,
      minOneBatch: fetch.minOneBatch,
      ...(fetch.buffer === undefined ? {} : { buffer: fetch.buffer }),
    });
    // a fetch that began in another term says nothing about the follower's log in this one
    if (fetch.updateFetchState && this.#role === 'leader' && this.#leaderEpoch === leaderEpoch && !this.#closed) {
      const moved = this.#leader.recordFetch(follower, fetch, fetchTimeMs, logEndOffset, {
        highWatermark: this.#highWatermark,
        epochStartOffset: this.#leaderEpochStartOffset,
        base: this.#changeBase(),
      });
      if (moved) this.maybeIncrementHighWatermark(fetchTimeMs);
    }
    return {
      records: result.records,
      highWatermark,
      lastStableOffset: highWatermark,
      logStartOffset: result.logStartOffset,
    };
  }

  /**
   * Removes from the ISR the followers that have not caught up within replica.lag.time.max.ms (Kafka's
   * maybeShrinkIsr); the ReplicaManager runs it every half of that. Nothing while a change is pending.
   */
  maybeShrinkIsr(nowMs = this.#now()): void {
    if (this.#role !== 'leader' || this.#closed) return;
    this.#leader.maybeShrink(this.log.logEndOffset, nowMs, this.#changeBase(), this.#highWatermark);
  }

  /**
   * OffsetForLeaderEpoch on the leader: the largest epoch ≤ `leaderEpoch` this log knows and where it ends (the
   * log end for the latest), (-1, -1) when none.
   */
  lastOffsetForLeaderEpoch(currentLeaderEpoch: number, leaderEpoch: number): EpochEndOffsetAnswer {
    const error = this.#leaderError(currentLeaderEpoch);
    if (error !== undefined) return { errorCode: error, leaderEpoch: -1, endOffset: -1 };
    const found = this.log.endOffsetForEpoch(leaderEpoch);
    return { errorCode: ErrorCode.NONE, leaderEpoch: found.epoch, endOffset: found.endOffset };
  }

  /**
   * A follower's append of the leader's batches, offsets kept. When the log is empty and the leader's first batch
   * straddles our start (the leader's log start fell inside it, after DeleteRecords), the log restarts at the
   * batch's base offset first, as Kafka does.
   */
  async appendAsFollower(records: Buffer): Promise<LogAppendInfo> {
    this.#checkFollower();
    if (this.log.logEndOffset === this.log.logStartOffset) {
      const first = batchViews(records).next();
      if (
        !first.done &&
        first.value.baseOffset < this.log.logEndOffset &&
        first.value.lastOffset >= this.log.logEndOffset
      ) {
        await this.truncateFullyAndStartAt(first.value.baseOffset);
      }
    }
    return this.log.append(records, { origin: 'replication' });
  }

  /**
   * After a follower's fetch: HW = the leader's, within [log start, log end] (it may move back only when a new
   * leader's HW is behind ours), and the log start moves up to the leader's (never past our HW).
   */
  async updateFollowerOffsets(leaderHighWatermark: number, leaderLogStartOffset: number): Promise<void> {
    if (this.#role !== 'follower') return;
    const { logStartOffset, logEndOffset } = this.log;
    const highWatermark = Math.min(Math.max(leaderHighWatermark, logStartOffset), logEndOffset);
    if (highWatermark !== this.#highWatermark) {
      this.#highWatermark = highWatermark;
      this.#notify();
    }
    if (leaderLogStartOffset > logStartOffset) {
      await this.log.advanceLogStartOffset(Math.min(leaderLogStartOffset, this.#highWatermark));
    }
  }

  /** Follower truncation (KIP-101): drops everything at and above `offset`; the HW follows the log end down. */
  async truncateTo(offset: number): Promise<void> {
    await this.log.truncateTo(offset);
    if (this.#highWatermark > this.log.logEndOffset) {
      this.#highWatermark = this.log.logEndOffset;
      this.#notify();
    }
  }

  /** Follower whose log is wholly behind the leader's start: restart the log, empty, at `offset`. */
  async truncateFullyAndStartAt(offset: number): Promise<void> {
    await this.log.truncateFullyAndStartAt(offset);
    this.#highWatermark = offset;
    this.#notify();
  }

  /**
   * ListOffsets: EARLIEST → log start; LATEST → HW (or LSO for read_committed); MAX_TIMESTAMP and a timestamp →
   * the log's answer, unless it lies at or past that bound (consumers may not see it yet). Null: no such offset.
   */
  async listOffset(timestamp: number, isolationLevel: IsolationLevel): Promise<OffsetAndTimestamp | null> {
    this.#checkLeader();
    const lastFetchableOffset =
      isolationLevel === IsolationLevel.READ_COMMITTED ? this.lastStableOffset : this.#highWatermark;
    const epoch = this.#leaderEpoch;
    if (timestamp === EARLIEST_TIMESTAMP) return { offset: this.log.logStartOffset, timestamp: -1, leaderEpoch: epoch };
    if (timestamp === LATEST_TIMESTAMP) return { offset: lastFetchableOffset, timestamp: -1, leaderEpoch: epoch };
    const found = await this.log.offsetForTimestamp(timestamp);
    return found !== null && found.offset < lastFetchableOffset ? found : null;
  }

  /**
   * DeleteRecords: move the log start offset to `offset` (-1: the HW). Past the HW is OFFSET_OUT_OF_RANGE, as in
   * Kafka: records not yet committed cannot be deleted. Returns the new log start offset (the low watermark).
   */
  async deleteRecordsTo(offset: number): Promise<number> {
    this.#checkLeader();
    const target = offset === -1 ? this.#highWatermark : offset;
    if (target < 0 || target > this.#highWatermark) {
      throw new KafkaError(
        ErrorCode.OFFSET_OUT_OF_RANGE,
        `cannot delete records before offset ${offset}: the high watermark is ${this.#highWatermark}`,
      );
    }
    return this.log.advanceLogStartOffset(target);
  }

  /** Stop serving: pending waits wake up (and see `closed`). The Log stays open; LogManager owns it. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#leader.clear();
    this.#notifyAll();
  }

  get #log(): Logger {
    this.#logger ??= this.#options.logger.child({ [Binding.tp]: `${this.topic}-${this.partition}` });
    return this.#logger;
  }

  /** The epoch rules of LeaderAndIsr: false when the state is to be ignored; throws for a stale controller's. */
  #acceptState(state: LeaderState): boolean {
    if (state.leaderEpoch < this.#leaderEpoch) {
      throw new KafkaError(
        ErrorCode.STALE_CONTROLLER_EPOCH,
        `leader epoch ${state.leaderEpoch} is older than the current ${this.#leaderEpoch}`,
      );
    }
    const partitionEpoch = state.partitionEpoch ?? -1;
    return !(state.leaderEpoch === this.#leaderEpoch && partitionEpoch >= 0 && partitionEpoch < this.#partitionEpoch);
  }

  #applyCommon(state: LeaderState): void {
    this.#topicId = state.topicId;
    this.#replicas = [...state.replicas];
    this.#partitionEpoch = state.partitionEpoch ?? this.#partitionEpoch;
    this.#controllerEpoch = state.controllerEpoch ?? this.#controllerEpoch;
  }

  #effectiveMinIsr(minInsync: number): number {
    return Math.min(minInsync, this.#leader.followerCount + 1);
  }

  #changeBase(): IsrChangeBase {
    return {
      topic: this.topic,
      partition: this.partition,
      leader: this.#brokerId,
      leaderEpoch: this.#leaderEpoch,
      controllerEpoch: this.#controllerEpoch,
      partitionEpoch: this.#partitionEpoch,
    };
  }

  /**
   * Recomputes the leader's HW; returns whether it moved (listeners were then told). Runs after every change that
   * may move it; public for logs appended to outside appendAsLeader (tests writing control batches).
   */
  maybeIncrementHighWatermark(nowMs?: number): boolean {
    // ZooKeeper-mode Kafka: the HW follows the ISR whatever its size; min.insync.replicas gates acks=all only
    if (this.#role !== 'leader') return false;
    const candidate = this.#leader.highWatermarkCandidate(this.log.logEndOffset, nowMs);
    if (candidate <= this.#highWatermark) return false;
    this.#highWatermark = candidate;
    this.#notify();
    return true;
  }

  #leaderError(currentLeaderEpoch = NO_LEADER_EPOCH): ErrorCode | undefined {
    if (this.#closed) return ErrorCode.NOT_LEADER_OR_FOLLOWER;
    if (currentLeaderEpoch !== NO_LEADER_EPOCH) {
      if (currentLeaderEpoch < this.#leaderEpoch) return ErrorCode.FENCED_LEADER_EPOCH;
      if (currentLeaderEpoch > this.#leaderEpoch) return ErrorCode.UNKNOWN_LEADER_EPOCH;
    }
    return this.#role === 'leader' ? undefined : ErrorCode.NOT_LEADER_OR_FOLLOWER;
  }

  #checkLeader(currentLeaderEpoch?: number): void {
    const error = this.#leaderError(currentLeaderEpoch);
    if (error !== undefined) {
      throw new KafkaError(
        error,
        `${this.topic}-${this.partition} is not led here in epoch ${currentLeaderEpoch ?? this.#leaderEpoch} (leader ${this.#leaderId}, epoch ${this.#leaderEpoch})`,
      );
    }
  }

  #checkFollower(): void {
    if (this.#closed || this.#role !== 'follower') {
      throw new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER, `${this.topic}-${this.partition} is not followed here`);
    }
  }

  #notify(): void {
    notify(this.#listeners);
  }

  #notifyAll(): void {
    notify(this.#listeners);
    notify(this.#logEndListeners);
  }
}

/** Runs each listener present at the call once (no copy on the common empty path). */
function notify(listeners: ReadonlySet<() => void>): void {
  if (listeners.size === 0) return;
  for (const listener of [...listeners]) listener();
}

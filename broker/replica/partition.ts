import { ErrorCode, KafkaError } from '../../protocol/index.js';
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, type Log } from '../../storage/index.js';

/** Fetch and ListOffsets isolation levels (the int8 on the wire). */
export const IsolationLevel = { READ_UNCOMMITTED: 0, READ_COMMITTED: 1 } as const;
export type IsolationLevel = (typeof IsolationLevel)[keyof typeof IsolationLevel];

/** Produce acks: 0 (no response), 1 (leader wrote it), -1 (every ISR member has it). */
export type RequiredAcks = -1 | 0 | 1;

/** The leadership state the controller hands us (LeaderAndIsr). */
export interface LeaderState {
  topicId: string;
  leaderEpoch: number;
  isr: readonly number[];
  replicas: readonly number[];
}

export interface LeaderAppendResult {
  firstOffset: number;
  lastOffset: number;
  /** -1 unless the topic uses LogAppendTime. */
  logAppendTimeMs: number;
  logStartOffset: number;
}

export interface PartitionReadOptions {
  /** Return the first batch whole even when larger than maxBytes (KIP-74). */
  minOneBatch: boolean;
  /** Scratch space for the read; see LogReadOptions.buffer. */
  buffer?: Buffer;
}

export interface PartitionReadResult {
  records: Buffer;
  /** The bounds the read used, taken before it started, so records never go past them. */
  highWatermark: number;
  lastStableOffset: number;
  logStartOffset: number;
}

export interface OffsetAndTimestamp {
  offset: number;
  timestamp: number;
  leaderEpoch: number;
}

/**
 * One topic-partition this broker hosts as leader (Kafka's Partition). Owns the partition's Log (created and
 * deleted by LogManager), its topic ID, leader epoch, replica set and ISR, and the high watermark.
 *
 * High watermark: HW = min LEO over the ISR; it only moves forward. The leader's LEO is its log end; a follower's
 * is what it last reported through updateFollowerLogEndOffset (unknown holds the HW where it is). With the ISR
 * being just this broker, HW = log end after every append. The last stable offset equals the HW until
 * transactions exist.
 *
 * Change notification: listeners registered with onChange run synchronously after every HW move and when the
 * partition closes, so delayed fetches and acks=all produces wake up without polling. Listeners must not throw.
 *
 * Concurrency: appends are serialized by the Log's queue; the HW is updated synchronously after each append or
 * follower report, so readers see a HW no larger than what the log holds. Reads take HW before reading and never
 * return records at or past it.
 */
export class Partition {
  readonly topic: string;
  readonly partition: number;
  readonly log: Log;
  readonly #brokerId: number;
  #topicId = '';
  #leaderEpoch = -1;
  #isr: readonly number[] = [];
  #replicas: readonly number[] = [];
  #highWatermark: number;
  readonly #followerLogEndOffsets = new Map<number, number>();
  readonly #listeners = new Set<() => void>();
  #closed = false;

  constructor(options: { topic: string; partition: number; log: Log; brokerId: number }) {
    this.topic = options.topic;
    this.partition = options.partition;
    this.log = options.log;
    this.#brokerId = options.brokerId;
    // no HW checkpoint yet: start at the log start and let the ISR rule move it (to the log end on a single node)
    this.#highWatermark = options.log.logStartOffset;
  }

  get topicId(): string {
    return this.#topicId;
  }

  get leaderEpoch(): number {
    return this.#leaderEpoch;
  }

  get isr(): readonly number[] {
    return this.#isr;
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

  /**
   * Apply a LeaderAndIsr decision. The same epoch again is accepted (an ISR change keeps the epoch); a lower one
   * is a stale controller's and is refused. Returns true when the epoch moved (a new leadership term).
   */
  makeLeader(state: LeaderState): boolean {
    if (state.leaderEpoch < this.#leaderEpoch) {
      throw new KafkaError(
        ErrorCode.STALE_CONTROLLER_EPOCH,
        `leader epoch ${state.leaderEpoch} is older than the current ${this.#leaderEpoch}`,
      );
    }
    const newTerm = state.leaderEpoch > this.#leaderEpoch;
    this.#topicId = state.topicId;
    this.#leaderEpoch = state.leaderEpoch;
    this.#isr = [...state.isr];
    this.#replicas = [...state.replicas];
    // a new term starts from scratch: what old followers reported belongs to the previous leader's log
    if (newTerm) this.#followerLogEndOffsets.clear();
    this.#maybeIncrementHighWatermark();
    return newTerm;
  }

  /** A follower's fetch told us its log end offset; the HW may move. The replication fetcher calls this. */
  updateFollowerLogEndOffset(replicaId: number, logEndOffset: number): void {
    this.#followerLogEndOffsets.set(replicaId, logEndOffset);
    this.#maybeIncrementHighWatermark();
  }

  /** Register a change listener; returns the function that removes it. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Append a produce request's records as leader. acks=all refuses up front when the ISR is smaller than
   * min.insync.replicas (Kafka's NOT_ENOUGH_REPLICAS); waiting for the ISR to catch up is awaitHighWatermark's.
   */
  async appendAsLeader(records: Buffer, requiredAcks: RequiredAcks, minInsync: number): Promise<LeaderAppendResult> {
    this.#checkOpen();
    if (requiredAcks === -1 && this.#isr.length < minInsync) {
      throw new KafkaError(
        ErrorCode.NOT_ENOUGH_REPLICAS,
        `ISR size ${this.#isr.length} is below min.insync.replicas ${minInsync}`,
      );
    }
    const info = await this.log.append(records, { leaderEpoch: this.#leaderEpoch, origin: 'client' });
    this.#maybeIncrementHighWatermark();
    return {
      firstOffset: info.firstOffset,
      lastOffset: info.lastOffset,
      logAppendTimeMs: info.logAppendTime,
      logStartOffset: info.logStartOffset,
    };
  }

  /**
   * Resolves true once HW ≥ offset (acks=all: every ISR member has the records below it), false when timeoutMs
   * passes or the partition closes first.
   */
  awaitHighWatermark(offset: number, timeoutMs: number): Promise<boolean> {
    if (this.#highWatermark >= offset) return Promise.resolve(true);
    if (this.#closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (reached: boolean): void => {
        clearTimeout(timer);
        unsubscribe();
        resolve(reached);
      };
      const timer = setTimeout(() => done(false), Math.max(0, timeoutMs));
      timer.unref();
      const unsubscribe = this.onChange(() => {
        if (this.#highWatermark >= offset) done(true);
        else if (this.#closed) done(false);
      });
    });
  }

  /**
   * Consumer read: whole batches from fetchOffset, bounded by the HW (read_uncommitted) or the last stable offset
   * (read_committed, the same until transactions exist). An offset between HW and log end reads nothing; one
   * outside [log start, log end] throws OffsetOutOfRangeError.
   */
  async read(
    fetchOffset: number,
    maxBytes: number,
    isolationLevel: IsolationLevel,
    options: PartitionReadOptions,
  ): Promise<PartitionReadResult> {
    this.#checkOpen();
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
   * ListOffsets: EARLIEST → log start; LATEST → HW (or LSO for read_committed); MAX_TIMESTAMP and a timestamp →
   * the log's answer, unless it lies at or past that bound (consumers may not see it yet). Null: no such offset.
   */
  async listOffset(timestamp: number, isolationLevel: IsolationLevel): Promise<OffsetAndTimestamp | null> {
    this.#checkOpen();
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
    this.#checkOpen();
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
    this.#notify();
  }

  #checkOpen(): void {
    if (this.#closed) {
      throw new KafkaError(
        ErrorCode.NOT_LEADER_OR_FOLLOWER,
        `${this.topic}-${this.partition} is no longer served here`,
      );
    }
  }

  #logEndOffsetOf(replicaId: number): number {
    if (replicaId === this.#brokerId) return this.log.logEndOffset;
    return this.#followerLogEndOffsets.get(replicaId) ?? this.#highWatermark;
  }

  #maybeIncrementHighWatermark(): void {
    let candidate = this.log.logEndOffset;
    for (const replicaId of this.#isr) candidate = Math.min(candidate, this.#logEndOffsetOf(replicaId));
    if (candidate <= this.#highWatermark) return;
    this.#highWatermark = candidate;
    this.#notify();
  }

  #notify(): void {
    for (const listener of [...this.#listeners]) listener();
  }
}

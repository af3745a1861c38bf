import { basename, join } from 'node:path';
import type { RecordBatchView } from '../protocol/records/index.js';
import { assignOffsets, checkBatchHeaders, duplicateAppendInfo, requireKeys } from './batch-append.js';
import { LEADER_EPOCH_CHECKPOINT_FILE, parseTopicPartitionKey } from './checkpoint-file.js';
import type { Clock } from './clock.js';
import { OffsetOutOfRangeError } from './errors.js';
import type { FileHandleCache } from './file-handle-cache.js';
import { type EpochEndOffset, LeaderEpochCache } from './leader-epoch-cache.js';
import type { LogConfig } from './log-config.js';
import { deletablePrefix, retentionRules, type SegmentPredicate } from './log-retention.js';
import {
  EARLIEST_TIMESTAMP,
  LATEST_TIMESTAMP,
  type LogAppendInfo,
  type LogAppendOptions,
  type LogReadOptions,
  type LogReadResult,
  type LogState,
  type ReplaceSegmentsOptions,
  type TruncationListener,
} from './log-types.js';
import type { StorageLogger } from './logger.js';
import { checkProducerSequences } from './producer-append-check.js';
import { ProducerStateManager } from './producer-state-manager.js';
import { RetiredSegments } from './retired-segments.js';
import { LogSegment, type TimestampAndOffset } from './segment.js';
import { CLEANED_FILE_SUFFIX, DELETED_FILE_SUFFIX } from './segment-files.js';
import { swapSegments } from './segment-swap.js';
import type { LogSegments } from './segments.js';
import { readSegments } from './read-segments.js';
import { SerialQueue } from './serial-queue.js';
import { searchTimestamp } from './timestamp-search.js';
import { TruncationListeners } from './truncation-listeners.js';

/**
 * One partition's log: an ordered set of LogSegments in the directory `<topic>-<partition>` (Kafka's
 * UnifiedLog + LocalLog). The last segment is the active one; every other segment is immutable until retention,
 * truncation or compaction replaces it.
 *
 * Offsets: logStartOffset ≤ (first segment's base offset ... ) and logEndOffset (LEO) is the offset the next
 * record gets. recoveryPoint is the offset below which everything is known to be fsynced; LogManager checkpoints
 * it and the log start offset. The high watermark belongs to the replica layer, not here. The leader epoch cache
 * (`leader-epoch-checkpoint`) follows appends, truncations and moves of the log start offset.
 *
 * Concurrency: every mutation (append, roll, flush, truncation, retention, config change, the cleaner's segment
 * swap) runs on one SerialQueue, so offsets are assigned in arrival order and no two writes interleave. Reads do
 * not queue: they see a snapshot of the segment list and only bytes whose write has completed, so a read never sees
 * a partial batch. Idempotent producers' sequences are checked and recorded in the same queue step that assigns
 * offsets (ProducerStateManager), so a check and its append are atomic. Segments the cleaner replaces stay readable for file.delete.delay.ms, so a read that took its
 * snapshot before the swap still finds them.
 *
 * Open a Log with LogLoader.load (recovery happens there); `new Log` takes an already recovered state.
 */
export class Log {
  readonly dir: string;
  readonly topic: string;
  readonly partition: number;
  #config: LogConfig;
  readonly #clock: Clock;
  readonly #handles: FileHandleCache;
  readonly #logger: StorageLogger;
  readonly #segments: LogSegments;
  readonly #producerState: ProducerStateManager;
  readonly #epochs: LeaderEpochCache;
  readonly #queue = new SerialQueue();
  #rollFlushes: Promise<void> = Promise.resolve();
  #logStartOffset: number;
  #logEndOffset: number;
  #recoveryPoint: number;
  /** Bytes of the active segment up to the log end offset: reads never go past it, even mid-append. */
  #logEndPosition: number;
  #unflushedRecords = 0;
  #lastFlushMs: number;
  #closed = false;
  readonly #retired: RetiredSegments;
  readonly #truncationListeners: TruncationListeners;

  constructor(state: LogState) {
    this.dir = state.dir;
    const tp = parseTopicPartitionKey(basename(state.dir));
    if (tp === null)
      throw new Error(`log directory name ${JSON.stringify(basename(state.dir))} is not <topic>-<partition>`);
    ({ topic: this.topic, partition: this.partition } = tp);
    this.#config = state.config;
    this.#clock = state.clock;
    this.#handles = state.handles;
    this.#logger = state.logger.child({ tp: `${this.topic}-${this.partition}` });
    this.#retired = new RetiredSegments(this.#logger);
    this.#truncationListeners = new TruncationListeners(this.#logger);
    this.#segments = state.segments;
    this.#producerState = state.producerState ?? new ProducerStateManager({ dir: state.dir, logger: this.#logger });
    this.#epochs =
      state.leaderEpochCache ?? new LeaderEpochCache(join(state.dir, LEADER_EPOCH_CHECKPOINT_FILE), this.#logger);
    this.#logStartOffset = state.logStartOffset;
    this.#logEndOffset = state.logEndOffset;
    this.#recoveryPoint = state.recoveryPoint;
    this.#logEndPosition = state.segments.active.size;
    this.#lastFlushMs = state.clock.nowMs();
  }

  get config(): LogConfig {
    return this.#config;
  }

  get logStartOffset(): number {
    return this.#logStartOffset;
  }

  get logEndOffset(): number {
    return this.#logEndOffset;
  }

  get recoveryPoint(): number {
    return this.#recoveryPoint;
  }

  get segmentCount(): number {
    return this.#segments.size;
  }

  /** Bytes in all segments. */
  get size(): number {
    return this.#segments.sizeInBytes;
  }

  get segments(): readonly LogSegment[] {
    return this.#segments.all;
  }

  /** The idempotent producers' state; mutated only on the log's queue. */
  get producerState(): ProducerStateManager {
    return this.#producerState;
  }

  /** Leader epochs and where each starts; the log changes it only on its queue. */
  get leaderEpochCache(): LeaderEpochCache {
    return this.#epochs;
  }

  /** The newest leader epoch with an entry; undefined when none. */
  get latestEpoch(): number | undefined {
    return this.#epochs.latestEpoch;
  }

  /** OffsetForLeaderEpoch on this log: LeaderEpochCache.endOffsetFor at the current log end. */
  endOffsetForEpoch(epoch: number): EpochEndOffset {
    return this.#epochs.endOffsetFor(epoch, this.#logEndOffset);
  }

  /**
   * Records that `epoch` starts at `startOffset` (default: the log end) before anything is written in it, as a new
   * leader does (Kafka's maybeAssignEpochStartOffset at makeLeader), so OffsetForLeaderEpoch sees the new epoch at
   * once. Resolves true when the cache changed.
   */
  assignEpochStartOffset(epoch: number, startOffset?: number): Promise<boolean> {
    return this.#queue.run(() => this.#epochs.assign(epoch, startOffset ?? this.#logEndOffset));
  }

  /**
   * Append complete v2 record batches. The bytes are validated (magic, length, CRC), offsets and the leader
   * epoch are written into them in place, and they are written to the active segment as they are. A batch over
   * max.message.bytes, a corrupt batch or (on a compacted topic) a record without a key fails the whole append and
   * writes nothing that stays or that a reader sees. Each batch's leader epoch (the client's `leaderEpoch`, or the
   * leader's a follower copies) enters the epoch cache at the batch's base offset.
   */
  append(records: Buffer, options: LogAppendOptions = {}): Promise<LogAppendInfo> {
    let views: RecordBatchView[];
    try {
      views = checkBatchHeaders(records, this.#config.maxMessageBytes, options.origin ?? 'client');
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    return this.#queue.run(() => this.#append(views, records, options));
  }

  async #append(
    views: RecordBatchView[],
    records: Buffer,
    { leaderEpoch = -1, origin = 'client' }: LogAppendOptions,
  ): Promise<LogAppendInfo> {
    this.#checkOpen();
    const now = this.#clock.nowMs();
    const logAppendTime = this.#config.messageTimestampType === 'LogAppendTime' ? now : -1;
    const checkCrcs = (): void => {
      for (const view of views) view.validate();
    };
    // The CRCs are checked while the bytes are being written (the write is undone if one fails), unless the bytes
    // must be trusted first: LogAppendTime rewrites the CRC, and key checks decode the records.
    const hasProducers = views.some((view) => view.producerId >= 0);
    const checkFirst = logAppendTime >= 0 || this.#config.compact;
    if (checkFirst) checkCrcs();
    if (hasProducers && origin === 'client') {
      const duplicate = checkProducerSequences(this.#producerState, views, checkFirst ? undefined : checkCrcs);
      if (duplicate !== null) return duplicateAppendInfo(duplicate, logAppendTime, this.#logStartOffset);
    }
    if (this.#config.compact) await requireKeys(views);
    const { firstOffset, lastOffset, maxTimestamp, offsetOfMaxTimestamp, recordCount } = assignOffsets(views, {
      logEndOffset: this.#logEndOffset,
      origin,
      leaderEpoch,
      logAppendTime,
    });
    // As Kafka, the epoch entry is durable before the data it describes: LogLoader drops entries past the log end.
    const epochsChanged = await this.#epochs.assignBatches(views);
    let segment: LogSegment;
    try {
      segment = await this.#maybeRoll(records.length, maxTimestamp, firstOffset, lastOffset);
      await segment.append(lastOffset, maxTimestamp, offsetOfMaxTimestamp, records, checkFirst ? undefined : checkCrcs);
    } catch (err) {
      // an entry at the unchanged log end is still true (the epoch's next write starts there); later ones are not
      if (epochsChanged) await this.#epochs.truncateFromEnd(this.#logEndOffset + 1);
      throw err;
    }
    this.#logEndOffset = lastOffset + 1;
    this.#logEndPosition = segment.size;
    if (hasProducers) this.#producerState.update(views);
    this.#unflushedRecords += recordCount;
    if (this.#unflushedRecords >= this.#config.flushMessages) await this.#flush(this.#logEndOffset);
    return {
      firstOffset,
      lastOffset,
      maxTimestamp,
      offsetOfMaxTimestamp,
      logAppendTime,
      logStartOffset: this.#logStartOffset,
      batchCount: views.length,
      recordCount,
      validBytes: records.length,
    };
  }

  async #maybeRoll(size: number, maxTimestamp: number, firstOffset: number, lastOffset: number): Promise<LogSegment> {
    const active = this.#segments.active;
    const roll = active.shouldRoll({
      messagesSize: size,
      maxTimestampInMessages: maxTimestamp,
      maxOffsetInMessages: lastOffset,
      nowMs: this.#clock.nowMs(),
    });
    return roll ? this.#roll(firstOffset) : active;
  }

  /** Start a new active segment at max(expectedNextOffset, LEO); the old one is fsynced and trimmed. */
  async #roll(expectedNextOffset = this.#logEndOffset): Promise<LogSegment> {
    const baseOffset = Math.max(expectedNextOffset, this.#logEndOffset);
    const old = this.#segments.active;
    if (old.baseOffset === baseOffset && old.size === 0) return old;
    const segment = await LogSegment.create(this.dir, baseOffset, this.#config, this.#clock, this.#handles);
    this.#segments.add(segment);
    // the state is captured now, at the roll's offset; the file is written with the old segment's flush
    this.#retireInBackground(old, baseOffset, this.#producerState.snapshotBytes());
    this.#logger.info({ baseOffset }, 'rolled new log segment');
    return segment;
  }

  /**
   * The rolled segment's indexes are completed and trimmed and it is fsynced off the append path, as Kafka's "flush-log" task does
   * (an fsync of a whole segment would stall every append behind it); the recovery point moves when it is done.
   * The producer state snapshot taken at the roll is written here too (Kafka snapshots on every roll).
   * Tasks that remove or rewrite segments wait for these first (#exclusive).
   */
  #retireInBackground(old: LogSegment, upTo: number, producerSnapshot: Buffer): void {
    this.#rollFlushes = this.#rollFlushes
      .then(async () => {
        // the final time index entry is written first, so the fsync covers it before the recovery point moves
        await old.onBecomeInactive();
        await old.flush();
        await this.#producerState.writeSnapshot(upTo, producerSnapshot);
        if (upTo > this.#recoveryPoint && upTo <= this.#logEndOffset) this.#recoveryPoint = upTo;
      })
      .catch((err: unknown) =>
        this.#logger.error({ err, baseOffset: old.baseOffset }, 'cannot flush a rolled segment'),
      );
  }

  /** Runs a task on the log's queue after pending roll flushes, for tasks that flush, remove or rewrite segments. */
  #exclusive<T>(task: () => Promise<T>): Promise<T> {
    return this.#queue.run(async () => {
      await this.#rollFlushes;
      return task();
    });
  }

  /** Force a new active segment (tests, and the cleaner when the active segment must become cleanable). */
  roll(): Promise<LogSegment> {
    return this.#queue.run(() => this.#roll());
  }

  /**
   * Whole batches from `fetchOffset` on, up to maxBytes (the first batch whole if minOneBatch) and below
   * maxOffset. The first batch may start before fetchOffset; clients skip the records they did not ask for.
   */
  async read(
    fetchOffset: number,
    { maxBytes, maxOffset, minOneBatch = true, buffer }: LogReadOptions,
  ): Promise<LogReadResult> {
    const logEndOffset = this.#logEndOffset;
    const logEndPosition = this.#logEndPosition;
    const logStartOffset = this.#logStartOffset;
    const empty = { records: Buffer.alloc(0), logStartOffset, logEndOffset };
    if (fetchOffset < logStartOffset || fetchOffset > logEndOffset) {
      throw new OffsetOutOfRangeError(fetchOffset, logStartOffset, logEndOffset);
    }
    const limit = Math.min(maxOffset ?? logEndOffset, logEndOffset);
    if (fetchOffset >= limit) return empty;
    const records = await readSegments(this.#segments, fetchOffset, {
      limit,
      logEndOffset,
      logEndPosition,
      maxBytes,
      minOneBatch,
      buffer,
    });
    return records === null ? empty : { ...empty, records };
  }

  /**
   * ListOffsets semantics: EARLIEST_TIMESTAMP → log start, LATEST_TIMESTAMP → log end, MAX_TIMESTAMP → the batch
   * with the largest timestamp, otherwise the first offset whose timestamp is ≥ the target (null if none).
   */
  offsetForTimestamp(timestamp: number): Promise<TimestampAndOffset | null> {
    if (timestamp === EARLIEST_TIMESTAMP) {
      return Promise.resolve({ offset: this.#logStartOffset, timestamp: -1, leaderEpoch: -1 });
    }
    if (timestamp === LATEST_TIMESTAMP) {
      return Promise.resolve({ offset: this.#logEndOffset, timestamp: -1, leaderEpoch: -1 });
    }
    return searchTimestamp(this.#segments.all, this.#logStartOffset, timestamp);
  }

  /** fsync everything up to `offset` (default: the log end) and move the recovery point there. */
  flush(offset = this.#logEndOffset): Promise<void> {
    return this.#exclusive(() => this.#flush(offset));
  }

  async #flush(offset: number): Promise<void> {
    if (offset <= this.#recoveryPoint) return;
    for (const s of this.#segments.all) {
      const next = this.#segments.nextBaseOffset(s) ?? Infinity;
      if (next > this.#recoveryPoint && s.baseOffset < offset) await s.flush();
    }
    this.#recoveryPoint = Math.min(offset, this.#logEndOffset);
    this.#unflushedRecords = 0;
    this.#lastFlushMs = this.#clock.nowMs();
  }

  /** The flush.ms policy: flush if the last flush is older than flush.ms. Called by LogManager's scheduler. */
  flushIfDue(): Promise<void> {
    if (this.#clock.nowMs() - this.#lastFlushMs < this.#config.flushMs) return Promise.resolve();
    return this.flush();
  }

  /**
   * Remove everything at and above `offset` (a follower whose log diverged from the new leader's). Returns
   * whether anything was removed.
   */
  truncateTo(offset: number): Promise<boolean> {
    return this.#exclusive(async () => {
      this.#checkOpen();
      if (offset < 0) throw new RangeError(`cannot truncate to negative offset ${offset}`);
      if (offset >= this.#logEndOffset) {
        // as Kafka: drop an epoch a leader assigned at the log end but never wrote in (a newer leader took over)
        await this.#epochs.truncateFromEnd(this.#logEndOffset);
        return false;
      }
      if (offset < this.#segments.first!.baseOffset) {
        await this.#truncateFullyAndStartAt(offset);
        return true;
      }
      for (const s of [...this.#segments.all].reverse()) {
        if (s.baseOffset <= offset) break;
        this.#segments.remove(s);
        await s.deleteIfExists();
      }
      // the segment holding `offset` becomes the active one again, cut at the offset
      await this.#segments.active.truncateTo(offset);
      this.#logEndOffset = offset;
      this.#logEndPosition = this.#segments.active.size;
      this.#recoveryPoint = Math.min(this.#recoveryPoint, offset);
      this.#logStartOffset = Math.min(this.#logStartOffset, offset);
      await this.#epochs.truncateFromEnd(offset);
      await this.#producerState.reload({
        segments: this.#segments.all,
        logStartOffset: this.#logStartOffset,
        logEndOffset: offset,
        nowMs: this.#clock.nowMs(),
      });
      this.#logger.info({ offset }, 'truncated log');
      this.#truncationListeners.notify(offset);
      return true;
    });
  }

  /** Drop every segment and restart the log, empty, at `offset` (a follower far behind the leader's start). */
  truncateFullyAndStartAt(offset: number): Promise<void> {
    return this.#exclusive(() => this.#truncateFullyAndStartAt(offset));
  }

  async #truncateFullyAndStartAt(offset: number): Promise<void> {
    this.#checkOpen();
    for (const s of this.#segments.clear()) await s.deleteIfExists();
    await this.#producerState.clear();
    await this.#epochs.clear();
    this.#segments.add(await LogSegment.create(this.dir, offset, this.#config, this.#clock, this.#handles));
    this.#logStartOffset = offset;
    this.#logEndOffset = offset;
    this.#logEndPosition = 0;
    this.#recoveryPoint = offset;
    this.#logger.info({ offset }, 'truncated log fully');
    this.#truncationListeners.notify(offset);
  }

  /**
   * DeleteRecords: move the log start offset forward (never back, never past the log end); segments wholly
   * below it are deleted by the next retention pass.
   */
  advanceLogStartOffset(offset: number): Promise<number> {
    return this.#exclusive(async () => {
      this.#checkOpen();
      if (offset > this.#logEndOffset) {
        throw new OffsetOutOfRangeError(offset, this.#logStartOffset, this.#logEndOffset);
      }
      if (offset > this.#logStartOffset) this.#logStartOffset = offset;
      await this.#trimBelowLogStart();
      await this.#deleteBelowLogStart();
      return this.#logStartOffset;
    });
  }

  /**
   * Retention: delete whole non-active segments past retention.ms (by their largest timestamp), beyond
   * retention.bytes, or wholly below the log start offset. Only a prefix of the log is ever deleted. Returns the
   * number of segments deleted.
   */
  deleteOldSegments(): Promise<number> {
    return this.#exclusive(async () => {
      this.#checkOpen();
      this.#producerState.removeExpired(this.#clock.nowMs());
      let deleted = await this.#deleteBelowLogStart();
      for (const rule of retentionRules(this.#config, this.#clock.nowMs(), this.#segments)) {
        deleted += await this.#deleteSegments(rule.predicate(), rule.reason);
      }
      return deleted;
    });
  }

  /** Producers and leader epochs wholly below a raised log start offset are forgotten. */
  async #trimBelowLogStart(): Promise<void> {
    this.#producerState.evictBelow(this.#logStartOffset);
    await this.#epochs.truncateFromStart(this.#logStartOffset);
  }

  /** Segments whose every offset is below the log start offset. */
  #deleteBelowLogStart(): Promise<number> {
    return this.#deleteSegments((_segment, next) => next <= this.#logStartOffset, 'log start offset');
  }

  /** Delete the longest prefix of non-active segments matching `predicate`; runs inside the queue. */
  async #deleteSegments(predicate: SegmentPredicate, reason: string): Promise<number> {
    const doomed = deletablePrefix(this.#segments, predicate);
    if (doomed.length === 0) return 0;
    for (const s of doomed) this.#segments.remove(s);
    this.#logStartOffset = Math.max(this.#logStartOffset, this.#segments.first!.baseOffset);
    await this.#trimBelowLogStart();
    // as Kafka: renamed `.deleted` now (a restart never loads them), removed after file.delete.delay.ms
    for (const s of doomed) await s.changeFileSuffixes('', DELETED_FILE_SUFFIX);
    await this.#retired.deleteLater(doomed, this.#config.fileDeleteDelayMs);
    this.#logger.info(
      { segments: doomed.map((s) => s.baseOffset), logStartOffset: this.#logStartOffset, reason },
      'deleted log segments',
    );
    return doomed.length;
  }

  /** Apply new topic configs (dynamic config change); the next append, roll or retention pass uses them. */
  updateConfig(config: LogConfig): Promise<void> {
    return this.#queue.run(() => {
      this.#config = config;
      return Promise.resolve();
    });
  }

  /**
   * Calls `listener` after every truncation with the new log end offset (LogManager moves the cleaner's
   * checkpoint back, the cleaner abandons a cleaning whose input changed). Returns the unsubscribe function.
   */
  onTruncate(listener: TruncationListener): () => void {
    return this.#truncationListeners.add(listener);
  }

  /**
   * A new, empty segment for the cleaner's output, its files suffixed `.cleaned` (replacing any left over). It is
   * not part of the log until replaceSegments swaps it in.
   */
  createCleanedSegment(baseOffset: number): Promise<LogSegment> {
    return LogSegment.create(this.dir, baseOffset, this.#config, this.#clock, this.#handles, {
      fileSuffix: CLEANED_FILE_SUFFIX,
    });
  }

  /**
   * The cleaner's swap: `cleaned`, complete and fsynced with its files still suffixed `.cleaned`, takes the place
   * of `oldSegments`, consecutive non-active segments whose first one has the same base offset, in crash-safe
   * steps (swapSegments). Nothing happens and false is returned when the old segments are no longer all in the log,
   * one is active, or `canSwap` disagrees (a truncation or retention changed the log while the cleaner worked).
   */
  replaceSegments(
    cleaned: LogSegment,
    oldSegments: readonly LogSegment[],
    options: ReplaceSegmentsOptions = {},
  ): Promise<boolean> {
    return this.#exclusive(async () => {
      if (oldSegments.length === 0 || oldSegments[0]!.baseOffset !== cleaned.baseOffset) {
        throw new RangeError(`cleaned segment ${cleaned.baseOffset} does not start where the segments it replaces do`);
      }
      if (this.#closed) return false;
      const current = this.#segments.all;
      const active = this.#segments.active;
      if (oldSegments.some((s) => s === active || !current.includes(s))) return false;
      if (options.canSwap?.() === false) return false;
      await swapSegments(this.dir, this.#segments, cleaned, oldSegments, {
        afterStep: options.afterStep,
        retire: (old) => this.#retired.deleteLater(old, this.#config.fileDeleteDelayMs),
      });
      return true;
    });
  }

  /** Flush and close every segment, leaving a producer state snapshot at the log end. Idempotent. */
  close(): Promise<void> {
    return this.#exclusive(async () => {
      if (this.#closed) return;
      await this.#flush(this.#logEndOffset);
      await this.#producerState.writeSnapshot(this.#logEndOffset);
      for (const s of this.#segments.all) await s.close();
      await this.#retired.deleteAllNow();
      this.#closed = true;
    });
  }

  /** Close and remove every segment, snapshot and checkpoint file (the directory itself belongs to LogManager). */
  delete(): Promise<void> {
    return this.#exclusive(async () => {
      for (const s of this.#segments.clear()) await s.deleteIfExists();
      await this.#producerState.clear();
      await this.#epochs.deleteFile();
      await this.#retired.deleteAllNow();
      this.#closed = true;
    });
  }

  #checkOpen(): void {
    if (this.#closed) throw new Error(`log ${this.dir} is closed`);
  }
}

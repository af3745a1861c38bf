import { utimes } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CorruptRecordError,
  decodeBatch,
  MAGIC_V2,
  NO_TIMESTAMP,
  RECORD_BATCH_OVERHEAD,
  RecordBatchView,
} from '../protocol/records/index.js';
import { INDEX_WRITE_BEHIND_BYTES } from './abstract-index.js';
import type { Clock } from './clock.js';
import { CorruptIndexError, SegmentOffsetOverflowError, storageIoError } from './errors.js';
import type { FileHandleCache } from './file-handle-cache.js';
import type { FileRecordsIo, LogOffsetPosition } from './file-records.js';
import { FileRecords } from './file-records.js';
import type { LogConfig } from './log-config.js';
import type { OffsetPosition } from './offset-index.js';
import { OffsetIndex } from './offset-index.js';
import type { TimestampOffset } from './time-index.js';
import { TimeIndex } from './time-index.js';
import { readBatches, type SegmentReadResult } from './segment-read.js';
import { appendBatches } from './batch-walk.js';
import { INDEX_FILE_SUFFIX, LOG_FILE_SUFFIX, segmentFileName, TIME_INDEX_FILE_SUFFIX } from './segment-files.js';

/** Kafka's RollParams. */
export interface RollParams {
  /** Bytes about to be appended. */
  messagesSize: number;
  maxTimestampInMessages: number;
  maxOffsetInMessages: number;
  nowMs: number;
}

export interface LogSegmentOptions {
  /** Extra suffix after each file's suffix, e.g. `.cleaned` for the cleaner's output. Default none. */
  fileSuffix?: string;
  /** The random jitter off segment.ms; default: uniform in [0, min(segment.jitter.ms, segment.ms)). */
  rollJitterMs?: number;
  /** File I/O of the .log file (tests inject failures). */
  io?: Partial<FileRecordsIo>;
}

/** A record found by timestamp: Kafka's TimestampAndOffset (leaderEpoch -1 when unknown). */
export interface TimestampAndOffset {
  readonly timestamp: number;
  readonly offset: number;
  readonly leaderEpoch: number;
}

/**
 * One segment of a partition log: a FileRecords (.log), a sparse OffsetIndex (.index) and a TimeIndex
 * (.timeindex), all named after the base offset: `<baseOffset, 20 digits>.log|.index|.timeindex` (plus an extra
 * suffix such as `.cleaned` or `.swap` while the cleaner owns it). Byte-compatible with Kafka's segments.
 *
 * On disk: the .log holds v2 record batches exactly as on the wire, offsets assigned, back to back. Index
 * entries are added per batch boundary whenever more than index.interval.bytes were appended since the last
 * entry (Kafka 3.x): offset index (batch last offset → batch position), time index (max timestamp so far →
 * its batch's last offset). The first batch of a segment is never indexed (lookups below the first entry start
 * at position 0). Indexes are not checksummed: recover() rebuilds them from the log.
 *
 * Invariants: every offset in the segment is ≥ baseOffset and < baseOffset + 2^31 (relative offsets are int32);
 * batches are in increasing offset order; every index entry points at a batch boundary inside the visible file;
 * the time index's last entry is the segment's max timestamp once the segment is inactive or closed.
 *
 * Concurrency: append, truncateTo, recover, onBecomeInactive, changeFileSuffixes, close and delete are serialized
 * by the owning Log. Reads (read, translateOffset, findOffsetByTimestamp, readNextOffset) may run concurrently
 * with an append: index entries are added only after the log write completes and the log's size only grows
 * then, so a read sees whole, completed batches only.
 *
 * Handles: the .log stays open (pinned) while the segment is active (created, or written to); onBecomeInactive
 * hands it back to the shared FileHandleCache, which reopens it on demand. Index files are opened through the
 * cache only when pending entries are written.
 */
export class LogSegment {
  readonly baseOffset: number;
  readonly dir: string;
  readonly rollJitterMs: number;
  readonly #config: LogConfig;
  readonly #clock: Clock;
  readonly #log: FileRecords;
  readonly #offsetIndex: OffsetIndex;
  readonly #timeIndex: TimeIndex;
  #createdMs: number;
  /** Max timestamp of the first batch (or first append), the base of segment.ms; null until known, -1 if none. */
  #rollingBasedTimestamp: number | null = null;
  #maxTimestampSoFar: number;
  #offsetOfMaxTimestampSoFar: number;
  #bytesSinceLastIndexEntry = 0;
  #lastModifiedMs: number;
  #indexNeedsRebuild: boolean;

  private constructor(
    dir: string,
    baseOffset: number,
    config: LogConfig,
    clock: Clock,
    log: FileRecords,
    offsetIndex: OffsetIndex,
    timeIndex: TimeIndex,
    options: LogSegmentOptions,
    fresh: boolean,
  ) {
    this.dir = dir;
    this.baseOffset = baseOffset;
    this.#config = config;
    this.#clock = clock;
    this.#log = log;
    this.#offsetIndex = offsetIndex;
    this.#timeIndex = timeIndex;
    this.rollJitterMs = options.rollJitterMs ?? randomJitter(config);
    this.#createdMs = clock.nowMs();
    this.#lastModifiedMs = fresh ? this.#createdMs : log.openedMtimeMs;
    const last = timeIndex.lastEntry;
    this.#maxTimestampSoFar = last.timestamp;
    this.#offsetOfMaxTimestampSoFar = last.offset;
    this.#indexNeedsRebuild = log.size > 0 && (offsetIndex.wasMissing || timeIndex.wasMissing);
  }

  /** A new, empty segment; existing files with the same names are replaced. The .log handle is pinned. */
  static async create(
    dir: string,
    baseOffset: number,
    config: LogConfig,
    clock: Clock,
    handles: FileHandleCache,
    options: LogSegmentOptions = {},
  ): Promise<LogSegment> {
    return LogSegment.#make(dir, baseOffset, config, clock, handles, options, true);
  }

  /**
   * An existing segment. Loads both indexes into memory but does not scan the log: call sanityCheck() (and
   * recover() when it throws, or when indexNeedsRebuild: index files that were missing are created empty).
   */
  static async open(
    dir: string,
    baseOffset: number,
    config: LogConfig,
    clock: Clock,
    handles: FileHandleCache,
    options: LogSegmentOptions = {},
  ): Promise<LogSegment> {
    return LogSegment.#make(dir, baseOffset, config, clock, handles, options, false);
  }

  static async #make(
    dir: string,
    baseOffset: number,
    config: LogConfig,
    clock: Clock,
    handles: FileHandleCache,
    options: LogSegmentOptions,
    create: boolean,
  ): Promise<LogSegment> {
    const suffix = options.fileSuffix ?? '';
    const path = (kind: string): string => join(dir, segmentFileName(baseOffset, kind + suffix));
    const log = await FileRecords.open(path(LOG_FILE_SUFFIX), handles, {
      create,
      pin: create,
      ...(options.io === undefined ? {} : { io: options.io }),
    });
    try {
      const indexBytes = config.segmentIndexBytes;
      const offsetIndex = await OffsetIndex.open(path(INDEX_FILE_SUFFIX), baseOffset, indexBytes, handles, { create });
      const timeIndex = await TimeIndex.open(path(TIME_INDEX_FILE_SUFFIX), baseOffset, indexBytes, handles, {
        create,
      });
      return new LogSegment(dir, baseOffset, config, clock, log, offsetIndex, timeIndex, options, create);
    } catch (err) {
      log.unpin();
      await handles.evict(log.path);
      throw err;
    }
  }

  get offsetIndex(): OffsetIndex {
    return this.#offsetIndex;
  }

  get timeIndex(): TimeIndex {
    return this.#timeIndex;
  }

  get log(): FileRecords {
    return this.#log;
  }

  get logFile(): string {
    return this.#log.path;
  }

  get offsetIndexFile(): string {
    return this.#offsetIndex.path;
  }

  get timeIndexFile(): string {
    return this.#timeIndex.path;
  }

  /** Bytes in the .log file. */
  get size(): number {
    return this.#log.size;
  }

  /** The largest batch max timestamp in the segment, -1 when none. */
  get maxTimestampSoFar(): number {
    return this.#maxTimestampSoFar;
  }

  /** The last offset of the batch holding maxTimestampSoFar (baseOffset when none). */
  get offsetOfMaxTimestampSoFar(): number {
    return this.#offsetOfMaxTimestampSoFar;
  }

  /** The max timestamp, or the .log file's last modification time when the segment has none (Kafka). */
  get largestTimestamp(): number {
    return this.#maxTimestampSoFar >= 0 ? this.#maxTimestampSoFar : this.#lastModifiedMs;
  }

  /** The .log's last modification time: the file's mtime when opened, then the clock's time of each write. */
  get lastModifiedMs(): number {
    return this.#lastModifiedMs;
  }

  /** When this segment object was created (or last emptied by truncation), by the clock. */
  get createdMs(): number {
    return this.#createdMs;
  }

  /**
   * The timestamp segment.ms counts from: the first batch's (first append's) max timestamp; -1 when that batch
   * has none and null while unknown (createdMs is used in both cases). For opened segments it is loaded by
   * readNextOffset(), firstBatchTimestamp() or recover().
   */
  get rollingBasedTimestamp(): number | null {
    return this.#rollingBasedTimestamp;
  }

  /** Index files were missing when the segment was opened (and the log is not empty): recover() must run. */
  get indexNeedsRebuild(): boolean {
    return this.#indexNeedsRebuild;
  }

  /**
   * Appends `records`: whole v2 batches, offsets already assigned, the last one ending at `largestOffset`.
   * Throws SegmentOffsetOverflowError (before writing) if an offset does not fit relative to baseOffset, and
   * StorageIoError if a write fails, the log's or the indexes' write-behind (nothing of the append is written or
   * visible then). `largestTimestamp` becomes the segment.ms base on the first append; the max timestamp is
   * tracked per batch from the headers (the arguments can only raise it). `verify` runs while the bytes are
   * being written (FileRecords.append); if it throws, nothing of the append stays.
   */
  async append(
    largestOffset: number,
    largestTimestamp: number,
    offsetOfLargestTimestamp: number,
    records: Buffer,
    verify?: () => void,
  ): Promise<void> {
    if (records.length === 0) return;
    this.#ensureOffsetInRange(largestOffset);
    const batches = appendBatches(records);
    for (const b of batches) this.#ensureOffsetInRange(b.lastOffset);
    // Earlier appends' index entries are written behind here, before this append's bytes: if that write fails,
    // the append fails with nothing of it written. (After the log write, a failure would leave batches in the
    // file that the Log does not count, and the next append would reuse their offsets.)
    if (this.#offsetIndex.pendingBytes >= INDEX_WRITE_BEHIND_BYTES) await this.#offsetIndex.writePending();
    if (this.#timeIndex.pendingBytes >= INDEX_WRITE_BEHIND_BYTES) await this.#timeIndex.writePending();
    let position = this.#log.size;
    await this.#log.append(records, verify);
    if (position === 0) this.#rollingBasedTimestamp = largestTimestamp;
    for (const batch of batches) {
      if (batch.maxTimestamp > this.#maxTimestampSoFar) {
        this.#maxTimestampSoFar = batch.maxTimestamp;
        this.#offsetOfMaxTimestampSoFar = batch.lastOffset;
      }
      if (this.#bytesSinceLastIndexEntry > this.#config.indexIntervalBytes) {
        this.#addIndexEntry(batch.lastOffset, position);
        this.#bytesSinceLastIndexEntry = 0;
      }
      position += batch.size;
      this.#bytesSinceLastIndexEntry += batch.size;
    }
    if (largestTimestamp > this.#maxTimestampSoFar) {
      this.#maxTimestampSoFar = largestTimestamp;
      this.#offsetOfMaxTimestampSoFar = offsetOfLargestTimestamp;
    }
    this.#lastModifiedMs = this.#clock.nowMs();
  }

  /**
   * Whole batches from the batch holding `startOffset` (which may start before it: clients skip), at most
   * `maxSize` bytes and not past `maxPosition`; with `minOneBatch` the first batch is returned whole even if it
   * is larger than maxSize. Null when no batch in this segment reaches startOffset. `position` is the file
   * position of the first batch. With `scratch`, the file is read into it and the records are a view of it
   * when they fit (see LogReadOptions.buffer).
   */
  read(
    startOffset: number,
    maxSize: number,
    maxPosition: number = this.size,
    minOneBatch = false,
    scratch?: Buffer,
  ): Promise<SegmentReadResult | null> {
    if (maxSize < 0) throw new RangeError(`invalid max size ${maxSize} for a read from ${this.logFile}`);
    return readBatches(this, { startOffset, maxSize, maxPosition, minOneBatch, scratch });
  }

  /**
   * The first batch whose last offset is ≥ `offset`, searching from the index entry below it (or from
   * `startingPosition` when that is further on): `offset` in the result is that batch's LAST offset (Kafka's
   * LogOffsetPosition), `baseOffset` its first. Null when there is none in this segment.
   */
  async translateOffset(offset: number, startingPosition = 0): Promise<LogOffsetPosition | null> {
    const mapping = this.#offsetIndex.lookup(offset);
    return this.#log.searchForOffsetWithSize(offset, Math.max(mapping.position, startingPosition));
  }

  /**
   * Kafka's LogSegment.findOffsetByTimestamp, at record level: the first record with timestamp ≥ `timestamp`
   * and offset ≥ `startingOffset`, found via the time index, then the offset index, then a header scan; only the
   * first batch whose max timestamp reaches the target is decoded (decompressed if needed). Null when no record
   * qualifies. (Legacy v0/v1 entries are matched at entry level.)
   */
  async findOffsetByTimestamp(timestamp: number, startingOffset = this.baseOffset): Promise<TimestampAndOffset | null> {
    const indexed = this.#timeIndex.lookup(timestamp);
    const position = this.#offsetIndex.lookup(Math.max(indexed.offset, startingOffset)).position;
    for await (const header of this.#log.batchHeaders(position)) {
      if (header.maxTimestamp < timestamp || header.lastOffset < startingOffset) continue;
      if (header.magic !== MAGIC_V2) {
        return { timestamp: header.maxTimestamp, offset: header.lastOffset, leaderEpoch: -1 };
      }
      const bytes = await this.#log.read(header.position, header.size);
      if (bytes.length < header.size) return null; // truncated under us
      for (const record of await decodeBatch(new RecordBatchView(bytes))) {
        if (record.timestamp >= timestamp && record.offset >= startingOffset) {
          return { timestamp: record.timestamp, offset: record.offset, leaderEpoch: header.partitionLeaderEpoch };
        }
      }
    }
    return null;
  }

  /**
   * The offset after the last batch (baseOffset when empty), found by scanning headers from the last offset
   * index entry. Also loads the first batch's timestamp for segment.ms when it is not known yet.
   */
  async readNextOffset(): Promise<number> {
    const start = this.#offsetIndex.lookup(this.#offsetIndex.lastOffset).position;
    let next = this.baseOffset;
    for await (const header of this.#log.batchHeaders(start)) {
      if (header.position === 0 && this.#rollingBasedTimestamp === null)
        this.#rollingBasedTimestamp = header.maxTimestamp;
      next = header.lastOffset + 1;
    }
    await this.#loadFirstBatchTimestamp();
    return next;
  }

  /** The first batch's max timestamp, or Infinity when the segment has none (Kafka's getFirstBatchTimestamp). */
  async firstBatchTimestamp(): Promise<number> {
    await this.#loadFirstBatchTimestamp();
    const timestamp = this.#rollingBasedTimestamp;
    return timestamp !== null && timestamp >= 0 ? timestamp : Infinity;
  }

  /** How long this segment has waited to roll (Kafka's timeWaitedForRoll). */
  timeWaitedForRoll(nowMs: number, messageTimestamp: number): number {
    const base = this.#rollingBasedTimestamp;
    if (base !== null && base >= 0) return messageTimestamp - base;
    return nowMs - this.#createdMs;
  }

  /**
   * Kafka's rules: roll when the new messages would push the segment past segment.bytes, when it is non-empty and
   * has waited segment.ms minus its jitter, when an index is full, or when the messages' last offset does not fit
   * relative to baseOffset.
   */
  shouldRoll(params: RollParams): boolean {
    const reachedRollMs =
      this.timeWaitedForRoll(params.nowMs, params.maxTimestampInMessages) > this.#config.segmentMs - this.rollJitterMs;
    const size = this.size;
    return (
      size > this.#config.segmentBytes - params.messagesSize ||
      (size > 0 && reachedRollMs) ||
      this.#offsetIndex.isFull() ||
      this.#timeIndex.isFull() ||
      !this.#offsetIndex.canAppendOffset(params.maxOffsetInMessages)
    );
  }

  /**
   * Rebuilds both indexes by scanning the whole .log, validating every batch: magic 2, a sane length (at most
   * `maxMessageSize` when given), the CRC, offsets within this segment and increasing. The file is truncated at
   * the first invalid or torn batch and the indexes written, not fsynced (as in Kafka: the caller decides; a
   * segment above the recovery point is simply recovered again after another crash). Returns the bytes truncated.
   * A batch whose offsets do not fit the segment's int32 relative offsets counts as invalid: Kafka splits such
   * segments, which only its legacy formats could write, and this scan accepts magic 2 only.
   */
  async recover(maxMessageSize?: number): Promise<number> {
    await this.#offsetIndex.reset();
    await this.#timeIndex.reset();
    this.#maxTimestampSoFar = NO_TIMESTAMP;
    this.#offsetOfMaxTimestampSoFar = this.baseOffset;
    this.#rollingBasedTimestamp = null;
    let validBytes = 0;
    let lastIndexEntry = 0;
    let previousLastOffset = -1;
    const interval = this.#config.indexIntervalBytes;
    const chunks = this.#log.batchChunks(
      0,
      maxMessageSize === undefined ? {} : { maxBatchSize: Math.max(maxMessageSize, RECORD_BATCH_OVERHEAD) },
    );
    try {
      for await (const chunk of chunks) {
        for (const batch of chunk) {
          if (batch.magic !== MAGIC_V2) {
            throw new CorruptRecordError('magic', `batch at ${validBytes} has magic ${batch.magic}`);
          }
          batch.validate();
          const baseOffset = batch.baseOffset;
          const lastOffset = batch.lastOffset;
          // Our appends never write an offset that does not fit the segment (SegmentOffsetOverflowError rolls
          // first), so one that does not is a damaged base offset, which the CRC does not cover: corruption.
          if (
            batch.lastOffsetDelta < 0 ||
            baseOffset <= previousLastOffset ||
            !this.#offsetIndex.canAppendOffset(lastOffset)
          ) {
            throw new CorruptRecordError(
              'record',
              `batch at ${validBytes} has offsets ${baseOffset}..${lastOffset}, after ${previousLastOffset} in a ` +
                `segment based at ${this.baseOffset}`,
            );
          }
          const maxTimestamp = batch.maxTimestamp;
          if (validBytes === 0) this.#rollingBasedTimestamp = maxTimestamp;
          if (maxTimestamp > this.#maxTimestampSoFar) {
            this.#maxTimestampSoFar = maxTimestamp;
            this.#offsetOfMaxTimestampSoFar = lastOffset;
          }
          if (validBytes - lastIndexEntry > interval) {
            this.#addIndexEntry(lastOffset, validBytes);
            lastIndexEntry = validBytes;
          }
          validBytes += batch.sizeInBytes;
          previousLastOffset = lastOffset;
        }
      }
    } catch (err) {
      if (!(err instanceof CorruptRecordError)) throw err;
      // The valid log ends here; the caller logs the truncation.
    }
    const truncated = await this.#log.truncateTo(validBytes);
    this.#timeIndex.maybeAppend(this.#maxTimestampSoFar, this.#offsetOfMaxTimestampSoFar, true);
    this.#bytesSinceLastIndexEntry = validBytes - lastIndexEntry;
    if (validBytes === 0) this.#createdMs = this.#clock.nowMs();
    await this.#offsetIndex.writePending();
    await this.#timeIndex.writePending();
    this.#indexNeedsRebuild = false;
    return truncated;
  }

  /**
   * Removes every batch from the one holding `offset` on (whole batches: a batch holding `offset` goes entirely)
   * and the index entries for offsets ≥ `offset`. Returns the bytes removed (0 when `offset` is past the end).
   */
  async truncateTo(offset: number): Promise<number> {
    const mapping = await this.translateOffset(offset);
    await this.#offsetIndex.truncateTo(offset);
    await this.#timeIndex.truncateTo(offset);
    const removed = mapping === null ? 0 : await this.#log.truncateTo(mapping.position);
    if (this.size === 0) {
      this.#createdMs = this.#clock.nowMs();
      this.#rollingBasedTimestamp = null;
    }
    this.#bytesSinceLastIndexEntry = 0;
    if (this.#maxTimestampSoFar >= 0) await this.#readLargestTimestamp();
    if (removed > 0) this.#lastModifiedMs = this.#clock.nowMs();
    return removed;
  }

  /** fsyncs the .log and writes and fsyncs the indexes. */
  async flush(): Promise<void> {
    await this.#log.flush();
    await this.#offsetIndex.flush();
    await this.#timeIndex.flush();
  }

  /**
   * The segment stops being the active one: the final time index entry (max timestamp) is added, pending index
   * entries are written and their spare memory released, and the .log handle goes back to the LRU cache.
   */
  async onBecomeInactive(): Promise<void> {
    this.#timeIndex.maybeAppend(this.#maxTimestampSoFar, this.#offsetOfMaxTimestampSoFar, true);
    await this.#offsetIndex.trim();
    await this.#timeIndex.trim();
    this.#log.unpin();
  }

  /** Renames the three files from `...<oldSuffix>` to `...<newSuffix>` (e.g. '' → '.deleted', '.cleaned' → '.swap'). */
  async changeFileSuffixes(oldSuffix: string, newSuffix: string): Promise<void> {
    await this.#log.renameTo(replaceSuffix(this.#log.path, oldSuffix, newSuffix));
    await this.#offsetIndex.renameTo(replaceSuffix(this.#offsetIndex.path, oldSuffix, newSuffix));
    await this.#timeIndex.renameTo(replaceSuffix(this.#timeIndex.path, oldSuffix, newSuffix));
  }

  /** Whether all three files end with `suffix`. */
  hasSuffix(suffix: string): boolean {
    return [this.#log.path, this.#offsetIndex.path, this.#timeIndex.path].every((p) => p.endsWith(suffix));
  }

  /** Sets the .log (and index) modification time, e.g. to test time-based retention of timestamp-less segments. */
  async setLastModified(ms: number): Promise<void> {
    const time = new Date(ms);
    try {
      for (const p of [this.#log.path, this.#offsetIndex.path, this.#timeIndex.path]) await utimes(p, time, time);
    } catch (err) {
      throw storageIoError(`cannot set the modification time of ${this.#log.path}`, err);
    }
    this.#lastModifiedMs = ms;
  }

  /** Adds the final time index entry, writes and fsyncs what changed, and releases the handles. Idempotent. */
  async close(): Promise<void> {
    if (this.#maxTimestampSoFar >= 0) {
      this.#timeIndex.maybeAppend(this.#maxTimestampSoFar, this.#offsetOfMaxTimestampSoFar, true);
    }
    await this.#offsetIndex.close();
    await this.#timeIndex.close();
    await this.#log.close();
  }

  /** Deletes the three files (whichever exist) and releases their handles. */
  async deleteIfExists(): Promise<void> {
    const results = await Promise.allSettled([
      this.#log.deleteIfExists(),
      this.#offsetIndex.deleteIfExists(),
      this.#timeIndex.deleteIfExists(),
    ]);
    for (const r of results) if (r.status === 'rejected') throw r.reason;
  }

  /**
   * Index checks (throws CorruptIndexError): each index's own checks (AbstractIndex subclasses), plus the last
   * offset index entry must point inside the .log. Missing index files are reported by indexNeedsRebuild.
   */
  sanityCheck(): void {
    this.#offsetIndex.sanityCheck();
    this.#timeIndex.sanityCheck();
    const index = this.#offsetIndex;
    if (index.entries > 0) {
      const last = index.entry(index.entries - 1);
      if (last.position + RECORD_BATCH_OVERHEAD > this.size) {
        throw new CorruptIndexError(
          index.path,
          `last entry (offset ${last.offset}) points at position ${last.position}, beyond the log's ${this.size} bytes`,
        );
      }
    }
  }

  toString(): string {
    return `LogSegment(baseOffset=${this.baseOffset}, size=${this.size}, largestTimestamp=${this.#maxTimestampSoFar})`;
  }

  #addIndexEntry(lastOffset: number, position: number): void {
    // A full index never rejects an append: the entry is skipped (a sparser index is still correct), and
    // shouldRoll() starts a new segment before the next append.
    if (this.#offsetIndex.isFull() || this.#timeIndex.isFull()) return;
    this.#offsetIndex.append(lastOffset, position);
    this.#timeIndex.maybeAppend(this.#maxTimestampSoFar, this.#offsetOfMaxTimestampSoFar);
  }

  #ensureOffsetInRange(offset: number): void {
    if (!this.#offsetIndex.canAppendOffset(offset)) throw new SegmentOffsetOverflowError(this.baseOffset, offset);
  }

  async #loadFirstBatchTimestamp(): Promise<void> {
    if (this.#rollingBasedTimestamp !== null || this.size === 0) return;
    for await (const header of this.#log.batchHeaders(0)) {
      this.#rollingBasedTimestamp = header.maxTimestamp;
      return;
    }
  }

  /** After truncation: the last time index entry, or a larger timestamp found in the batches after it. */
  async #readLargestTimestamp(): Promise<void> {
    const last: TimestampOffset = this.#timeIndex.lastEntry;
    const position: OffsetPosition = this.#offsetIndex.lookup(last.offset);
    const after = await this.#log.largestTimestampAfter(position.position);
    if (after.timestamp > last.timestamp) {
      this.#maxTimestampSoFar = after.timestamp;
      this.#offsetOfMaxTimestampSoFar = after.offset;
    } else {
      this.#maxTimestampSoFar = last.timestamp;
      this.#offsetOfMaxTimestampSoFar = last.offset;
    }
  }
}

/** Uniform in [0, min(segment.jitter.ms, segment.ms)), as Kafka's LogConfig.randomSegmentJitter. */
function randomJitter(config: LogConfig): number {
  if (config.segmentJitterMs <= 0) return 0;
  return Math.floor(Math.random() * Math.min(config.segmentJitterMs, config.segmentMs));
}

/** Kafka's Utils.replaceSuffix. */
function replaceSuffix(path: string, oldSuffix: string, newSuffix: string): string {
  if (!path.endsWith(oldSuffix)) throw new RangeError(`${path} does not end with ${oldSuffix}`);
  return path.substring(0, path.length - oldSuffix.length) + newSuffix;
}

import { NO_TIMESTAMP } from '../protocol/records/index.js';
import type { LoadedIndexFile } from './abstract-index.js';
import { AbstractIndex, loadIndexFile } from './abstract-index.js';
import type { FileHandleCache } from './file-handle-cache.js';

/** A timestamp and an offset. */
export interface TimestampOffset {
  readonly timestamp: number;
  readonly offset: number;
}

const ENTRY_SIZE = 12;
const INT64_SAFE_HIGH = 0x200000;

/**
 * Sparse time index of one segment: maps timestamps to offsets.
 *
 * File `<baseOffset, 20 digits>.timeindex`, Kafka's format exactly: 12-byte big-endian entries
 * `timestamp:int64 | relativeOffset:int32`. An entry (T, O) says the largest timestamp seen up to offset O is T,
 * so any record with a timestamp above T comes after O. Timestamps strictly increase (an entry is only added
 * when its timestamp is larger than the last one: maybeAppend), offsets never decrease. The file is exactly
 * entries × 12 bytes (see AbstractIndex). Not checksummed: rebuilt from the log after an unclean shutdown.
 *
 * As in Kafka, the last slot is reserved: isFull() is true one entry early so that rolling or closing the segment
 * can always append the final (maxTimestamp, offset) entry with skipFullCheck.
 *
 * Lookup is total: no entry ≤ the target gives (-1, baseOffset).
 *
 * Concurrency: as OffsetIndex: mutated only by the owning segment; lookups are synchronous.
 */
export class TimeIndex extends AbstractIndex {
  #lastEntry: TimestampOffset;

  private constructor(
    path: string,
    baseOffset: number,
    maxIndexSize: number,
    handles: FileHandleCache,
    loaded: LoadedIndexFile,
  ) {
    super(path, baseOffset, maxIndexSize, ENTRY_SIZE, handles, loaded);
    this.#lastEntry = this.#readLastEntry();
  }

  /** Loads `path` (created empty when missing: check `wasMissing`), or with `create` starts a fresh empty index. */
  static async open(
    path: string,
    baseOffset: number,
    maxIndexSize: number,
    handles: FileHandleCache,
    options: { create?: boolean } = {},
  ): Promise<TimeIndex> {
    const loaded = await loadIndexFile(path, handles, options.create ?? false);
    return new TimeIndex(path, baseOffset, maxIndexSize, handles, loaded);
  }

  /** The last entry, or (-1, baseOffset) when empty. */
  get lastEntry(): TimestampOffset {
    return this.#lastEntry;
  }

  override isFull(): boolean {
    return this.entries >= this.maxEntries - 1;
  }

  /** The entry with the largest timestamp ≤ `targetTimestamp`, or (-1, baseOffset) when there is none. */
  lookup(targetTimestamp: number): TimestampOffset {
    const slot = this.largestLowerBoundSlot(targetTimestamp, (n) => this.#timestampAt(n));
    return slot < 0 ? { timestamp: NO_TIMESTAMP, offset: this.baseOffset } : this.entry(slot);
  }

  entry(n: number): TimestampOffset {
    if (n < 0 || n >= this.entries) throw new RangeError(`no entry ${n} in ${this.path} (${this.entries} entries)`);
    return { timestamp: this.#timestampAt(n), offset: this.#offsetAt(n) };
  }

  /**
   * Appends (timestamp, offset) if the timestamp is above the last entry's; otherwise does nothing. Throws if the
   * index is full (unless skipFullCheck, used on roll and close), if the offset is below the last entry's, or if
   * the timestamp is below the last entry's (a caller bug: timestamps passed here are running maxima).
   */
  maybeAppend(timestamp: number, offset: number, skipFullCheck = false): void {
    if (!skipFullCheck && this.isFull()) {
      throw new RangeError(`cannot append to a full time index ${this.path} (${this.entries} entries)`);
    }
    if (this.entries > 0 && offset < this.#lastEntry.offset) {
      throw new RangeError(
        `cannot append offset ${offset} to ${this.path}: below the last offset ${this.#lastEntry.offset}`,
      );
    }
    if (this.entries > 0 && timestamp < this.#lastEntry.timestamp) {
      throw new RangeError(
        `cannot append timestamp ${timestamp} to ${this.path}: below the last timestamp ${this.#lastEntry.timestamp}`,
      );
    }
    if (timestamp <= this.#lastEntry.timestamp) return;
    const relative = this.relativeOffset(offset);
    const at = this.reserveEntry();
    this.buf.writeInt32BE(Math.floor(timestamp / 0x1_0000_0000), at);
    this.buf.writeUInt32BE(timestamp >>> 0, at + 4);
    this.buf.writeInt32BE(relative, at + 8);
    this.commitEntry();
    this.#lastEntry = { timestamp, offset };
  }

  /** Removes the entries with offset ≥ `offset`. */
  async truncateTo(offset: number): Promise<void> {
    const slot = this.largestLowerBoundSlot(offset, (n) => this.#offsetAt(n));
    const keep = slot < 0 ? 0 : this.#offsetAt(slot) === offset ? slot : slot + 1;
    const pending = this.truncateToEntries(keep);
    this.#lastEntry = this.#readLastEntry();
    await pending;
  }

  override async reset(): Promise<void> {
    const pending = super.reset();
    this.#lastEntry = this.#readLastEntry();
    await pending;
  }

  /**
   * Kafka's checks (length a multiple of 12, last timestamp ≥ first, last offset ≥ baseOffset) plus every entry's
   * ordering: timestamps strictly increasing, relative offsets ≥ 0 and non-decreasing.
   */
  sanityCheck(): void {
    this.checkLength('time index');
    let previousTimestamp = -Infinity;
    let previousOffset = 0;
    for (let n = 0; n < this.entries; n++) {
      const high = this.buf.readInt32BE(n * ENTRY_SIZE);
      if (high >= INT64_SAFE_HIGH || high < -INT64_SAFE_HIGH) this.corrupt(`entry ${n} has an out-of-range timestamp`);
      const timestamp = this.#timestampAt(n);
      const relative = this.buf.readInt32BE(n * ENTRY_SIZE + 8);
      if (timestamp <= previousTimestamp) {
        this.corrupt(`entry ${n} has timestamp ${timestamp}, not above the previous ${previousTimestamp}`);
      }
      if (relative < previousOffset) {
        this.corrupt(`entry ${n} has relative offset ${relative}, below the previous ${previousOffset}`);
      }
      previousTimestamp = timestamp;
      previousOffset = relative;
    }
  }

  #timestampAt(n: number): number {
    return this.buf.readInt32BE(n * ENTRY_SIZE) * 0x1_0000_0000 + this.buf.readUInt32BE(n * ENTRY_SIZE + 4);
  }

  #offsetAt(n: number): number {
    return this.baseOffset + this.buf.readInt32BE(n * ENTRY_SIZE + 8);
  }

  #readLastEntry(): TimestampOffset {
    return this.entries === 0 ? { timestamp: NO_TIMESTAMP, offset: this.baseOffset } : this.entry(this.entries - 1);
  }
}

import type { LoadedIndexFile } from './abstract-index.js';
import { AbstractIndex, loadIndexFile } from './abstract-index.js';
import type { FileHandleCache } from './file-handle-cache.js';

/** An offset and the file position of the batch it belongs to. */
export interface OffsetPosition {
  readonly offset: number;
  readonly position: number;
}

const ENTRY_SIZE = 8;

/**
 * Sparse offset index of one segment: maps offsets to positions in the segment's .log file.
 *
 * File `<baseOffset, 20 digits>.index`, Kafka's format exactly: 8-byte big-endian entries
 * `relativeOffset:int32 | position:int32`, relativeOffset = offset - baseOffset. An entry (offset, position) says
 * the batch whose LAST offset is `offset` starts at `position` (Kafka 3.x indexes batches by their last offset).
 * Both fields strictly increase. The file is exactly entries × 8 bytes (see AbstractIndex: never preallocated,
 * in memory or on disk). Not checksummed: after an unclean shutdown it is rebuilt from the log by
 * LogSegment.recover().
 *
 * Lookup is total, as in Kafka: an empty index, or a target below the first entry, gives (baseOffset, 0).
 *
 * Concurrency: appended and truncated only by the owning segment (serialized by the Log); lookups are
 * synchronous and safe at any time.
 */
export class OffsetIndex extends AbstractIndex {
  #lastOffset: number;

  private constructor(
    path: string,
    baseOffset: number,
    maxIndexSize: number,
    handles: FileHandleCache,
    loaded: LoadedIndexFile,
  ) {
    super(path, baseOffset, maxIndexSize, ENTRY_SIZE, handles, loaded);
    this.#lastOffset = this.#lastEntry().offset;
  }

  /**
   * Loads `path` (an empty file is created when it is missing: check `wasMissing`), or with `create` starts a
   * fresh empty index. `maxIndexSize` is segment.index.bytes.
   */
  static async open(
    path: string,
    baseOffset: number,
    maxIndexSize: number,
    handles: FileHandleCache,
    options: { create?: boolean } = {},
  ): Promise<OffsetIndex> {
    const loaded = await loadIndexFile(path, handles, options.create ?? false);
    return new OffsetIndex(path, baseOffset, maxIndexSize, handles, loaded);
  }

  /** The offset of the last entry, baseOffset when empty. */
  get lastOffset(): number {
    return this.#lastOffset;
  }

  /** The entry with the largest offset ≤ `targetOffset`, or (baseOffset, 0) when there is none. */
  lookup(targetOffset: number): OffsetPosition {
    const slot = this.largestLowerBoundSlot(targetOffset, (n) => this.#offsetAt(n));
    return slot < 0 ? { offset: this.baseOffset, position: 0 } : this.entry(slot);
  }

  /**
   * An entry whose position is ≥ fetchPosition + fetchSize: an offset certainly beyond a fetch of `fetchSize`
   * bytes from `fetchPosition` (Kafka's fetchUpperBoundOffset), or null.
   */
  fetchUpperBoundOffset(fetchPosition: number, fetchSize: number): OffsetPosition | null {
    const slot = this.smallestUpperBoundSlot(fetchPosition + fetchSize, (n) => this.#positionAt(n));
    return slot < 0 ? null : this.entry(slot);
  }

  entry(n: number): OffsetPosition {
    if (n < 0 || n >= this.entries) throw new RangeError(`no entry ${n} in ${this.path} (${this.entries} entries)`);
    return { offset: this.#offsetAt(n), position: this.#positionAt(n) };
  }

  /**
   * Adds an entry. The offset must be above the last one; it must fit relative to baseOffset
   * (SegmentOffsetOverflowError otherwise); the index must not be full.
   */
  append(offset: number, position: number): void {
    if (this.isFull()) throw new RangeError(`cannot append to a full index ${this.path} (${this.entries} entries)`);
    if (this.entries > 0 && offset <= this.#lastOffset) {
      throw new RangeError(
        `cannot append offset ${offset} to ${this.path}: not above the last offset ${this.#lastOffset}`,
      );
    }
    const relative = this.relativeOffset(offset);
    const at = this.reserveEntry();
    this.buf.writeInt32BE(relative, at);
    this.buf.writeInt32BE(position, at + 4);
    this.commitEntry();
    this.#lastOffset = offset;
  }

  /** Removes the entries with offset ≥ `offset`. */
  async truncateTo(offset: number): Promise<void> {
    const slot = this.largestLowerBoundSlot(offset, (n) => this.#offsetAt(n));
    // No entry ≤ offset: drop all; an entry for exactly offset: drop it and what follows; else keep slot.
    const keep = slot < 0 ? 0 : this.#offsetAt(slot) === offset ? slot : slot + 1;
    const pending = this.truncateToEntries(keep);
    this.#lastOffset = this.#lastEntry().offset;
    await pending;
  }

  override async reset(): Promise<void> {
    const pending = super.reset();
    this.#lastOffset = this.baseOffset;
    await pending;
  }

  /**
   * Kafka's checks (length a multiple of 8, last offset ≥ baseOffset) plus the ordering of every entry:
   * relative offsets ≥ 0 and strictly increasing, positions ≥ 0 and strictly increasing. Positions beyond the
   * log's end are checked by the segment.
   */
  sanityCheck(): void {
    this.checkLength('offset index');
    let previousOffset = -1;
    let previousPosition = -1;
    for (let n = 0; n < this.entries; n++) {
      const relative = this.buf.readInt32BE(n * ENTRY_SIZE);
      const position = this.buf.readInt32BE(n * ENTRY_SIZE + 4);
      if (relative <= previousOffset) {
        this.corrupt(`entry ${n} has relative offset ${relative}, not above the previous ${previousOffset}`);
      }
      if (position <= previousPosition) {
        this.corrupt(`entry ${n} has position ${position}, not above the previous ${previousPosition}`);
      }
      previousOffset = relative;
      previousPosition = position;
    }
  }

  #offsetAt(n: number): number {
    return this.baseOffset + this.buf.readInt32BE(n * ENTRY_SIZE);
  }

  #positionAt(n: number): number {
    return this.buf.readInt32BE(n * ENTRY_SIZE + 4);
  }

  #lastEntry(): OffsetPosition {
    return this.entries === 0 ? { offset: this.baseOffset, position: 0 } : this.entry(this.entries - 1);
  }
}

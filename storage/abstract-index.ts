import type { FileHandle } from 'node:fs/promises';
import { readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { CorruptIndexError, SegmentOffsetOverflowError, storageIoError } from './errors.js';
import type { FileHandleCache } from './file-handle-cache.js';

const INT32_MAX = 2 ** 31 - 1;
/** Smallest in-memory capacity once an index gets its first entry. */
const MIN_CAPACITY_ENTRIES = 16;
/**
 * Entries are written to the file in batches: once this many bytes are pending (and at flush, roll and close).
 * 4 KiB of offset-index entries cover about 2 MiB of log at the default index.interval.bytes.
 */
export const INDEX_WRITE_BEHIND_BYTES = 4096;

/** The content of an index file and whether it existed. */
export interface LoadedIndexFile {
  content: Buffer;
  /** False when the file was missing and has just been created empty (the segment must rebuild its indexes). */
  existed: boolean;
}

/**
 * Reads an index file into memory (creating it empty when missing), or with `create` replaces it with an empty
 * file. The buffer holds exactly the file's bytes: memory grows with entries, never to segment.index.bytes.
 */
export async function loadIndexFile(path: string, handles: FileHandleCache, create: boolean): Promise<LoadedIndexFile> {
  try {
    if (create) {
      await handles.evict(path);
      await writeFile(path, Buffer.alloc(0));
      return { content: Buffer.alloc(0), existed: true };
    }
    try {
      return { content: await readFile(path), existed: true };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      await writeFile(path, Buffer.alloc(0), { flag: 'wx' });
      return { content: Buffer.alloc(0), existed: false };
    }
  } catch (err) {
    throw storageIoError(`cannot open index file ${path}`, err);
  }
}

/**
 * What OffsetIndex and TimeIndex share: a sorted array of fixed-size big-endian entries held in a Buffer that
 * grows with the entries (capacity doubles, capped at segment.index.bytes), binary search, truncation, and the
 * file behind it.
 *
 * On disk: the entries back to back, nothing else. Unlike Kafka, which preallocates the file to
 * segment.index.bytes and trims it on roll, the file here is always exactly `entries × entrySize` bytes once
 * pending entries are written: appends only touch memory; the unwritten tail is written with one positional
 * write when INDEX_WRITE_BEHIND_BYTES are pending, and at flush(), trim() (roll) and close(). Truncation cuts the
 * file at once. An index lost or stale after a crash is harmless: segments after the recovery point are always
 * rebuilt from the log, and the ones before it were flushed.
 *
 * Concurrency: appends and truncations are serialized by the owning segment (the Log's serial queue); lookups
 * are synchronous and can run at any time. File writes are serialized internally, so flush() may overlap an
 * append.
 *
 * Invariants: `entries ≤ capacity`; the file's first `written` entries equal memory; `maxEntries` =
 * floor(segment.index.bytes / entrySize) bounds appends (isFull makes the log roll).
 */
export abstract class AbstractIndex {
  #path: string;
  readonly baseOffset: number;
  readonly maxIndexSize: number;
  readonly maxEntries: number;
  readonly entrySize: number;
  /** The index file was missing when opened and has been created empty. */
  readonly wasMissing: boolean;
  protected buf: Buffer;
  #entries: number;
  /** Entries whose bytes the file holds. */
  #written: number;
  /** Bytes in the file. */
  #fileLength: number;
  /** The file length when loaded; a length that is not a multiple of the entry size fails the sanity check. */
  #loadedLength: number;
  #dirty = false;
  #closed = false;
  /** Incremented by every truncation, so a write racing one does not claim bytes the truncation invalidated. */
  #truncations = 0;
  #fileOps: Promise<unknown> = Promise.resolve();
  readonly #handles: FileHandleCache;

  protected constructor(
    path: string,
    baseOffset: number,
    maxIndexSize: number,
    entrySize: number,
    handles: FileHandleCache,
    loaded: LoadedIndexFile,
  ) {
    this.#path = path;
    this.baseOffset = baseOffset;
    this.maxIndexSize = maxIndexSize;
    this.entrySize = entrySize;
    this.maxEntries = Math.floor(maxIndexSize / entrySize);
    this.#handles = handles;
    this.wasMissing = !loaded.existed;
    this.buf = loaded.content;
    this.#loadedLength = loaded.content.length;
    this.#fileLength = loaded.content.length;
    this.#entries = Math.floor(loaded.content.length / entrySize);
    this.#written = this.#entries;
  }

  get path(): string {
    return this.#path;
  }

  get entries(): number {
    return this.#entries;
  }

  /** Bytes used by the entries (the file's size once pending entries are written). */
  get sizeInBytes(): number {
    return this.#entries * this.entrySize;
  }

  /** Bytes of memory held for this index. */
  get capacityBytes(): number {
    return this.buf.length;
  }

  /** Bytes appended in memory but not yet written to the file. */
  get pendingBytes(): number {
    return (this.#entries - this.#written) * this.entrySize;
  }

  isFull(): boolean {
    return this.#entries >= this.maxEntries;
  }

  /** Whether `offset - baseOffset` fits the int32 relative offset. */
  canAppendOffset(offset: number): boolean {
    const relative = offset - this.baseOffset;
    return relative >= 0 && relative <= INT32_MAX;
  }

  /** `offset - baseOffset`, or SegmentOffsetOverflowError when it does not fit an int32. */
  relativeOffset(offset: number): number {
    if (!this.canAppendOffset(offset)) throw new SegmentOffsetOverflowError(this.baseOffset, offset);
    return offset - this.baseOffset;
  }

  /** Throws CorruptIndexError if the file is obviously broken. Cheap: the entries are in memory. */
  abstract sanityCheck(): void;

  /** Removes the entries with offsets ≥ `offset` (Kafka's three cases) and cuts the file accordingly. */
  abstract truncateTo(offset: number): Promise<void>;

  /** Removes every entry. */
  async reset(): Promise<void> {
    await this.truncateToEntries(0);
  }

  /** Writes pending entries to the file (one positional write). */
  async writePending(): Promise<void> {
    await this.#fileOp(() => this.#writePending());
  }

  /** Writes pending entries and fsyncs the file if anything changed since the last flush. */
  async flush(): Promise<void> {
    await this.#fileOp(async () => {
      await this.#writePending();
      if (!this.#dirty) return;
      await this.#withFile('flush', (h) => h.sync());
      this.#dirty = false;
    });
  }

  /** Writes pending entries and releases the spare in-memory capacity (the segment became inactive). */
  async trim(): Promise<void> {
    await this.writePending();
    const used = this.sizeInBytes;
    if (this.buf.length > used) {
      const exact = Buffer.allocUnsafeSlow(used);
      this.buf.copy(exact, 0, 0, used);
      this.buf = exact;
    }
  }

  /** Flushes and releases the file handle. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    await this.trim();
    await this.flush();
    this.#closed = true;
    await this.#handles.evict(this.#path);
  }

  /** Deletes the file; false when it did not exist. */
  async deleteIfExists(): Promise<boolean> {
    this.#closed = true;
    await this.#fileOps.catch(() => undefined);
    await this.#handles.evict(this.#path);
    try {
      await unlink(this.#path);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw storageIoError(`cannot delete index file ${this.#path}`, err);
    }
  }

  async renameTo(newPath: string): Promise<void> {
    await this.#fileOp(async () => {
      try {
        await rename(this.#path, newPath);
      } catch (err) {
        throw storageIoError(`cannot rename ${this.#path} to ${newPath}`, err);
      }
      this.#handles.rename(this.#path, newPath);
      this.#path = newPath;
    });
  }

  /** Common sanity check: the file length must be a multiple of the entry size. */
  protected checkLength(kind: string): void {
    if (this.#loadedLength % this.entrySize !== 0) {
      this.corrupt(`${kind} file is ${this.#loadedLength} bytes, not a multiple of ${this.entrySize}`);
    }
  }

  protected corrupt(message: string): never {
    throw new CorruptIndexError(this.#path, message);
  }

  /** Byte position for a new entry, growing the buffer if needed; call commitEntry() after writing it. */
  protected reserveEntry(): number {
    const at = this.#entries * this.entrySize;
    const needed = at + this.entrySize;
    if (needed > this.buf.length) {
      const cap = Math.max(
        needed,
        Math.min(
          Math.max(this.buf.length * 2, MIN_CAPACITY_ENTRIES * this.entrySize),
          this.maxEntries * this.entrySize,
        ),
      );
      const grown = Buffer.allocUnsafeSlow(cap);
      this.buf.copy(grown, 0, 0, at);
      this.buf = grown;
    }
    return at;
  }

  protected commitEntry(): void {
    this.#entries++;
  }

  /** Largest slot whose key is ≤ target, or -1 (keys are sorted ascending). */
  protected largestLowerBoundSlot(target: number, keyAt: (slot: number) => number): number {
    let lo = 0;
    let hi = this.#entries - 1;
    if (hi < 0 || keyAt(0) > target) return -1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (keyAt(mid) <= target) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Smallest slot whose key is ≥ target, or -1. */
  protected smallestUpperBoundSlot(target: number, keyAt: (slot: number) => number): number {
    let lo = 0;
    let hi = this.#entries - 1;
    if (hi < 0 || keyAt(hi) < target) return -1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (keyAt(mid) >= target) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** Drops entries from `n` on, in memory at once and in the file before resolving. */
  protected async truncateToEntries(n: number): Promise<void> {
    if (n < this.#entries) {
      this.#entries = n;
      this.#truncations++;
    }
    if (this.#written > n) this.#written = n;
    this.#loadedLength = n * this.entrySize; // whatever was in the file is being replaced
    await this.#fileOp(() => this.#cutFile());
  }

  async #writePending(): Promise<void> {
    const from = this.#written;
    const to = this.#entries;
    if (to > from) {
      const truncations = this.#truncations;
      const es = this.entrySize;
      const bytes = this.buf.subarray(from * es, to * es);
      await this.#withFile('write', async (h) => {
        let done = 0;
        while (done < bytes.length) {
          const { bytesWritten } = await h.write(bytes, done, bytes.length - done, from * es + done);
          if (bytesWritten <= 0) throw new Error('write made no progress');
          done += bytesWritten;
        }
      });
      // A truncation while writing has already lowered `written`; the bytes past it are cut below.
      if (truncations === this.#truncations) this.#written = to;
      this.#fileLength = Math.max(this.#fileLength, to * es);
      this.#dirty = true;
    }
    await this.#cutFile();
  }

  /** Cuts the file to the entries it should hold, if it is longer (after truncation or a corrupt load). */
  async #cutFile(): Promise<void> {
    const length = this.#written * this.entrySize;
    if (this.#fileLength <= length) return;
    await this.#withFile('truncate', (h) => h.truncate(length));
    this.#fileLength = length;
    this.#dirty = true;
  }

  #fileOp<T>(task: () => Promise<T>): Promise<T> {
    const next = this.#fileOps.then(task, task);
    this.#fileOps = next.catch(() => undefined);
    return next;
  }

  async #withFile<T>(what: string, fn: (h: FileHandle) => Promise<T>): Promise<T> {
    try {
      return await this.#handles.use(this.#path, fn);
    } catch (err) {
      throw storageIoError(`cannot ${what} index file ${this.#path}`, err);
    }
  }
}

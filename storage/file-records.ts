import type { FileHandle } from 'node:fs/promises';
import { open, rename, stat, unlink } from 'node:fs/promises';
import type { RecordBatchView } from '../protocol/records/index.js';
import { BatchAttributes, CorruptRecordError, MAGIC_V2, NO_TIMESTAMP } from '../protocol/records/index.js';
import { storageIoError } from './errors.js';
import { ChunkReader } from './chunk-reader.js';
import type { FileHandleCache } from './file-handle-cache.js';

/**
 * The file operations FileRecords performs, injectable so tests can simulate a full disk, an I/O error or a short
 * write. Each function performs one system call's worth of work and may do less than asked (a short write or read).
 */
export interface FileRecordsIo {
  /** Positional gather write; resolves to the bytes written (possibly fewer than asked). */
  writev(handle: FileHandle, buffers: readonly Buffer[], position: number): Promise<number>;
  /** Positional read into buffer[offset, offset + length); resolves to the bytes read (0 at end of file). */
  read(handle: FileHandle, buffer: Buffer, offset: number, length: number, position: number): Promise<number>;
  truncate(handle: FileHandle, length: number): Promise<void>;
  sync(handle: FileHandle): Promise<void>;
}

export const NODE_FILE_IO: FileRecordsIo = {
  async writev(handle, buffers, position) {
    return (await handle.writev(buffers as Buffer[], position)).bytesWritten;
  },
  async read(handle, buffer, offset, length, position) {
    return (await handle.read(buffer, offset, length, position)).bytesRead;
  },
  truncate: (handle, length) => handle.truncate(length),
  sync: (handle) => handle.sync(),
};

/** What a header-only scan learns about one batch (legacy v0/v1 entries fill the v2-only fields with -1/false). */
export interface FileBatchHeader {
  /** Byte position of the batch in the file. */
  readonly position: number;
  /** Bytes of the whole batch, batchLength + 12. */
  readonly size: number;
  readonly magic: number;
  readonly baseOffset: number;
  readonly lastOffset: number;
  readonly maxTimestamp: number;
  readonly partitionLeaderEpoch: number;
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly baseSequence: number;
  readonly recordsCount: number;
  readonly isTransactional: boolean;
  readonly isControl: boolean;
}

/** Where a batch is: Kafka's LogOffsetPosition. `offset` is the batch's LAST offset, as in Kafka. */
export interface LogOffsetPosition {
  readonly offset: number;
  readonly baseOffset: number;
  readonly position: number;
  readonly size: number;
}

export interface FileRecordsOptions {
  /** Replace any existing file with an empty one. */
  create?: boolean;
  /** Keep the handle open outside the cache's LRU budget (the active segment); writes pin it too. */
  pin?: boolean;
  io?: Partial<FileRecordsIo>;
}

/** Header scans start with small reads (an index lookup lands near its target) and grow for long scans. */
const MIN_SCAN_CHUNK = 8 * 1024;
const MAX_SCAN_CHUNK = 64 * 1024;
/** Whole-batch scans (recovery) read this much at a time. */
const BATCH_SCAN_CHUNK = 1024 * 1024;
const INT32_MAX = 2 ** 31 - 1;

/**
 * The .log file of a segment: record batches exactly as on the wire (v2 batch format, see protocol/records
 * batch-view.ts), back to back, offsets already assigned. Nothing else is in the file: no header, no padding
 * (segments are never preallocated).
 *
 * Concurrency: appends and truncations are serialized by the owning Log (a second append while one is in flight
 * throws). Reads may run concurrently with an append: `size` only grows once a write has completed, and reads
 * never look past `size`, so readers see completed writes only.
 *
 * Invariants: `size` is the number of valid bytes; after a failed append the file is truncated back to `size`,
 * so no partial batch ever becomes visible, and the next append writes at `size` again. If that truncation fails
 * too, the file stays longer than `size` (readers still stop at `size`) until the next append, flush or
 * truncateTo cuts it, which each try first.
 *
 * Handles: the file is opened through the shared FileHandleCache. While pinned (the active segment, and any
 * segment that has been written to) the handle stays open; otherwise it is an LRU entry that may be closed and
 * reopened on demand.
 */
export class FileRecords {
  #path: string;
  #size: number;
  #pinned: boolean;
  #dirty = false;
  #appending = false;
  /** The file may hold bytes past `size`: a failed append could not cut its partial write off. */
  #excess = false;
  #closed = false;
  readonly #handles: FileHandleCache;
  readonly #io: FileRecordsIo;
  /** The file's modification time when opened (ms), for segments without timestamps. */
  readonly openedMtimeMs: number;

  private constructor(
    path: string,
    size: number,
    mtimeMs: number,
    handles: FileHandleCache,
    io: FileRecordsIo,
    pinned: boolean,
  ) {
    this.#path = path;
    this.#size = size;
    this.openedMtimeMs = mtimeMs;
    this.#handles = handles;
    this.#io = io;
    this.#pinned = pinned;
  }

  /** Opens (or with `create`, creates empty) the file at `path`. Errors become StorageIoError. */
  static async open(path: string, handles: FileHandleCache, options: FileRecordsOptions = {}): Promise<FileRecords> {
    const io = { ...NODE_FILE_IO, ...options.io };
    try {
      if (options.create) {
        await handles.evict(path);
        await (await open(path, 'w')).close();
      }
      const info = await stat(path);
      if (info.size > INT32_MAX) throw new RangeError(`${path} is ${info.size} bytes, above the 2 GiB segment limit`);
      const pin = options.pin ?? false;
      if (pin) await handles.pin(path);
      return new FileRecords(path, info.size, info.mtimeMs, handles, io, pin);
    } catch (err) {
      throw storageIoError(`cannot open log file ${path}`, err);
    }
  }

  get path(): string {
    return this.#path;
  }

  /** Valid bytes in the file. */
  get size(): number {
    return this.#size;
  }

  get pinned(): boolean {
    return this.#pinned;
  }

  /**
   * Appends `data` at the end with positional writes, retrying short writes. On failure the file is truncated
   * back to its previous size and a StorageIoError is thrown (cause: the Node error). Returns the bytes written.
   * `verify`, when given, runs while the first write is in flight (a CRC check costs as much as the write, and
   * the two overlap); if it throws, the write is cut off again and its error is thrown. The bytes were never
   * part of the file's valid size, so no reader saw them, and a crash in between leaves a tail that recovery
   * rejects by its CRC.
   */
  async append(data: Buffer | readonly Buffer[], verify?: () => void): Promise<number> {
    this.#checkOpen();
    const buffers = Buffer.isBuffer(data) ? [data] : data.filter((b) => b.length > 0);
    let total = 0;
    for (const b of buffers) total += b.length;
    if (total === 0) {
      verify?.();
      return 0;
    }
    if (this.#appending) throw new Error(`concurrent append to ${this.#path}: appends must be serialized`);
    if (this.#size + total > INT32_MAX) {
      throw new RangeError(`append of ${total} bytes would grow ${this.#path} beyond the 2 GiB segment limit`);
    }
    this.#appending = true;
    const start = this.#size;
    let rejected: { reason: unknown } | undefined;
    try {
      if (!this.#pinned) await this.pin();
      await this.#handles.use(this.#path, async (handle) => {
        try {
          await this.#cutExcess(handle);
          let written = 0;
          let pending = buffers;
          while (written < total) {
            const write = this.#io.writev(handle, pending, start + written);
            if (written === 0 && verify !== undefined) {
              try {
                verify();
              } catch (reason) {
                rejected = { reason };
              }
            }
            const n = await write;
            if (rejected !== undefined) throw rejected.reason;
            if (!(n > 0)) throw new Error(`write made no progress at position ${start + written}`);
            written += n;
            if (written < total) pending = dropBytes(pending, n);
          }
        } catch (err) {
          try {
            await this.#io.truncate(handle, start);
          } catch (truncateErr) {
            this.#excess = true;
            throw storageIoError(
              `append to ${this.#path} failed and truncating back to ${start} bytes failed too (${String(truncateErr)})`,
              err,
            );
          }
          throw err;
        }
      });
    } catch (err) {
      if (rejected !== undefined && err === rejected.reason) throw err;
      throw storageIoError(`cannot append ${total} bytes to ${this.#path} at position ${start}`, err);
    } finally {
      this.#appending = false;
    }
    this.#size = start + total;
    this.#dirty = true;
    return total;
  }

  /**
   * Up to `size` bytes from `position`, never past the valid end. The buffer is exactly as long as the bytes read
   * (a concurrent truncation can make it shorter than asked).
   */
  async read(position: number, size: number): Promise<Buffer> {
    this.#checkOpen();
    if (!Number.isInteger(position) || !Number.isInteger(size)) {
      throw new RangeError(`invalid read of ${size} bytes at ${position} from ${this.#path}`);
    }
    const length = Math.min(size, this.#size - position);
    if (position < 0 || length <= 0) return Buffer.alloc(0);
    const buf = Buffer.allocUnsafe(length);
    const n = await this.readInto(buf, 0, length, position);
    if (n < length) {
      buf.fill(0, n);
      return buf.subarray(0, n);
    }
    return buf;
  }

  /** Reads file[position, position + length) into buffer[offset...]; returns the bytes read (short only at EOF). */
  async readInto(buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
    try {
      return await this.#handles.use(this.#path, async (handle) => {
        let done = 0;
        while (done < length) {
          const n = await this.#io.read(handle, buffer, offset + done, length - done, position + done);
          if (n <= 0) break;
          done += n;
        }
        return done;
      });
    } catch (err) {
      throw storageIoError(`cannot read ${length} bytes at ${position} from ${this.#path}`, err);
    }
  }

  /**
   * Headers of the batches from `startPosition` (a batch boundary) to `endPosition` (default: the current size),
   * read in chunks without the records. A torn batch at the end stops the iteration; a length field below any
   * format's minimum, or an unknown magic, throws CorruptRecordError.
   */
  async *batchHeaders(startPosition = 0, endPosition = this.#size): AsyncGenerator<FileBatchHeader, void, undefined> {
    const reader = new ChunkReader(this, Math.min(endPosition, this.#size), {
      initialChunk: MIN_SCAN_CHUNK,
      maxChunk: MAX_SCAN_CHUNK,
    });
    let position = startPosition;
    for (;;) {
      const view = await reader.header(position);
      if (view === null) return;
      yield headerOf(view, position);
      position += view.sizeInBytes;
    }
  }

  /**
   * Whole batches from `startPosition`, as views over a reused read buffer: a view is valid only until the next
   * iteration (copy `view.bytes` to keep it). Not validated (call `view.validate()`). Stops at a torn tail; throws
   * CorruptRecordError on a bad length or magic, or a batch larger than `maxBatchSize`.
   */
  async *batches(
    startPosition = 0,
    options: { endPosition?: number; maxBatchSize?: number } = {},
  ): AsyncGenerator<RecordBatchView, void, undefined> {
    for await (const chunk of this.batchChunks(startPosition, options)) yield* chunk;
  }

  /**
   * batches(), a read buffer's worth at a time: each array holds the consecutive whole batches that were read
   * together (at least one), so a scan awaits once per read rather than once per batch. The views are valid only
   * until the next iteration (or the end of the loop: the read buffers are reused by later scans). A batch that
   * would stop the scan or throw is always handed over first in its own iteration, so every batch before it has
   * been seen when the error is thrown.
   */
  async *batchChunks(
    startPosition = 0,
    options: { endPosition?: number; maxBatchSize?: number } = {},
  ): AsyncGenerator<RecordBatchView[], void, undefined> {
    const end = Math.min(options.endPosition ?? this.#size, this.#size);
    const maxBatchSize = options.maxBatchSize ?? Infinity;
    const reader = new ChunkReader(this, end, {
      initialChunk: BATCH_SCAN_CHUNK,
      maxChunk: BATCH_SCAN_CHUNK,
      readAhead: true,
    });
    let position = startPosition;
    try {
      for (;;) {
        const header = await reader.header(position);
        if (header === null) return;
        const size = header.sizeInBytes;
        if (size > maxBatchSize) {
          throw new CorruptRecordError(
            'length',
            `batch at ${position} is ${size} bytes, above ${options.maxBatchSize}`,
          );
        }
        const view = await reader.whole(position, size);
        if (view === null) return;
        const chunk = [view];
        position += size;
        for (;;) {
          const next = reader.bufferedBatch(position, maxBatchSize);
          if (next === null) break;
          chunk.push(next);
          position += next.sizeInBytes;
        }
        yield chunk;
      }
    } finally {
      reader.release();
    }
  }

  /**
   * The first batch at or after `startingPosition` whose last offset is ≥ `targetOffset` (Kafka's
   * searchForOffsetWithSize), or null when there is none. Reads headers only.
   */
  async searchForOffsetWithSize(targetOffset: number, startingPosition: number): Promise<LogOffsetPosition | null> {
    for await (const h of this.batchHeaders(startingPosition)) {
      if (h.lastOffset >= targetOffset) {
        return { offset: h.lastOffset, baseOffset: h.baseOffset, position: h.position, size: h.size };
      }
    }
    return null;
  }

  /** The largest batch maxTimestamp at or after `startingPosition` and the last offset of that batch. */
  async largestTimestampAfter(startingPosition: number): Promise<{ timestamp: number; offset: number }> {
    let timestamp = NO_TIMESTAMP;
    let offset = -1;
    for await (const h of this.batchHeaders(startingPosition)) {
      if (h.maxTimestamp > timestamp) {
        timestamp = h.maxTimestamp;
        offset = h.lastOffset;
      }
    }
    return { timestamp, offset };
  }

  /** Cuts the file to `targetSize` bytes (≤ size); returns the bytes removed. */
  async truncateTo(targetSize: number): Promise<number> {
    this.#checkOpen();
    if (!Number.isInteger(targetSize) || targetSize < 0 || targetSize > this.#size) {
      throw new RangeError(`cannot truncate ${this.#path} (${this.#size} bytes) to ${targetSize} bytes`);
    }
    const removed = this.#size - targetSize;
    // Recovery truncates every segment to its valid length, nearly always its whole length: no system call then.
    if (removed === 0 && !this.#excess) return 0;
    try {
      await this.#handles.use(this.#path, (handle) => this.#io.truncate(handle, targetSize));
      this.#excess = false;
    } catch (err) {
      throw storageIoError(`cannot truncate ${this.#path} to ${targetSize} bytes`, err);
    }
    this.#size = targetSize;
    if (removed > 0) this.#dirty = true;
    return removed;
  }

  /** fsync (after cutting off what a failed append left past `size`). */
  async flush(): Promise<void> {
    this.#checkOpen();
    try {
      await this.#handles.use(this.#path, async (handle) => {
        await this.#cutExcess(handle);
        await this.#io.sync(handle);
      });
    } catch (err) {
      throw storageIoError(`cannot flush ${this.#path}`, err);
    }
    this.#dirty = false;
  }

  /** Whether bytes were written or truncated since the last flush. */
  get dirty(): boolean {
    return this.#dirty;
  }

  /** Keeps the handle open outside the cache's budget (the active segment). */
  async pin(): Promise<void> {
    if (this.#pinned) return;
    try {
      await this.#handles.pin(this.#path);
    } catch (err) {
      throw storageIoError(`cannot open ${this.#path}`, err);
    }
    this.#pinned = true;
  }

  /** Hands the handle back to the cache's LRU (the segment became inactive). */
  unpin(): void {
    if (!this.#pinned) return;
    this.#pinned = false;
    this.#handles.unpin(this.#path);
  }

  /** Flushes if dirty and releases the handle. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    if (this.#dirty || this.#excess) await this.flush();
    this.#closed = true;
    this.unpin();
    await this.#handles.evict(this.#path);
  }

  /** Deletes the file; false when it did not exist. The FileRecords is closed afterwards. */
  async deleteIfExists(): Promise<boolean> {
    this.#closed = true;
    this.unpin();
    await this.#handles.evict(this.#path);
    try {
      await unlink(this.#path);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw storageIoError(`cannot delete ${this.#path}`, err);
    }
  }

  /** Renames the file; the open handle (if any) follows it. */
  async renameTo(newPath: string): Promise<void> {
    try {
      await rename(this.#path, newPath);
    } catch (err) {
      throw storageIoError(`cannot rename ${this.#path} to ${newPath}`, err);
    }
    this.#handles.rename(this.#path, newPath);
    this.#path = newPath;
  }

  toString(): string {
    return `FileRecords(${this.#path}, size=${this.#size})`;
  }

  #checkOpen(): void {
    if (this.#closed) throw new Error(`${this.#path} is closed`);
  }

  async #cutExcess(handle: FileHandle): Promise<void> {
    if (!this.#excess) return;
    await this.#io.truncate(handle, this.#size);
    this.#excess = false;
  }
}

/** The buffers after the first `n` bytes (views, no copies). */
function dropBytes(buffers: readonly Buffer[], n: number): Buffer[] {
  const out: Buffer[] = [];
  let skip = n;
  for (const b of buffers) {
    if (skip >= b.length) {
      skip -= b.length;
      continue;
    }
    out.push(skip > 0 ? b.subarray(skip) : b);
    skip = 0;
  }
  return out;
}

function headerOf(view: RecordBatchView, position: number): FileBatchHeader {
  const size = view.sizeInBytes;
  if (view.magic === MAGIC_V2) {
    const attributes = view.attributes;
    return {
      position,
      size,
      magic: MAGIC_V2,
      baseOffset: view.baseOffset,
      lastOffset: view.lastOffset,
      maxTimestamp: view.maxTimestamp,
      partitionLeaderEpoch: view.partitionLeaderEpoch,
      producerId: view.producerId,
      producerEpoch: view.producerEpoch,
      baseSequence: view.baseSequence,
      recordsCount: view.recordsCount,
      isTransactional: (attributes & BatchAttributes.TRANSACTIONAL) !== 0,
      isControl: (attributes & BatchAttributes.CONTROL) !== 0,
    };
  }
  // Legacy entry: offset (of its last message, for a compressed wrapper) | length | crc | magic | attributes |
  // timestamp (v1 only).
  const offset = view.baseOffset;
  const hasTimestamp = view.magic === 1 && view.buf.length - view.position >= 26;
  return {
    position,
    size,
    magic: view.magic,
    baseOffset: offset,
    lastOffset: offset,
    maxTimestamp: hasTimestamp ? Number(view.buf.readBigInt64BE(view.position + 18)) : NO_TIMESTAMP,
    partitionLeaderEpoch: -1,
    producerId: -1,
    producerEpoch: -1,
    baseSequence: -1,
    recordsCount: 1,
    isTransactional: false,
    isControl: false,
  };
}

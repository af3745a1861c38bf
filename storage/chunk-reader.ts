import {
  CorruptRecordError,
  HEADER_SIZE_UP_TO_MAGIC,
  LOG_OVERHEAD,
  MAGIC_V2,
  MIN_BATCH_LENGTH,
  RECORD_BATCH_OVERHEAD,
  RecordBatchView,
} from '../protocol/records/index.js';

/** Smallest legal entry of any format: a v0 message with null key and value. */
const MIN_LEGACY_ENTRY_LENGTH = 14;

/**
 * Read-ahead buffers kept between scans: a recovery scans segment after segment, and fresh memory costs a page
 * fault per 4 KiB. Two per scan; a few scans' worth are kept.
 */
const spareScanBuffers: Buffer[] = [];
const MAX_SPARE_SCAN_BUFFERS = 4;

function takeScanBuffer(size: number): Buffer {
  const i = spareScanBuffers.findIndex((b) => b.length === size);
  return i >= 0 ? spareScanBuffers.splice(i, 1)[0]! : Buffer.allocUnsafeSlow(size);
}

function giveBackScanBuffer(buf: Buffer | null, size: number): void {
  if (buf === null || buf.length !== size || spareScanBuffers.length >= MAX_SPARE_SCAN_BUFFERS) return;
  if (!spareScanBuffers.includes(buf)) spareScanBuffers.push(buf);
}

/** What a ChunkReader reads from: a FileRecords. */
export interface ChunkSource {
  /** Reads file[position, position + length) into buffer[offset...]; the bytes read (short only at the end). */
  readInto(buffer: Buffer, offset: number, length: number, position: number): Promise<number>;
}

export interface ChunkReaderOptions {
  /** Bytes of the first read; each refill doubles it up to maxChunk. */
  initialChunk: number;
  maxChunk: number;
  /**
   * Start reading the next chunk as soon as one is handed over, so the file read overlaps the caller's work
   * on the current one (a recovery scan checking CRCs). Uses two buffers of twice maxChunk.
   */
  readAhead?: boolean;
}

/** A read of the chunk after the current one, into `backing` at `headroom`. */
interface AheadRead {
  start: number;
  backing: Buffer;
  read: Promise<number>;
}

/**
 * Sequential reader over a file of record batches for scans: keeps one buffer of file bytes and refills it only
 * when the next header or batch is not inside it.
 *
 * With read-ahead, each buffer keeps `maxChunk` bytes of headroom in front of its data: when the scan moves past
 * the current chunk, the current chunk's unread tail (a batch cut by the chunk's end) is copied into the
 * headroom in front of the chunk read ahead, so the two join without copying the new chunk. Views handed out
 * stay valid until the next call that moves the reader (as before: callers copy what they keep).
 *
 * Concurrency: one caller at a time (a scan awaits each call). A read ahead that is never used is abandoned;
 * its failure is ignored, since nothing asked for those bytes. release() ends the scan: read-ahead buffers go
 * back to a shared spare list (after any read into them has settled), so no view may be kept past it.
 */
export class ChunkReader {
  #backing: Buffer = Buffer.allocUnsafe(0);
  /** The current chunk: file bytes from #start, #length of them. */
  #buf: Buffer = this.#backing;
  #start = 0;
  #length = 0;
  #chunk: number;
  #spare: Buffer | null = null;
  #ahead: AheadRead | null = null;
  readonly #maxChunk: number;
  readonly #headroom: number;

  constructor(
    private readonly source: ChunkSource,
    private readonly end: number,
    options: ChunkReaderOptions,
  ) {
    this.#chunk = options.initialChunk;
    this.#maxChunk = options.maxChunk;
    this.#headroom = options.readAhead === true ? options.maxChunk : 0;
  }

  /**
   * A view of the entry header at `position` with at least its fixed header in the buffer, or null at the end
   * (fewer bytes left than a header, or an entry that runs past the end: a torn tail).
   */
  async header(position: number): Promise<RecordBatchView | null> {
    const remaining = this.end - position;
    if (remaining < HEADER_SIZE_UP_TO_MAGIC) return null;
    if (!(await this.#ensure(position, Math.min(RECORD_BATCH_OVERHEAD, remaining)))) return null;
    const view = new RecordBatchView(this.#buf, position - this.#start);
    const length = view.batchLength;
    const magic = view.magic;
    if (magic > MAGIC_V2 || magic < 0) {
      throw new CorruptRecordError('magic', `entry at ${position} has magic ${magic}`);
    }
    const minLength = magic === MAGIC_V2 ? MIN_BATCH_LENGTH : MIN_LEGACY_ENTRY_LENGTH;
    if (length < minLength) {
      throw new CorruptRecordError('length', `entry at ${position} has length ${length}, below the minimum`);
    }
    if (length + LOG_OVERHEAD > remaining) return null;
    // A v2 header needs 61 bytes; a legal v2 batch is at least that long, so this only re-reads at a chunk edge.
    const need = Math.min(magic === MAGIC_V2 ? RECORD_BATCH_OVERHEAD : 26, length + LOG_OVERHEAD);
    if (!(await this.#ensure(position, need))) return null;
    return new RecordBatchView(this.#buf, position - this.#start);
  }

  /** A view of the whole entry at `position` (its header already checked), or null on a short read. */
  async whole(position: number, size: number): Promise<RecordBatchView | null> {
    if (!(await this.#ensure(position, size))) return null;
    return new RecordBatchView(this.#buf.subarray(0, position - this.#start + size), position - this.#start);
  }

  /**
   * A view of the whole v2 batch at `position` if it is already in the buffer, within `end` and at most
   * `maxSize` bytes; null otherwise, including for anything header() would reject or stop at (it decides those).
   */
  bufferedBatch(position: number, maxSize: number): RecordBatchView | null {
    const offset = position - this.#start;
    const available = Math.min(this.#length - offset, this.end - position);
    if (offset < 0 || available < RECORD_BATCH_OVERHEAD) return null;
    const view = new RecordBatchView(this.#buf, offset);
    const length = view.batchLength;
    if (view.magic !== MAGIC_V2 || length < MIN_BATCH_LENGTH) return null;
    const size = length + LOG_OVERHEAD;
    if (size > available || size > maxSize) return null;
    return view; // not cut to its end (no Buffer per batch): the batch is known to be whole, and views use its size
  }

  /** Makes file[position, position + need) available in the buffer; false if the file ended first. */
  async #ensure(position: number, need: number): Promise<boolean> {
    if (this.#holds(position, need)) return true;
    if (this.#ahead !== null) {
      await this.#join(this.#ahead, position);
      if (this.#holds(position, need)) {
        this.#readAhead();
        return true;
      }
    }
    const length = Math.min(Math.max(need, this.#chunk), this.end - position);
    if (length < need) return false;
    // no headroom (nor room to grow) when this read reaches the end: nothing will be joined to it
    const more = position + length < this.end;
    const headroom = more ? this.#headroom : 0;
    if (this.#backing.length < headroom + length) {
      const size = headroom + (more ? Math.max(length, this.#chunk) : length);
      this.#backing = size === this.#scanBufferSize ? takeScanBuffer(size) : Buffer.allocUnsafe(size);
    }
    const n = await this.source.readInto(this.#backing, headroom, length, position);
    this.#buf = this.#backing.subarray(headroom, headroom + n);
    this.#start = position;
    this.#length = n;
    this.#chunk = Math.min(this.#chunk * 2, this.#maxChunk);
    this.#readAhead();
    return n >= need;
  }

  /** Ends the scan: read-ahead buffers go back to the spare list. Views handed out are invalid from here. */
  release(): void {
    const size = this.#scanBufferSize;
    if (size === 0) return;
    giveBackScanBuffer(this.#backing, size);
    giveBackScanBuffer(this.#spare, size);
    const ahead = this.#ahead;
    if (ahead !== null)
      void ahead.read.then(
        () => giveBackScanBuffer(ahead.backing, size),
        () => undefined,
      );
    this.#backing = this.#buf = Buffer.allocUnsafe(0);
    this.#start = this.#length = 0;
    this.#spare = this.#ahead = null;
  }

  /** The size of a read-ahead buffer (headroom + a chunk); 0 without read-ahead. */
  get #scanBufferSize(): number {
    return this.#headroom === 0 ? 0 : this.#headroom + this.#maxChunk;
  }

  #holds(position: number, need: number): boolean {
    return position >= this.#start && position + need <= this.#start + this.#length;
  }

  /**
   * Waits for the read ahead and makes it current, with the current chunk's bytes from `position` on copied in
   * front of it; if `position` is not within reach of it, the read is dropped (its buffer becomes the spare).
   */
  async #join(ahead: AheadRead, position: number): Promise<void> {
    this.#ahead = null;
    const n = await ahead.read;
    const currentEnd = this.#start + this.#length;
    const tail = currentEnd - position;
    if (ahead.start !== currentEnd || tail < 0 || tail > this.#headroom) {
      this.#spare = ahead.backing;
      return;
    }
    const into = this.#headroom - tail;
    this.#buf.copy(ahead.backing, into, position - this.#start, this.#length);
    this.#spare = this.#backing;
    this.#backing = ahead.backing;
    this.#buf = ahead.backing.subarray(into, this.#headroom + n);
    this.#start = position;
    this.#length = tail + n;
  }

  /** Starts reading the chunk after the current one into the spare buffer (read-ahead mode only). */
  #readAhead(): void {
    if (this.#headroom === 0 || this.#ahead !== null) return;
    const start = this.#start + this.#length;
    const length = Math.min(this.#maxChunk, this.end - start);
    if (length <= 0) return;
    const backing =
      this.#spare !== null && this.#spare.length >= this.#headroom + length
        ? this.#spare
        : takeScanBuffer(this.#scanBufferSize);
    this.#spare = null;
    const read = this.source.readInto(backing, this.#headroom, length, start);
    read.catch(() => undefined); // abandoned reads; a read that is used rethrows when awaited
    this.#ahead = { start, backing, read };
  }
}

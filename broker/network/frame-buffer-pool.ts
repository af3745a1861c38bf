/** Frames from here up are pooled: smaller ones come cheaply from malloc's heap or Node's slab. */
const MIN_POOLED_BYTES = 64 * 1024;
/** A Produce request of up to the default max.message.bytes (1 MiB) plus its headers fits one buffer. */
const DEFAULT_BUFFER_BYTES = 1024 * 1024 + 64 * 1024;
/**
 * Idle buffers kept; more concurrent large requests allocate, and what they return beyond this is left to GC.
 * An acks=all Produce holds its frame until the followers have fetched it, so a server sees many at once.
 */
const DEFAULT_MAX_FREE = 32;

export interface FrameBufferPoolOptions {
  /** Size of each pooled buffer: frames up to it are pooled (default 1 MiB + 64 KiB). */
  readonly bufferBytes?: number;
  /** Idle buffers kept (default 32). */
  readonly maxFree?: number;
}

/**
 * Buffers that frames spread over several socket reads are assembled in (large Produce requests on the server,
 * follower Fetch responses on an inter-broker channel), reused across frames: a fresh ~1 MiB buffer per frame
 * costs page faults on first touch and external-memory GC work, which were the largest items in the produce and
 * replication paths' CPU profiles.
 *
 * Invariants: a buffer is lent to one frame at a time; release() of a frame the pool did not lend, or of one
 * already released, does nothing. Lent buffers are tracked weakly, so a frame never released is collected.
 */
export class FrameBufferPool {
  readonly #free: Buffer[] = [];
  readonly #lent = new WeakMap<ArrayBufferLike, Buffer>();
  readonly #bufferBytes: number;
  readonly #maxFree: number;

  constructor(options: FrameBufferPoolOptions = {}) {
    this.#bufferBytes = options.bufferBytes ?? DEFAULT_BUFFER_BYTES;
    this.#maxFree = options.maxFree ?? DEFAULT_MAX_FREE;
  }

  /** A buffer of exactly `size` bytes for a frame (a FrameAllocator). */
  readonly allocate = (size: number): Buffer => {
    if (size < MIN_POOLED_BYTES || size > this.#bufferBytes) return Buffer.allocUnsafe(size);
    const base = this.#free.pop() ?? Buffer.allocUnsafe(this.#bufferBytes);
    this.#lent.set(base.buffer, base);
    return base.subarray(0, size);
  };

  /** Takes back the buffer behind `frame` once nothing reads the frame (or any view of it) any more. */
  release(frame: Buffer): void {
    const base = this.#lent.get(frame.buffer);
    if (base === undefined) return;
    this.#lent.delete(frame.buffer);
    if (this.#free.length < this.#maxFree) this.#free.push(base);
  }

  /** Idle buffers held (for tests). */
  get freeCount(): number {
    return this.#free.length;
  }
}

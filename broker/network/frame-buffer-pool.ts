/** Frames from here up are pooled: smaller ones come cheaply from malloc's heap or Node's slab. */
const MIN_POOLED_BYTES = 64 * 1024;
/** A Produce request of up to the default max.message.bytes (1 MiB) plus its headers fits one buffer. */
const BUFFER_BYTES = 1024 * 1024 + 64 * 1024;
/** Idle buffers kept; more concurrent large requests allocate, and what they return beyond this is left to GC. */
const MAX_FREE = 8;

/**
 * Buffers that request frames spread over several socket reads (large Produce requests) are assembled in, reused
 * across requests and connections of one server: a fresh ~1 MiB buffer per request costs page faults on first
 * touch and external-memory GC work, which were the largest items in the produce path's CPU profile.
 *
 * Invariants: a buffer is lent to one frame at a time; release() of a frame the pool did not lend, or of one
 * already released, does nothing. Lent buffers are tracked weakly, so a frame never released is collected.
 */
export class FrameBufferPool {
  readonly #free: Buffer[] = [];
  readonly #lent = new WeakMap<ArrayBufferLike, Buffer>();

  /** A buffer of exactly `size` bytes for a frame (a FrameAllocator). */
  readonly allocate = (size: number): Buffer => {
    if (size < MIN_POOLED_BYTES || size > BUFFER_BYTES) return Buffer.allocUnsafe(size);
    const base = this.#free.pop() ?? Buffer.allocUnsafe(BUFFER_BYTES);
    this.#lent.set(base.buffer, base);
    return base.subarray(0, size);
  };

  /** Takes back the buffer behind `frame` once nothing reads the frame any more. */
  release(frame: Buffer): void {
    const base = this.#lent.get(frame.buffer);
    if (base === undefined) return;
    this.#lent.delete(frame.buffer);
    if (this.#free.length < MAX_FREE) this.#free.push(base);
  }

  /** Idle buffers held (for tests). */
  get freeCount(): number {
    return this.#free.length;
  }
}

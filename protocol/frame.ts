import { FrameSizeError } from './protocol-error.js';

/** Gives the buffer a frame spread over several chunks is assembled in; it must be exactly `size` bytes long. */
export type FrameAllocator = (size: number) => Buffer;

const allocateUnsafe: FrameAllocator = (size) => Buffer.allocUnsafe(size);

/**
 * Splits a byte stream into Kafka frames (4-byte big-endian size prefix, then that many bytes).
 *
 * `push(chunk)` returns the complete frames it could cut, without their size prefix. A frame that lies inside
 * one chunk is returned as a view of that chunk. A frame spread over several chunks is copied, chunk by chunk as
 * they arrive (while they are still in cache), into one buffer from `allocate`, and that very buffer is returned,
 * so a caller that pools them can recognise its own. A negative size or one above `maxFrameBytes` throws
 * FrameSizeError before anything is allocated for it; the decoder is then unusable and the caller should close
 * the connection.
 */
export class FrameDecoder {
  /** Up to 3 bytes of a size prefix cut by a chunk boundary. */
  readonly #prefix = Buffer.alloc(4);
  #prefixBytes = 0;
  /** The frame being assembled, and how many of its bytes have arrived. */
  #frame: Buffer | undefined;
  #filled = 0;
  #failed = false;
  readonly #allocate: FrameAllocator;

  constructor(
    readonly maxFrameBytes: number,
    allocate: FrameAllocator = allocateUnsafe,
  ) {
    this.#allocate = allocate;
  }

  /** Bytes received but not yet returned as part of a frame. */
  get bufferedBytes(): number {
    return this.#frame === undefined ? this.#prefixBytes : 4 + this.#filled;
  }

  push(chunk: Buffer): Buffer[] {
    if (this.#failed) throw new FrameSizeError(-1, this.maxFrameBytes);
    const frames: Buffer[] = [];
    let at = 0;
    if (this.#frame !== undefined) {
      at = this.#fill(chunk, 0);
      if (!this.#complete()) return frames;
      frames.push(this.#done());
    } else if (this.#prefixBytes > 0) {
      at = Math.min(4 - this.#prefixBytes, chunk.length);
      chunk.copy(this.#prefix, this.#prefixBytes, 0, at);
      this.#prefixBytes += at;
      if (this.#prefixBytes < 4) return frames;
      this.#prefixBytes = 0;
      const size = this.#checkSize(this.#prefix.readInt32BE(0));
      this.#start(size);
      at = this.#fill(chunk, at);
      if (!this.#complete()) return frames;
      frames.push(this.#done());
    }
    while (chunk.length - at >= 4) {
      const size = this.#checkSize(chunk.readInt32BE(at));
      at += 4;
      if (chunk.length - at >= size) {
        frames.push(chunk.subarray(at, at + size));
        at += size;
      } else {
        this.#start(size);
        this.#fill(chunk, at);
        return frames;
      }
    }
    if (at < chunk.length) this.#prefixBytes = chunk.copy(this.#prefix, 0, at);
    return frames;
  }

  #start(size: number): void {
    this.#frame = this.#allocate(size);
    this.#filled = 0;
  }

  /** Copies what the frame still needs from `chunk` at `at`; returns the position after the bytes taken. */
  #fill(chunk: Buffer, at: number): number {
    const frame = this.#frame!;
    const taken = chunk.copy(frame, this.#filled, at, Math.min(chunk.length, at + frame.length - this.#filled));
    this.#filled += taken;
    return at + taken;
  }

  #complete(): boolean {
    return this.#filled === this.#frame!.length;
  }

  #done(): Buffer {
    const frame = this.#frame!;
    this.#frame = undefined;
    this.#filled = 0;
    return frame;
  }

  #checkSize(size: number): number {
    if (size < 0 || size > this.maxFrameBytes) {
      this.#failed = true;
      this.#frame = undefined;
      this.#prefixBytes = 0;
      throw new FrameSizeError(size, this.maxFrameBytes);
    }
    return size;
  }
}

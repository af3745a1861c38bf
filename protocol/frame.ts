import { FrameSizeError } from './protocol-error.js';

/**
 * Splits a byte stream into Kafka frames (4-byte big-endian size prefix, then that many bytes).
 *
 * `push(chunk)` returns the complete frames it could cut, without their size prefix. A frame that lies inside
 * one chunk is returned as a view of that chunk; a frame spread over several chunks is assembled once into a
 * buffer of exactly its size. A negative size or one above `maxFrameBytes` throws FrameSizeError before anything
 * is allocated for it; the decoder is then unusable and the caller should close the connection.
 */
export class FrameDecoder {
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #need = -1;
  #failed = false;

  constructor(readonly maxFrameBytes: number) {}

  /** Bytes received but not yet returned as part of a frame. */
  get bufferedBytes(): number {
    return this.#pendingBytes;
  }

  push(chunk: Buffer): Buffer[] {
    if (this.#failed) throw new FrameSizeError(-1, this.maxFrameBytes);
    const frames: Buffer[] = [];
    let buf = chunk;
    if (this.#pendingBytes > 0) {
      this.#pending.push(chunk);
      this.#pendingBytes += chunk.length;
      if (this.#need < 0 && this.#pendingBytes >= 4) this.#need = this.#readSize(this.#peekPrefix());
      if (this.#need < 0 || this.#pendingBytes < this.#need + 4) return frames;
      buf = Buffer.concat(this.#pending, this.#pendingBytes);
      this.#pending = [];
      this.#pendingBytes = 0;
      this.#need = -1;
    }
    let at = 0;
    while (buf.length - at >= 4) {
      const size = this.#readSize(buf.readInt32BE(at));
      if (buf.length - at - 4 < size) break;
      frames.push(buf.subarray(at + 4, at + 4 + size));
      at += 4 + size;
    }
    if (at < buf.length) {
      const rest = buf.subarray(at);
      this.#pending.push(rest);
      this.#pendingBytes = rest.length;
      if (rest.length >= 4) this.#need = rest.readInt32BE(0);
    }
    return frames;
  }

  #peekPrefix(): number {
    const head = this.#pending[0]!.length >= 4 ? this.#pending[0]! : Buffer.concat(this.#pending, 4);
    return head.readInt32BE(0);
  }

  #readSize(size: number): number {
    if (size < 0 || size > this.maxFrameBytes) {
      this.#failed = true;
      this.#pending = [];
      this.#pendingBytes = 0;
      throw new FrameSizeError(size, this.maxFrameBytes);
    }
    return size;
  }
}

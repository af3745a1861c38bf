import { ProtocolEncodeError } from '../protocol-error.js';

const TWO_32 = 0x1_0000_0000;

/**
 * Byte buffers at least this large are passed through by reference instead of copied (record data in Produce
 * and Fetch): the writer emits them as separate chunks for a gathered socket write.
 */
export const BORROW_MIN_BYTES = 4096;

/** Size of one encoding, measured before anything is written: `inline` bytes go in the writer's own buffer. */
export class SizeCounter {
  inline = 0;
  borrowed = 0;
  get total(): number {
    return this.inline + this.borrowed;
  }
}

/** Length of an unsigned varint of at most 32 bits. */
export function uvarintSize(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  return 5;
}

/** Length of a zigzag varint (int32 range). */
export function varintSize(value: number): number {
  return uvarintSize(value >= 0 ? value * 2 : -value * 2 - 1);
}

/** Length of a zigzag varlong (safe-integer range). */
export function varlongSize(value: number): number {
  let u = value >= 0 ? value * 2 : -value * 2 - 1;
  let n = 1;
  while (u >= 0x80) {
    u = Math.floor(u / 128);
    n++;
  }
  return n;
}

/** Bytes of a UTF-8 string, with a fast path for short ASCII (most topic names and ids). */
export function utf8Length(s: string): number {
  return s.length < 64 && isAscii(s) ? s.length : Buffer.byteLength(s, 'utf8');
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

/**
 * Exact-size big-endian writer. The caller measures first (SizeCounter), the writer allocates once, and large
 * byte fields are borrowed rather than copied; `finish()` returns the chunks in wire order, ready for writev.
 * Writing more than was measured is a bug in the caller and throws.
 */
export class Writer {
  readonly buf: Buffer;
  offset = 0;
  #chunkStart = 0;
  #chunks: Buffer[] = [];

  constructor(inlineBytes: number) {
    this.buf = Buffer.allocUnsafe(inlineBytes);
  }

  #reserve(n: number): number {
    const at = this.offset;
    if (at + n > this.buf.length) throw new ProtocolEncodeError('writer overflow: value larger than measured');
    this.offset = at + n;
    return at;
  }

  int8(v: number): void {
    this.buf.writeInt8(v, this.#reserve(1));
  }

  int16(v: number): void {
    this.buf.writeInt16BE(v, this.#reserve(2));
  }

  uint16(v: number): void {
    this.buf.writeUInt16BE(v, this.#reserve(2));
  }

  int32(v: number): void {
    this.buf.writeInt32BE(v, this.#reserve(4));
  }

  uint32(v: number): void {
    this.buf.writeUInt32BE(v, this.#reserve(4));
  }

  int64(v: number): void {
    if (!Number.isSafeInteger(v)) throw new ProtocolEncodeError(`int64 value ${v} is not a safe integer`);
    const at = this.#reserve(8);
    const hi = Math.floor(v / TWO_32);
    this.buf.writeInt32BE(hi, at);
    this.buf.writeUInt32BE(v - hi * TWO_32, at + 4);
  }

  int64n(v: bigint): void {
    this.buf.writeBigInt64BE(v, this.#reserve(8));
  }

  float64(v: number): void {
    this.buf.writeDoubleBE(v, this.#reserve(8));
  }

  bool(v: boolean): void {
    this.buf[this.#reserve(1)] = v ? 1 : 0;
  }

  uuid(v: string): void {
    const at = this.#reserve(16);
    if (this.buf.write(v, at, 16, 'base64url') !== 16 || v.length !== 22) {
      throw new ProtocolEncodeError(`invalid uuid ${JSON.stringify(v)}`);
    }
  }

  uvarint(v: number): void {
    const buf = this.buf;
    let at = this.#reserve(uvarintSize(v));
    while (v >= 0x80) {
      buf[at++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buf[at] = v;
  }

  varint(v: number): void {
    this.uvarint(v >= 0 ? v * 2 : -v * 2 - 1);
  }

  varlong(v: number): void {
    let u = v >= 0 ? v * 2 : -v * 2 - 1;
    const buf = this.buf;
    let at = this.#reserve(varlongSize(v));
    while (u >= 0x80) {
      buf[at++] = (u % 128) | 0x80;
      u = Math.floor(u / 128);
    }
    buf[at] = u;
  }

  /** Raw UTF-8 bytes of exactly `length` (as measured with utf8Length). */
  utf8(s: string, length: number): void {
    const at = this.#reserve(length);
    if (length === s.length) this.buf.write(s, at, length, 'latin1');
    else this.buf.write(s, at, length, 'utf8');
  }

  /** Raw bytes: copied when small, borrowed (emitted as their own chunk) when large. */
  raw(b: Buffer): void {
    if (b.length < BORROW_MIN_BYTES) {
      b.copy(this.buf, this.#reserve(b.length));
      return;
    }
    if (this.offset > this.#chunkStart) this.#chunks.push(this.buf.subarray(this.#chunkStart, this.offset));
    this.#chunks.push(b);
    this.#chunkStart = this.offset;
  }

  /** The encoded bytes in wire order. A single chunk when nothing was borrowed. */
  finish(): Buffer[] {
    if (this.offset !== this.buf.length) {
      throw new ProtocolEncodeError(`writer underflow: wrote ${this.offset} of ${this.buf.length} measured bytes`);
    }
    if (this.offset > this.#chunkStart || this.#chunks.length === 0) {
      this.#chunks.push(this.buf.subarray(this.#chunkStart, this.offset));
    }
    return this.#chunks;
  }
}

/** Whether a raw byte field of this length is borrowed rather than copied (must agree with Writer.raw). */
export function isBorrowed(length: number): boolean {
  return length >= BORROW_MIN_BYTES;
}

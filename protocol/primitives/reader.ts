import { ProtocolDecodeError } from '../protocol-error.js';

/** Kafka's all-zero UUID ("no topic id"), in Kafka's URL-safe base64 text form. */
export const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

const TWO_32 = 0x1_0000_0000;

/**
 * Bounds-checked big-endian reader over one Buffer (usually one frame).
 *
 * Every read checks the bytes it needs against `end` and throws ProtocolDecodeError when they are missing, so a
 * decoder never reads past the frame. Lengths taken from the input (strings, bytes, arrays) are checked against
 * the bytes that remain *before* anything is allocated: a hostile length can never make us allocate more than the
 * frame holds. Byte fields are returned as views (`subarray`) of the input, not copies.
 */
export class Reader {
  offset: number;

  constructor(
    readonly buf: Buffer,
    offset = 0,
    readonly end = buf.length,
  ) {
    this.offset = offset;
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  /** Reserve n bytes and return where they start. */
  #take(n: number): number {
    const at = this.offset;
    if (n < 0 || at + n > this.end) {
      throw new ProtocolDecodeError(`need ${n} bytes at offset ${at}, only ${this.end - at} left`);
    }
    this.offset = at + n;
    return at;
  }

  skip(n: number): void {
    this.#take(n);
  }

  int8(): number {
    return this.buf.readInt8(this.#take(1));
  }

  int16(): number {
    return this.buf.readInt16BE(this.#take(2));
  }

  uint16(): number {
    return this.buf.readUInt16BE(this.#take(2));
  }

  int32(): number {
    return this.buf.readInt32BE(this.#take(4));
  }

  uint32(): number {
    return this.buf.readUInt32BE(this.#take(4));
  }

  /** int64 as a number; a value outside the safe-integer range is an error, never a silent rounding. */
  int64(): number {
    const at = this.#take(8);
    const hi = this.buf.readInt32BE(at);
    const v = hi * TWO_32 + this.buf.readUInt32BE(at + 4);
    if (!Number.isSafeInteger(v)) throw new ProtocolDecodeError(`int64 at offset ${at} is outside the safe range`);
    return v;
  }

  /** int64 as a bigint, for fields whose full range matters. */
  int64n(): bigint {
    return this.buf.readBigInt64BE(this.#take(8));
  }

  float64(): number {
    return this.buf.readDoubleBE(this.#take(8));
  }

  bool(): boolean {
    return this.buf[this.#take(1)] !== 0;
  }

  uuid(): string {
    const at = this.#take(16);
    return this.buf.toString('base64url', at, at + 16);
  }

  /** Unsigned varint of at most 32 bits (5 bytes), as used for compact lengths and tags. */
  uvarint(): number {
    const at = this.offset;
    if (at < this.end) {
      const b = this.buf[at]!;
      if (b < 0x80) {
        this.offset = at + 1;
        return b;
      }
    }
    return this.#uvarintLong();
  }

  #uvarintLong(): number {
    const buf = this.buf;
    let at = this.offset;
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (at >= this.end) throw new ProtocolDecodeError(`truncated varint at offset ${this.offset}`);
      const b = buf[at++]!;
      value += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) {
        if (value > 0xffffffff) break;
        this.offset = at;
        return value;
      }
    }
    throw new ProtocolDecodeError(`varint at offset ${this.offset} is longer than 32 bits`);
  }

  /** Zigzag-encoded signed varint (int32 range). */
  varint(): number {
    const u = this.uvarint();
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }

  /** Zigzag-encoded signed varlong; values outside the safe-integer range are an error. */
  varlong(): number {
    const buf = this.buf;
    let at = this.offset;
    let value = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      if (at >= this.end) throw new ProtocolDecodeError(`truncated varlong at offset ${this.offset}`);
      const b = buf[at++]!;
      value += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) {
        if (!Number.isSafeInteger(value)) break;
        this.offset = at;
        return value % 2 === 0 ? value / 2 : -(value + 1) / 2;
      }
    }
    throw new ProtocolDecodeError(`varlong at offset ${this.offset} is outside the safe range`);
  }

  #utf8(length: number): string {
    const at = this.#take(length);
    return this.buf.toString('utf8', at, at + length);
  }

  #view(length: number): Buffer {
    const at = this.#take(length);
    return this.buf.subarray(at, at + length);
  }

  string(): string {
    const length = this.int16();
    if (length < 0) throw new ProtocolDecodeError(`null in a non-nullable string at offset ${this.offset - 2}`);
    return this.#utf8(length);
  }

  nullableString(): string | null {
    const length = this.int16();
    return length < 0 ? null : this.#utf8(length);
  }

  compactString(): string {
    const length = this.uvarint() - 1;
    if (length < 0) throw new ProtocolDecodeError(`null in a non-nullable string at offset ${this.offset}`);
    return this.#utf8(length);
  }

  compactNullableString(): string | null {
    const length = this.uvarint() - 1;
    return length < 0 ? null : this.#utf8(length);
  }

  bytes(): Buffer {
    const length = this.int32();
    if (length < 0) throw new ProtocolDecodeError(`null in non-nullable bytes at offset ${this.offset - 4}`);
    return this.#view(length);
  }

  nullableBytes(): Buffer | null {
    const length = this.int32();
    return length < 0 ? null : this.#view(length);
  }

  compactBytes(): Buffer {
    const length = this.uvarint() - 1;
    if (length < 0) throw new ProtocolDecodeError(`null in non-nullable bytes at offset ${this.offset}`);
    return this.#view(length);
  }

  compactNullableBytes(): Buffer | null {
    const length = this.uvarint() - 1;
    return length < 0 ? null : this.#view(length);
  }

  /**
   * Array length (int32, -1 = null). `minElementBytes` is the smallest encoding of one element; a count that could
   * not fit in the remaining bytes is rejected before any array is allocated.
   */
  arrayLength(minElementBytes: number): number | null {
    const n = this.int32();
    if (n < 0) return null;
    this.#checkCount(n, minElementBytes);
    return n;
  }

  /** Compact array length (uvarint N+1, 0 = null), with the same allocation guard as arrayLength. */
  compactArrayLength(minElementBytes: number): number | null {
    const n = this.uvarint() - 1;
    if (n < 0) return null;
    this.#checkCount(n, minElementBytes);
    return n;
  }

  #checkCount(n: number, minElementBytes: number): void {
    if (n * Math.max(minElementBytes, 0) > this.remaining || (minElementBytes === 0 && n > this.remaining + 1)) {
      throw new ProtocolDecodeError(`array of ${n} elements cannot fit in the ${this.remaining} bytes left`);
    }
  }

  /** A sub-reader over the next n bytes (used for tagged-field values); this reader moves past them. */
  slice(n: number): Reader {
    const at = this.#take(n);
    return new Reader(this.buf, at, at + n);
  }
}

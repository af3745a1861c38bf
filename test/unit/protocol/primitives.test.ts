import { describe, expect, it } from 'vitest';
import { Reader, ZERO_UUID } from '../../../protocol/primitives/reader.js';
import { SizeCounter, Writer, uvarintSize, varintSize, varlongSize } from '../../../protocol/primitives/writer.js';
import { ProtocolDecodeError, ProtocolEncodeError } from '../../../protocol/protocol-error.js';

function written(size: number, fn: (w: Writer) => void): Buffer {
  const w = new Writer(size);
  fn(w);
  return Buffer.concat(w.finish());
}

describe('primitives', () => {
  it('round-trips fixed-width integers at their limits', () => {
    const buf = written(2 + 2 + 4 + 4 + 8 + 8 + 8 + 1, (w) => {
      w.int16(-32768);
      w.uint16(65535);
      w.int32(-2147483648);
      w.uint32(4294967295);
      w.int64(Number.MAX_SAFE_INTEGER);
      w.int64(-Number.MAX_SAFE_INTEGER);
      w.int64n(-(2n ** 63n));
      w.int8(-1);
    });
    const r = new Reader(buf);
    expect([r.int16(), r.uint16(), r.int32(), r.uint32(), r.int64(), r.int64(), r.int64n(), r.int8()]).toEqual([
      -32768,
      65535,
      -2147483648,
      4294967295,
      Number.MAX_SAFE_INTEGER,
      -Number.MAX_SAFE_INTEGER,
      -(2n ** 63n),
      -1,
    ]);
    expect(r.remaining).toBe(0);
  });

  it('refuses int64 values outside the safe range instead of rounding', () => {
    expect(() => new Reader(Buffer.from('7fffffffffffffff', 'hex')).int64()).toThrow(ProtocolDecodeError);
    expect(new Reader(Buffer.from('7fffffffffffffff', 'hex')).int64n()).toBe(2n ** 63n - 1n);
    expect(() => written(8, (w) => w.int64(2 ** 60))).toThrow(ProtocolEncodeError);
  });

  it('encodes varints as the protocol guide shows (zigzag, 7 bits per byte)', () => {
    const cases: [number, string][] = [
      [0, '00'],
      [-1, '01'],
      [1, '02'],
      [-64, '7f'],
      [64, '8001'],
      [300, 'd804'],
      [2147483647, 'feffffff0f'],
      [-2147483648, 'ffffffff0f'],
    ];
    for (const [v, hex] of cases) {
      expect(written(varintSize(v), (w) => w.varint(v)).toString('hex')).toBe(hex);
      expect(new Reader(Buffer.from(hex, 'hex')).varint()).toBe(v);
    }
    for (const v of [0, 127, 128, 16383, 16384, 2 ** 32 - 1]) {
      const b = written(uvarintSize(v), (w) => w.uvarint(v));
      expect(new Reader(b).uvarint()).toBe(v);
    }
    for (const v of [0, -1, 2 ** 40, -(2 ** 40), Number.MAX_SAFE_INTEGER >> 0, 1234567890123]) {
      const b = written(varlongSize(v), (w) => w.varlong(v));
      expect(new Reader(b).varlong()).toBe(v);
    }
  });

  it('rejects over-long and truncated varints', () => {
    expect(() => new Reader(Buffer.from('ffffffff7f', 'hex')).uvarint()).toThrow(/longer than 32 bits/);
    expect(() => new Reader(Buffer.from('ffffffffff01', 'hex')).uvarint()).toThrow(ProtocolDecodeError);
    expect(() => new Reader(Buffer.from('80', 'hex')).uvarint()).toThrow(/truncated/);
    expect(() => new Reader(Buffer.from('ffffffffffffffffffff01', 'hex')).varlong()).toThrow(ProtocolDecodeError);
  });

  it('reads classic and compact strings and bytes, null where allowed', () => {
    const r = new Reader(
      Buffer.from('0002c3a9' + 'ffff' + '03c3a9' + '00' + '0000000161' + 'ffffffff' + '0262' + '00', 'hex'),
    );
    expect(r.string()).toBe('é');
    expect(r.nullableString()).toBeNull();
    expect(r.compactString()).toBe('é');
    expect(r.compactNullableString()).toBeNull();
    expect(r.bytes().toString()).toBe('a');
    expect(r.nullableBytes()).toBeNull();
    expect(r.compactBytes().toString()).toBe('b');
    expect(r.compactNullableBytes()).toBeNull();
    expect(() => new Reader(Buffer.from('ffff', 'hex')).string()).toThrow(/null in a non-nullable string/);
    expect(() => new Reader(Buffer.from('0005616263', 'hex')).string()).toThrow(/need 5 bytes/);
  });

  it('returns byte fields as views of the input', () => {
    const input = Buffer.from('00000003616263', 'hex');
    const b = new Reader(input).bytes();
    expect(b.buffer).toBe(input.buffer);
    expect(b.byteOffset).toBe(input.byteOffset + 4);
  });

  it('writes uuids in Kafka text form and rejects malformed ones', () => {
    const id = 'AQIDBAUGBwgJCgsMDQ4PEA';
    const b = written(16, (w) => w.uuid(id));
    expect(b.toString('hex')).toBe('0102030405060708090a0b0c0d0e0f10');
    expect(new Reader(b).uuid()).toBe(id);
    expect(new Reader(Buffer.alloc(16)).uuid()).toBe(ZERO_UUID);
    expect(() => written(16, (w) => w.uuid('short'))).toThrow(ProtocolEncodeError);
  });

  it('guards array lengths against the bytes left', () => {
    expect(() => new Reader(Buffer.from('00000003' + '0000', 'hex')).arrayLength(1)).toThrow(/cannot fit/);
    expect(new Reader(Buffer.from('00000002' + '0000', 'hex')).arrayLength(1)).toBe(2);
    expect(new Reader(Buffer.from('ffffffff', 'hex')).arrayLength(4)).toBeNull();
    expect(new Reader(Buffer.from('00', 'hex')).compactArrayLength(1)).toBeNull();
    expect(() => new Reader(Buffer.from('ffffffff07', 'hex')).compactArrayLength(0)).toThrow(/cannot fit/);
  });

  it('measures exactly and borrows large byte fields instead of copying them', () => {
    const big = Buffer.alloc(10_000, 1);
    const counter = new SizeCounter();
    counter.inline = 4 + 2;
    counter.borrowed = big.length;
    const w = new Writer(counter.inline);
    w.int32(big.length);
    w.raw(big);
    w.int16(7);
    const chunks = w.finish();
    expect(chunks).toHaveLength(3);
    expect(chunks[1]).toBe(big);
    expect(Buffer.concat(chunks).length).toBe(counter.total);
    expect(() => written(1, (w2) => w2.int16(1))).toThrow(/larger than measured/);
    expect(() => new Writer(2).finish()).toThrow(/underflow/);
  });
});

import CRC32 from 'crc-32';
import { describe, expect, it } from 'vitest';
import {
  buildRecordBatch,
  CompressionType,
  compress,
  CorruptRecordError,
  decodeMessageSet,
} from '../../../../protocol/records/index.js';
import { kafkajsMessageSet } from './kafkajs.js';

interface MessageSpec {
  offset: number;
  attributes?: number;
  timestamp?: number;
  key?: string | Buffer | null;
  value: string | Buffer | null;
}

/** One legacy log entry: offset | size | crc | magic | attributes | [timestamp] | key | value. */
function message(magic: 0 | 1, spec: MessageSpec): Buffer {
  const bytes = (v: string | Buffer | null | undefined): Buffer | null => (v == null ? null : Buffer.from(v));
  const key = bytes(spec.key);
  const value = bytes(spec.value);
  const size = 4 + 1 + 1 + (magic === 1 ? 8 : 0) + 4 + (key?.length ?? 0) + 4 + (value?.length ?? 0);
  const buf = Buffer.alloc(12 + size);
  buf.writeBigInt64BE(BigInt(spec.offset), 0);
  buf.writeInt32BE(size, 8);
  let at = 16;
  buf[at++] = magic;
  buf[at++] = spec.attributes ?? 0;
  if (magic === 1) {
    buf.writeBigInt64BE(BigInt(spec.timestamp ?? 0), at);
    at += 8;
  }
  for (const field of [key, value]) {
    buf.writeInt32BE(field === null ? -1 : field.length, at);
    at += 4;
    if (field !== null) at += field.copy(buf, at);
  }
  buf.writeUInt32BE(CRC32.buf(buf.subarray(16)) >>> 0, 12);
  return buf;
}

async function wrapper(
  magic: 0 | 1,
  compression: number,
  inner: MessageSpec[],
  outer: Omit<MessageSpec, 'value'>,
): Promise<Buffer> {
  const set = Buffer.concat(inner.map((m) => message(magic, m)));
  return message(magic, {
    ...outer,
    attributes: (outer.attributes ?? 0) | compression,
    value: await compress(compression, set),
  });
}

describe('legacy message sets', () => {
  it('reads uncompressed magic 0 messages (no timestamps, offsets as stored)', async () => {
    const set = Buffer.concat([
      message(0, { offset: 3, key: 'a', value: 'one' }),
      message(0, { offset: 4, key: null, value: 'two' }),
      message(0, { offset: 5, key: 'c', value: null }),
    ]);
    expect(await decodeMessageSet(set)).toEqual([
      { offset: 3, timestamp: -1, key: Buffer.from('a'), value: Buffer.from('one'), headers: [] },
      { offset: 4, timestamp: -1, key: null, value: Buffer.from('two'), headers: [] },
      { offset: 5, timestamp: -1, key: Buffer.from('c'), value: null, headers: [] },
    ]);
  });

  it('reads uncompressed magic 1 messages with their timestamps', async () => {
    const set = Buffer.concat([
      message(1, { offset: 0, timestamp: 1000, key: 'a', value: 'one' }),
      message(1, { offset: 1, timestamp: 900, value: 'two' }),
    ]);
    const records = await decodeMessageSet(set);
    expect(records.map((r) => [r.offset, r.timestamp, r.value?.toString()])).toEqual([
      [0, 1000, 'one'],
      [1, 900, 'two'],
    ]);
  });

  it('resolves the relative inner offsets of a gzip-compressed magic 1 wrapper', async () => {
    const inner = [0, 1, 2].map((i) => ({ offset: i, timestamp: 100 * (i + 1), key: `k${i}`, value: `v${i}` }));
    const set = Buffer.concat([
      await wrapper(1, CompressionType.Gzip, inner, { offset: 12, timestamp: 999 }),
      message(1, { offset: 13, timestamp: 1000, value: 'after' }),
    ]);
    const records = await decodeMessageSet(set);
    expect(records.map((r) => [r.offset, r.timestamp, r.key?.toString(), r.value?.toString()])).toEqual([
      [10, 100, 'k0', 'v0'],
      [11, 200, 'k1', 'v1'],
      [12, 300, 'k2', 'v2'],
      [13, 1000, undefined, 'after'],
    ]);
  });

  it('gives inner messages the wrapper timestamp when the magic 1 wrapper is LogAppendTime', async () => {
    const inner = [0, 1].map((i) => ({ offset: i, timestamp: 5, value: `v${i}` }));
    const set = await wrapper(1, CompressionType.Gzip, inner, { offset: 7, timestamp: 777, attributes: 0x08 });
    const records = await decodeMessageSet(set);
    expect(records.map((r) => [r.offset, r.timestamp])).toEqual([
      [6, 777],
      [7, 777],
    ]);
  });

  it('keeps the absolute inner offsets of a compressed magic 0 wrapper', async () => {
    const inner = [20, 21].map((offset) => ({ offset, value: `at ${offset}` }));
    for (const compression of [CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4]) {
      const records = await decodeMessageSet(await wrapper(0, compression, inner, { offset: 21 }));
      expect(records.map((r) => [r.offset, r.timestamp, r.value?.toString()])).toEqual([
        [20, -1, 'at 20'],
        [21, -1, 'at 21'],
      ]);
    }
  });

  it("reads kafkajs' magic 0 and magic 1 message sets", async () => {
    const entries = [
      { key: 'k1', value: 'v1', timestamp: 111 },
      { key: null, value: 'v2', timestamp: 222 },
    ];
    const v0 = await decodeMessageSet(kafkajsMessageSet(0, entries));
    expect(v0.map((r) => [r.timestamp, r.key?.toString() ?? null, r.value?.toString()])).toEqual([
      [-1, 'k1', 'v1'],
      [-1, null, 'v2'],
    ]);
    const v1 = await decodeMessageSet(kafkajsMessageSet(1, entries));
    expect(v1.map((r) => [r.timestamp, r.key?.toString() ?? null, r.value?.toString()])).toEqual([
      [111, 'k1', 'v1'],
      [222, null, 'v2'],
    ]);
  });

  it('ignores a truncated trailing message', async () => {
    const last = message(1, { offset: 2, value: 'truncated' });
    const set = Buffer.concat([message(1, { offset: 1, value: 'whole' }), last.subarray(0, last.length - 1)]);
    expect((await decodeMessageSet(set)).map((r) => r.offset)).toEqual([1]);
  });

  it('rejects bad CRCs, v2 entries, nested compression and mixed magic inside a wrapper', async () => {
    const flipped = message(1, { offset: 0, value: 'payload' });
    flipped[flipped.length - 1]! ^= 0xff;
    await expect(decodeMessageSet(flipped)).rejects.toMatchObject({ name: 'CorruptRecordError', reason: 'crc' });

    const v2 = buildRecordBatch([{ value: 'new format' }]);
    await expect(decodeMessageSet(v2)).rejects.toMatchObject({ reason: 'magic' });

    const nested = await wrapper(1, CompressionType.Gzip, [{ offset: 0, value: 'x' }], { offset: 0 });
    const outer = message(1, { offset: 0, attributes: CompressionType.Gzip, value: await compress(1, nested) });
    await expect(decodeMessageSet(outer)).rejects.toThrow(CorruptRecordError);

    const mixed = message(1, {
      offset: 0,
      attributes: CompressionType.Gzip,
      value: await compress(1, message(0, { offset: 0, value: 'v0 inside v1' })),
    });
    await expect(decodeMessageSet(mixed)).rejects.toMatchObject({ reason: 'record' });
  });
});

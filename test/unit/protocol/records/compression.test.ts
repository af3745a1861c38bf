import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { compressSync as snappyRawCompress } from 'snappy';
import { describe, expect, it } from 'vitest';
import {
  buildCompressedRecordBatch,
  CompressionType,
  compress,
  CorruptRecordError,
  decodeBatch,
  decompress,
  RecordBatchView,
  UnsupportedCompressionError,
} from '../../../../protocol/records/index.js';

interface Lz4Package {
  encode(input: Buffer, options?: object): Buffer;
  decode(input: Buffer): Buffer;
  utils: { descriptorChecksum(descriptor: Buffer): number };
}
const lz4 = createRequire(import.meta.url)('lz4') as Lz4Package;

const CODECS = [
  CompressionType.None,
  CompressionType.Gzip,
  CompressionType.Snappy,
  CompressionType.Lz4,
  CompressionType.Zstd,
];

/** Compressible but not trivially so: words drawn from a small vocabulary. */
function text(bytes: number): Buffer {
  const words = ['kafka', 'record', 'batch', 'offset', 'leader', 'epoch', 'segment', 'index', 'λ', '✓'];
  const out: string[] = [];
  let n = 0;
  for (let i = 0; n < bytes; i++) {
    const w = words[(i * 7919) % words.length]!;
    out.push(w);
    n += w.length + 1;
  }
  return Buffer.from(out.join(' ')).subarray(0, bytes);
}

const payloads: [string, Buffer][] = [
  ['empty', Buffer.alloc(0)],
  ['tiny', Buffer.from('hi')],
  ['small', text(500)],
  ['large', text(1_500_000)],
  ['incompressible', randomBytes(200_000)],
];

async function expectCorrupt(promise: Promise<unknown>): Promise<void> {
  const err: unknown = await promise.then(
    () => expect.fail('expected a CorruptRecordError'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CorruptRecordError);
  expect((err as CorruptRecordError).reason).toBe('compressed-data');
}

describe('compression codecs', () => {
  for (const type of CODECS) {
    for (const [name, data] of payloads) {
      it(`codec ${type} round-trips ${name} data`, async () => {
        const compressed = await compress(type, data);
        const restored = await decompress(type, compressed);
        expect(restored.equals(data)).toBe(true);
      });
    }

    it(`codec ${type} works inside a record batch`, async () => {
      const big = text(100_000);
      const records = [{ key: 'a', value: big }, { value: 'b' }];
      const batch = await buildCompressedRecordBatch(records, { compression: type, baseOffset: 9 });
      const view = new RecordBatchView(batch);
      expect(view.compression).toBe(type);
      const decoded = await decodeBatch(view);
      expect(decoded.map((r) => r.offset)).toEqual([9, 10]);
      expect(decoded[0]!.value!.equals(big)).toBe(true);
      expect(decoded[1]!.value!.toString()).toBe('b');
    });
  }

  it('rejects unknown compression ids with UnsupportedCompressionError', async () => {
    await expect(compress(5, Buffer.from('x'))).rejects.toBeInstanceOf(UnsupportedCompressionError);
    await expect(decompress(7, Buffer.from('x'))).rejects.toBeInstanceOf(UnsupportedCompressionError);
  });

  it('reports undecodable bytes as CorruptRecordError for every codec', async () => {
    const garbage = Buffer.from('this is not compressed data at all, not even a little');
    for (const type of [CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd]) {
      await expectCorrupt(decompress(type, garbage));
    }
  });
});

describe('snappy', () => {
  const data = text(100_000);

  it('writes xerial framing with 32 KiB blocks, as the Java client does', async () => {
    const out = await compress(CompressionType.Snappy, data);
    expect(out.subarray(0, 8).toString('hex')).toBe('82534e4150505900');
    expect(out.readInt32BE(8)).toBe(1);
    expect(out.readInt32BE(12)).toBe(1);
    let blocks = 0;
    for (let at = 16; at < out.length; blocks++) at += 4 + out.readInt32BE(at);
    expect(blocks).toBe(Math.ceil(data.length / 32768));
  });

  it('decodes raw snappy (librdkafka, platformatic) and hand-built xerial frames', async () => {
    expect((await decompress(CompressionType.Snappy, snappyRawCompress(data))).equals(data)).toBe(true);
    const parts = [data.subarray(0, 1000), data.subarray(1000)];
    const blocks = parts.map((p) => {
      const c = snappyRawCompress(p);
      const length = Buffer.alloc(4);
      length.writeInt32BE(c.length);
      return Buffer.concat([length, c]);
    });
    const header = Buffer.from('82534e41505059000000000100000001', 'hex');
    const xerial = Buffer.concat([header, ...blocks]);
    expect((await decompress(CompressionType.Snappy, xerial)).equals(data)).toBe(true);
    await expectCorrupt(decompress(CompressionType.Snappy, xerial.subarray(0, xerial.length - 10)));
  });

  it('refuses a raw block whose length preamble is larger than any block could expand to', async () => {
    const bomb = Buffer.from([0x80, 0x80, 0x80, 0x80, 0x04, 0x00, 0x61]); // claims 1 GiB
    await expectCorrupt(decompress(CompressionType.Snappy, bomb));
  });
});

describe('lz4', () => {
  const data = text(200_000);

  it('writes FLG 0x60 (v1, independent blocks, no checksums, no content size) and BD 0x40 (64 KiB)', async () => {
    const out = await compress(CompressionType.Lz4, data);
    expect(out.readUInt32LE(0)).toBe(0x184d2204);
    expect(out[4]).toBe(0x60);
    expect(out[5]).toBe(0x40);
    expect(out[6]).toBe(lz4.utils.descriptorChecksum(out.subarray(4, 6)));
    expect(lz4.decode(out).equals(data)).toBe(true);
  });

  it('decodes frames with a content size (kafka-python, FLG 0x68), a content checksum or block checksums', async () => {
    const plain = await compress(CompressionType.Lz4, data);
    const size = Buffer.alloc(8);
    size.writeUInt32LE(data.length, 0);
    const descriptor = Buffer.concat([Buffer.from([0x68, 0x40]), size]);
    const withSize = Buffer.concat([
      plain.subarray(0, 4),
      descriptor,
      Buffer.from([lz4.utils.descriptorChecksum(descriptor)]),
      plain.subarray(7),
    ]);
    expect((await decompress(CompressionType.Lz4, withSize)).equals(data)).toBe(true);

    const checksummed = lz4.encode(data); // the package's defaults: FLG 0x64, 4 MiB blocks, content checksum
    expect(checksummed[4]).toBe(0x64);
    expect((await decompress(CompressionType.Lz4, checksummed)).equals(data)).toBe(true);

    // The lz4 package cannot write block checksums (it overflows writeInt32LE), so add them by hand.
    const parts: Buffer[] = [
      Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x70, 0x40]),
      Buffer.from([lz4.utils.descriptorChecksum(Buffer.from([0x70, 0x40]))]),
    ];
    for (let at = 7; ;) {
      const word = plain.readUInt32LE(at);
      const size = word & 0x7fffffff;
      parts.push(plain.subarray(at, at + 4 + size));
      at += 4 + size;
      if (word === 0) break;
      parts.push(Buffer.alloc(4, 0xab));
    }
    expect((await decompress(CompressionType.Lz4, Buffer.concat(parts))).equals(data)).toBe(true);
  });

  it('refuses dependent blocks and truncated frames', async () => {
    const frame = await compress(CompressionType.Lz4, data);
    const dependent = Buffer.from(frame);
    dependent[4] = 0x40;
    await expectCorrupt(decompress(CompressionType.Lz4, dependent));
    await expectCorrupt(decompress(CompressionType.Lz4, frame.subarray(0, frame.length - 5)));
    await expectCorrupt(decompress(CompressionType.Lz4, frame.subarray(0, 5)));
  });
});

describe('zstd', () => {
  const data = text(300_000);

  it('decodes frames without a content size (streaming writers such as zstd-jni)', async () => {
    // magic | frame header: no content size, not single-segment | window descriptor (1 KiB) |
    // last raw block of 5 bytes (block header 0x29 0x00 0x00, little-endian) | "hello"
    const frame = Buffer.concat([Buffer.from('28b52ffd' + '00' + '00' + '290000', 'hex'), Buffer.from('hello')]);
    expect((await decompress(CompressionType.Zstd, frame)).toString()).toBe('hello');
  });

  it('does not preallocate a hostile content size', async () => {
    // frame header claiming 2^40 bytes of content (8-byte FCS), single segment, followed by an empty raw block
    const hostile = Buffer.from('28b52ffd' + 'e0' + '0000000000010000' + '010000', 'hex');
    await expectCorrupt(decompress(CompressionType.Zstd, hostile));
  });

  it('reports a truncated frame and keeps working afterwards', async () => {
    const frame = await compress(CompressionType.Zstd, data);
    await expectCorrupt(decompress(CompressionType.Zstd, frame.subarray(0, frame.length >> 1)));
    await expectCorrupt(decompress(CompressionType.Zstd, Buffer.alloc(0)));
    expect((await decompress(CompressionType.Zstd, frame)).equals(data)).toBe(true);
  });
});

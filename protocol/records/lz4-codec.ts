import { createRequire } from 'node:module';
import type { Codec } from './codec.js';
import { settle, usedPart } from './codec.js';

/**
 * LZ4 in the LZ4 frame format, which Kafka uses from magic 1 on:
 *
 *   magic 04 22 4d 18 | FLG | BD | [content size uint64 LE] | HC | blocks: [size uint32 LE (bit 31 = stored) | data |
 *   [block checksum]]… | end mark 0 | [content checksum]
 *
 * We write FLG 0x60 (version 1, independent blocks, no block checksum, no content size or checksum) and BD 0x40
 * (64 KiB blocks): the form Java's KafkaLZ4BlockInputStream requires and librdkafka writes. We read frames with or
 * without content size and content checksum (kafka-python writes FLG 0x68). Dependent blocks are refused, as Java
 * refuses them. Checksums are not verified: the batch CRC already covers these bytes, and Kafka's magic-0 frames
 * carry a wrong header checksum.
 */

interface Lz4Binding {
  encode(input: Buffer, options: object): Buffer;
  /** LZ4_decompress_safe: bytes written, or a negative number on malformed input or a too small output. */
  decodeBlock(input: Buffer, output: Buffer): number;
}

// lz4 is CommonJS without type declarations.
const lz4 = createRequire(import.meta.url)('lz4') as Lz4Binding;

const ENCODE_OPTIONS = {
  blockIndependence: true,
  blockChecksum: false,
  blockMaxSize: 64 * 1024,
  streamSize: false,
  streamChecksum: false,
  dict: false,
  dictId: 0,
  highCompression: false,
} as const;

const FRAME_MAGIC = 0x184d2204;
const FLG_VERSION_MASK = 0xc0;
const FLG_VERSION_1 = 0x40;
const FLG_BLOCK_INDEPENDENCE = 0x20;
const FLG_BLOCK_CHECKSUM = 0x10;
const FLG_CONTENT_SIZE = 0x08;
const FLG_CONTENT_CHECKSUM = 0x04;
const FLG_RESERVED_AND_DICT = 0x03;
const BD_RESERVED = 0x8f;
const BLOCK_STORED = 0x80000000;
/** Block maximum sizes by the BD field's 3-bit code; codes 0-3 are reserved. */
const BLOCK_MAX_SIZES = [0, 0, 0, 0, 64 << 10, 256 << 10, 1 << 20, 4 << 20];

function decodeFrames(data: Buffer): Buffer {
  let out = Buffer.allocUnsafe(Math.max(data.length * 4, 1024));
  let length = 0;
  const ensure = (n: number): void => {
    if (out.length - length >= n) return;
    const next = Buffer.allocUnsafe(Math.max(out.length * 2, length + n));
    out.copy(next, 0, 0, length);
    out = next;
  };
  let at = 0;
  const need = (n: number): void => {
    if (data.length - at < n) throw new Error(`truncated LZ4 frame at ${at}`);
  };
  // Kafka sends one frame per batch; concatenated frames are still valid LZ4 and cost nothing to accept.
  while (at < data.length) {
    need(7);
    if (data.readUInt32LE(at) !== FRAME_MAGIC) throw new Error(`bad LZ4 frame magic at ${at}`);
    const flg = data[at + 4]!;
    const bd = data[at + 5]!;
    if ((flg & FLG_VERSION_MASK) !== FLG_VERSION_1 || flg & FLG_RESERVED_AND_DICT || bd & BD_RESERVED) {
      throw new Error(`unsupported LZ4 frame descriptor FLG ${flg.toString(16)} BD ${bd.toString(16)}`);
    }
    if (!(flg & FLG_BLOCK_INDEPENDENCE)) throw new Error('LZ4 frames with dependent blocks are not supported');
    const blockMax = BLOCK_MAX_SIZES[bd >> 4]!;
    if (blockMax === 0) throw new Error(`reserved LZ4 block size code ${bd >> 4}`);
    at += 6 + (flg & FLG_CONTENT_SIZE ? 8 : 0) + 1; // the content size is only a hint; skip it and HC
    const blockChecksumSize = flg & FLG_BLOCK_CHECKSUM ? 4 : 0;
    for (;;) {
      need(4);
      const word = data.readUInt32LE(at);
      at += 4;
      if (word === 0) break;
      const size = (word & ~BLOCK_STORED) >>> 0;
      if (size > blockMax) throw new Error(`LZ4 block of ${size} bytes exceeds the frame's ${blockMax}`);
      need(size + blockChecksumSize);
      const block = data.subarray(at, at + size);
      if (word & BLOCK_STORED) {
        ensure(size);
        length += block.copy(out, length);
      } else {
        ensure(blockMax);
        const n = lz4.decodeBlock(block, out.subarray(length, length + blockMax));
        if (n < 0) throw new Error(`malformed LZ4 block at ${at}`);
        length += n;
      }
      at += size + blockChecksumSize;
    }
    if (flg & FLG_CONTENT_CHECKSUM) {
      need(4);
      at += 4;
    }
  }
  return usedPart(out, length);
}

export const lz4Codec: Codec = {
  name: 'lz4',
  // The native block codec is fast and synchronous; there is no async API to defer to.
  compress: (data) => settle(() => lz4.encode(data, { ...ENCODE_OPTIONS })),
  decompress: (data) => settle(() => decodeFrames(data)),
};

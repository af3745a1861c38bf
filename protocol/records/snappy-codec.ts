import { compress as snappyCompress, uncompress as snappyUncompress } from 'snappy';
import type { Codec } from './codec.js';

/**
 * Snappy as Kafka clients write it. Java (xerial SnappyOutputStream) and kafka-python use the xerial framing:
 *
 *   magic 82 53 4e 41 50 50 59 00 | version int32 | compatible int32 | repeated [length int32 BE | raw snappy block]
 *
 * librdkafka and platformatic send one raw snappy block. Decompression accepts both (told apart by the magic, as
 * xerial's own reader does); compression writes xerial framing with 32 KiB blocks, as the Java client does.
 */
const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_SIZE = 16;
const XERIAL_VERSION = 1;
const XERIAL_BLOCK_SIZE = 32 * 1024;
/** A snappy copy element emits at most 64 bytes from 3 input bytes, so no valid block expands more than this. */
const MAX_EXPANSION = 22;

function isXerial(data: Buffer): boolean {
  return data.length >= XERIAL_HEADER_SIZE && XERIAL_MAGIC.equals(data.subarray(0, XERIAL_MAGIC.length));
}

/**
 * One raw block. Its varint length preamble is checked against the largest possible expansion first, because the
 * native decoder allocates whatever the preamble claims.
 */
async function uncompressRaw(block: Buffer): Promise<Buffer> {
  let length = 0;
  for (let i = 0, shift = 0; i < block.length && i < 5; i++, shift += 7) {
    length += (block[i]! & 0x7f) * 2 ** shift;
    if (block[i]! < 0x80) break;
  }
  if (length > block.length * MAX_EXPANSION) {
    throw new Error(`snappy block of ${block.length} bytes claims ${length} uncompressed bytes`);
  }
  return (await snappyUncompress(block, { asBuffer: true })) as Buffer;
}

export const snappyCodec: Codec = {
  name: 'snappy',

  async compress(data) {
    const blocks: Buffer[] = [];
    for (let at = 0; at < data.length; at += XERIAL_BLOCK_SIZE) {
      blocks.push(data.subarray(at, at + XERIAL_BLOCK_SIZE));
    }
    const compressed = await Promise.all(blocks.map((b) => snappyCompress(b)));
    let size = XERIAL_HEADER_SIZE;
    for (const c of compressed) size += 4 + c.length;
    const out = Buffer.allocUnsafe(size);
    XERIAL_MAGIC.copy(out, 0);
    out.writeInt32BE(XERIAL_VERSION, 8);
    out.writeInt32BE(XERIAL_VERSION, 12);
    let at = XERIAL_HEADER_SIZE;
    for (const c of compressed) {
      out.writeInt32BE(c.length, at);
      at += 4 + c.copy(out, at + 4);
    }
    return out;
  },

  async decompress(data) {
    if (!isXerial(data)) return uncompressRaw(data);
    const blocks: Buffer[] = [];
    for (let at = XERIAL_HEADER_SIZE; at < data.length;) {
      if (data.length - at < 4) throw new Error(`truncated xerial block length at ${at}`);
      const length = data.readInt32BE(at);
      at += 4;
      if (length < 0 || length > data.length - at) throw new Error(`xerial block of ${length} bytes at ${at} overruns`);
      blocks.push(data.subarray(at, at + length));
      at += length;
    }
    const parts = await Promise.all(blocks.map(uncompressRaw));
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  },
};

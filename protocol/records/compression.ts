import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import type { Codec } from './codec.js';
import { CorruptRecordError, UnsupportedCompressionError } from './errors.js';
import { lz4Codec } from './lz4-codec.js';
import { snappyCodec } from './snappy-codec.js';
import { zstdCodec } from './zstd-codec.js';

/**
 * Codec registry keyed by Kafka's compression id (record batch attributes bits 0-2; legacy message attributes
 * bits 0-2): 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd. Any other id is an UnsupportedCompressionError; bytes a
 * codec cannot decode are a CorruptRecordError (reason 'compressed-data') carrying the codec's error as cause.
 */
export const CompressionType = { None: 0, Gzip: 1, Snappy: 2, Lz4: 3, Zstd: 4 } as const;
export type CompressionType = (typeof CompressionType)[keyof typeof CompressionType];

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

const CODECS: readonly Codec[] = [
  { name: 'none', compress: (data) => Promise.resolve(data), decompress: (data) => Promise.resolve(data) },
  { name: 'gzip', compress: (data) => gzipAsync(data), decompress: (data) => gunzipAsync(data) },
  snappyCodec,
  lz4Codec,
  zstdCodec,
];

function codecFor(type: number): Codec {
  const codec = CODECS[type];
  if (codec === undefined) throw new UnsupportedCompressionError(type);
  return codec;
}

export async function compress(type: number, data: Buffer): Promise<Buffer> {
  return codecFor(type).compress(data);
}

export async function decompress(type: number, data: Buffer): Promise<Buffer> {
  const codec = codecFor(type);
  try {
    return await codec.decompress(data);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new CorruptRecordError('compressed-data', `invalid ${codec.name} data: ${detail}`, { cause: err });
  }
}

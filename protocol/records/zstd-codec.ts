import { compress as zstdCompress, decompress as zstdDecompress } from '@mongodb-js/zstd';
import type { Codec } from './codec.js';

/**
 * Zstandard frames (zstd-jni on the Java side), through @mongodb-js/zstd: native, prebuilt binaries from the npm
 * registry, work done on the libuv thread pool. Compression uses level 3, Kafka's default. Decompression streams,
 * so frames with and without a content size are accepted and a hostile content size is never preallocated; a
 * truncated or corrupt frame rejects.
 */
const LEVEL = 3;

export const zstdCodec: Codec = {
  name: 'zstd',
  compress: (data) => zstdCompress(data, LEVEL),
  decompress: (data) => zstdDecompress(data),
};

import binding from 'zstd-napi/binding.js';
import { compress as zstdCompress } from 'zstd-napi';
import type { Codec } from './codec.js';
import { settle, usedPart } from './codec.js';

/**
 * Zstandard frames (zstd-jni on the Java side). Compression is zstd-napi's one-shot API (level 3, Kafka's default,
 * content size recorded). Decompression streams through our own context instead of zstd-napi's `decompress`,
 * which trusts the frame's content size for its allocation, returns silently on a truncated frame, and leaves its
 * shared context unusable after a bad one. Frames with and without a content size are accepted.
 */
const dctx = new binding.DCtx();
const CHUNK_SIZE = binding.dStreamOutSize();

function decompressFrames(data: Buffer): Buffer {
  // Start a new session: an earlier call may have stopped mid-frame on bad input.
  dctx.reset(binding.ResetDirective.sessionOnly);
  const chunks: Buffer[] = [];
  let src = data;
  let chunkSize = Math.max(CHUNK_SIZE, data.length * 4);
  for (;;) {
    const dst = Buffer.allocUnsafe(chunkSize);
    const [hint, produced, consumed] = dctx.decompressStream(dst, src);
    if (produced > 0) chunks.push(usedPart(dst, produced));
    src = src.subarray(consumed);
    if (src.length === 0 && produced < dst.length) {
      if (hint !== 0) throw new Error('truncated zstd frame');
      break;
    }
    if (produced === 0 && consumed === 0) throw new Error('zstd decompression made no progress');
    chunkSize = CHUNK_SIZE;
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

export const zstdCodec: Codec = {
  name: 'zstd',
  // zstd-napi has no async one-shot API; the native calls are fast enough to run inline.
  compress: (data) => settle(() => zstdCompress(data)),
  decompress: (data) => settle(() => decompressFrames(data)),
};

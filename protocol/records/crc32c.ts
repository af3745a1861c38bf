import { createRequire } from 'node:module';
import CRC32C from 'crc-32/crc32c.js';

/**
 * CRC-32C (Castagnoli) of buf[start, end), as an unsigned 32-bit number: the checksum of record batch v2.
 *
 * sse4_crc32 (an optional native dependency using the CPU's CRC32 instruction) is about 5× faster than crc-32's
 * pure JS from a few KiB up (`npm run bench protocol`), but its call overhead loses on tiny inputs, so inputs under
 * NATIVE_MIN_BYTES, and machines where the addon did not build, use crc-32.
 */
const NATIVE_MIN_BYTES = 1024;

type NativeCrc = (buf: Uint8Array) => number;

function loadNative(): NativeCrc | undefined {
  try {
    const sse = createRequire(import.meta.url)('sse4_crc32') as { calculate(buf: Uint8Array): number };
    return sse.calculate(Buffer.from('123456789')) === 0xe3069283 ? (buf) => sse.calculate(buf) : undefined;
  } catch {
    return undefined;
  }
}

const native = loadNative();

/** Which implementation large inputs use, for logs and the README's claim. */
export const crc32cImplementation: 'sse4_crc32' | 'crc-32' = native === undefined ? 'crc-32' : 'sse4_crc32';

export function crc32c(buf: Uint8Array, start = 0, end = buf.length): number {
  const data = start === 0 && end === buf.length ? buf : buf.subarray(start, end);
  if (native !== undefined && data.length >= NATIVE_MIN_BYTES) return native(data);
  // crc-32 returns a signed int32; Kafka stores the CRC as uint32.
  return CRC32C.buf(data) >>> 0;
}

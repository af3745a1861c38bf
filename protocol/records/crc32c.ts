import { createRequire } from 'node:module';
import CRC32C from 'crc-32/crc32c.js';

/**
 * CRC-32C (Castagnoli) of buf[start, end), as an unsigned 32-bit number: the checksum of record batch v2.
 *
 * Our native helper (protocol/native/crc32c: the CPU's CRC32 instruction over three interleaved streams, built by
 * node-gyp at install) is 12× (16 KiB) to 17× (1 MiB) faster than crc-32's pure JS
 * (`npm run bench protocol`); tiny inputs, machines without SSE4.2 and installs where the addon did not build
 * use crc-32.
 */
const NATIVE_MIN_BYTES = 64;

type NativeCrc = (buf: Uint8Array) => number;

function loadNative(): NativeCrc | undefined {
  try {
    const addon = createRequire(import.meta.url)('@samsa/crc32c') as {
      hardware: boolean;
      crc32c?: (buf: Uint8Array) => number;
    };
    const crc = addon.crc32c;
    if (!addon.hardware || crc === undefined) return undefined;
    return crc(Buffer.from('123456789')) === 0xe3069283 ? crc : undefined;
  } catch {
    return undefined;
  }
}

const native = loadNative();

/** Which implementation inputs of NATIVE_MIN_BYTES and more use, for logs and the README's claim. */
export const crc32cImplementation: 'native' | 'crc-32' = native === undefined ? 'crc-32' : 'native';

export function crc32c(buf: Uint8Array, start = 0, end = buf.length): number {
  const data = start === 0 && end === buf.length ? buf : buf.subarray(start, end);
  if (native !== undefined && data.length >= NATIVE_MIN_BYTES) return native(data);
  // crc-32 returns a signed int32; Kafka stores the CRC as uint32.
  return CRC32C.buf(data) >>> 0;
}

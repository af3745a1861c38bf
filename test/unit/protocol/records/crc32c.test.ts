import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import CRC32C from 'crc-32/crc32c.js';
import { describe, expect, it } from 'vitest';
import { crc32c, crc32cImplementation } from '../../../../protocol/records/index.js';

const addon = createRequire(import.meta.url)('@samsa/crc32c') as {
  hardware: boolean;
  crc32c?: (buf: Uint8Array, crc?: number) => number;
};

describe('crc32c', () => {
  it('gives the CRC-32C check value for "123456789" as an unsigned number', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
  });

  it('checksums only [start, end)', () => {
    const buf = Buffer.from('xx123456789yy');
    expect(crc32c(buf, 2, 11)).toBe(0xe3069283);
    expect(crc32c(buf, 2)).toBe(crc32c(Buffer.from('123456789yy')));
  });

  it('uses the native addon where the CPU has SSE4.2 (this machine does)', () => {
    expect(addon.hardware).toBe(true);
    expect(crc32cImplementation).toBe('native');
  });

  it('native: equals crc-32 at every length and alignment, across the interleaved block sizes', () => {
    const native = addon.crc32c!;
    const data = randomBytes(3 * 8192 * 2 + 1000);
    // lengths around the three-stream thresholds (3 x 256 and 3 x 8192 bytes) and the 8-byte word edges
    const lengths = [0, 1, 7, 8, 9, 63, 64, 767, 768, 769, 1000, 24_575, 24_576, 24_577, 49_152 + 999];
    for (let i = 0; i < 300; i++) lengths.push(Math.floor(Math.random() * (data.length - 8)));
    for (const length of lengths) {
      for (const start of [0, 1, 3, 7]) {
        const view = data.subarray(start, start + length);
        expect(native(view), `length ${length} at ${start}`).toBe(CRC32C.buf(view) >>> 0);
      }
    }
  });

  it('native: continues a running CRC, and refuses what is not bytes', () => {
    const native = addon.crc32c!;
    const data = randomBytes(70_000);
    expect(native(data.subarray(33_333), native(data.subarray(0, 33_333)))).toBe(native(data));
    expect(() => native('abc' as unknown as Uint8Array)).toThrow(TypeError);
    expect(() => native(new Uint16Array(4) as unknown as Uint8Array)).toThrow(TypeError);
  });
});

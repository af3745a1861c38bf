import { describe, expect, it } from 'vitest';
import { SipHash128 } from '../../../../storage/cleaner/siphash.js';

// SipHash-2-4 with 128-bit output, key 00..0f, message 00..(n-1): rows of vectors_sip128 in the reference
// implementation's vectors.h (github.com/veorq/SipHash).
const VECTORS: [number, string][] = [
  [0, 'a3817f04ba25a8e66df67214c7550293'],
  [1, 'da87c1d86b99af44347659119b22fc45'],
  [7, 'a1f1ebbed8dbc153c0b84aa61ff08239'],
  [8, '3b62a9ba6258f5610f83e264f31497b4'],
  [15, '5493e99933b0a8117e08ec0f97cfc3d9'],
  [16, '6ee2a4ca67b054bbfd3315bf85230577'],
  [63, '5150d1772f50834a503e069a973fbd7c'],
];

const referenceKey = Buffer.from(Array.from({ length: 16 }, (_, i) => i));

function tag(sip: SipHash128, data: Buffer, start = 0, end = data.length): string {
  const out = new Uint32Array(4);
  sip.hash(data, start, end, out);
  const bytes = Buffer.alloc(16);
  for (let i = 0; i < 4; i++) bytes.writeUInt32LE(out[i]!, 4 * i);
  return bytes.toString('hex');
}

describe('SipHash128', () => {
  it.each(VECTORS)('matches the reference vector for a %i-byte message', (length, expected) => {
    const message = Buffer.from(Array.from({ length }, (_, i) => i));
    expect(tag(new SipHash128(referenceKey), message)).toBe(expected);
  });

  it('hashes a range of a larger buffer like the range alone', () => {
    const sip = new SipHash128(referenceKey);
    const message = Buffer.from(Array.from({ length: 15 }, (_, i) => i));
    const padded = Buffer.concat([Buffer.from('xyz'), message, Buffer.from('tail')]);
    expect(tag(sip, padded, 3, 18)).toBe(tag(sip, message));
  });

  it('depends on the key: random keys give different tags', () => {
    const message = Buffer.from('same key bytes');
    expect(tag(new SipHash128(), message)).not.toBe(tag(new SipHash128(), message));
  });

  it('rejects a key that is not 16 bytes', () => {
    expect(() => new SipHash128(Buffer.alloc(8))).toThrow(RangeError);
  });
});

import { describe, expect, it } from 'vitest';
import { crc32c } from '../../../../protocol/records/index.js';

describe('crc32c', () => {
  it('gives the CRC-32C check value for "123456789" as an unsigned number', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
  });

  it('checksums only [start, end)', () => {
    const buf = Buffer.from('xx123456789yy');
    expect(crc32c(buf, 2, 11)).toBe(0xe3069283);
    expect(crc32c(buf, 2)).toBe(crc32c(Buffer.from('123456789yy')));
  });
});

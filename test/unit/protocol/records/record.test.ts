import { describe, expect, it } from 'vitest';
import { Reader } from '../../../../protocol/primitives/reader.js';
import type { RecordInput } from '../../../../protocol/records/index.js';
import { CorruptRecordError, decodeRecord, encodeRecord, recordBodySize } from '../../../../protocol/records/index.js';

function encode(record: RecordInput, offsetDelta: number, timestampDelta: number): Buffer {
  const body = recordBodySize(record, offsetDelta, timestampDelta);
  const buf = Buffer.alloc(5 + body);
  const end = encodeRecord(buf, 0, record, offsetDelta, timestampDelta, body);
  return buf.subarray(0, end);
}

describe('record v2', () => {
  it('round-trips keys, values and headers, with absolute offset and timestamp', () => {
    const record: RecordInput = {
      key: 'ключ ✓',
      value: Buffer.from([0, 255, 1]),
      headers: [
        { key: 'dup', value: 'a' },
        { key: 'dup', value: Buffer.from('b') },
        { key: 'nothing', value: null },
        { key: '', value: '' },
      ],
    };
    const buf = encode(record, 300, -12_345_678_901);
    const reader = new Reader(buf);
    const decoded = decodeRecord(reader, 1000, 2_000_000_000_000);
    expect(reader.remaining).toBe(0);
    expect(decoded).toEqual({
      offset: 1300,
      timestamp: 2_000_000_000_000 - 12_345_678_901,
      key: Buffer.from('ключ ✓'),
      value: Buffer.from([0, 255, 1]),
      headers: [
        { key: 'dup', value: Buffer.from('a') },
        { key: 'dup', value: Buffer.from('b') },
        { key: 'nothing', value: null },
        { key: '', value: Buffer.alloc(0) },
      ],
    });
  });

  it('writes exactly the measured size and encodes null key/value and no headers minimally', () => {
    const buf = encode({ value: null }, 0, 0);
    // length 6 | attributes | tsDelta 0 | offsetDelta 0 | key -1 | value -1 | 0 headers
    expect(buf.toString('hex')).toBe('0c000000010100');
    expect(decodeRecord(new Reader(buf), 5, 6)).toEqual({
      offset: 5,
      timestamp: 6,
      key: null,
      value: null,
      headers: [],
    });
  });

  it('returns views of the input, not copies', () => {
    const buf = encode({ key: 'k', value: 'value' }, 0, 0);
    const decoded = decodeRecord(new Reader(buf), 0, 0);
    expect(decoded.value!.buffer).toBe(buf.buffer);
    buf[buf.indexOf('value')] = 'V'.charCodeAt(0);
    expect(decoded.value!.toString()).toBe('Value');
  });

  it('rejects a record whose fields do not fill its declared length', () => {
    const buf = Buffer.concat([encode({ key: 'k', value: 'v' }, 0, 0), Buffer.alloc(4)]);
    buf[0] = buf[0]! + 2 * 2; // declare 2 more bytes than the fields use
    expect(() => decodeRecord(new Reader(buf), 0, 0)).toThrow(CorruptRecordError);
    const negativeHeaders = encode({ value: 'v' }, 0, 0);
    negativeHeaders[negativeHeaders.length - 1] = 0x03; // header count -2
    expect(() => decodeRecord(new Reader(negativeHeaders), 0, 0)).toThrow(CorruptRecordError);
  });
});

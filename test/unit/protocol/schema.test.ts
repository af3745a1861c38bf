import { describe, expect, it } from 'vitest';
import { ProtocolDecodeError, ProtocolEncodeError, UnsupportedVersionError } from '../../../protocol/protocol-error.js';
import { messageCodec } from '../../../protocol/schema/compile.js';
import { api, array, bool, int32, int64, string, struct, uuid } from '../../../protocol/schema/dsl.js';

/** A synthetic API exercising every DSL feature: version bounds, nullability, tags, defaults, nested structs. */
const Test = api({
  key: 999,
  name: 'Test',
  minVersion: 0,
  maxVersion: 3,
  flexibleSince: 2,
  request: {
    id: int32(),
    name: string({ until: 2 }),
    label: string({ since: 1, nullableSince: 2, default: null }),
    items: array({ n: int64({ default: -1 }), tags: array(string()) }, { nullableSince: 1 }),
    topicId: uuid({ since: 3 }),
    hint: struct({ a: int32({ default: -1 }), b: bool() }, { since: 2, tag: 0 }),
    note: string({ since: 2, tag: 5, nullable: true, default: null }),
  },
  response: { errorCode: int32() },
});

const codec = (v: number) => messageCodec(Test, v, 'request');
const hex = (v: number, value: object) => Buffer.concat(codec(v).encode(value as never)).toString('hex');

describe('schema DSL and codec engine', () => {
  it('writes v0 classic encodings (golden bytes)', () => {
    // id 1 | name "a" (int16 len) | items: int32 1 [ n=2 (int64) | tags int32 1 ["x"] ]
    expect(hex(0, { id: 1, name: 'a', items: [{ n: 2, tags: ['x'] }] })).toBe(
      '00000001' + '000161' + '00000001' + '0000000000000002' + '00000001' + '000178',
    );
  });

  it('writes flexible encodings with compact lengths and struct tag sections (golden bytes)', () => {
    // id | name compact "a" | label compact null | items compact 1 [ n | tags compact ["x"] | tags0 ] | tags0
    expect(hex(2, { id: 1, name: 'a', label: null, items: [{ n: 2, tags: ['x'] }] })).toBe(
      '00000001' + '0261' + '00' + '02' + '0000000000000002' + '020278' + '00' + '00',
    );
  });

  it('writes tagged fields in tag order only when they differ from their defaults', () => {
    const noTags = hex(3, { id: 0, items: [], hint: { a: -1, b: false } });
    expect(noTags.endsWith('00')).toBe(true);
    const withTags = hex(3, { id: 0, items: [], hint: { a: 7, b: true }, note: 'z' });
    // 2 tags | tag 0, size 6: a=7, b=1, struct tags 0 | tag 5, size 2: compact "z"
    expect(withTags.endsWith('02' + '00' + '06' + '00000007' + '01' + '00' + '05' + '02' + '027a')).toBe(true);
  });

  it('decodes absent fields as defaults, so every version has one shape', () => {
    const d = codec(0).decode(Buffer.from(hex(0, { id: 5, name: 'n', items: [] }), 'hex'));
    expect(d).toEqual({
      id: 5,
      name: 'n',
      items: [],
      label: null,
      topicId: 'AAAAAAAAAAAAAAAAAAAAAA',
      hint: { a: -1, b: false },
      note: null,
    });
  });

  it('skips unknown tagged fields and reads known ones after them', () => {
    // v2: id | name "" | label null | items [] | tags: 2 fields: tag 0 (hint) then tag 3 (unknown, 2 bytes)
    const bytes = Buffer.from(
      '00000009' + '01' + '00' + '01' + '02' + '00' + '06' + '0000000201' + '00' + '03' + '02' + 'abcd',
      'hex',
    );
    const d = codec(2).decode(bytes);
    expect(d.hint).toEqual({ a: 2, b: true });
    expect(d.id).toBe(9);
  });

  it('rejects tags out of order and truncated tag values', () => {
    const outOfOrder = Buffer.from(
      '00000009' + '01' + '00' + '01' + '00' + '02' + '05' + '01' + '00' + '00' + '01' + '00',
      'hex',
    );
    expect(() => codec(2).decode(outOfOrder)).toThrow(ProtocolDecodeError);
    const truncated = Buffer.from('00000009' + '01' + '00' + '01' + '00' + '01' + '05' + '09' + '00', 'hex');
    expect(() => codec(2).decode(truncated)).toThrow(ProtocolDecodeError);
  });

  it('enforces nullability per version on both sides', () => {
    expect(() => codec(0).encode({ id: 1, name: 'a', items: null })).toThrow(ProtocolEncodeError);
    expect(() => codec(1).encode({ id: 1, name: 'a', label: null, items: [] })).toThrow(ProtocolEncodeError);
    expect(codec(1).decode(Buffer.concat(codec(1).encode({ id: 1, name: 'a', label: 'l', items: null }))).items).toBe(
      null,
    );
    // v0 items = -1 (null) is not allowed
    expect(() => codec(0).decode(Buffer.from('00000001' + '0000' + 'ffffffff', 'hex'))).toThrow(ProtocolDecodeError);
  });

  it('refuses trailing bytes, unsafe int64 values and unknown versions', () => {
    const ok = Buffer.from(hex(0, { id: 1, name: '', items: [] }), 'hex');
    expect(() => codec(0).decode(Buffer.concat([ok, Buffer.from([0])]))).toThrow(/left after/);
    const unsafe = Buffer.from('00000001' + '0000' + '00000001' + '0020000000000000' + '00000000', 'hex');
    expect(() => codec(0).decode(unsafe)).toThrow(/safe range/);
    expect(() => messageCodec(Test, 4, 'request')).toThrow(UnsupportedVersionError);
  });

  it('caches compiled codecs per api, version and direction', () => {
    expect(messageCodec(Test, 1, 'request')).toBe(messageCodec(Test, 1, 'request'));
    expect(messageCodec(Test, 1, 'request')).not.toBe(messageCodec(Test, 2, 'request'));
  });
});

import { ProtocolDecodeError, ProtocolEncodeError, UnsupportedVersionError } from '../protocol-error.js';
import { Reader, ZERO_UUID } from '../primitives/reader.js';
import { SizeCounter, Writer, isBorrowed, utf8Length, uvarintSize } from '../primitives/writer.js';
import type { AnyField, ApiSchema, Decoded, Encodable, PrimitiveKind, Shape } from './dsl.js';

/**
 * The codec engine: compiles one (shape, version) into size/write/read closures. Every API and version goes
 * through this one engine; `messageCodec` caches the result per (api, version, direction).
 *
 * Encoding is two passes: `size` measures (inline bytes plus borrowed record bytes), then `write` fills a Writer
 * allocated once to that size. Decoding fills fields absent from a version with their defaults.
 */
export interface Codec<D = unknown, I = unknown> {
  size(value: I, counter: SizeCounter): void;
  write(writer: Writer, value: I): void;
  read(reader: Reader): D;
  /** A fresh default value (new arrays/objects each time). */
  makeDefault(): D;
  isDefault(value: I): boolean;
  /** Fewest bytes one value can take: the allocation guard for decoded array lengths. */
  readonly minBytes: number;
}

type AnyCodec = Codec<unknown, unknown>;

const EMPTY = Buffer.alloc(0);

function inVersion(field: AnyField, version: number): boolean {
  const { since = 0, until = Infinity } = field.options;
  return version >= since && version <= until;
}

function isNullable(field: AnyField, version: number): boolean {
  const { nullable, nullableSince } = field.options;
  return nullable === true || (nullableSince !== undefined && version >= nullableSince);
}

function nullError(what: string): ProtocolEncodeError {
  return new ProtocolEncodeError(`null is not allowed in ${what} in this version`);
}

interface Fixed {
  bytes: number;
  read(r: Reader): unknown;
  write(w: Writer, v: never): void;
}

const FIXED: Partial<Record<PrimitiveKind, Fixed>> = {
  int8: { bytes: 1, read: (r) => r.int8(), write: (w, v: number) => w.int8(v) },
  int16: { bytes: 2, read: (r) => r.int16(), write: (w, v: number) => w.int16(v) },
  uint16: { bytes: 2, read: (r) => r.uint16(), write: (w, v: number) => w.uint16(v) },
  int32: { bytes: 4, read: (r) => r.int32(), write: (w, v: number) => w.int32(v) },
  uint32: { bytes: 4, read: (r) => r.uint32(), write: (w, v: number) => w.uint32(v) },
  int64: { bytes: 8, read: (r) => r.int64(), write: (w, v: number) => w.int64(v) },
  int64n: { bytes: 8, read: (r) => r.int64n(), write: (w, v: bigint) => w.int64n(v) },
  float64: { bytes: 8, read: (r) => r.float64(), write: (w, v: number) => w.float64(v) },
  bool: { bytes: 1, read: (r) => r.bool(), write: (w, v: boolean) => w.bool(v) },
  uuid: { bytes: 16, read: (r) => r.uuid(), write: (w, v: string) => w.uuid(v) },
};

const ZERO_DEFAULTS: Partial<Record<PrimitiveKind, unknown>> = {
  int64n: 0n,
  bool: false,
  uuid: ZERO_UUID,
  string: '',
  bytes: EMPTY,
  records: null,
};

function primitiveCodec(kind: PrimitiveKind, nullable: boolean, flexible: boolean, dflt: unknown): AnyCodec {
  const fixed = FIXED[kind];
  const isDefault = (v: unknown): boolean =>
    v === dflt || (Buffer.isBuffer(v) && Buffer.isBuffer(dflt) && v.length === 0 && dflt.length === 0);
  const makeDefault = (): unknown => dflt;
  if (fixed) {
    return {
      minBytes: fixed.bytes,
      size: (_v, c) => void (c.inline += fixed.bytes),
      write: (w, v) => fixed.write(w, v as never),
      read: (r) => fixed.read(r),
      makeDefault,
      isDefault,
    };
  }
  if (kind === 'string') {
    const prefix = flexible ? 1 : 2;
    return {
      minBytes: prefix,
      size(v: string | null, c) {
        if (v === null) {
          if (!nullable) throw nullError('a string field');
          c.inline += prefix;
        } else {
          const n = utf8Length(v);
          c.inline += n + (flexible ? uvarintSize(n + 1) : 2);
        }
      },
      write(w, v: string | null) {
        if (v === null) {
          if (!nullable) throw nullError('a string field');
          if (flexible) w.uvarint(0);
          else w.int16(-1);
          return;
        }
        const n = utf8Length(v);
        if (flexible) w.uvarint(n + 1);
        else if (n > 0x7fff) throw new ProtocolEncodeError(`string of ${n} bytes is too long`);
        else w.int16(n);
        w.utf8(v, n);
      },
      read: flexible
        ? nullable
          ? (r) => r.compactNullableString()
          : (r) => r.compactString()
        : nullable
          ? (r) => r.nullableString()
          : (r) => r.string(),
      makeDefault,
      isDefault,
    };
  }
  // bytes and records: length-prefixed, large values borrowed rather than copied
  const nullOk = nullable || kind === 'records';
  const prefix = flexible ? 1 : 4;
  const counted = (n: number, c: SizeCounter): void => {
    if (isBorrowed(n)) c.borrowed += n;
    else c.inline += n;
  };
  return {
    minBytes: prefix,
    size(v: Buffer | null, c) {
      if (v === null) {
        if (!nullOk) throw nullError('a bytes field');
        c.inline += prefix;
      } else {
        c.inline += flexible ? uvarintSize(v.length + 1) : 4;
        counted(v.length, c);
      }
    },
    write(w, v: Buffer | null) {
      if (v === null) {
        if (!nullOk) throw nullError('a bytes field');
        if (flexible) w.uvarint(0);
        else w.int32(-1);
        return;
      }
      if (flexible) w.uvarint(v.length + 1);
      else w.int32(v.length);
      w.raw(v);
    },
    read: flexible
      ? nullOk
        ? (r) => r.compactNullableBytes()
        : (r) => r.compactBytes()
      : nullOk
        ? (r) => r.nullableBytes()
        : (r) => r.bytes(),
    makeDefault,
    isDefault,
  };
}

function arrayCodec(element: AnyCodec, nullable: boolean, flexible: boolean, dflt: unknown): AnyCodec {
  const prefix = flexible ? 1 : 4;
  return {
    minBytes: prefix,
    size(v: unknown[] | null, c) {
      if (v === null) {
        if (!nullable) throw nullError('an array field');
        c.inline += prefix;
        return;
      }
      c.inline += flexible ? uvarintSize(v.length + 1) : 4;
      for (let i = 0; i < v.length; i++) element.size(v[i], c);
    },
    write(w, v: unknown[] | null) {
      if (v === null) {
        if (!nullable) throw nullError('an array field');
        if (flexible) w.uvarint(0);
        else w.int32(-1);
        return;
      }
      if (flexible) w.uvarint(v.length + 1);
      else w.int32(v.length);
      for (let i = 0; i < v.length; i++) element.write(w, v[i]);
    },
    read(r) {
      const n = flexible ? r.compactArrayLength(element.minBytes) : r.arrayLength(element.minBytes);
      if (n === null) {
        if (!nullable) throw new ProtocolDecodeError('null in a non-nullable array');
        return null;
      }
      const out = new Array<unknown>(n);
      for (let i = 0; i < n; i++) out[i] = element.read(r);
      return out;
    },
    makeDefault: () => (dflt === null ? null : []),
    isDefault: (v: unknown[] | null) => (v === null ? dflt === null : dflt !== null && v.length === 0),
  };
}

interface CompiledField {
  name: string;
  codec: AnyCodec;
}

interface TaggedField extends CompiledField {
  tag: number;
}

function structCodec(shape: Shape, version: number, flexible: boolean, nullable: boolean): AnyCodec {
  const regular: CompiledField[] = [];
  const tagged: TaggedField[] = [];
  const absent: CompiledField[] = [];
  for (const [name, field] of Object.entries(shape)) {
    const codec = fieldCodec(field, version, flexible);
    const { tag } = field.options;
    if (!inVersion(field, version) || (tag !== undefined && !flexible)) absent.push({ name, codec });
    else if (tag !== undefined) tagged.push({ name, codec, tag });
    else regular.push({ name, codec });
  }
  tagged.sort((a, b) => a.tag - b.tag);
  const tagByNumber = new Map(tagged.map((t) => [t.tag, t]));
  const all = [...regular, ...tagged, ...absent];
  const minBytes = regular.reduce((n, f) => n + f.codec.minBytes, flexible ? 1 : 0) + (nullable ? 1 : 0);

  const get = (v: Record<string, unknown>, f: CompiledField): unknown => {
    const x = v[f.name];
    return x === undefined ? f.codec.makeDefault() : x;
  };
  const presentTags = (v: Record<string, unknown>): TaggedField[] =>
    tagged.filter((t) => v[t.name] !== undefined && !t.codec.isDefault(v[t.name]));
  const taggedSize = (t: TaggedField, x: unknown): number => {
    const c = new SizeCounter();
    t.codec.size(x, c);
    if (c.borrowed > 0) throw new ProtocolEncodeError(`tagged field ${t.name} is too large`);
    return c.inline;
  };

  const makeDefault = (): Record<string, unknown> => {
    const o: Record<string, unknown> = {};
    for (const f of all) o[f.name] = f.codec.makeDefault();
    return o;
  };

  return {
    minBytes,
    size(v: Record<string, unknown> | null, c) {
      if (nullable) c.inline += 1;
      if (v === null) {
        if (!nullable) throw nullError('a struct field');
        return;
      }
      for (const f of regular) f.codec.size(get(v, f), c);
      if (!flexible) return;
      const present = tagged.length === 0 ? tagged : presentTags(v);
      c.inline += uvarintSize(present.length);
      for (const t of present) {
        const n = taggedSize(t, v[t.name]);
        c.inline += uvarintSize(t.tag) + uvarintSize(n) + n;
      }
    },
    write(w, v: Record<string, unknown> | null) {
      if (nullable) w.int8(v === null ? -1 : 1);
      if (v === null) {
        if (!nullable) throw nullError('a struct field');
        return;
      }
      for (const f of regular) f.codec.write(w, get(v, f));
      if (!flexible) return;
      const present = tagged.length === 0 ? tagged : presentTags(v);
      w.uvarint(present.length);
      for (const t of present) {
        w.uvarint(t.tag);
        w.uvarint(taggedSize(t, v[t.name]));
        t.codec.write(w, v[t.name]);
      }
    },
    read(r) {
      if (nullable && r.int8() < 0) return null;
      const o: Record<string, unknown> = {};
      for (const f of regular) o[f.name] = f.codec.read(r);
      for (const f of absent) o[f.name] = f.codec.makeDefault();
      if (!flexible) return o;
      for (const t of tagged) o[t.name] = t.codec.makeDefault();
      readTaggedFields(r, (tag, sub) => {
        const t = tagByNumber.get(tag);
        if (t === undefined) return false;
        o[t.name] = t.codec.read(sub);
        return true;
      });
      return o;
    },
    makeDefault,
    isDefault(v: Record<string, unknown> | null) {
      if (v === null) return true;
      return all.every((f) => v[f.name] === undefined || f.codec.isDefault(v[f.name]));
    },
  };
}

/**
 * Reads a tagged-field section. `onTag` decodes a known tag from a reader bounded to the field's bytes and
 * returns true; unknown tags (false) are skipped, as KIP-482 requires.
 */
export function readTaggedFields(r: Reader, onTag: (tag: number, sub: Reader) => boolean): void {
  const count = r.uvarint();
  let last = -1;
  for (let i = 0; i < count; i++) {
    const tag = r.uvarint();
    if (tag <= last) throw new ProtocolDecodeError(`tagged fields out of order: ${tag} after ${last}`);
    last = tag;
    const sub = r.slice(r.uvarint());
    onTag(tag, sub);
  }
}

function fieldCodec(field: AnyField, version: number, flexible: boolean): AnyCodec {
  const nullable = isNullable(field, version);
  const explicit = 'default' in field.options;
  switch (field.type) {
    case 'primitive': {
      const kind = field.kind!;
      const dflt = explicit ? field.options.default : kind in ZERO_DEFAULTS ? ZERO_DEFAULTS[kind] : 0;
      return primitiveCodec(kind, nullable, flexible, dflt);
    }
    case 'array':
      return arrayCodec(
        fieldCodec(field.element!, version, flexible),
        nullable,
        flexible,
        explicit ? field.options.default : [],
      );
    case 'struct': {
      const codec = structCodec(field.shape!, version, flexible, nullable && field.options.tag === undefined);
      if (!explicit || field.options.default !== null) return codec;
      return { ...codec, makeDefault: () => null, isDefault: (v: unknown) => v === null };
    }
  }
}

/** A compiled message body codec for one (api, version, direction). */
export interface MessageCodec<D, I> {
  readonly apiKey: number;
  readonly version: number;
  readonly flexible: boolean;
  size(value: I, counter: SizeCounter): void;
  write(writer: Writer, value: I): void;
  read(reader: Reader): D;
  /** Encode on its own: chunks in wire order (large record data borrowed, not copied). */
  encode(value: I): Buffer[];
  /** Decode a whole body; bytes left over are an error. */
  decode(body: Buffer): D;
}

export type Direction = 'request' | 'response';

const cache = new WeakMap<ApiSchema, Map<string, MessageCodec<unknown, unknown>>>();

export function isFlexible(schema: ApiSchema, version: number): boolean {
  return schema.flexibleSince !== null && version >= schema.flexibleSince;
}

/** The codec for one direction of one API version, compiled on first use and cached. */
export function messageCodec<A extends ApiSchema, Dir extends Direction>(
  schema: A,
  version: number,
  direction: Dir,
): MessageCodec<Decoded<A[Dir]>, Encodable<A[Dir]>> {
  let perApi = cache.get(schema);
  if (perApi === undefined) cache.set(schema, (perApi = new Map<string, MessageCodec<unknown, unknown>>()));
  const key = `${direction}${version}`;
  let codec = perApi.get(key);
  if (codec === undefined) {
    if (!Number.isInteger(version) || version < schema.minVersion || version > schema.maxVersion) {
      throw new UnsupportedVersionError(schema.key, version);
    }
    const flexible = isFlexible(schema, version);
    const body = structCodec(schema[direction], version, flexible, false);
    codec = {
      apiKey: schema.key,
      version,
      flexible,
      size: (value, counter) => body.size(value, counter),
      write: (writer, value) => body.write(writer, value),
      read: (reader) => body.read(reader),
      encode(value) {
        const counter = new SizeCounter();
        body.size(value, counter);
        const w = new Writer(counter.inline);
        body.write(w, value);
        return w.finish();
      },
      decode(buf) {
        const r = new Reader(buf);
        const value = body.read(r);
        if (r.remaining !== 0) throw new ProtocolDecodeError(`${r.remaining} bytes left after the message body`);
        return value;
      },
    };
    perApi.set(key, codec);
  }
  return codec as MessageCodec<Decoded<A[Dir]>, Encodable<A[Dir]>>;
}

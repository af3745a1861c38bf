import type { Reader } from '../primitives/reader.js';
import { utf8Length, varintSize, varlongSize } from '../primitives/writer.js';
import { CorruptRecordError } from './errors.js';

/**
 * Record v2, the unit inside a v2 batch:
 *
 *   length varint | attributes int8 (unused) | timestampDelta varlong | offsetDelta varint |
 *   keyLength varint | key | valueLength varint | value | headerCount varint |
 *   headerCount × (keyLength varint | key utf8 | valueLength varint | value)
 *
 * Varints are zigzag-encoded; a negative key or value length means null, and header keys are never null.
 * `length` counts the bytes after itself exactly. Deltas are relative to the batch's baseOffset / baseTimestamp.
 */
export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

/** A decoded record with absolute offset and timestamp; key, value and header values are views of the input. */
export interface Record {
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
}

/** Encoder input; strings are written as UTF-8. */
export interface RecordHeaderInput {
  key: string;
  value: Buffer | string | null;
}

export interface RecordInput {
  key?: Buffer | string | null;
  value: Buffer | string | null;
  headers?: readonly RecordHeaderInput[];
  /** Milliseconds since the epoch; the batch builder uses the current time when absent. */
  timestamp?: number;
}

/** Encoded length of a nullable field's content, -1 for null. */
function fieldLength(v: Buffer | string | null | undefined): number {
  if (v == null) return -1;
  return typeof v === 'string' ? utf8Length(v) : v.length;
}

function fieldSize(v: Buffer | string | null | undefined): number {
  const length = fieldLength(v);
  return length < 0 ? 1 : varintSize(length) + length;
}

/** Bytes of the record after its length prefix. */
export function recordBodySize(record: RecordInput, offsetDelta: number, timestampDelta: number): number {
  let size =
    1 + varlongSize(timestampDelta) + varintSize(offsetDelta) + fieldSize(record.key) + fieldSize(record.value);
  const headers = record.headers;
  if (headers === undefined) return size + 1;
  size += varintSize(headers.length);
  for (const h of headers) size += fieldSize(h.key) + fieldSize(h.value);
  return size;
}

/**
 * Writes the record (length prefix included) at `at` and returns where it ends. `bodySize` must come from
 * recordBodySize for the same arguments; `buf` must have room for varintSize(bodySize) + bodySize bytes.
 */
export function encodeRecord(
  buf: Buffer,
  at: number,
  record: RecordInput,
  offsetDelta: number,
  timestampDelta: number,
  bodySize: number,
): number {
  at = writeVarint(buf, at, bodySize);
  buf[at++] = 0; // record attributes: none defined
  at = writeVarlong(buf, at, timestampDelta);
  at = writeVarint(buf, at, offsetDelta);
  at = writeField(buf, at, record.key);
  at = writeField(buf, at, record.value);
  const headers = record.headers;
  if (headers === undefined) {
    buf[at++] = 0;
    return at;
  }
  at = writeVarint(buf, at, headers.length);
  for (const h of headers) {
    at = writeField(buf, at, h.key);
    at = writeField(buf, at, h.value);
  }
  return at;
}

function writeField(buf: Buffer, at: number, v: Buffer | string | null | undefined): number {
  if (v == null) {
    buf[at] = 1; // zigzag(-1)
    return at + 1;
  }
  if (typeof v !== 'string') {
    at = writeVarint(buf, at, v.length);
    buf.set(v, at);
    return at + v.length;
  }
  const length = utf8Length(v);
  at = writeVarint(buf, at, length);
  // An all-ASCII string has as many UTF-8 bytes as characters, and latin1 is the faster encoder for it.
  return at + buf.write(v, at, length, length === v.length ? 'latin1' : 'utf8');
}

function writeVarint(buf: Buffer, at: number, v: number): number {
  let u = v >= 0 ? v * 2 : -v * 2 - 1;
  while (u >= 0x80) {
    buf[at++] = (u & 0x7f) | 0x80;
    u >>>= 7;
  }
  buf[at] = u;
  return at + 1;
}

function writeVarlong(buf: Buffer, at: number, v: number): number {
  let u = v >= 0 ? v * 2 : -v * 2 - 1;
  while (u >= 0x80) {
    buf[at++] = (u % 128) | 0x80;
    u = Math.floor(u / 128);
  }
  buf[at] = u;
  return at + 1;
}

/**
 * Reads one record at the reader's position and moves past it. The record must use exactly the bytes its length
 * prefix declares; anything else is a CorruptRecordError.
 *
 * This is the consumer's hot loop (one call per record), so it reads varints inline from a module-level cursor
 * instead of through Reader methods and sub-readers: no allocation besides the record and its views.
 */
export function decodeRecord(reader: Reader, baseOffset: number, baseTimestamp: number): Record {
  const buf = reader.buf;
  cursor = reader.offset;
  limit = reader.end;
  const length = varint(buf);
  if (length < 0 || length > limit - cursor) {
    throw new CorruptRecordError('record', `record length ${length} with ${limit - cursor} bytes left`);
  }
  const recordEnd = cursor + length;
  limit = recordEnd;
  cursor++; // attributes: none defined
  const timestampDelta = varlong(buf);
  const offsetDelta = varint(buf);
  const key = nullableBytes(buf);
  const value = nullableBytes(buf);
  const count = varint(buf);
  // Each header takes at least 2 bytes: this bounds a hostile count before any work is done for it.
  if (count < 0 || count * 2 > limit - cursor) {
    throw new CorruptRecordError('record', `invalid header count ${count} with ${limit - cursor} bytes left`);
  }
  const headers: RecordHeader[] = [];
  for (let i = 0; i < count; i++) {
    const keyLength = varint(buf);
    if (keyLength < 0 || keyLength > limit - cursor) {
      throw new CorruptRecordError('record', `header key length ${keyLength} with ${limit - cursor} bytes left`);
    }
    const at = cursor;
    cursor += keyLength;
    headers.push({ key: buf.toString('utf8', at, cursor), value: nullableBytes(buf) });
  }
  if (cursor !== recordEnd) {
    throw new CorruptRecordError(
      'record',
      `record declares ${length} bytes but its fields use ${length - recordEnd + cursor}`,
    );
  }
  reader.offset = recordEnd;
  return { offset: baseOffset + offsetDelta, timestamp: baseTimestamp + timestampDelta, key, value, headers };
}

/** Decoder position and bound, shared by the helpers below for the duration of one decodeRecord call. */
let cursor = 0;
let limit = 0;

function truncated(): CorruptRecordError {
  return new CorruptRecordError('record', `record truncated at offset ${cursor}`);
}

/** Zigzag varint (int32). */
function varint(buf: Buffer): number {
  if (cursor >= limit) throw truncated();
  let b = buf[cursor++]!;
  if (b < 0x80) return (b >>> 1) ^ -(b & 1);
  let u = b & 0x7f;
  for (let shift = 7; shift <= 28; shift += 7) {
    if (cursor >= limit) throw truncated();
    b = buf[cursor++]!;
    if (shift === 28 && b > 0x0f) break;
    u |= (b & 0x7f) << shift;
    if (b < 0x80) return (u >>> 1) ^ -(u & 1);
  }
  throw new CorruptRecordError('record', `varint longer than 32 bits at offset ${cursor}`);
}

/** Zigzag varlong within the safe-integer range; small values (the usual timestamp deltas) take the fast path. */
function varlong(buf: Buffer): number {
  if (cursor >= limit) throw truncated();
  const first = buf[cursor]!;
  if (first < 0x80) {
    cursor++;
    return (first >>> 1) ^ -(first & 1);
  }
  let u = 0;
  for (let shift = 0; shift < 63; shift += 7) {
    if (cursor >= limit) throw truncated();
    const b = buf[cursor++]!;
    u += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) {
      if (!Number.isSafeInteger(u)) break;
      return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
    }
  }
  throw new CorruptRecordError('record', `varlong outside the safe range at offset ${cursor}`);
}

function nullableBytes(buf: Buffer): Buffer | null {
  const length = varint(buf);
  if (length < 0) return null;
  if (length > limit - cursor) throw truncated();
  const at = cursor;
  cursor += length;
  return buf.subarray(at, cursor);
}

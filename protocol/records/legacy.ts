import CRC32 from 'crc-32';
import { ProtocolDecodeError } from '../protocol-error.js';
import { Reader } from '../primitives/reader.js';
import { batchViews } from './batch-iterator.js';
import type { RecordBatchView } from './batch-view.js';
import { BatchAttributes, LOG_OVERHEAD, NO_TIMESTAMP } from './batch-view.js';
import { CompressionType, decompress } from './compression.js';
import { CorruptRecordError } from './errors.js';
import { readInt64 } from './int64.js';
import type { Record } from './record.js';

/**
 * Legacy message sets (magic 0 and 1), read-only: older brokers' logs and fetch responses. Each entry is
 *
 *   offset int64 | size int32 | crc uint32 | magic int8 | attributes int8 | [timestamp int64, magic 1 only] |
 *   key int32-length bytes | value int32-length bytes
 *
 * where the CRC-32 (IEEE) covers magic … value. A compressed entry is a wrapper whose value is a nested message
 * set of uncompressed messages of the same magic. Kafka's rules for the inner messages: magic 0 inner offsets are
 * absolute; magic 1 inner offsets are relative, and the wrapper's offset is the last inner message's absolute
 * offset. A magic 1 wrapper marked LogAppendTime (attributes bit 3) gives its timestamp to every inner message.
 * Magic 0 has no timestamps (NO_TIMESTAMP). Legacy messages have no headers.
 */

/** Bytes after the size field of the smallest message: crc, magic, attributes, two null lengths (+8 in v1). */
const MIN_MESSAGE_SIZE = [14, 22];

interface LegacyMessage {
  offset: number;
  /** Bytes after the size field. */
  size: number;
  magic: number;
  attributes: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
}

/** The message at `position` of `buf`, with its length and CRC checked. */
function readMessage(buf: Buffer, position: number): LegacyMessage {
  if (buf.length - position < LOG_OVERHEAD) {
    throw new CorruptRecordError('length', `truncated legacy message header at ${position}`);
  }
  const size = buf.readInt32BE(position + 8);
  const start = position + LOG_OVERHEAD;
  if (size < MIN_MESSAGE_SIZE[0]! || size > buf.length - start) {
    throw new CorruptRecordError('length', `legacy message at ${position} has size ${size}`);
  }
  const r = new Reader(buf, start, start + size);
  const crc = r.uint32();
  const magic = r.int8();
  if (magic !== 0 && magic !== 1)
    throw new CorruptRecordError('magic', `legacy message at ${position} has magic ${magic}`);
  if (size < MIN_MESSAGE_SIZE[magic]!) {
    throw new CorruptRecordError('length', `magic ${magic} message at ${position} has size ${size}`);
  }
  const computed = CRC32.buf(buf.subarray(start + 4, start + size)) >>> 0;
  if (computed !== crc) {
    throw new CorruptRecordError(
      'crc',
      `legacy message at ${position} has CRC ${crc.toString(16)}, computed ${computed.toString(16)}`,
    );
  }
  const attributes = r.int8();
  const timestamp = magic === 1 ? r.int64() : NO_TIMESTAMP;
  const key = r.nullableBytes();
  const value = r.nullableBytes();
  if (r.remaining !== 0)
    throw new CorruptRecordError('record', `legacy message at ${position} has ${r.remaining} extra bytes`);
  return { offset: readInt64(buf, position), size, magic, attributes, timestamp, key, value };
}

function toRecord(m: LegacyMessage, offset: number, timestamp: number): Record {
  return { offset, timestamp, key: m.key, value: m.value, headers: [] };
}

/** The records of one legacy entry: itself, or the inner messages of a compressed wrapper. */
export async function decodeLegacyEntry(entry: RecordBatchView): Promise<Record[]> {
  try {
    const wrapper = readMessage(entry.buf, entry.position);
    const compression = wrapper.attributes & BatchAttributes.COMPRESSION_MASK;
    if (compression === CompressionType.None) return [toRecord(wrapper, wrapper.offset, wrapper.timestamp)];
    if (wrapper.value === null) {
      throw new CorruptRecordError('record', `compressed legacy message at ${entry.position} has a null value`);
    }
    const data = await decompress(compression, wrapper.value);
    const inner: LegacyMessage[] = [];
    for (let position = 0; position < data.length;) {
      const m = readMessage(data, position);
      if (m.magic !== wrapper.magic || m.attributes & BatchAttributes.COMPRESSION_MASK) {
        throw new CorruptRecordError(
          'record',
          `invalid inner message (magic ${m.magic}) in a magic ${wrapper.magic} wrapper`,
        );
      }
      inner.push(m);
      position += LOG_OVERHEAD + m.size;
    }
    const last = inner.at(-1);
    if (last === undefined) throw new CorruptRecordError('record', `empty compressed message at ${entry.position}`);
    if (wrapper.magic === 0) return inner.map((m) => toRecord(m, m.offset, NO_TIMESTAMP));
    const baseOffset = wrapper.offset - last.offset;
    const logAppendTime = (wrapper.attributes & BatchAttributes.TIMESTAMP_TYPE) !== 0;
    return inner.map((m) => toRecord(m, baseOffset + m.offset, logAppendTime ? wrapper.timestamp : m.timestamp));
  } catch (err) {
    if (err instanceof CorruptRecordError || !(err instanceof ProtocolDecodeError)) throw err;
    throw new CorruptRecordError('record', `legacy message at ${entry.position}: ${err.message}`, { cause: err });
  }
}

/**
 * All records of a legacy message set, in order. A truncated trailing message is ignored, as in a v2 fetch
 * response; a magic 2 entry is a CorruptRecordError (decode those with decodeBatch).
 */
export async function decodeMessageSet(buf: Buffer): Promise<Record[]> {
  const records: Record[] = [];
  for (const entry of batchViews(buf)) {
    if (entry.magic > 1)
      throw new CorruptRecordError('magic', `magic ${entry.magic} entry at ${entry.position} in a legacy message set`);
    records.push(...(await decodeLegacyEntry(entry)));
  }
  return records;
}

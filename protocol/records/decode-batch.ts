import { ProtocolDecodeError } from '../protocol-error.js';
import { Reader } from '../primitives/reader.js';
import type { RecordBatchView } from './batch-view.js';
import { RECORD_BATCH_OVERHEAD, TimestampType } from './batch-view.js';
import { CompressionType, decompress } from './compression.js';
import { CorruptRecordError } from './errors.js';
import type { Record } from './record.js';
import { decodeRecord } from './record.js';

/** The smallest encoded record: length, attributes, both deltas, null key, null value, no headers. */
const MIN_RECORD_SIZE = 7;

/**
 * All records of a v2 batch with absolute offsets and timestamps, decompressing the records section first when
 * the batch is compressed. The batch is validated (magic, length, CRC) before anything is read. In a LogAppendTime
 * batch every record takes the batch's maxTimestamp, as Kafka's readers do. The records section must hold exactly
 * recordsCount records. Uncompressed key/value/header bytes are views of the batch's buffer.
 */
export async function decodeBatch(batch: RecordBatchView): Promise<Record[]> {
  batch.validate();
  const count = batch.recordsCount;
  const section = batch.buf.subarray(batch.position + RECORD_BATCH_OVERHEAD, batch.position + batch.sizeInBytes);
  const compression = batch.compression;
  const data = compression === CompressionType.None ? section : await decompress(compression, section);
  if (count < 0 || count * MIN_RECORD_SIZE > data.length) {
    throw new CorruptRecordError(
      'record',
      `batch at ${batch.position} claims ${count} records in ${data.length} bytes`,
    );
  }
  const baseOffset = batch.baseOffset;
  const baseTimestamp = batch.baseTimestamp;
  const logAppendTime = batch.timestampType === TimestampType.LogAppendTime ? batch.maxTimestamp : null;
  const reader = new Reader(data);
  const records = new Array<Record>(count);
  try {
    for (let i = 0; i < count; i++) {
      const record = decodeRecord(reader, baseOffset, baseTimestamp);
      if (logAppendTime !== null) record.timestamp = logAppendTime;
      records[i] = record;
    }
  } catch (err) {
    if (err instanceof CorruptRecordError || !(err instanceof ProtocolDecodeError)) throw err;
    throw new CorruptRecordError('record', `batch at ${batch.position}: ${err.message}`, { cause: err });
  }
  if (reader.remaining !== 0) {
    throw new CorruptRecordError(
      'record',
      `batch at ${batch.position} has ${reader.remaining} bytes after its records`,
    );
  }
  return records;
}

import { ProtocolEncodeError } from '../protocol-error.js';
import { varintSize } from '../primitives/writer.js';
import {
  BatchAttributes,
  BatchHeader,
  LOG_OVERHEAD,
  MAGIC_V2,
  NO_PARTITION_LEADER_EPOCH,
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
  NO_SEQUENCE,
  RECORD_BATCH_OVERHEAD,
  TimestampType,
} from './batch-view.js';
import { compress, CompressionType } from './compression.js';
import { crc32c } from './crc32c.js';
import { writeInt64 } from './int64.js';
import type { RecordInput } from './record.js';
import { encodeRecord, recordBodySize } from './record.js';

export interface RecordBatchOptions {
  /** Default 0: the broker assigns the real offset on append. */
  baseOffset?: number;
  /** Default -1 (unknown), as the Java producer sends. */
  partitionLeaderEpoch?: number;
  /** Idempotence fields; default -1/-1/-1 (not idempotent). */
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  transactional?: boolean;
  isControl?: boolean;
  /** LogAppendTime only sets the attribute bit; maxTimestamp is still the largest record timestamp. */
  timestampType?: TimestampType;
}

export interface CompressedRecordBatchOptions extends RecordBatchOptions {
  compression?: number;
}

/** What the measuring pass learns, so the writing pass neither re-measures nor re-reads the clock. */
interface Layout {
  now: number;
  baseTimestamp: number;
  maxTimestamp: number;
  bodySizes: number[];
  recordsSize: number;
}

/**
 * Builds record batch v2 bytes (format in batch-view.ts). Offset deltas are 0..n-1; baseTimestamp is the first
 * record's timestamp (deltas may be negative, as in the Java producer) and maxTimestamp the largest; records
 * without a timestamp get the current time. The records are measured first and written straight into one buffer,
 * which is then checksummed: CRC-32C over [ATTRIBUTES, end).
 */
export function buildRecordBatch(records: readonly RecordInput[], options: RecordBatchOptions = {}): Buffer {
  const layout = measure(records);
  const batch = Buffer.allocUnsafe(RECORD_BATCH_OVERHEAD + layout.recordsSize);
  writeRecords(batch, RECORD_BATCH_OVERHEAD, records, layout);
  return finishBatch(batch, records.length, layout, CompressionType.None, options);
}

/** As buildRecordBatch, with the records section compressed by `options.compression` (none when absent or 0). */
export async function buildCompressedRecordBatch(
  records: readonly RecordInput[],
  options: CompressedRecordBatchOptions = {},
): Promise<Buffer> {
  const compression = options.compression ?? CompressionType.None;
  if (compression === CompressionType.None) return buildRecordBatch(records, options);
  const layout = measure(records);
  const plain = Buffer.allocUnsafe(layout.recordsSize);
  writeRecords(plain, 0, records, layout);
  const compressed = await compress(compression, plain);
  const batch = Buffer.allocUnsafe(RECORD_BATCH_OVERHEAD + compressed.length);
  compressed.copy(batch, RECORD_BATCH_OVERHEAD);
  return finishBatch(batch, records.length, layout, compression, options);
}

function measure(records: readonly RecordInput[]): Layout {
  const first = records[0];
  if (first === undefined) throw new ProtocolEncodeError('a record batch needs at least one record');
  const now = Date.now();
  const baseTimestamp = first.timestamp ?? now;
  let maxTimestamp = baseTimestamp;
  let recordsSize = 0;
  const bodySizes = new Array<number>(records.length);
  for (let i = 0; i < records.length; i++) {
    const record = records[i]!;
    const timestamp = record.timestamp ?? now;
    if (!Number.isSafeInteger(timestamp)) throw new ProtocolEncodeError(`record ${i} has timestamp ${timestamp}`);
    if (timestamp > maxTimestamp) maxTimestamp = timestamp;
    const bodySize = recordBodySize(record, i, timestamp - baseTimestamp);
    bodySizes[i] = bodySize;
    recordsSize += varintSize(bodySize) + bodySize;
  }
  return { now, baseTimestamp, maxTimestamp, bodySizes, recordsSize };
}

function writeRecords(buf: Buffer, at: number, records: readonly RecordInput[], layout: Layout): void {
  for (let i = 0; i < records.length; i++) {
    const record = records[i]!;
    const timestampDelta = (record.timestamp ?? layout.now) - layout.baseTimestamp;
    at = encodeRecord(buf, at, record, i, timestampDelta, layout.bodySizes[i]!);
  }
}

function finishBatch(
  batch: Buffer,
  count: number,
  layout: Layout,
  compression: number,
  options: RecordBatchOptions,
): Buffer {
  let attributes = compression & BatchAttributes.COMPRESSION_MASK;
  if (options.timestampType === TimestampType.LogAppendTime) attributes |= BatchAttributes.TIMESTAMP_TYPE;
  if (options.transactional) attributes |= BatchAttributes.TRANSACTIONAL;
  if (options.isControl) attributes |= BatchAttributes.CONTROL;
  writeInt64(batch, BatchHeader.BASE_OFFSET, options.baseOffset ?? 0);
  batch.writeInt32BE(batch.length - LOG_OVERHEAD, BatchHeader.LENGTH);
  batch.writeInt32BE(options.partitionLeaderEpoch ?? NO_PARTITION_LEADER_EPOCH, BatchHeader.PARTITION_LEADER_EPOCH);
  batch.writeInt8(MAGIC_V2, BatchHeader.MAGIC);
  batch.writeInt16BE(attributes, BatchHeader.ATTRIBUTES);
  batch.writeInt32BE(count - 1, BatchHeader.LAST_OFFSET_DELTA);
  writeInt64(batch, BatchHeader.BASE_TIMESTAMP, layout.baseTimestamp);
  writeInt64(batch, BatchHeader.MAX_TIMESTAMP, layout.maxTimestamp);
  writeInt64(batch, BatchHeader.PRODUCER_ID, options.producerId ?? NO_PRODUCER_ID);
  batch.writeInt16BE(options.producerEpoch ?? NO_PRODUCER_EPOCH, BatchHeader.PRODUCER_EPOCH);
  batch.writeInt32BE(options.baseSequence ?? NO_SEQUENCE, BatchHeader.BASE_SEQUENCE);
  batch.writeInt32BE(count, BatchHeader.RECORDS_COUNT);
  batch.writeUInt32BE(crc32c(batch, BatchHeader.ATTRIBUTES), BatchHeader.CRC);
  return batch;
}

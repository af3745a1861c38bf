/**
 * Record data: the v2 record batch (wire and on-disk format), its records, compression codecs, control records
 * and read-only legacy message sets. The only part of protocol/ that storage/ may import.
 */
export { batchViews } from './batch-iterator.js';
export { buildCompressedRecordBatch, buildRecordBatch } from './batch-builder.js';
export type { CompressedRecordBatchOptions, RecordBatchOptions } from './batch-builder.js';
export {
  BatchAttributes,
  BatchHeader,
  HEADER_SIZE_UP_TO_MAGIC,
  LOG_OVERHEAD,
  MAGIC_V2,
  MIN_BATCH_LENGTH,
  NO_PARTITION_LEADER_EPOCH,
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
  NO_SEQUENCE,
  NO_TIMESTAMP,
  RECORD_BATCH_OVERHEAD,
  RecordBatchView,
  TimestampType,
} from './batch-view.js';
export { CompressionType, compress, decompress } from './compression.js';
export {
  buildEndTransactionBatch,
  ControlRecordType,
  decodeControlRecordType,
  decodeEndTransactionMarker,
  encodeEndTransactionMarker,
} from './control-record.js';
export type { EndTransactionMarker } from './control-record.js';
export { crc32c, crc32cImplementation } from './crc32c.js';
export { decodeBatch } from './decode-batch.js';
export { CorruptRecordError, UnsupportedCompressionError } from './errors.js';
export type { CorruptRecordReason } from './errors.js';
export { decodeLegacyEntry, decodeMessageSet } from './legacy.js';
export { decodeRecord, encodeRecord, recordBodySize } from './record.js';
/** decodeRecord's reader, for callers that walk a records section themselves (the log cleaner). */
export { Reader } from '../primitives/reader.js';
export type { Record, RecordHeader, RecordHeaderInput, RecordInput } from './record.js';

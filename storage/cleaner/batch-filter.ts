import type { Record as LogRecord } from '../../protocol/records/index.js';
import {
  BatchAttributes,
  BatchHeader,
  batchViews,
  CompressionType,
  CorruptRecordError,
  compress,
  crc32c,
  decodeRecord,
  decompress,
  LOG_OVERHEAD,
  MAGIC_V2,
  NO_TIMESTAMP,
  Reader,
  RECORD_BATCH_OVERHEAD,
  TimestampType,
} from '../../protocol/records/index.js';
import type { RecordBatchView } from '../../protocol/records/index.js';

/**
 * Record-level core of log compaction: Kafka's MemoryRecords.filterTo over a buffer of v2 batches as read from a
 * segment (offsets assigned), and a record walker for building the offset map.
 *
 * filterBatches, per batch:
 * - a batch whose records are all kept is copied byte for byte;
 * - a batch that loses records is rebuilt: the kept records' bytes are copied unchanged (their offset and timestamp
 *   deltas stay relative to the original baseOffset and baseTimestamp, so every kept record keeps its absolute
 *   offset and timestamp), and the header keeps baseOffset, lastOffsetDelta (the offset span, hence the producer's
 *   last sequence), partitionLeaderEpoch, attributes, producer id/epoch and base sequence. The codec is the same
 *   (decompress, filter, recompress). maxTimestamp is the kept records' largest timestamp (CreateTime) or unchanged
 *   (LogAppendTime), as Kafka's rebuild does. recordsCount, length and the CRC-32C are recomputed;
 * - a batch that keeps no record is dropped, unless its retention is 'retain-empty': then only its header remains
 *   (Kafka's writeEmptyHeader: zero records, no compression, baseTimestamp -1, maxTimestamp and lastOffsetDelta
 *   unchanged), which preserves an idempotent or transactional producer's last sequence and epoch;
 * - with `deleteHorizonMs`, a kept batch that holds a tombstone (or is flagged by checkBatch) and has no delete
 *   horizon yet is rebuilt with the DELETE_HORIZON attribute and baseTimestamp = deleteHorizonMs (KIP-534): the
 *   kept records' timestamp deltas are rewritten so their absolute timestamps do not change.
 *
 * Every v2 batch is validated (magic, length, CRC) before use: a corrupt batch throws CorruptRecordError and
 * nothing is written. Legacy (v0/v1) entries are copied unfiltered and never decoded. A batch cut short at the end
 * of `input` is left unread: bytesRead says where the next read should start (the cleaner reads segments in chunks).
 *
 * One difference from Kafka's rebuild, on purpose: Kafka re-encodes the kept records with baseTimestamp = the first
 * kept record's timestamp (and, in LogAppendTime batches, every record's timestamp = maxTimestamp); we keep the
 * original baseTimestamp so record bytes are copied untouched. Both are valid batches that read back the same.
 *
 * Buffers: kept bytes are copied into `output`; the Record objects given to callbacks hold views of `input` (or of
 * a decompressed copy) and must be copied if kept beyond the callback.
 * Concurrency: no state and no I/O; async only for the codecs. `input` must not change until the promise settles.
 */

/** Decides one record: true keeps it. Called in offset order, for control records too. */
export type RecordDecider = (record: LogRecord, batch: RecordBatchView) => boolean;

/** What happens to a batch as a whole (Kafka's RecordFilter.BatchRetention). */
export const BatchRetention = {
  /** Drop the batch without decoding its records. */
  Delete: 'delete',
  /** Filter its records; drop the batch if none is kept (the default). */
  DeleteEmpty: 'delete-empty',
  /** Filter its records; keep its header even if none is kept. */
  RetainEmpty: 'retain-empty',
} as const;
export type BatchRetention = (typeof BatchRetention)[keyof typeof BatchRetention];

export interface BatchDecision {
  retention: BatchRetention;
  /** Drop every record without decoding it or calling `decide` (with RetainEmpty: keep only the header). */
  discardRecords?: boolean;
  /**
   * Set the delete horizon even if no kept record is a tombstone (Kafka: a transaction marker whose transaction's
   * records are gone). Needs `deleteHorizonMs`.
   */
  setDeleteHorizon?: boolean;
}

export interface FilterOptions {
  /** Called once per v2 batch, after validation and before its records (Kafka's checkBatchRetention). */
  checkBatch?: (batch: RecordBatchView) => BatchRetention | BatchDecision;
  /** Shorthand for a checkBatch that answers RetainEmpty (true) or DeleteEmpty (false). Not with checkBatch. */
  retainEmptyBatch?: (batch: RecordBatchView) => boolean;
  /** now + delete.retention.ms: stamped on kept batches with tombstones that have no delete horizon yet. */
  deleteHorizonMs?: number;
}

export interface FilterResult {
  /** The kept batches, concatenated. */
  output: Buffer;
  /** Bytes of `input` consumed: every complete entry, kept or not. A trailing partial batch is not counted. */
  bytesRead: number;
  bytesWritten: number;
  /** Records decoded and given to `decide`. */
  recordsRead: number;
  retainedRecords: number;
  /** Records not kept, including those of batches dropped whole (counted from their headers). */
  removedRecords: number;
  /** Batches in `output`, legacy entries and empty headers included. */
  retainedBatches: number;
  /** Batches in `output` that are not byte-for-byte copies of their input. */
  rebuiltBatches: number;
  removedBatches: number;
  /** Largest lastOffset among the output batches (a rebuilt batch keeps its span); -1 if none. */
  maxOffset: number;
  /** Largest maxTimestamp among the output batches; -1 (NO_TIMESTAMP) if none. */
  maxTimestamp: number;
  /** lastOffset of the first output batch with maxTimestamp, for the time index; -1 if none. */
  shallowOffsetOfMaxTimestamp: number;
}

/** Filters the records of every batch in `input`; see the module comment for what is kept, copied and rebuilt. */
export async function filterBatches(
  input: Buffer,
  decide: RecordDecider,
  options: FilterOptions = {},
): Promise<FilterResult> {
  if (options.checkBatch !== undefined && options.retainEmptyBatch !== undefined) {
    throw new TypeError('filterBatches takes checkBatch or retainEmptyBatch, not both');
  }
  const deleteHorizonMs = options.deleteHorizonMs;
  if (deleteHorizonMs !== undefined && !Number.isSafeInteger(deleteHorizonMs)) {
    throw new RangeError(`deleteHorizonMs ${deleteHorizonMs} is not a safe integer`);
  }
  const result: FilterResult = {
    output: EMPTY,
    bytesRead: 0,
    bytesWritten: 0,
    recordsRead: 0,
    retainedRecords: 0,
    removedRecords: 0,
    retainedBatches: 0,
    rebuiltBatches: 0,
    removedBatches: 0,
    maxOffset: -1,
    maxTimestamp: NO_TIMESTAMP,
    shallowOffsetOfMaxTimestamp: -1,
  };
  const chunks: Buffer[] = [];
  let outputLength = 0;
  const emit = (chunk: Buffer, lastOffset: number, maxTimestamp: number): void => {
    chunks.push(chunk);
    outputLength += chunk.length;
    result.retainedBatches++;
    if (lastOffset > result.maxOffset) result.maxOffset = lastOffset;
    if (maxTimestamp > result.maxTimestamp) {
      result.maxTimestamp = maxTimestamp;
      result.shallowOffsetOfMaxTimestamp = lastOffset;
    }
  };
  const kept = new KeptRecords();

  for (const batch of batchViews(input)) {
    const end = batch.position + batch.sizeInBytes;
    if (batch.magic < MAGIC_V2) {
      emit(batch.bytes, batch.baseOffset, NO_TIMESTAMP);
      result.bytesRead = end;
      continue;
    }
    batch.validate();
    const decision = decideBatch(batch, options);
    if (decision.retention === BatchRetention.Delete) {
      result.removedBatches++;
      result.removedRecords += batch.recordsCount;
      result.bytesRead = end;
      continue;
    }

    kept.reset();
    let keptAll = true;
    if (decision.discardRecords === true) {
      result.removedRecords += batch.recordsCount;
    } else {
      const data = await recordsSection(batch);
      const logAppendTime = batch.timestampType === TimestampType.LogAppendTime ? batch.maxTimestamp : null;
      walkRecords(batch, data, (record, start, recordEnd) => {
        const storedTimestamp = record.timestamp;
        if (logAppendTime !== null) record.timestamp = logAppendTime;
        if (decide(record, batch)) {
          kept.add(start, recordEnd, storedTimestamp, record.value === null);
        } else {
          keptAll = false;
        }
        return true;
      });
      kept.data = data;
      result.recordsRead += batch.recordsCount;
      result.retainedRecords += kept.count;
      result.removedRecords += batch.recordsCount - kept.count;
    }

    if (kept.count === 0) {
      if (decision.retention === BatchRetention.RetainEmpty) {
        const header = emptyHeader(batch);
        emit(header, batch.lastOffset, batch.maxTimestamp);
        if (!header.equals(batch.bytes)) result.rebuiltBatches++;
      } else {
        result.removedBatches++;
      }
      result.bytesRead = end;
      continue;
    }

    const setHorizon =
      deleteHorizonMs !== undefined &&
      !batch.hasDeleteHorizon &&
      (kept.hasTombstone || decision.setDeleteHorizon === true);
    if (keptAll && !setHorizon) {
      emit(batch.bytes, batch.lastOffset, batch.maxTimestamp);
    } else {
      const rebuilt = await rebuildBatch(batch, kept, setHorizon ? deleteHorizonMs : undefined);
      emit(rebuilt.bytes, batch.lastOffset, rebuilt.maxTimestamp);
      result.rebuiltBatches++;
    }
    result.bytesRead = end;
  }

  result.output = Buffer.concat(chunks, outputLength);
  result.bytesWritten = outputLength;
  return result;
}

/** Called for each record; return false to stop the whole walk at once. */
export type RecordVisitorFn = (record: LogRecord, batch: RecordBatchView) => boolean | void;

export interface RecordVisitor {
  /** Before a v2 batch's records (after validation); return false to skip them without decompressing. */
  beginBatch?(batch: RecordBatchView): boolean | void;
  /** Each record in offset order; return false to stop the whole walk at once. */
  record: RecordVisitorFn;
  /** After every record of the batch was visited, or the batch was skipped; not called for the batch a stop hits. */
  endBatch?(batch: RecordBatchView): void;
}

export interface VisitResult {
  /** Bytes of complete entries walked; when stopped, the position of the batch the stop happened in. */
  bytesRead: number;
  /** v2 batches completed (endBatch called). */
  batchesRead: number;
  /** Records given to the visitor. */
  recordsRead: number;
  /** True when the visitor returned false. */
  stopped: boolean;
}

/**
 * Walks every record of the v2 batches in `input` in offset order, decompressing as needed, with absolute offsets
 * and timestamps (LogAppendTime batches give every record the batch's maxTimestamp, as readers see it). For
 * building the offset map: the visitor can skip batches (aborted transactions, control batches) and stop when the
 * map is full. Batches are validated first; legacy entries are skipped (filterBatches copies them unfiltered); a
 * trailing partial batch ends the walk. Record keys and values are views: copy what you keep.
 */
export async function forEachRecord(input: Buffer, visitor: RecordVisitor | RecordVisitorFn): Promise<VisitResult> {
  const v: RecordVisitor = typeof visitor === 'function' ? { record: visitor } : visitor;
  const result: VisitResult = { bytesRead: 0, batchesRead: 0, recordsRead: 0, stopped: false };
  for (const batch of batchViews(input)) {
    const end = batch.position + batch.sizeInBytes;
    if (batch.magic < MAGIC_V2) {
      result.bytesRead = end;
      continue;
    }
    batch.validate();
    if (v.beginBatch?.(batch) !== false) {
      const data = await recordsSection(batch);
      const logAppendTime = batch.timestampType === TimestampType.LogAppendTime ? batch.maxTimestamp : null;
      const completed = walkRecords(batch, data, (record) => {
        if (logAppendTime !== null) record.timestamp = logAppendTime;
        result.recordsRead++;
        return v.record(record, batch) !== false;
      });
      if (!completed) {
        result.stopped = true;
        return result;
      }
    }
    v.endBatch?.(batch);
    result.batchesRead++;
    result.bytesRead = end;
  }
  return result;
}

const EMPTY = Buffer.alloc(0);

/** The smallest encoded record (length, attributes, both deltas, null key, null value, no headers). */
const MIN_RECORD_SIZE = 7;

function decideBatch(batch: RecordBatchView, options: FilterOptions): BatchDecision {
  if (options.checkBatch !== undefined) {
    const answer = options.checkBatch(batch);
    return typeof answer === 'string' ? { retention: answer } : answer;
  }
  const retainEmpty = options.retainEmptyBatch?.(batch) === true;
  return { retention: retainEmpty ? BatchRetention.RetainEmpty : BatchRetention.DeleteEmpty };
}

/** The batch's records section, decompressed when the batch is compressed (a view of the input when not). */
async function recordsSection(batch: RecordBatchView): Promise<Buffer> {
  const section = batch.buf.subarray(batch.position + RECORD_BATCH_OVERHEAD, batch.position + batch.sizeInBytes);
  const compression = batch.compression;
  // Empty headers kept by an earlier cleaning have no records section to decompress.
  if (compression === CompressionType.None || (section.length === 0 && batch.recordsCount === 0)) return section;
  return decompress(compression, section);
}

/**
 * Decodes the batch's records from `data` (its records section, decompressed), calling `fn` with each record and
 * its byte range in `data` until `fn` returns false. Returns whether every record was visited. The section must
 * hold exactly recordsCount records, as in decodeBatch.
 */
function walkRecords(
  batch: RecordBatchView,
  data: Buffer,
  fn: (record: LogRecord, start: number, end: number) => boolean,
): boolean {
  const count = batch.recordsCount;
  if (count < 0 || count * MIN_RECORD_SIZE > data.length) {
    throw new CorruptRecordError(
      'record',
      `batch at offset ${batch.baseOffset} claims ${count} records in ${data.length} bytes`,
    );
  }
  const baseOffset = batch.baseOffset;
  const baseTimestamp = batch.baseTimestamp;
  const reader = new Reader(data, 0, data.length);
  for (let i = 0; i < count; i++) {
    const start = reader.offset;
    let record: LogRecord;
    try {
      record = decodeRecord(reader, baseOffset, baseTimestamp);
    } catch (err) {
      if (!(err instanceof CorruptRecordError)) throw err;
      throw new CorruptRecordError(err.reason, `batch at offset ${batch.baseOffset}: ${err.message}`, { cause: err });
    }
    if (!fn(record, start, reader.offset)) return false;
  }
  if (reader.offset !== data.length) {
    throw new CorruptRecordError(
      'record',
      `batch at offset ${batch.baseOffset} has ${data.length - reader.offset} bytes after its ${count} records`,
    );
  }
  return true;
}

/** The kept records of one batch: byte ranges in `data` plus what the rebuild needs. Reused across batches. */
class KeptRecords {
  data: Buffer = EMPTY;
  starts: number[] = [];
  ends: number[] = [];
  /** Absolute timestamps as stored (baseTimestamp + delta), even in LogAppendTime batches. */
  timestamps: number[] = [];
  hasTombstone = false;

  get count(): number {
    return this.starts.length;
  }

  reset(): void {
    this.data = EMPTY;
    this.starts.length = 0;
    this.ends.length = 0;
    this.timestamps.length = 0;
    this.hasTombstone = false;
  }

  add(start: number, end: number, timestamp: number, tombstone: boolean): void {
    this.starts.push(start);
    this.ends.push(end);
    this.timestamps.push(timestamp);
    if (tombstone) this.hasTombstone = true;
  }
}

/**
 * The batch with only the kept records, same codec. Without a new horizon the records' bytes are copied as they
 * are; with one, each record's timestampDelta is re-encoded against it and the rest of its bytes copied.
 */
async function rebuildBatch(
  batch: RecordBatchView,
  kept: KeptRecords,
  deleteHorizonMs: number | undefined,
): Promise<{ bytes: Buffer; maxTimestamp: number }> {
  const { data, starts, ends, timestamps } = kept;
  const count = kept.count;
  const baseTimestamp = deleteHorizonMs ?? batch.baseTimestamp;
  let attributes = batch.attributes;
  if (deleteHorizonMs !== undefined) attributes |= BatchAttributes.DELETE_HORIZON;

  // Measure.
  let recordsSize = 0;
  let restStarts: number[] | undefined;
  if (deleteHorizonMs === undefined) {
    for (let i = 0; i < count; i++) recordsSize += ends[i]! - starts[i]!;
  } else {
    restStarts = new Array<number>(count);
    for (let i = 0; i < count; i++) {
      // length varint | attributes int8 | timestampDelta varlong | rest (offsetDelta, key, value, headers)
      const afterLength = skipVarint(data, starts[i]!, ends[i]!);
      const restStart = skipVarint(data, afterLength + 1, ends[i]!);
      restStarts[i] = restStart;
      const bodySize = 1 + varlongSize(timestamps[i]! - baseTimestamp) + (ends[i]! - restStart);
      recordsSize += varintSize(bodySize) + bodySize;
    }
  }

  // Write, straight into the batch when uncompressed.
  const compression = batch.compression;
  const plain = compression === CompressionType.None ? RECORD_BATCH_OVERHEAD : 0;
  const target = Buffer.allocUnsafe(plain + recordsSize);
  let at = plain;
  for (let i = 0; i < count; i++) {
    const start: number = starts[i]!;
    const end: number = ends[i]!;
    if (restStarts === undefined) {
      at += data.copy(target, at, start, end);
    } else {
      const afterLength = skipVarint(data, start, end);
      const restStart: number = restStarts[i]!;
      const delta = timestamps[i]! - baseTimestamp;
      at = writeVarint(target, at, 1 + varlongSize(delta) + (end - restStart));
      target[at++] = data[afterLength]!; // record attributes, unchanged
      at = writeVarlong(target, at, delta);
      at += data.copy(target, at, restStart, end);
    }
  }

  let out = target;
  if (compression !== CompressionType.None) {
    const compressed = await compress(compression, target);
    out = Buffer.allocUnsafe(RECORD_BATCH_OVERHEAD + compressed.length);
    compressed.copy(out, RECORD_BATCH_OVERHEAD);
  }
  let maxTimestamp = batch.maxTimestamp;
  if (batch.timestampType === TimestampType.CreateTime) {
    maxTimestamp = timestamps[0]!;
    for (let i = 1; i < count; i++) if (timestamps[i]! > maxTimestamp) maxTimestamp = timestamps[i]!;
  }
  return { bytes: finishHeader(batch, out, attributes, baseTimestamp, maxTimestamp, count), maxTimestamp };
}

/** Kafka's writeEmptyHeader: the batch's header with no records, no compression and no delete horizon. */
function emptyHeader(batch: RecordBatchView): Buffer {
  const out = Buffer.allocUnsafe(RECORD_BATCH_OVERHEAD);
  const attributes = batch.attributes & ~(BatchAttributes.COMPRESSION_MASK | BatchAttributes.DELETE_HORIZON);
  return finishHeader(batch, out, attributes, NO_TIMESTAMP, batch.maxTimestamp, 0);
}

/**
 * Fills out[0, RECORD_BATCH_OVERHEAD) from the source batch's header with the given changes, then the length and
 * the CRC-32C over [ATTRIBUTES, end). The records section must already be in place.
 */
function finishHeader(
  batch: RecordBatchView,
  out: Buffer,
  attributes: number,
  baseTimestamp: number,
  maxTimestamp: number,
  count: number,
): Buffer {
  batch.buf.copy(out, 0, batch.position, batch.position + RECORD_BATCH_OVERHEAD);
  out.writeInt32BE(out.length - LOG_OVERHEAD, BatchHeader.LENGTH);
  out.writeInt16BE(attributes, BatchHeader.ATTRIBUTES);
  writeInt64(out, BatchHeader.BASE_TIMESTAMP, baseTimestamp);
  writeInt64(out, BatchHeader.MAX_TIMESTAMP, maxTimestamp);
  out.writeInt32BE(count, BatchHeader.RECORDS_COUNT);
  out.writeUInt32BE(crc32c(out, BatchHeader.ATTRIBUTES), BatchHeader.CRC);
  return out;
}

const TWO_32 = 0x1_0000_0000;

/** Big-endian int64 from a safe integer (protocol/records keeps its own helper private). */
function writeInt64(buf: Buffer, at: number, v: number): void {
  const hi = Math.floor(v / TWO_32);
  buf.writeInt32BE(hi, at);
  buf.writeUInt32BE(v - hi * TWO_32, at + 4);
}

/** Position after the varint at `at`; the varint must end before `end`. */
function skipVarint(buf: Buffer, at: number, end: number): number {
  for (let i = 0; i < 10 && at < end; i++) {
    if (buf[at++]! < 0x80) return at;
  }
  throw new CorruptRecordError('record', `malformed varint in a record ending at ${end}`);
}

function varintSize(v: number): number {
  let u = v >= 0 ? v * 2 : -v * 2 - 1;
  let n = 1;
  while (u >= 0x80) {
    u = Math.floor(u / 128);
    n++;
  }
  return n;
}

const varlongSize = varintSize;

function writeVarint(buf: Buffer, at: number, v: number): number {
  let u = v >= 0 ? v * 2 : -v * 2 - 1;
  while (u >= 0x80) {
    buf[at++] = (u % 128) | 0x80;
    u = Math.floor(u / 128);
  }
  buf[at] = u;
  return at + 1;
}

const writeVarlong = writeVarint;

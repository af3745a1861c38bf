import {
  CorruptRecordError,
  LOG_OVERHEAD,
  MAGIC_V2,
  MIN_BATCH_LENGTH,
  RECORD_BATCH_OVERHEAD,
  RecordBatchView,
} from '../protocol/records/index.js';

/**
 * Walks over record batches held in memory, reading headers only: what a segment needs of an append before writing
 * it, and where its reads start and end.
 */

/** Per-batch facts gathered before an append. */
export interface AppendBatch {
  size: number;
  lastOffset: number;
  maxTimestamp: number;
}

/** Header facts of each batch in an append; the bytes must be whole v2 batches. */
export function appendBatches(records: Buffer): AppendBatch[] {
  const out: AppendBatch[] = [];
  let position = 0;
  while (position < records.length) {
    if (records.length - position < RECORD_BATCH_OVERHEAD) {
      throw new CorruptRecordError('length', `append has ${records.length - position} trailing bytes at ${position}`);
    }
    const view = new RecordBatchView(records, position);
    if (view.magic !== MAGIC_V2) throw new CorruptRecordError('magic', `batch at ${position} has magic ${view.magic}`);
    const size = view.sizeInBytes;
    if (size < RECORD_BATCH_OVERHEAD || size > records.length - position) {
      throw new CorruptRecordError('length', `batch at ${position} has length ${view.batchLength}`);
    }
    out.push({ size, lastOffset: view.lastOffset, maxTimestamp: view.maxTimestamp });
    position += size;
  }
  return out;
}

/**
 * The first v2 batch in `buf` (batch-aligned at 0) whose last offset is ≥ `offset`: its position in `buf` and
 * size (`at` -1 when not found; `size` is then that of the last batch walked over). `scanned` is how far the
 * walk got: the next batch boundary, from which a file scan resumes (possibly past the end of `buf`, or of the
 * file when the last batch seen is torn).
 * Anything the file scan would treat specially (a legacy entry, a bad length, the end of `buf` before the whole
 * header) ends the walk unfound, so that scan decides.
 */
export function firstBatchReaching(buf: Buffer, offset: number): { at: number; size: number; scanned: number } {
  let position = 0;
  let size = 0;
  while (buf.length - position >= RECORD_BATCH_OVERHEAD) {
    const view = new RecordBatchView(buf, position);
    const length = view.batchLength;
    if (view.magic !== MAGIC_V2 || length < MIN_BATCH_LENGTH) break;
    size = length + LOG_OVERHEAD;
    if (view.lastOffset >= offset) return { at: position, size, scanned: position };
    position += size;
  }
  return { at: -1, size, scanned: position };
}

/** Bytes of the leading whole entries in `buf`. */
export function wholeBatchesLength(buf: Buffer): number {
  let position = 0;
  while (buf.length - position >= LOG_OVERHEAD) {
    const size = buf.readInt32BE(position + 8) + LOG_OVERHEAD;
    if (size <= LOG_OVERHEAD || size > buf.length - position) break;
    position += size;
  }
  return position;
}

import { firstBatchReaching, wholeBatchesLength } from './batch-walk.js';
import type { FileRecords, LogOffsetPosition } from './file-records.js';
import type { OffsetIndex } from './offset-index.js';

/** What a read needs of a LogSegment (an interface, so the segment can delegate here without an import cycle). */
export interface ReadableSegment {
  readonly log: FileRecords;
  readonly offsetIndex: OffsetIndex;
  readonly size: number;
  translateOffset(offset: number, startingPosition?: number): Promise<LogOffsetPosition | null>;
}

/** Whole batches read from a segment, and the file position of the first. */
export interface SegmentReadResult {
  records: Buffer;
  position: number;
}

export interface SegmentReadRequest {
  startOffset: number;
  maxSize: number;
  maxPosition: number;
  minOneBatch: boolean;
  scratch: Buffer | undefined;
}

/**
 * read() reads this much beyond the bytes it may return: the index entry below the start offset is usually a
 * batch or so before it (index.interval.bytes apart, keyed by last offsets).
 */
const READ_SEARCH_MARGIN = 64 * 1024;

/**
 * LogSegment.read: one read from the index entry below startOffset covers, in the common case, both the search
 * for the first batch (entries are keyed by a batch's last offset, so the lookup lands a batch or so early) and
 * the bytes returned; the header scan is the fallback when the first batch is not within it.
 */
export async function readBatches(
  segment: ReadableSegment,
  request: SegmentReadRequest,
): Promise<SegmentReadResult | null> {
  const { startOffset, maxSize, maxPosition, minOneBatch, scratch } = request;
  const file = segment.log;
  let indexPosition = await firstCandidatePosition(segment, startOffset, maxPosition);
  let buf: Buffer;
  let found: ReturnType<typeof firstBatchReaching>;
  let readSize = maxSize;
  for (;;) {
    const wanted = Math.max(0, Math.min(maxPosition - indexPosition, readSize));
    buf =
      scratch === undefined
        ? await file.read(indexPosition, wanted + READ_SEARCH_MARGIN)
        : await readIntoScratch(segment, scratch, indexPosition, wanted + READ_SEARCH_MARGIN);
    found = firstBatchReaching(buf, startOffset);
    // Batches larger than the read (the entry below startOffset is the whole previous batch): the walk already
    // knows where the next batch starts, so reading from there beats a header scan plus a third read. Batches
    // next to each other tend to be alike, so a first batch taken whole is read as large as the one skipped.
    if (found.at >= 0 || found.scanned <= buf.length || indexPosition + found.scanned >= maxPosition) break;
    indexPosition += found.scanned;
    if (minOneBatch) readSize = Math.max(maxSize, found.size);
  }
  if (found.at < 0) return readByScan(segment, request, indexPosition + found.scanned);
  const position = indexPosition + found.at;
  const fetchSize = Math.min(maxPosition - position, minOneBatch ? Math.max(maxSize, found.size) : maxSize);
  if (fetchSize <= 0) return { records: Buffer.alloc(0), position };
  let bytes = buf.subarray(found.at, found.at + fetchSize);
  if (bytes.length < fetchSize && position + bytes.length < segment.size) {
    // The read fell short: a first batch larger than maxSize (minOneBatch), or one far past the index entry.
    // The rest goes after the bytes already read, in the scratch buffer when it has room: behind them, or with
    // them moved to its start (the bytes skipped before them can be a whole large batch, as when a follower
    // fetches from the end of the leader's last batch) rather than in a fresh buffer.
    const length = Math.min(fetchSize, segment.size - position);
    let whole: Buffer;
    if (scratch !== undefined && length <= scratch.length) {
      const at = found.at + length <= scratch.length ? found.at : 0;
      if (at !== found.at) scratch.copyWithin(0, found.at, found.at + bytes.length);
      whole = scratch.subarray(at, at + length);
    } else {
      whole = Buffer.allocUnsafe(length);
      bytes.copy(whole);
    }
    const n = await file.readInto(whole, bytes.length, whole.length - bytes.length, position + bytes.length);
    bytes = whole.subarray(0, bytes.length + n);
  }
  bytes = bytes.subarray(0, wholeBatchesLength(bytes));
  // Do not let a small result pin a read buffer that is mostly skipped bytes (a scratch buffer is the caller's).
  const pinsWaste = scratch === undefined && bytes.length * 2 < buf.length;
  return { records: pinsWaste ? Buffer.from(bytes) : bytes, position };
}

/** Bytes of a batch header up to and including its length field. */
const LENGTH_FIELD_END = 12;

/**
 * Where the search for startOffset's batch begins: the index entry below it, or the batch after that entry's when
 * the entry lies wholly before startOffset. Entries name the last offset of the batch they point at, so an entry
 * below startOffset is a batch that ends before it: reading its length steps over it with a 12-byte read instead
 * of reading it whole (a follower fetching from the end of the leader's log lands on the whole previous batch,
 * often as large as the read); only worth its read when that batch may be large. Position 0 may be the index's (baseOffset, 0) default, not an entry: kept.
 */
async function firstCandidatePosition(
  segment: ReadableSegment,
  startOffset: number,
  maxPosition: number,
): Promise<number> {
  const entry = segment.offsetIndex.lookup(startOffset);
  if (entry.position === 0 || entry.offset >= startOffset) return entry.position;
  // Entries are index.interval.bytes apart, plus one batch: when the next one (or the end) is within the search
  // margin the batch is small, and the first read covers it at no extra cost (the common consumer case).
  const nextEntry = segment.offsetIndex.fetchUpperBoundOffset(entry.position + 1, 0);
  if ((nextEntry?.position ?? segment.size) - entry.position <= READ_SEARCH_MARGIN) return entry.position;
  const header = await segment.log.read(entry.position, LENGTH_FIELD_END);
  if (header.length < LENGTH_FIELD_END) return entry.position;
  const next = entry.position + LENGTH_FIELD_END + header.readInt32BE(8);
  return next <= Math.min(maxPosition, segment.size) ? next : entry.position;
}

/** Up to `size` bytes from `position` into the start of `scratch`, never past the valid end; a view of them. */
async function readIntoScratch(
  segment: ReadableSegment,
  scratch: Buffer,
  position: number,
  size: number,
): Promise<Buffer> {
  const length = Math.min(size, scratch.length, segment.size - position);
  if (length <= 0) return scratch.subarray(0, 0);
  return scratch.subarray(0, await segment.log.readInto(scratch, 0, length, position));
}

/** The read by a header scan from `startingPosition` (a batch boundary at or below the first batch wanted). */
async function readByScan(
  segment: ReadableSegment,
  { startOffset, maxSize, maxPosition, minOneBatch }: SegmentReadRequest,
  startingPosition: number,
): Promise<SegmentReadResult | null> {
  const start = await segment.translateOffset(startOffset, startingPosition);
  if (start === null) return null;
  const adjustedMaxSize = minOneBatch ? Math.max(maxSize, start.size) : maxSize;
  const fetchSize = Math.min(maxPosition - start.position, adjustedMaxSize);
  if (fetchSize <= 0) return { records: Buffer.alloc(0), position: start.position };
  const bytes = await segment.log.read(start.position, fetchSize);
  const whole = wholeBatchesLength(bytes);
  return { records: whole === bytes.length ? bytes : bytes.subarray(0, whole), position: start.position };
}

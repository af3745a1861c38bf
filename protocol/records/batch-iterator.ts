import { HEADER_SIZE_UP_TO_MAGIC, LOG_OVERHEAD, RecordBatchView } from './batch-view.js';
import { CorruptRecordError } from './errors.js';

/** Smallest legal length of any entry: a v0 message with null key and value (crc, magic, attributes, 2 lengths). */
const MIN_ENTRY_LENGTH = 14;

/**
 * Views of the entries in a buffer of concatenated batches (a produce payload, a fetch response, a segment read),
 * found by their length fields alone: no record is decoded and nothing is validated beyond the length.
 *
 * A trailing entry that is cut short ends the iteration without error, because fetch responses may legitimately
 * end with a partial batch; the caller can tell from the last view's position + sizeInBytes where the complete
 * entries end. Legacy (v0/v1) entries are yielded too: check `magic`. A length below any format's minimum is
 * corruption, not truncation.
 */
export function* batchViews(buf: Buffer): Generator<RecordBatchView, void, undefined> {
  let position = 0;
  while (buf.length - position >= HEADER_SIZE_UP_TO_MAGIC) {
    const view = new RecordBatchView(buf, position);
    const length = view.batchLength;
    if (length < MIN_ENTRY_LENGTH) {
      throw new CorruptRecordError('length', `entry at ${position} has length ${length}, below the minimum`);
    }
    if (length + LOG_OVERHEAD > buf.length - position) return;
    yield view;
    position += length + LOG_OVERHEAD;
  }
}

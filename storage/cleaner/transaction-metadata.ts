import type { RecordBatchView } from '../../protocol/records/index.js';
import {
  CompressionType,
  ControlRecordType,
  decodeControlRecordType,
  decodeRecord,
  RECORD_BATCH_OVERHEAD,
  Reader,
} from '../../protocol/records/index.js';

/**
 * Transaction state carried through one cleaning pass in offset order (Kafka's CleanedTransactionMetadata). It
 * decides when a transaction marker may be removed: a COMMIT or ABORT marker stays while this pass has seen a batch
 * of its transaction (those batches precede their marker), and becomes removable once a pass meets none. The cleaner
 * then stamps the marker with a delete horizon and drops it once delete.retention.ms has passed, as for tombstones.
 *
 * Difference from Kafka: Samsa keeps no transaction index (.txnindex), so the cleaner does not know which
 * transactions were aborted. Their data batches are compacted like committed ones (Kafka drops them outright) and
 * their ABORT markers follow the COMMIT rule. Nothing is lost that Kafka would keep.
 *
 * Concurrency: owned by one cleaning pass; synchronous.
 */
export class CleanedTransactionMetadata {
  /** Producers with transactional batches seen since their last marker. */
  readonly #ongoing = new Set<number>();

  /** A data batch: records its transaction; returns whether the whole batch may be discarded (never, here). */
  onBatchRead(batch: RecordBatchView): boolean {
    if (batch.isTransactional) this.#ongoing.add(batch.producerId);
    return false;
  }

  /** A control batch: returns whether it may be discarded (once its delete horizon passes). */
  onControlBatchRead(batch: RecordBatchView): boolean {
    // An empty control batch is a marker whose record an earlier cleaning removed.
    if (batch.recordsCount === 0) return true;
    const type = controlRecordType(batch);
    if (type !== ControlRecordType.Commit && type !== ControlRecordType.Abort) return false;
    return !this.#ongoing.delete(batch.producerId);
  }
}

/**
 * The type of a control batch's record, decoded in place (control batches are never compressed); null when it
 * cannot be read that way, which keeps the batch.
 */
function controlRecordType(batch: RecordBatchView): number | null {
  if (batch.compression !== CompressionType.None) return null;
  const start = batch.position + RECORD_BATCH_OVERHEAD;
  const record = decodeRecord(new Reader(batch.buf, start, batch.position + batch.sizeInBytes), 0, 0);
  return decodeControlRecordType(record.key);
}

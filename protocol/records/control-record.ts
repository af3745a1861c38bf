import type { RecordBatchOptions } from './batch-builder.js';
import { buildRecordBatch } from './batch-builder.js';
import { CorruptRecordError } from './errors.js';
import type { Record } from './record.js';

/**
 * Control records, the single record of a control batch (transactional + control attribute bits).
 *   key:   version int16 (0) | type int16 (0 ABORT, 1 COMMIT; KRaft defines more)
 *   value of an end-transaction marker: version int16 (0) | coordinatorEpoch int32
 * Like Kafka, readers accept newer versions and read the fields they know.
 */
export const ControlRecordType = { Abort: 0, Commit: 1 } as const;
export type ControlRecordType = (typeof ControlRecordType)[keyof typeof ControlRecordType];

export interface EndTransactionMarker {
  type: ControlRecordType;
  coordinatorEpoch: number;
}

const CONTROL_KEY_SIZE = 4;
const MARKER_VALUE_SIZE = 6;

/** Type id from a control record's key (any type, not only transaction markers). */
export function decodeControlRecordType(key: Buffer | null): number {
  if (key === null || key.length < CONTROL_KEY_SIZE) {
    throw new CorruptRecordError('record', `control record key of ${key?.length ?? 'null'} bytes is too short`);
  }
  return key.readInt16BE(2);
}

/** The ABORT/COMMIT marker carried by a control record. */
export function decodeEndTransactionMarker(record: Pick<Record, 'key' | 'value'>): EndTransactionMarker {
  const type = decodeControlRecordType(record.key);
  if (type !== ControlRecordType.Abort && type !== ControlRecordType.Commit) {
    throw new CorruptRecordError('record', `control record type ${type} is not a transaction marker`);
  }
  const value = record.value;
  if (value === null || value.length < MARKER_VALUE_SIZE) {
    throw new CorruptRecordError('record', `transaction marker value of ${value?.length ?? 'null'} bytes`);
  }
  return { type, coordinatorEpoch: value.readInt32BE(2) };
}

export function encodeEndTransactionMarker(marker: EndTransactionMarker): { key: Buffer; value: Buffer } {
  const key = Buffer.alloc(CONTROL_KEY_SIZE);
  key.writeInt16BE(marker.type, 2);
  const value = Buffer.alloc(MARKER_VALUE_SIZE);
  value.writeInt32BE(marker.coordinatorEpoch, 2);
  return { key, value };
}

/**
 * The control batch a transaction coordinator's WriteTxnMarkers makes the partition leader append: one marker
 * record, transactional and control bits set. `producerId`/`producerEpoch` identify the transaction.
 */
export function buildEndTransactionBatch(
  marker: EndTransactionMarker,
  options: RecordBatchOptions & { producerId: number; producerEpoch: number; timestamp?: number },
): Buffer {
  const { key, value } = encodeEndTransactionMarker(marker);
  return buildRecordBatch([{ key, value, timestamp: options.timestamp }], {
    ...options,
    transactional: true,
    isControl: true,
  });
}

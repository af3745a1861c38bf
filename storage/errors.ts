/**
 * Storage's error classes. The broker maps them to wire error codes in one place (broker/api/error-mapping.ts):
 * OffsetOutOfRangeError → OFFSET_OUT_OF_RANGE, CorruptRecordError → CORRUPT_MESSAGE, StorageIoError →
 * KAFKA_STORAGE_ERROR, RecordBatchTooLargeError → MESSAGE_TOO_LARGE (RECORD_LIST_TOO_LARGE for a whole request),
 * InvalidRecordError → INVALID_RECORD, InvalidConfigError → INVALID_CONFIG, OutOfOrderSequenceError →
 * OUT_OF_ORDER_SEQUENCE_NUMBER, DuplicateSequenceError → DUPLICATE_SEQUENCE_NUMBER, InvalidProducerEpochError →
 * INVALID_PRODUCER_EPOCH. The others are internal: a corrupt
 * index or checkpoint is rebuilt or reported at load time, a segment offset overflow forces a roll.
 *
 * CorruptRecordError is protocol/records' class (the record format is the on-disk format), re-exported here so
 * storage users import errors from one place.
 */
export { CorruptRecordError } from '../protocol/records/index.js';

/** Base class of storage's own errors, for callers that only need "this came from storage". */
export class StorageError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StorageError';
  }
}

/** A fetch or truncation asked for an offset outside [logStartOffset, logEndOffset]. */
export class OffsetOutOfRangeError extends StorageError {
  constructor(
    readonly offset: number,
    readonly logStartOffset: number,
    readonly logEndOffset: number,
    options?: ErrorOptions,
  ) {
    super(`offset ${offset} is out of range [${logStartOffset}, ${logEndOffset}]`, options);
    this.name = 'OffsetOutOfRangeError';
  }
}

/**
 * A file operation failed (ENOSPC, EIO, EACCES, a vanished file...). `cause` holds the Node error; `code` is its
 * errno code when there is one, so callers can tell a full disk from a broken one without digging.
 */
export class StorageIoError extends StorageError {
  readonly code: string | undefined;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StorageIoError';
    this.code = errnoCode(options?.cause);
  }
}

/** A batch (or a produce request's records for one partition) larger than max.message.bytes. */
export class RecordBatchTooLargeError extends StorageError {
  constructor(
    readonly size: number,
    readonly max: number,
  ) {
    super(`record batch of ${size} bytes exceeds the maximum of ${max} bytes (max.message.bytes)`);
    this.name = 'RecordBatchTooLargeError';
  }
}

/** Records that are well formed but not allowed here, e.g. a record without a key on a compacted topic. */
export class InvalidRecordError extends StorageError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'InvalidRecordError';
  }
}

/**
 * An idempotent producer's batch whose first sequence does not follow the last one the log holds for its producer
 * id and epoch (a lost batch in between, or a new epoch not starting at 0).
 */
export class OutOfOrderSequenceError extends StorageError {
  constructor(
    readonly producerId: number,
    readonly producerEpoch: number,
    readonly sequence: number,
    readonly lastSequence: number,
  ) {
    super(
      `out of order sequence ${sequence} for producer ${producerId} epoch ${producerEpoch}: last sequence is ${lastSequence}`,
    );
    this.name = 'OutOfOrderSequenceError';
  }
}

/**
 * A batch the log already holds, sent again in a request with other batches. A duplicate sent alone is answered
 * with the original batch's offsets instead (Kafka only accepts one batch per partition per idempotent produce).
 */
export class DuplicateSequenceError extends StorageError {
  constructor(
    readonly producerId: number,
    readonly sequence: number,
  ) {
    super(`batch with sequence ${sequence} of producer ${producerId} is a duplicate within a multi-batch append`);
    this.name = 'DuplicateSequenceError';
  }
}

/** A batch from an older epoch than the log has seen for its producer id: a zombie producer instance. */
export class InvalidProducerEpochError extends StorageError {
  constructor(
    readonly producerId: number,
    readonly producerEpoch: number,
    readonly currentEpoch: number,
  ) {
    super(`producer ${producerId} epoch ${producerEpoch} is older than the current epoch ${currentEpoch}`);
    this.name = 'InvalidProducerEpochError';
  }
}

/** An index file that fails its sanity check; the segment's indexes must be rebuilt from the log. */
export class CorruptIndexError extends StorageError {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`corrupt index ${file}: ${message}`);
    this.name = 'CorruptIndexError';
  }
}

/** A checkpoint file whose content does not follow the checkpoint format. */
export class CorruptCheckpointError extends StorageError {
  constructor(
    readonly file: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`corrupt checkpoint file ${file}: ${message}`, options);
    this.name = 'CorruptCheckpointError';
  }
}

/** A producer state snapshot that fails its version, length or CRC check; the log is replayed instead. */
export class CorruptSnapshotError extends StorageError {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`corrupt producer snapshot ${file}: ${message}`);
    this.name = 'CorruptSnapshotError';
  }
}

/** `offset - baseOffset` does not fit the int32 relative offset of the segment's indexes: the log must roll. */
export class SegmentOffsetOverflowError extends StorageError {
  constructor(
    readonly baseOffset: number,
    readonly offset: number,
  ) {
    super(`offset ${offset} cannot be stored relative to segment base offset ${baseOffset} (int32 overflow)`);
    this.name = 'SegmentOffsetOverflowError';
  }
}

/** A log (topic) config property with an unknown name or an invalid value. The message names the key. */
export class InvalidConfigError extends StorageError {
  constructor(
    readonly key: string,
    readonly value: string | undefined,
    readonly reason: string,
  ) {
    super(
      value === undefined ? `invalid config ${key}: ${reason}` : `invalid value ${value} for config ${key}: ${reason}`,
    );
    this.name = 'InvalidConfigError';
  }
}

function errnoCode(cause: unknown): string | undefined {
  if (typeof cause !== 'object' || cause === null || !('code' in cause)) return undefined;
  const code = cause.code;
  return typeof code === 'string' ? code : undefined;
}

/** Wraps a Node file-system error (or anything thrown by one) as a StorageIoError, keeping it as the cause. */
export function storageIoError(what: string, err: unknown): StorageIoError {
  if (err instanceof StorageIoError) return err;
  const detail = err instanceof Error ? err.message : String(err);
  return new StorageIoError(`${what}: ${detail}`, { cause: err });
}

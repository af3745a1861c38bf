import { ProtocolDecodeError, ProtocolError } from '../protocol-error.js';

/** What was wrong with the bytes; lets callers log or count corruption by kind without parsing messages. */
export type CorruptRecordReason = 'magic' | 'length' | 'crc' | 'record' | 'compressed-data';

/**
 * Record data (a v2 batch, a record inside it, or a legacy message) that is not well formed. The broker answers
 * CORRUPT_MESSAGE for it; storage treats it as the end of the valid log during recovery.
 */
export class CorruptRecordError extends ProtocolDecodeError {
  constructor(
    readonly reason: CorruptRecordReason,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'CorruptRecordError';
  }
}

/** A compression id (attributes bits 0-2) we have no codec for; the broker answers UNSUPPORTED_COMPRESSION_TYPE. */
export class UnsupportedCompressionError extends ProtocolError {
  constructor(readonly compression: number) {
    super(`unsupported compression type ${compression}`);
    this.name = 'UnsupportedCompressionError';
  }
}

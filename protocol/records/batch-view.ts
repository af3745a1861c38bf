import { crc32c } from './crc32c.js';
import { CorruptRecordError } from './errors.js';
import { readInt64, writeInt64 } from './int64.js';

/**
 * Byte positions of the record batch v2 header fields, relative to the start of the batch:
 *
 *   baseOffset int64 | batchLength int32 | partitionLeaderEpoch int32 | magic int8 | crc uint32 | attributes int16 |
 *   lastOffsetDelta int32 | baseTimestamp int64 | maxTimestamp int64 | producerId int64 | producerEpoch int16 |
 *   baseSequence int32 | recordsCount int32 | records…
 *
 * batchLength counts the bytes after itself. The CRC-32C covers [ATTRIBUTES, end), so the broker can rewrite
 * baseOffset and partitionLeaderEpoch in place without recomputing it.
 */
export const BatchHeader = {
  BASE_OFFSET: 0,
  LENGTH: 8,
  PARTITION_LEADER_EPOCH: 12,
  MAGIC: 16,
  CRC: 17,
  ATTRIBUTES: 21,
  LAST_OFFSET_DELTA: 23,
  BASE_TIMESTAMP: 27,
  MAX_TIMESTAMP: 35,
  PRODUCER_ID: 43,
  PRODUCER_EPOCH: 51,
  BASE_SEQUENCE: 53,
  RECORDS_COUNT: 57,
  RECORDS: 61,
} as const;

/** Size of the v2 batch header; the records start here. */
export const RECORD_BATCH_OVERHEAD = BatchHeader.RECORDS;
/** baseOffset + batchLength: the part of every log entry (v0, v1 and v2) that batchLength does not count. */
export const LOG_OVERHEAD = 12;
/** Bytes needed to read any entry's offset, length and magic, whatever its format. */
export const HEADER_SIZE_UP_TO_MAGIC = BatchHeader.MAGIC + 1;
/** The smallest valid batchLength of a v2 batch: a header with no records. */
export const MIN_BATCH_LENGTH = RECORD_BATCH_OVERHEAD - LOG_OVERHEAD;
export const MAGIC_V2 = 2;

/** Bits of the v2 attributes field. */
export const BatchAttributes = {
  COMPRESSION_MASK: 0x07,
  TIMESTAMP_TYPE: 0x08,
  TRANSACTIONAL: 0x10,
  CONTROL: 0x20,
  DELETE_HORIZON: 0x40,
} as const;

export const TimestampType = { CreateTime: 0, LogAppendTime: 1 } as const;
export type TimestampType = (typeof TimestampType)[keyof typeof TimestampType];

/** Kafka's "unset" sentinels. */
export const NO_TIMESTAMP = -1;
export const NO_PRODUCER_ID = -1;
export const NO_PRODUCER_EPOCH = -1;
export const NO_SEQUENCE = -1;
export const NO_PARTITION_LEADER_EPOCH = -1;

/**
 * Zero-copy view of one log entry at `position` in `buf`, read straight from the bytes on every access.
 *
 * Any entry has baseOffset, batchLength and magic at the same positions, so a view can tell legacy (v0/v1)
 * messages apart; the other getters are meaningful only for magic 2. Untrusted input must pass validate()
 * before its v2 fields are trusted. The setters write into `buf`: callers own the bytes they patch.
 */
export class RecordBatchView {
  constructor(
    readonly buf: Buffer,
    readonly position = 0,
  ) {
    if (position < 0 || buf.length - position < HEADER_SIZE_UP_TO_MAGIC) {
      throw new CorruptRecordError('length', `need ${HEADER_SIZE_UP_TO_MAGIC} bytes for a batch header at ${position}`);
    }
  }

  get baseOffset(): number {
    return readInt64(this.buf, this.position + BatchHeader.BASE_OFFSET);
  }

  get batchLength(): number {
    return this.buf.readInt32BE(this.position + BatchHeader.LENGTH);
  }

  /** The whole entry on the wire or on disk: batchLength + LOG_OVERHEAD. */
  get sizeInBytes(): number {
    return this.batchLength + LOG_OVERHEAD;
  }

  /** The entry's bytes, as a view. */
  get bytes(): Buffer {
    return this.buf.subarray(this.position, this.position + this.sizeInBytes);
  }

  get partitionLeaderEpoch(): number {
    return this.buf.readInt32BE(this.position + BatchHeader.PARTITION_LEADER_EPOCH);
  }

  get magic(): number {
    return this.buf.readInt8(this.position + BatchHeader.MAGIC);
  }

  get crc(): number {
    return this.buf.readUInt32BE(this.position + BatchHeader.CRC);
  }

  get attributes(): number {
    return this.buf.readInt16BE(this.position + BatchHeader.ATTRIBUTES);
  }

  /** Kafka compression id (0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd; 5-7 are invalid). */
  get compression(): number {
    return this.attributes & BatchAttributes.COMPRESSION_MASK;
  }

  get timestampType(): TimestampType {
    return this.attributes & BatchAttributes.TIMESTAMP_TYPE ? TimestampType.LogAppendTime : TimestampType.CreateTime;
  }

  get isTransactional(): boolean {
    return (this.attributes & BatchAttributes.TRANSACTIONAL) !== 0;
  }

  get isControl(): boolean {
    return (this.attributes & BatchAttributes.CONTROL) !== 0;
  }

  /** Set by the log cleaner: baseTimestamp then holds the time after which tombstones may be removed. */
  get hasDeleteHorizon(): boolean {
    return (this.attributes & BatchAttributes.DELETE_HORIZON) !== 0;
  }

  get lastOffsetDelta(): number {
    return this.buf.readInt32BE(this.position + BatchHeader.LAST_OFFSET_DELTA);
  }

  get lastOffset(): number {
    return this.baseOffset + this.lastOffsetDelta;
  }

  get baseTimestamp(): number {
    return readInt64(this.buf, this.position + BatchHeader.BASE_TIMESTAMP);
  }

  get maxTimestamp(): number {
    return readInt64(this.buf, this.position + BatchHeader.MAX_TIMESTAMP);
  }

  get producerId(): number {
    return readInt64(this.buf, this.position + BatchHeader.PRODUCER_ID);
  }

  get producerEpoch(): number {
    return this.buf.readInt16BE(this.position + BatchHeader.PRODUCER_EPOCH);
  }

  get baseSequence(): number {
    return this.buf.readInt32BE(this.position + BatchHeader.BASE_SEQUENCE);
  }

  get recordsCount(): number {
    return this.buf.readInt32BE(this.position + BatchHeader.RECORDS_COUNT);
  }

  /** Not covered by the CRC: the broker assigns it on append. */
  setBaseOffset(offset: number): void {
    writeInt64(this.buf, this.position + BatchHeader.BASE_OFFSET, offset);
  }

  /** Not covered by the CRC: the leader stamps its epoch on append. */
  setPartitionLeaderEpoch(epoch: number): void {
    this.buf.writeInt32BE(epoch, this.position + BatchHeader.PARTITION_LEADER_EPOCH);
  }

  /**
   * Marks the batch LogAppendTime with `timestampMs` as its maxTimestamp (which readers then use for every
   * record), and recomputes the CRC, since both fields are covered by it. Validate the batch first: this blesses
   * whatever bytes are there.
   */
  setLogAppendTime(timestampMs: number): void {
    const at = this.position + BatchHeader.ATTRIBUTES;
    this.buf.writeInt16BE(this.buf.readInt16BE(at) | BatchAttributes.TIMESTAMP_TYPE, at);
    writeInt64(this.buf, this.position + BatchHeader.MAX_TIMESTAMP, timestampMs);
    this.buf.writeUInt32BE(this.computeCrc(), this.position + BatchHeader.CRC);
  }

  /** CRC-32C over [ATTRIBUTES, end of batch). */
  computeCrc(): number {
    return crc32c(this.buf, this.position + BatchHeader.ATTRIBUTES, this.position + this.sizeInBytes);
  }

  isValidCrc(): boolean {
    return this.#hasValidLength() && this.crc === this.computeCrc();
  }

  /** Magic 2, a batchLength that covers a header and fits the buffer, and a matching CRC; else CorruptRecordError. */
  validate(): void {
    if (this.magic !== MAGIC_V2) {
      throw new CorruptRecordError('magic', `record batch at ${this.position} has magic ${this.magic}, expected 2`);
    }
    if (!this.#hasValidLength()) {
      throw new CorruptRecordError(
        'length',
        `record batch at ${this.position} has length ${this.batchLength}; ${this.buf.length - this.position} bytes available`,
      );
    }
    const computed = this.computeCrc();
    if (computed !== this.crc) {
      throw new CorruptRecordError(
        'crc',
        `record batch at ${this.position} has CRC ${this.crc.toString(16)}, computed ${computed.toString(16)}`,
      );
    }
  }

  #hasValidLength(): boolean {
    const length = this.batchLength;
    return length >= MIN_BATCH_LENGTH && length + LOG_OVERHEAD <= this.buf.length - this.position;
  }
}

import { describe, expect, it } from 'vitest';
import { errorCodeFor, errorMessageFor } from '../../../broker/api/error-mapping.js';
import { ErrorCode, KafkaError } from '../../../protocol/index.js';
import {
  CorruptRecordError,
  DuplicateSequenceError,
  InvalidConfigError,
  InvalidProducerEpochError,
  InvalidRecordError,
  OutOfOrderSequenceError,
  OffsetOutOfRangeError,
  RecordBatchTooLargeError,
  StorageIoError,
} from '../../../storage/index.js';
import {
  ZkInvalidPartitionsError,
  ZkTopicExistsError,
  ZkUnknownTopicError,
} from '../../../broker/zk/kafka-zk-store.js';
import { ControllerMovedError } from '../../../broker/zk/zk-errors.js';

describe('errorCodeFor', () => {
  it.each([
    [new KafkaError(ErrorCode.NOT_ENOUGH_REPLICAS), ErrorCode.NOT_ENOUGH_REPLICAS],
    [new OffsetOutOfRangeError(9, 0, 3), ErrorCode.OFFSET_OUT_OF_RANGE],
    [new CorruptRecordError('crc', 'bad crc'), ErrorCode.CORRUPT_MESSAGE],
    [new RecordBatchTooLargeError(200, 100), ErrorCode.MESSAGE_TOO_LARGE],
    [new InvalidRecordError('no key'), ErrorCode.INVALID_RECORD],
    [new StorageIoError('write failed'), ErrorCode.KAFKA_STORAGE_ERROR],
    [new InvalidConfigError('retention.ms', 'x', 'not a number'), ErrorCode.INVALID_CONFIG],
    [new OutOfOrderSequenceError(7, 0, 5, 2), ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER],
    [new DuplicateSequenceError(7, 3), ErrorCode.DUPLICATE_SEQUENCE_NUMBER],
    [new InvalidProducerEpochError(7, 1, 2), ErrorCode.INVALID_PRODUCER_EPOCH],
    [new ZkTopicExistsError('t'), ErrorCode.TOPIC_ALREADY_EXISTS],
    [new ZkUnknownTopicError('t'), ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    [new ZkInvalidPartitionsError('gap'), ErrorCode.INVALID_PARTITIONS],
    [new ControllerMovedError('deposed'), ErrorCode.NOT_CONTROLLER],
    [new TypeError('oops'), ErrorCode.UNKNOWN_SERVER_ERROR],
    ['a string', ErrorCode.UNKNOWN_SERVER_ERROR],
    [undefined, ErrorCode.UNKNOWN_SERVER_ERROR],
  ])('maps %o to %i', (err, code) => {
    expect(errorCodeFor(err)).toBe(code);
  });
});

describe('errorMessageFor', () => {
  it('passes mapped messages through and hides internal ones', () => {
    expect(errorMessageFor(new RecordBatchTooLargeError(200, 100))).toMatch(/200 bytes exceeds the maximum of 100/);
    expect(errorMessageFor(new KafkaError(ErrorCode.REQUEST_TIMED_OUT, 'too slow'))).toBe('too slow');
    expect(errorMessageFor(new StorageIoError('write /data/t-0/00000000000000000000.log: EIO'))).toBeNull();
    expect(errorMessageFor(new TypeError('x is undefined'))).toBeNull();
    expect(errorMessageFor('nope')).toBeNull();
  });
});

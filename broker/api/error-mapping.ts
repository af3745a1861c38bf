import { ErrorCode, KafkaError } from '../../protocol/index.js';
import {
  CorruptRecordError,
  DuplicateSequenceError,
  InvalidConfigError,
  InvalidProducerEpochError,
  InvalidRecordError,
  OffsetOutOfRangeError,
  OutOfOrderSequenceError,
  RecordBatchTooLargeError,
  StorageIoError,
} from '../../storage/index.js';
import { ZkInvalidPartitionsError, ZkTopicExistsError, ZkUnknownTopicError } from '../zk/kafka-zk-store.js';
import { ControllerMovedError } from '../zk/zk-errors.js';

/**
 * The only place exceptions become wire error codes (ARCHITECTURE.md §3.4). Handlers and the replica layer catch
 * per partition and call this; anything not listed is a bug or an unexpected fault and becomes
 * UNKNOWN_SERVER_ERROR, which the caller logs once with its stack.
 */
export function errorCodeFor(err: unknown): ErrorCode {
  if (err instanceof KafkaError) return err.code;
  if (err instanceof OffsetOutOfRangeError) return ErrorCode.OFFSET_OUT_OF_RANGE;
  if (err instanceof CorruptRecordError) return ErrorCode.CORRUPT_MESSAGE;
  // Kafka answers a batch over max.message.bytes with MESSAGE_TOO_LARGE (RECORD_LIST_TOO_LARGE is for a whole request)
  if (err instanceof RecordBatchTooLargeError) return ErrorCode.MESSAGE_TOO_LARGE;
  if (err instanceof InvalidRecordError) return ErrorCode.INVALID_RECORD;
  if (err instanceof StorageIoError) return ErrorCode.KAFKA_STORAGE_ERROR;
  if (err instanceof InvalidConfigError) return ErrorCode.INVALID_CONFIG;
  if (err instanceof OutOfOrderSequenceError) return ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER;
  if (err instanceof DuplicateSequenceError) return ErrorCode.DUPLICATE_SEQUENCE_NUMBER;
  if (err instanceof InvalidProducerEpochError) return ErrorCode.INVALID_PRODUCER_EPOCH;
  if (err instanceof ZkTopicExistsError) return ErrorCode.TOPIC_ALREADY_EXISTS;
  if (err instanceof ZkUnknownTopicError) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
  if (err instanceof ZkInvalidPartitionsError) return ErrorCode.INVALID_PARTITIONS;
  if (err instanceof ControllerMovedError) return ErrorCode.NOT_CONTROLLER;
  return ErrorCode.UNKNOWN_SERVER_ERROR;
}

/**
 * The message to put in a response's errorMessage field: the error's own message for the errors we map, null
 * for unknown ones, so internal details (paths, stack-worthy faults) never reach clients.
 */
export function errorMessageFor(err: unknown): string | null {
  if (!(err instanceof Error) || errorCodeFor(err) === ErrorCode.UNKNOWN_SERVER_ERROR) return null;
  // StorageIoError messages name files on the broker's disk; the code alone tells the client what it needs
  if (err instanceof StorageIoError) return null;
  return err.message;
}

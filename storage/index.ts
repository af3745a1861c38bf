/**
 * storage/: partition logs on disk in Kafka's format. Segments with offset and time indexes, retention,
 * compaction, crash recovery, leader epochs, and the LogManager that owns every log under log.dirs. No network,
 * no broker knowledge; the only import from protocol/ is the record-batch format.
 */
export * from './checkpoint-file.js';
export * from './cleaner/index.js';
export { type Clock, MockClock, SystemClock } from './clock.js';
export * from './errors.js';
export { FileHandleCache } from './file-handle-cache.js';
export {
  type EpochEndOffset,
  type EpochStart,
  LeaderEpochCache,
  UNDEFINED_EPOCH,
  UNDEFINED_EPOCH_OFFSET,
} from './leader-epoch-cache.js';
export { Log } from './log.js';
export {
  EARLIEST_TIMESTAMP,
  LATEST_TIMESTAMP,
  type LogAppendInfo,
  type LogAppendOptions,
  type LogReadOptions,
  type LogReadResult,
  MAX_TIMESTAMP,
  type ReplaceSegmentsOptions,
  type SwapStep,
  type TruncationListener,
} from './log-types.js';
export * from './log-config.js';
export { loadLog, type LoadLogOptions } from './log-loader.js';
export { CLEAN_SHUTDOWN_FILE, LogManager, type LogManagerOptions } from './log-manager.js';
export { SILENT_LOGGER, type StorageLogger } from './logger.js';
export * from './producer-snapshot-file.js';
export * from './producer-state-manager.js';
export { LogSegment, type TimestampAndOffset } from './segment.js';
export { segmentFileName, parseSegmentFileName } from './segment-files.js';

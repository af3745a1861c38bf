/**
 * Log compaction: the background LogCleaner, the Cleaner that compacts one log, what is cleanable, the offset map
 * (key → latest offset) and the record-level batch filter.
 */
export { BatchRetention, filterBatches, forEachRecord } from './batch-filter.js';
export type {
  BatchDecision,
  FilterOptions,
  FilterResult,
  RecordDecider,
  RecordVisitor,
  RecordVisitorFn,
  VisitResult,
} from './batch-filter.js';
export {
  DEFAULT_OFFSET_MAP_LOAD_FACTOR,
  DEFAULT_OFFSET_MAP_MEMORY_BYTES,
  OFFSET_MAP_BYTES_PER_ENTRY,
  OffsetMap,
} from './offset-map.js';
export type { KeyDigest, OffsetMapOptions } from './offset-map.js';
export {
  cleanableOffsets,
  isCleanable,
  logToClean,
  maxCompactionDelay,
  nonActiveSegmentsFrom,
  segmentsInRange,
} from './cleanable.js';
export type { LogToClean, OffsetsToClean } from './cleanable.js';
export { Cleaner, DEFAULT_CLEANER_IO_BUFFER_SIZE, groupSegmentsBySize, LogCleaningAbortedError } from './cleaner.js';
export type { CleanContext, CleanerOptions, CleanerStats, CleaningStep, CleanResult } from './cleaner.js';
export { DEFAULT_CLEANER_BACKOFF_MS, LogCleaner } from './log-cleaner.js';
export type { CleanableLog, CleaningSummary, LogCleanerDeps, LogCleanerOptions } from './log-cleaner.js';
export { lastBatchesOfProducers } from './producer-state.js';
export type { ProducerLastBatch } from './producer-state.js';
export { CleanedTransactionMetadata } from './transaction-metadata.js';

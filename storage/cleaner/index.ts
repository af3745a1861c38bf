/** Log compaction: the offset map (key → latest offset) and the record-level batch filter. */
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

import type { Clock } from './clock.js';
import type { FileHandleCache } from './file-handle-cache.js';
import type { LeaderEpochCache } from './leader-epoch-cache.js';
import type { LogConfig } from './log-config.js';
import type { StorageLogger } from './logger.js';
import type { ProducerStateManager } from './producer-state-manager.js';
import type { LogSegments } from './segments.js';

/** What one append wrote. Offsets are absolute; logAppendTime is -1 unless the topic uses LogAppendTime. */
export interface LogAppendInfo {
  firstOffset: number;
  lastOffset: number;
  maxTimestamp: number;
  offsetOfMaxTimestamp: number;
  logAppendTime: number;
  logStartOffset: number;
  batchCount: number;
  recordCount: number;
  validBytes: number;
}

export interface LogReadOptions {
  maxBytes: number;
  /** Exclusive upper bound on the offsets returned (the high watermark for consumers); default: log end. */
  maxOffset?: number;
  /** Return the first batch whole even when it is larger than maxBytes (KIP-74). Default true. */
  minOneBatch?: boolean;
  /**
   * Space the read may fill: `records` is then usually a view of it, valid until the caller reuses the buffer
   * (a fetch path with buffers of its own saves allocating fresh memory per read). When the bytes do not fit,
   * the read allocates as without it. Reads look a little ahead of maxBytes: maxBytes + 64 KiB is enough.
   */
  buffer?: Buffer;
}

export interface LogReadResult {
  /** Whole batches, concatenated; empty when there is nothing at or after the offset below maxOffset. */
  records: Buffer;
  logStartOffset: number;
  logEndOffset: number;
}

export interface LogAppendOptions {
  /**
   * 'client' only: written into each batch's partitionLeaderEpoch and, when ≥ 0, recorded in the leader epoch
   * cache as starting at the append's first offset (unless it is already the latest epoch). Default -1.
   */
  leaderEpoch?: number;
  /**
   * 'client': the leader assigns offsets. 'replication': offsets and each batch's partitionLeaderEpoch come from the
   * leader and are kept; the epochs enter the cache at their batches' base offsets.
   */
  origin?: 'client' | 'replication';
}

/** Kafka's special ListOffsets timestamps. */
export const EARLIEST_TIMESTAMP = -2;
export const LATEST_TIMESTAMP = -1;
export const MAX_TIMESTAMP = -3;

/**
 * The steps of Log.replaceSegments after its checks, in order. Each leaves the directory in a state LogLoader
 * recovers from: before 'swap' the cleaned files end in `.cleaned` (removed on load); from 'swap' on a `.log.swap`
 * exists and replaces the segments it covers on load; 'old-renamed' leaves `.deleted` files (removed on load);
 * 'renamed' is the finished swap with only the `.deleted` files left to remove.
 */
export type SwapStep = 'swap' | 'replaced' | 'old-renamed' | 'renamed';

export interface ReplaceSegmentsOptions {
  /** Checked on the log's queue before anything changes; false abandons the swap (the caller deletes `cleaned`). */
  canSwap?: () => boolean;
  /** Test hook run after each step; throwing from it stops the swap there, as a crash would. */
  afterStep?: (step: SwapStep) => void | Promise<void>;
}

/** Told the new log end offset after a truncation (runs on the log's queue, so it must not call back into it). */
export type TruncationListener = (offset: number) => void;

export interface LogState {
  dir: string;
  config: LogConfig;
  clock: Clock;
  handles: FileHandleCache;
  logger: StorageLogger;
  segments: LogSegments;
  logStartOffset: number;
  logEndOffset: number;
  recoveryPoint: number;
  /** Loaded by LogLoader; default: empty, without snapshots on disk. */
  producerState?: ProducerStateManager;
  /** Loaded by LogLoader; default: empty, at `<dir>/leader-epoch-checkpoint`. */
  leaderEpochCache?: LeaderEpochCache;
}

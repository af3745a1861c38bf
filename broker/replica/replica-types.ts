import type { ErrorCode } from '../../protocol/index.js';
import type { FollowerState, IsolationLevel, LeaderState, RequiredAcks } from './partition-types.js';

export interface MakeLeaderRequest extends LeaderState {
  topic: string;
  partition: number;
}

export interface MakeFollowerRequest extends FollowerState {
  topic: string;
  partition: number;
}

export interface AppendEntry {
  topic: string;
  partition: number;
  records: Buffer;
}

export interface AppendOptions {
  requiredAcks: RequiredAcks;
  /** How long acks=all waits for the ISR. */
  timeoutMs: number;
  /** Overrides the topic's min.insync.replicas. */
  minInsyncReplicas?: number;
}

export interface AppendResult {
  topic: string;
  partition: number;
  errorCode: ErrorCode;
  errorMessage: string | null;
  baseOffset: number;
  logAppendTimeMs: number;
  logStartOffset: number;
}

export interface FetchPartitionRequest {
  topic: string;
  partition: number;
  fetchOffset: number;
  partitionMaxBytes: number;
  /** Fetch v9+: the leader epoch the fetcher knows; -1 (default) skips fencing. */
  currentLeaderEpoch?: number;
  /** Fetch v5+: a follower's log start offset; -1 (default) when unknown. */
  logStartOffset?: number;
}

export interface FetchRequest {
  /** A follower's broker id (replica fetch: reads up to the log end and counts as the follower's progress); -1 or absent for consumers. */
  replicaId?: number;
  maxWaitMs: number;
  minBytes: number;
  maxBytes: number;
  isolationLevel: IsolationLevel;
  partitions: readonly FetchPartitionRequest[];
  /** Reusable read buffers; the results may be views of them (see LogReadOptions.buffer). */
  buffers?: ReadBuffers;
}

export interface ReadBuffers {
  take(maxBytes: number): Buffer | undefined;
}

export interface FetchPartitionResult {
  topic: string;
  partition: number;
  errorCode: ErrorCode;
  highWatermark: number;
  lastStableOffset: number;
  logStartOffset: number;
  /** Whole batches (possibly empty); null with an error. */
  records: Buffer | null;
}

export interface ListOffsetsEntry {
  topic: string;
  partition: number;
  timestamp: number;
}

export interface ListOffsetsResult {
  topic: string;
  partition: number;
  errorCode: ErrorCode;
  /** -1 (with the timestamp) when no offset matches. */
  offset: number;
  timestamp: number;
  leaderEpoch: number;
}

export interface DeleteRecordsEntry {
  topic: string;
  partition: number;
  /** Delete every record below this offset; -1 means the high watermark. */
  offset: number;
}

export interface DeleteRecordsResult {
  topic: string;
  partition: number;
  errorCode: ErrorCode;
  /** The new log start offset; -1 with an error. */
  lowWatermark: number;
}

export interface EpochEndOffsetRequest {
  topic: string;
  partition: number;
  /** The requester's idea of the current leader epoch; -1 skips fencing. */
  currentLeaderEpoch: number;
  /** The epoch whose end offset is asked for. */
  leaderEpoch: number;
}

export interface EpochEndOffsetResult {
  topic: string;
  partition: number;
  errorCode: ErrorCode;
  /** The largest epoch ≤ the one asked for that the leader knows; -1 when none (or with an error). */
  leaderEpoch: number;
  /** Where that epoch ends (exclusive); -1 when unknown. */
  endOffset: number;
}

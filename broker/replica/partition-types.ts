import type { ErrorCode } from '../../protocol/index.js';
import type { Log } from '../../storage/index.js';
import type { Logger } from '../logger.js';
import type { PartitionStateWriter } from './partition-state-writer.js';

/** Fetch and ListOffsets isolation levels (the int8 on the wire). */
export const IsolationLevel = { READ_UNCOMMITTED: 0, READ_COMMITTED: 1 } as const;
export type IsolationLevel = (typeof IsolationLevel)[keyof typeof IsolationLevel];

/** Produce acks: 0 (no response), 1 (leader wrote it), -1 (every ISR member has it). */
export type RequiredAcks = -1 | 0 | 1;

/** A request's current_leader_epoch when it names none (fencing is then skipped). */
export const NO_LEADER_EPOCH = -1;

/** The leadership state the controller hands us (LeaderAndIsr). */
export interface LeaderState {
  topicId: string;
  leaderEpoch: number;
  isr: readonly number[];
  replicas: readonly number[];
  /** The state's version (zkVersion); an older one than applied, in the same leader epoch, is ignored. */
  partitionEpoch?: number;
  /** The controller epoch that decided it, written back with ISR changes. */
  controllerEpoch?: number;
}

/** LeaderAndIsr for a partition this broker follows. */
export interface FollowerState extends LeaderState {
  leader: number;
}

export interface LeaderAppendResult {
  firstOffset: number;
  lastOffset: number;
  /** -1 unless the topic uses LogAppendTime. */
  logAppendTimeMs: number;
  logStartOffset: number;
}

export interface PartitionReadOptions {
  /** Return the first batch whole even when larger than maxBytes (KIP-74). */
  minOneBatch: boolean;
  /** Scratch space for the read; see LogReadOptions.buffer. */
  buffer?: Buffer;
  /** The fetcher's idea of the leader epoch (Fetch v9+); NO_LEADER_EPOCH skips the check. */
  currentLeaderEpoch?: number;
}

export interface PartitionReadResult {
  records: Buffer;
  /** The bounds the read used, taken before it started, so records never go past them. */
  highWatermark: number;
  lastStableOffset: number;
  logStartOffset: number;
}

/** A follower's fetch as the leader sees it. */
export interface FollowerFetch {
  replicaId: number;
  fetchOffset: number;
  /** The follower's log start offset (Fetch v5+), -1 when unknown. */
  logStartOffset: number;
  currentLeaderEpoch: number;
  maxBytes: number;
  minOneBatch: boolean;
  buffer?: Buffer;
  /** Record the fetch offset as the follower's log end (the first read of a fetch; not its long-poll re-reads). */
  updateFetchState: boolean;
}

export interface OffsetAndTimestamp {
  offset: number;
  timestamp: number;
  leaderEpoch: number;
}

export interface EpochEndOffsetAnswer {
  errorCode: ErrorCode;
  leaderEpoch: number;
  endOffset: number;
}

export interface PartitionOptions {
  topic: string;
  partition: number;
  log: Log;
  brokerId: number;
  /** The checkpointed high watermark, clamped to [log start, log end]; default the log start. */
  initialHighWatermark?: number;
  logger: Logger;
  /** Clock for follower lag; default Date.now. */
  now?: () => number;
  /** replica.lag.time.max.ms. */
  replicaLagTimeMaxMs?: number;
  /** Commits ISR changes; absent on a single node, where the ISR never changes. */
  stateWriter?: PartitionStateWriter;
  /** Whether a broker may join the ISR (Kafka's ZooKeeper mode: it is alive); default every broker. */
  isReplicaIsrEligible?: (brokerId: number) => boolean;
  /** Wait before a failed ISR write is sent again. */
  isrRetryBackoffMs?: number;
}

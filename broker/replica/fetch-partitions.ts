import { ErrorCode } from '../../protocol/index.js';
import { awaitDelayedFetch, type Subscribe } from './delayed-fetch.js';
import type { Partition } from './partition.js';
import { NO_LEADER_EPOCH } from './partition-types.js';
import type { FetchPartitionRequest, FetchPartitionResult, FetchRequest } from './replica-types.js';

/** What a fetch needs of the ReplicaManager. */
export interface FetchContext {
  getPartition(topic: string, partition: number): Partition | undefined;
  isShutDown(): boolean;
  /** Registers a waiting fetch's expiry (called at shutdown); returns the function that removes it. */
  register(expire: () => void): () => void;
  /** Maps a read's error to its code (logging unexpected ones). */
  codeFor(err: unknown, topic: string, partition: number, what: string): ErrorCode;
  onError(err: unknown): void;
}

/**
 * Fetch with Kafka's long-poll semantics (ReplicaManager.fetchMessages): answer at once on an error, when the
 * bytes reach minBytes, or when maxWaitMs is 0; otherwise wait (awaitDelayedFetch) for appends to the watched
 * partitions. A consumer reads below the HW and waits for the HW to move; a follower (replicaId ≥ 0) reads up to
 * the log end, waits for the log end to move, and its first read records its progress with the leader (re-reads
 * of the same fetch do not). Never rejects.
 */
export async function fetchPartitions(
  request: FetchRequest,
  context: FetchContext,
  signal?: AbortSignal,
): Promise<FetchPartitionResult[]> {
  // what each partition's first read saw (HW for consumers, log end for followers), to catch changes since
  const seen: number[] = [];
  const first = await readAll(request, context, seen);
  if (request.maxWaitMs <= 0 || context.isShutDown() || signal?.aborted === true || isSatisfied(request, first)) {
    return first;
  }
  const follower = isFollowerFetch(request);
  const watch: Subscribe[] = [];
  let changedSinceRead = false;
  for (const [i, p] of request.partitions.entries()) {
    const partition = context.getPartition(p.topic, p.partition);
    if (partition === undefined) continue;
    watch.push(follower ? (l) => partition.onLogEnd(l) : (l) => partition.onChange(l));
    // an append that landed while the first read was in flight notified before anyone listened
    const now = follower ? partition.log.logEndOffset : partition.highWatermark;
    if (now !== seen[i] || partition.closed) changedSinceRead = true;
  }
  return awaitDelayedFetch({
    watch,
    changedSinceRead,
    maxWaitMs: request.maxWaitMs,
    signal,
    read: () => readAll(request, context),
    isComplete: (results) => isSatisfied(request, results),
    register: (expire) => context.register(expire),
    onError: (err) => context.onError(err),
  });
}

function isFollowerFetch(request: FetchRequest): boolean {
  return (request.replicaId ?? -1) >= 0;
}

/**
 * Reads the partitions in request order, spending the response's maxBytes (KIP-74 for the first batch). `seen`
 * (first read only) collects each partition's bound before its read and marks the read as the one that records a
 * follower's progress.
 */
async function readAll(request: FetchRequest, context: FetchContext, seen?: number[]): Promise<FetchPartitionResult[]> {
  const results: FetchPartitionResult[] = [];
  let remainingBytes = request.maxBytes;
  let minOneBatch = true;
  for (const p of request.partitions) {
    const result = await readOne(request, p, context, Math.min(p.partitionMaxBytes, remainingBytes), minOneBatch, seen);
    const size = result.records?.length ?? 0;
    if (size > 0) {
      // only the first non-empty partition may exceed the limits with its first batch
      minOneBatch = false;
      remainingBytes = Math.max(0, remainingBytes - size);
    }
    results.push(result);
  }
  return results;
}

async function readOne(
  request: FetchRequest,
  p: FetchPartitionRequest,
  context: FetchContext,
  maxBytes: number,
  minOneBatch: boolean,
  seen: number[] | undefined,
): Promise<FetchPartitionResult> {
  const base = { topic: p.topic, partition: p.partition };
  const partition = context.getPartition(p.topic, p.partition);
  if (partition === undefined) {
    seen?.push(-1);
    return { ...base, ...NO_OFFSETS, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
  }
  const replicaId = request.replicaId ?? -1;
  const currentLeaderEpoch = p.currentLeaderEpoch ?? NO_LEADER_EPOCH;
  const bound = replicaId >= 0 ? partition.log.logEndOffset : partition.highWatermark;
  seen?.push(bound);
  // a caught-up fetcher reads nothing: no buffer to hold through its long poll
  const buffer = p.fetchOffset < bound ? request.buffers?.take(maxBytes) : undefined;
  try {
    const read =
      replicaId >= 0
        ? await partition.readForFollower({
            replicaId,
            fetchOffset: p.fetchOffset,
            logStartOffset: p.logStartOffset ?? -1,
            currentLeaderEpoch,
            maxBytes,
            minOneBatch,
            updateFetchState: seen !== undefined,
            ...(buffer === undefined ? {} : { buffer }),
          })
        : await partition.read(p.fetchOffset, maxBytes, request.isolationLevel, {
            minOneBatch,
            currentLeaderEpoch,
            ...(buffer === undefined ? {} : { buffer }),
          });
    return { ...base, errorCode: ErrorCode.NONE, ...read };
  } catch (err) {
    // an out-of-range fetcher needs the bounds to reset its position
    return {
      ...base,
      errorCode: context.codeFor(err, p.topic, p.partition, 'read failed'),
      highWatermark: partition.highWatermark,
      lastStableOffset: partition.lastStableOffset,
      logStartOffset: partition.log.logStartOffset,
      records: null,
    };
  }
}

const NO_OFFSETS = { highWatermark: -1, lastStableOffset: -1, logStartOffset: -1, records: null } as const;

/** Kafka answers a fetch once any partition fails or the bytes reach minBytes. */
function isSatisfied(request: FetchRequest, results: readonly FetchPartitionResult[]): boolean {
  let bytes = 0;
  for (const r of results) {
    if (r.errorCode !== ErrorCode.NONE) return true;
    bytes += r.records?.length ?? 0;
  }
  return bytes >= request.minBytes;
}

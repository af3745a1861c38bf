import type { Fetch } from '../../../protocol/index.js';
import { ErrorCode, ZERO_UUID, type ResponseInput } from '../../../protocol/index.js';
import { IsolationLevel } from '../../replica/partition.js';
import { ReadBufferPool } from '../../replica/read-buffer-pool.js';
import type { FetchPartitionRequest, FetchPartitionResult, ReplicaManager } from '../../replica/replica-manager.js';
import type { RequestOf } from '../../../protocol/index.js';
import type { ApiHandler } from '../router.js';

/**
 * Versions served: 4-13 (record batches v2 from 4; topic ids from 13, paired with Metadata up to 12, as
 * protocol-surface.md's option B requires). Fetch sessions are not kept: every answer carries session id 0, which
 * tells clients to send full fetches (Kafka does the same when its session cache is full).
 */
export const FETCH_RANGE = { min: 4, max: 13 };

/** How Fetch v13+ names topics: by id. */
export interface TopicIdLookup {
  topicId(name: string): string | undefined;
  topicName(id: string): string | undefined;
}

type TopicResponse = ResponseInput<typeof Fetch>['responses'][number];

const EMPTY = Buffer.alloc(0);

/**
 * Fetch, from consumers and from followers. The replica id (v4-14 top level, v15+ ReplicaState) tells them apart:
 * -1 (or -2, a debugging consumer) is a consumer, which reads below the high watermark and waits for it to move;
 * a broker id is a follower, which reads up to the log end, waits for appends, and whose fetch offset the leader
 * records as the follower's log end (the ISR and high watermark follow; a broker that is not a replica of the
 * partition gets NOT_LEADER_OR_FOLLOWER). Both long-poll in the ReplicaManager until min_bytes, max_wait_ms, or the
 * connection closing, and both are fenced by current_leader_epoch (v9+): older than the leader's →
 * FENCED_LEADER_EPOCH, newer → UNKNOWN_LEADER_EPOCH. Partitions of unknown topic ids get UNKNOWN_TOPIC_ID, and an
 * incremental fetch of a session we never gave out gets FETCH_SESSION_ID_NOT_FOUND.
 */
export function fetchHandler(replicaManager: ReplicaManager, topics: TopicIdLookup): ApiHandler<typeof Fetch> {
  const pool = new ReadBufferPool();
  return async ({ header, body, connection, onResponseWritten }) => {
    const byId = header.apiVersion >= 13;
    if (body.sessionId !== 0) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND, sessionId: 0, responses: [] };
    }
    const wanted: FetchPartitionRequest[] = [];
    const unknownIds = new Set<string>();
    for (const t of body.topics) {
      const name = byId ? topics.topicName(t.topicId) : t.topic;
      if (name === undefined) {
        unknownIds.add(t.topicId);
        continue;
      }
      for (const p of t.partitions) {
        wanted.push({
          topic: name,
          partition: p.partition,
          fetchOffset: p.fetchOffset,
          partitionMaxBytes: p.partitionMaxBytes,
          currentLeaderEpoch: p.currentLeaderEpoch,
          logStartOffset: p.logStartOffset,
        });
      }
    }
    const isolationLevel =
      body.isolationLevel === IsolationLevel.READ_COMMITTED
        ? IsolationLevel.READ_COMMITTED
        : IsolationLevel.READ_UNCOMMITTED;
    // the records are views of the lease's buffers until the socket has taken the response
    const buffers = pool.lease();
    onResponseWritten?.(() => buffers.release());
    const results =
      wanted.length === 0
        ? []
        : await replicaManager.fetch(
            {
              replicaId: replicaIdOf(header.apiVersion, body),
              maxWaitMs: body.maxWaitMs,
              minBytes: body.minBytes,
              maxBytes: body.maxBytes,
              isolationLevel,
              partitions: wanted,
              buffers,
            },
            connection.signal,
          );
    let next = 0;
    const responses: TopicResponse[] = body.topics.map((t) => {
      if (byId && unknownIds.has(t.topicId)) {
        return {
          topic: '',
          topicId: t.topicId,
          partitions: t.partitions.map((p) => unknownTopicId(p.partition)),
        };
      }
      const name = byId ? topics.topicName(t.topicId)! : t.topic;
      return {
        topic: name,
        topicId: byId ? t.topicId : (topics.topicId(name) ?? ZERO_UUID),
        partitions: t.partitions.map(() => partitionResponse(results[next++]!, isolationLevel)),
      };
    });
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, sessionId: 0, responses };
  };
}

/** The fetching broker's id, -1 (or -2) for a consumer: a top-level field until v14, in ReplicaState from v15. */
function replicaIdOf(apiVersion: number, body: RequestOf<typeof Fetch>): number {
  return apiVersion >= 15 ? body.replicaState.replicaId : body.replicaId;
}

function partitionResponse(r: FetchPartitionResult, isolationLevel: IsolationLevel) {
  return {
    partitionIndex: r.partition,
    errorCode: r.errorCode,
    highWatermark: r.highWatermark,
    lastStableOffset: r.lastStableOffset,
    logStartOffset: r.logStartOffset,
    // Kafka lists aborted transactions only for read_committed; none exist until transactions do
    abortedTransactions: isolationLevel === IsolationLevel.READ_COMMITTED ? [] : null,
    preferredReadReplica: -1,
    records: r.records ?? EMPTY,
  };
}

function unknownTopicId(partition: number) {
  return {
    partitionIndex: partition,
    errorCode: ErrorCode.UNKNOWN_TOPIC_ID,
    highWatermark: -1,
    lastStableOffset: -1,
    logStartOffset: -1,
    abortedTransactions: null,
    preferredReadReplica: -1,
    records: EMPTY,
  };
}

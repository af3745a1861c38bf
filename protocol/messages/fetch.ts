import { api, array, int16, int32, int64, int8, records, string, struct, uuid } from '../schema/dsl.js';

/**
 * Fetch (key 1), versions 0-17, flexible from 12.
 * v1 adds throttle time; v2 means message format v1; v3 adds the request MaxBytes and processes partitions in
 * order; v4 adds the isolation level, the last stable offset and aborted transactions (record batch v2); v5 adds
 * log start offsets; v7 adds fetch sessions and forgotten topics (KIP-227); v9 adds the current leader epoch
 * (KIP-320); v10 allows zstd; v11 adds the rack id and the preferred read replica (KIP-392); v12 is flexible and
 * adds the tagged cluster id, the last fetched epoch and the tagged DivergingEpoch / CurrentLeader / SnapshotId
 * (KIP-595); v13 replaces topic names with topic ids, forgotten topics included (KIP-516); v14 adds
 * OFFSET_MOVED_TO_TIERED_STORAGE; v15 drops ReplicaId for the tagged ReplicaState (KIP-903); v16 adds the tagged
 * NodeEndpoints leader hints (KIP-951); v17 adds the tagged ReplicaDirectoryId (KIP-853).
 */
export const Fetch = api({
  key: 1,
  name: 'Fetch',
  minVersion: 0,
  maxVersion: 17,
  flexibleSince: 12,
  request: {
    clusterId: string({ since: 12, tag: 0, nullable: true, default: null }),
    replicaId: int32({ until: 14, default: -1 }),
    replicaState: struct(
      { replicaId: int32({ default: -1 }), replicaEpoch: int64({ default: -1 }) },
      { since: 15, tag: 1 },
    ),
    maxWaitMs: int32(),
    minBytes: int32(),
    maxBytes: int32({ since: 3, default: 0x7fffffff }),
    isolationLevel: int8({ since: 4 }),
    sessionId: int32({ since: 7 }),
    sessionEpoch: int32({ since: 7, default: -1 }),
    topics: array({
      topic: string({ until: 12 }),
      topicId: uuid({ since: 13 }),
      partitions: array({
        partition: int32(),
        currentLeaderEpoch: int32({ since: 9, default: -1 }),
        fetchOffset: int64(),
        lastFetchedEpoch: int32({ since: 12, default: -1 }),
        logStartOffset: int64({ since: 5, default: -1 }),
        partitionMaxBytes: int32(),
        replicaDirectoryId: uuid({ since: 17, tag: 0 }),
      }),
    }),
    forgottenTopicsData: array(
      { topic: string({ until: 12 }), topicId: uuid({ since: 13 }), partitions: array(int32()) },
      { since: 7 },
    ),
    rackId: string({ since: 11 }),
  },
  response: {
    throttleTimeMs: int32({ since: 1 }),
    errorCode: int16({ since: 7 }),
    sessionId: int32({ since: 7 }),
    responses: array({
      topic: string({ until: 12 }),
      topicId: uuid({ since: 13 }),
      partitions: array({
        partitionIndex: int32(),
        errorCode: int16(),
        highWatermark: int64(),
        lastStableOffset: int64({ since: 4, default: -1 }),
        logStartOffset: int64({ since: 5, default: -1 }),
        divergingEpoch: struct(
          { epoch: int32({ default: -1 }), endOffset: int64({ default: -1 }) },
          { since: 12, tag: 0 },
        ),
        currentLeader: struct(
          { leaderId: int32({ default: -1 }), leaderEpoch: int32({ default: -1 }) },
          { since: 12, tag: 1 },
        ),
        snapshotId: struct({ endOffset: int64({ default: -1 }), epoch: int32({ default: -1 }) }, { since: 12, tag: 2 }),
        abortedTransactions: array({ producerId: int64(), firstOffset: int64() }, { since: 4, nullable: true }),
        preferredReadReplica: int32({ since: 11, default: -1 }),
        records: records({ nullable: true }),
      }),
    }),
    nodeEndpoints: array(
      { nodeId: int32(), host: string(), port: int32(), rack: string({ nullable: true, default: null }) },
      { since: 16, tag: 0 },
    ),
  },
});

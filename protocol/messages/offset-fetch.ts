import { api, array, bool, int16, int32, int64, string } from '../schema/dsl.js';

/**
 * OffsetFetch (key 9), versions 0-9, flexible from 6.
 * v0 reads offsets from ZooKeeper, v1+ from __consumer_offsets; v2 allows a null topic list (all topics) and adds
 * a top-level error code; v3 adds throttle time; v5 adds the committed leader epoch (KIP-320); v6 is flexible; v7
 * adds RequireStable (KIP-447); v8 batches several groups in one request (Groups[] replaces the group id and topic
 * list, KIP-709); v9 adds the member id and epoch of the new consumer group protocol (KIP-848).
 */
export const OffsetFetch = api({
  key: 9,
  name: 'OffsetFetch',
  minVersion: 0,
  maxVersion: 9,
  flexibleSince: 6,
  request: {
    groupId: string({ until: 7 }),
    topics: array({ name: string(), partitionIndexes: array(int32()) }, { until: 7, nullableSince: 2 }),
    groups: array(
      {
        groupId: string(),
        memberId: string({ since: 9, nullable: true, default: null }),
        memberEpoch: int32({ since: 9, default: -1 }),
        topics: array({ name: string(), partitionIndexes: array(int32()) }, { nullable: true }),
      },
      { since: 8 },
    ),
    requireStable: bool({ since: 7 }),
  },
  response: {
    throttleTimeMs: int32({ since: 3 }),
    topics: array(
      {
        name: string(),
        partitions: array({
          partitionIndex: int32(),
          committedOffset: int64(),
          committedLeaderEpoch: int32({ since: 5, default: -1 }),
          metadata: string({ nullable: true }),
          errorCode: int16(),
        }),
      },
      { until: 7 },
    ),
    errorCode: int16({ since: 2, until: 7 }),
    groups: array(
      {
        groupId: string(),
        topics: array({
          name: string(),
          partitions: array({
            partitionIndex: int32(),
            committedOffset: int64(),
            committedLeaderEpoch: int32({ default: -1 }),
            metadata: string({ nullable: true }),
            errorCode: int16(),
          }),
        }),
        errorCode: int16(),
      },
      { since: 8 },
    ),
  },
});

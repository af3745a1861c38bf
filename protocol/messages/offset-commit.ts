import { api, array, int16, int32, int64, string } from '../schema/dsl.js';

/**
 * OffsetCommit (key 8), versions 0-9, flexible from 8.
 * v1 adds the generation, the member id and a per-partition commit timestamp; v2 replaces that timestamp with a
 * request-level retention time; v3 adds throttle time; v5 removes the retention time (broker config only,
 * KIP-211); v6 adds the committed leader epoch (KIP-320); v7 adds the group instance id (KIP-345); v8 is
 * flexible; v9 has v8's format and is the first usable with the new consumer group protocol (KIP-848), hence the
 * field's name GenerationIdOrMemberEpoch.
 */
export const OffsetCommit = api({
  key: 8,
  name: 'OffsetCommit',
  minVersion: 0,
  maxVersion: 9,
  flexibleSince: 8,
  request: {
    groupId: string(),
    generationIdOrMemberEpoch: int32({ since: 1, default: -1 }),
    memberId: string({ since: 1 }),
    groupInstanceId: string({ since: 7, nullable: true, default: null }),
    retentionTimeMs: int64({ since: 2, until: 4, default: -1 }),
    topics: array({
      name: string(),
      partitions: array({
        partitionIndex: int32(),
        committedOffset: int64(),
        committedLeaderEpoch: int32({ since: 6, default: -1 }),
        commitTimestamp: int64({ since: 1, until: 1, default: -1 }),
        committedMetadata: string({ nullable: true }),
      }),
    }),
  },
  response: {
    throttleTimeMs: int32({ since: 3 }),
    topics: array({
      name: string(),
      partitions: array({ partitionIndex: int32(), errorCode: int16() }),
    }),
  },
});

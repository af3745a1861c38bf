import { api, array, int16, int32, int64, string } from '../schema/dsl.js';

/**
 * OffsetForLeaderEpoch (key 23), versions 0-4, flexible from 4.
 * v1 adds the leader epoch to the response; v2 adds the current leader epoch for fencing (KIP-320) and throttle
 * time; v3 adds the replica id (default -2, a "debug" consumer that may see past the high watermark, KIP-392);
 * v4 is flexible.
 */
export const OffsetForLeaderEpoch = api({
  key: 23,
  name: 'OffsetForLeaderEpoch',
  minVersion: 0,
  maxVersion: 4,
  flexibleSince: 4,
  request: {
    replicaId: int32({ since: 3, default: -2 }),
    topics: array({
      topic: string(),
      partitions: array({
        partition: int32(),
        currentLeaderEpoch: int32({ since: 2, default: -1 }),
        leaderEpoch: int32(),
      }),
    }),
  },
  response: {
    throttleTimeMs: int32({ since: 2 }),
    topics: array({
      topic: string(),
      partitions: array({
        errorCode: int16(),
        partition: int32(),
        leaderEpoch: int32({ since: 1, default: -1 }),
        endOffset: int64({ default: -1 }),
      }),
    }),
  },
});

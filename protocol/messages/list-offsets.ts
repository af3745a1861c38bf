import { api, array, int16, int32, int64, int8, string } from '../schema/dsl.js';

/**
 * ListOffsets (key 2), versions 0-9, flexible from 6.
 * v0 returns a list of old-style offsets (MaxNumOffsets); v1 returns one offset with its timestamp; v2 adds the
 * isolation level and throttle time; v4 adds the current leader epoch (request) and the leader epoch (response,
 * KIP-320); v5 may return OFFSET_NOT_AVAILABLE; v6 is flexible; v7 allows timestamp -3 (max timestamp, KIP-734);
 * v8 allows -4 (local log start, KIP-405); v9 allows -5 (last tiered offset, KIP-1005).
 */
export const ListOffsets = api({
  key: 2,
  name: 'ListOffsets',
  minVersion: 0,
  maxVersion: 9,
  flexibleSince: 6,
  request: {
    replicaId: int32(),
    isolationLevel: int8({ since: 2 }),
    topics: array({
      name: string(),
      partitions: array({
        partitionIndex: int32(),
        currentLeaderEpoch: int32({ since: 4, default: -1 }),
        timestamp: int64(),
        maxNumOffsets: int32({ until: 0, default: 1 }),
      }),
    }),
  },
  response: {
    throttleTimeMs: int32({ since: 2 }),
    topics: array({
      name: string(),
      partitions: array({
        partitionIndex: int32(),
        errorCode: int16(),
        oldStyleOffsets: array(int64(), { until: 0 }),
        timestamp: int64({ since: 1, default: -1 }),
        offset: int64({ since: 1, default: -1 }),
        leaderEpoch: int32({ since: 4, default: -1 }),
      }),
    }),
  },
});

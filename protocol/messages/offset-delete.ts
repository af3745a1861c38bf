import { api, array, int16, int32, string } from '../schema/dsl.js';

/**
 * OffsetDelete (key 47), version 0 only, never flexible (KIP-496): deletes committed offsets of a group for
 * partitions the group no longer subscribes to.
 */
export const OffsetDelete = api({
  key: 47,
  name: 'OffsetDelete',
  minVersion: 0,
  maxVersion: 0,
  flexibleSince: null,
  request: {
    groupId: string(),
    topics: array({
      name: string(),
      partitions: array({ partitionIndex: int32() }),
    }),
  },
  response: {
    errorCode: int16(),
    throttleTimeMs: int32(),
    topics: array({
      name: string(),
      partitions: array({ partitionIndex: int32(), errorCode: int16() }),
    }),
  },
});

import { api, array, int16, int32, int64, string } from '../schema/dsl.js';

/**
 * DeleteRecords (key 21), versions 0-2, flexible from 2.
 * v0 moves each partition's log start offset up to the given offset (KIP-107; -1 means the high watermark); v1
 * only changes throttling (the response is sent before throttling); v2 is flexible.
 */
export const DeleteRecords = api({
  key: 21,
  name: 'DeleteRecords',
  minVersion: 0,
  maxVersion: 2,
  flexibleSince: 2,
  request: {
    topics: array({
      name: string(),
      partitions: array({ partitionIndex: int32(), offset: int64() }),
    }),
    timeoutMs: int32(),
  },
  response: {
    throttleTimeMs: int32(),
    topics: array({
      name: string(),
      partitions: array({ partitionIndex: int32(), lowWatermark: int64(), errorCode: int16() }),
    }),
  },
});

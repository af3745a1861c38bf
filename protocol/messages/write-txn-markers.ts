import { api, array, bool, int16, int32, int64, string } from '../schema/dsl.js';

/**
 * WriteTxnMarkers (key 27), versions 0-1, flexible from 1. Inter-broker: the transaction coordinator asks
 * partition leaders to append COMMIT/ABORT control markers.
 * v1 is the first flexible version and otherwise the same as v0.
 */
export const WriteTxnMarkers = api({
  key: 27,
  name: 'WriteTxnMarkers',
  minVersion: 0,
  maxVersion: 1,
  flexibleSince: 1,
  request: {
    markers: array({
      producerId: int64(),
      producerEpoch: int16(),
      transactionResult: bool(),
      topics: array({ name: string(), partitionIndexes: array(int32()) }),
      coordinatorEpoch: int32(),
    }),
  },
  response: {
    markers: array({
      producerId: int64(),
      topics: array({
        name: string(),
        partitions: array({ partitionIndex: int32(), errorCode: int16() }),
      }),
    }),
  },
});

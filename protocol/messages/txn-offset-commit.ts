import { api, array, int16, int32, int64, string } from '../schema/dsl.js';

/**
 * TxnOffsetCommit (key 28), versions 0-4, flexible from 3.
 * v1 only changes throttling; v2 adds the committed leader epoch; v3 is the first flexible version and adds the
 * generation id, member id and group instance id (KIP-447); v4 only signals support for TRANSACTION_ABORTABLE
 * (KIP-890).
 */
export const TxnOffsetCommit = api({
  key: 28,
  name: 'TxnOffsetCommit',
  minVersion: 0,
  maxVersion: 4,
  flexibleSince: 3,
  request: {
    transactionalId: string(),
    groupId: string(),
    producerId: int64(),
    producerEpoch: int16(),
    generationId: int32({ since: 3, default: -1 }),
    memberId: string({ since: 3 }),
    groupInstanceId: string({ since: 3, nullable: true, default: null }),
    topics: array({
      name: string(),
      partitions: array({
        partitionIndex: int32(),
        committedOffset: int64(),
        committedLeaderEpoch: int32({ since: 2, default: -1 }),
        committedMetadata: string({ nullable: true }),
      }),
    }),
  },
  response: {
    throttleTimeMs: int32(),
    topics: array({
      name: string(),
      partitions: array({ partitionIndex: int32(), errorCode: int16() }),
    }),
  },
});

import { api, array, int16, int32, string } from '../schema/dsl.js';

/**
 * AlterPartitionReassignments (key 45), version 0, flexible from 0 (KIP-455). Admin: start or cancel replica
 * reassignments; null Replicas cancels a pending reassignment of that partition.
 */
export const AlterPartitionReassignments = api({
  key: 45,
  name: 'AlterPartitionReassignments',
  minVersion: 0,
  maxVersion: 0,
  flexibleSince: 0,
  request: {
    timeoutMs: int32({ default: 60000 }),
    topics: array({
      name: string(),
      partitions: array({
        partitionIndex: int32(),
        replicas: array(int32(), { nullable: true, default: null }),
      }),
    }),
  },
  response: {
    throttleTimeMs: int32(),
    errorCode: int16(),
    errorMessage: string({ nullable: true }),
    responses: array({
      name: string(),
      partitions: array({ partitionIndex: int32(), errorCode: int16(), errorMessage: string({ nullable: true }) }),
    }),
  },
});

import { api, array, int16, int32, string } from '../schema/dsl.js';

/**
 * ListPartitionReassignments (key 46), version 0, flexible from 0 (KIP-455). Admin: list ongoing replica
 * reassignments; null Topics lists every reassignment.
 */
export const ListPartitionReassignments = api({
  key: 46,
  name: 'ListPartitionReassignments',
  minVersion: 0,
  maxVersion: 0,
  flexibleSince: 0,
  request: {
    timeoutMs: int32({ default: 60000 }),
    topics: array({ name: string(), partitionIndexes: array(int32()) }, { nullable: true, default: null }),
  },
  response: {
    throttleTimeMs: int32(),
    errorCode: int16(),
    errorMessage: string({ nullable: true }),
    topics: array({
      name: string(),
      partitions: array({
        partitionIndex: int32(),
        replicas: array(int32()),
        addingReplicas: array(int32()),
        removingReplicas: array(int32()),
      }),
    }),
  },
});

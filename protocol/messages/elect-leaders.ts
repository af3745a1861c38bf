import { api, array, int16, int32, int8, string } from '../schema/dsl.js';

/**
 * ElectLeaders (key 43), versions 0-2, flexible from 2. Admin: run preferred (or unclean) leader election.
 * v0 elects preferred leaders only (KIP-183); v1 adds ElectionType and a top-level error code (KIP-460); v2 is the
 * first flexible version. A null TopicPartitions means every partition.
 */
export const ElectLeaders = api({
  key: 43,
  name: 'ElectLeaders',
  minVersion: 0,
  maxVersion: 2,
  flexibleSince: 2,
  request: {
    electionType: int8({ since: 1 }),
    topicPartitions: array({ topic: string(), partitions: array(int32()) }, { nullable: true }),
    timeoutMs: int32({ default: 60000 }),
  },
  response: {
    throttleTimeMs: int32(),
    errorCode: int16({ since: 1 }),
    replicaElectionResults: array({
      topic: string(),
      partitionResult: array({ partitionId: int32(), errorCode: int16(), errorMessage: string({ nullable: true }) }),
    }),
  },
});

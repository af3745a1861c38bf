import { api, array, bool, int16, int32, string, uuid } from '../schema/dsl.js';

/**
 * Metadata (key 3), versions 0-12, flexible from 9.
 * v1 makes the topic list nullable (null = all topics, empty = none; in v0 empty means all) and adds the broker
 * rack, the controller id and IsInternal; v2 adds the cluster id; v3 adds throttle time; v4 adds
 * AllowAutoTopicCreation; v5 adds offline replicas; v7 adds the partition leader epoch (KIP-320); v8 adds
 * authorized operations (KIP-430); v9 is flexible; v10 adds topic ids (request and response, KIP-516) and makes
 * the requested name nullable; v11 removes the cluster authorized operations (now in DescribeCluster, KIP-700);
 * v12 makes the response topic name nullable (lookup by topic id).
 */
export const Metadata = api({
  key: 3,
  name: 'Metadata',
  minVersion: 0,
  maxVersion: 12,
  flexibleSince: 9,
  request: {
    topics: array({ topicId: uuid({ since: 10 }), name: string({ nullableSince: 10 }) }, { nullableSince: 1 }),
    allowAutoTopicCreation: bool({ since: 4, default: true }),
    includeClusterAuthorizedOperations: bool({ since: 8, until: 10 }),
    includeTopicAuthorizedOperations: bool({ since: 8 }),
  },
  response: {
    throttleTimeMs: int32({ since: 3 }),
    brokers: array({
      nodeId: int32(),
      host: string(),
      port: int32(),
      rack: string({ since: 1, nullable: true, default: null }),
    }),
    clusterId: string({ since: 2, nullable: true, default: null }),
    controllerId: int32({ since: 1, default: -1 }),
    topics: array({
      errorCode: int16(),
      name: string({ nullableSince: 12 }),
      topicId: uuid({ since: 10 }),
      isInternal: bool({ since: 1 }),
      partitions: array({
        errorCode: int16(),
        partitionIndex: int32(),
        leaderId: int32(),
        leaderEpoch: int32({ since: 7, default: -1 }),
        replicaNodes: array(int32()),
        isrNodes: array(int32()),
        offlineReplicas: array(int32(), { since: 5 }),
      }),
      topicAuthorizedOperations: int32({ since: 8, default: -2147483648 }),
    }),
    clusterAuthorizedOperations: int32({ since: 8, until: 10, default: -2147483648 }),
  },
});

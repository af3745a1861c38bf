import { api, array, bool, int16, int32, int64, string } from '../schema/dsl.js';

/**
 * StopReplica (key 5), versions 0-4, flexible from 2. Inter-broker: the ZooKeeper-mode controller tells a broker to
 * stop (and optionally delete) replicas.
 * v1 adds the broker epoch and groups partitions by topic (KIP-380); v2 is the first flexible version; v3 replaces
 * the request-wide DeletePartitions with per-partition leader epochs and delete flags (KIP-570); v4 adds
 * IsKRaftController (KIP-866). The response is the same in every version (v3 may return FENCED_LEADER_EPOCH).
 */
export const StopReplica = api({
  key: 5,
  name: 'StopReplica',
  minVersion: 0,
  maxVersion: 4,
  flexibleSince: 2,
  request: {
    controllerId: int32(),
    isKRaftController: bool({ since: 4 }),
    controllerEpoch: int32(),
    brokerEpoch: int64({ since: 1, default: -1 }),
    deletePartitions: bool({ until: 2 }),
    ungroupedPartitions: array({ topicName: string(), partitionIndex: int32() }, { until: 0 }),
    topics: array({ name: string(), partitionIndexes: array(int32()) }, { since: 1, until: 2 }),
    topicStates: array(
      {
        topicName: string(),
        partitionStates: array({
          partitionIndex: int32(),
          leaderEpoch: int32({ default: -1 }),
          deletePartition: bool(),
        }),
      },
      { since: 3 },
    ),
  },
  response: {
    errorCode: int16(),
    partitionErrors: array({ topicName: string(), partitionIndex: int32(), errorCode: int16() }),
  },
});

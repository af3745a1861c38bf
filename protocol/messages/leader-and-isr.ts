import { api, array, bool, int16, int32, int64, int8, string, uuid } from '../schema/dsl.js';

const partitionState = {
  topicName: string({ until: 1 }),
  partitionIndex: int32(),
  controllerEpoch: int32(),
  leader: int32(),
  leaderEpoch: int32(),
  isr: array(int32()),
  partitionEpoch: int32(),
  replicas: array(int32()),
  addingReplicas: array(int32(), { since: 3 }),
  removingReplicas: array(int32(), { since: 3 }),
  isNew: bool({ since: 1 }),
  leaderRecoveryState: int8({ since: 6 }),
};

const partitionError = { topicName: string({ until: 4 }), partitionIndex: int32(), errorCode: int16() };

/**
 * LeaderAndIsr (key 4), versions 0-7, flexible from 4. Inter-broker: the ZooKeeper-mode controller tells brokers
 * which replicas lead and follow.
 * v1 adds IsNew; v2 adds the broker epoch and groups partition states by topic (TopicStates replaces the flat
 * UngroupedPartitionStates, KIP-380); v3 adds AddingReplicas and RemovingReplicas (KIP-455); v4 is the first flexible
 * version; v5 adds the request Type and topic ids, and the response groups partition errors by topic id (KIP-516);
 * v6 adds LeaderRecoveryState (KIP-704); v7 adds IsKRaftController (KIP-866).
 * PartitionEpoch was called ZkVersion before KIP-841; the wire format is the same.
 */
export const LeaderAndIsr = api({
  key: 4,
  name: 'LeaderAndIsr',
  minVersion: 0,
  maxVersion: 7,
  flexibleSince: 4,
  request: {
    controllerId: int32(),
    isKRaftController: bool({ since: 7 }),
    controllerEpoch: int32(),
    brokerEpoch: int64({ since: 2, default: -1 }),
    type: int8({ since: 5 }),
    ungroupedPartitionStates: array(partitionState, { until: 1 }),
    topicStates: array(
      { topicName: string(), topicId: uuid({ since: 5 }), partitionStates: array(partitionState) },
      { since: 2 },
    ),
    liveLeaders: array({ brokerId: int32(), hostName: string(), port: int32() }),
  },
  response: {
    errorCode: int16(),
    partitionErrors: array(partitionError, { until: 4 }),
    topics: array({ topicId: uuid(), partitionErrors: array(partitionError) }, { since: 5 }),
  },
});

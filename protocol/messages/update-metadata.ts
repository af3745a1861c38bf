import { api, array, bool, int16, int32, int64, int8, string, uuid } from '../schema/dsl.js';

const partitionState = {
  topicName: string({ until: 4 }),
  partitionIndex: int32(),
  controllerEpoch: int32(),
  leader: int32(),
  leaderEpoch: int32(),
  isr: array(int32()),
  zkVersion: int32(),
  replicas: array(int32()),
  offlineReplicas: array(int32(), { since: 4 }),
};

/**
 * UpdateMetadata (key 6), versions 0-8, flexible from 6. Inter-broker: the ZooKeeper-mode controller pushes cluster
 * metadata (live brokers, partition leaders and ISRs) to every broker's metadata cache.
 * v1 replaces the single host/port of a broker with a list of endpoints; v2 adds the rack; v3 adds the listener
 * name; v4 adds offline replicas; v5 adds the broker epoch and groups partition states by topic (KIP-380); v6 is the
 * first flexible version; v7 adds topic ids (KIP-516); v8 adds IsKRaftController and the tagged Type (KIP-866).
 */
export const UpdateMetadata = api({
  key: 6,
  name: 'UpdateMetadata',
  minVersion: 0,
  maxVersion: 8,
  flexibleSince: 6,
  request: {
    controllerId: int32(),
    isKRaftController: bool({ since: 8 }),
    type: int8({ since: 8, tag: 0 }),
    controllerEpoch: int32(),
    brokerEpoch: int64({ since: 5, default: -1 }),
    ungroupedPartitionStates: array(partitionState, { until: 4 }),
    topicStates: array(
      { topicName: string(), topicId: uuid({ since: 7 }), partitionStates: array(partitionState) },
      { since: 5 },
    ),
    liveBrokers: array({
      id: int32(),
      v0Host: string({ until: 0 }),
      v0Port: int32({ until: 0 }),
      endpoints: array(
        { port: int32(), host: string(), listener: string({ since: 3 }), securityProtocol: int16() },
        { since: 1 },
      ),
      rack: string({ since: 2, nullable: true }),
    }),
  },
  response: {
    errorCode: int16(),
  },
});

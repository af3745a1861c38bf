import { api, array, int16, int32, int64, int8, string, uuid } from '../schema/dsl.js';

/**
 * AlterPartition (key 56), versions 0-3, flexible from 0. Inter-broker: a partition leader asks the controller to
 * change the ISR (formerly AlterIsr, KIP-497).
 * v1 adds LeaderRecoveryState (KIP-704); v2 replaces topic names with topic ids (KIP-841); v3 replaces NewIsr with
 * NewIsrWithEpochs, each ISR member carrying its broker epoch (KIP-903).
 */
export const AlterPartition = api({
  key: 56,
  name: 'AlterPartition',
  minVersion: 0,
  maxVersion: 3,
  flexibleSince: 0,
  request: {
    brokerId: int32(),
    brokerEpoch: int64({ default: -1 }),
    topics: array({
      topicName: string({ until: 1 }),
      topicId: uuid({ since: 2 }),
      partitions: array({
        partitionIndex: int32(),
        leaderEpoch: int32(),
        newIsr: array(int32(), { until: 2 }),
        newIsrWithEpochs: array({ brokerId: int32(), brokerEpoch: int64({ default: -1 }) }, { since: 3 }),
        leaderRecoveryState: int8({ since: 1 }),
        partitionEpoch: int32(),
      }),
    }),
  },
  response: {
    throttleTimeMs: int32(),
    errorCode: int16(),
    topics: array({
      topicName: string({ until: 1 }),
      topicId: uuid({ since: 2 }),
      partitions: array({
        partitionIndex: int32(),
        errorCode: int16(),
        leaderId: int32(),
        leaderEpoch: int32(),
        isr: array(int32()),
        leaderRecoveryState: int8({ since: 1 }),
        partitionEpoch: int32(),
      }),
    }),
  },
});

import { api, array, int16, int32, int64, string } from '../schema/dsl.js';

/**
 * ControlledShutdown (key 7), versions 0-3, flexible from 3. Inter-broker: a broker asks the ZooKeeper-mode
 * controller to move leadership away before it shuts down.
 * v0 is sent with request header v0 (no client id; see header.ts); v1 is the same as v0 with the normal header;
 * v2 adds the broker epoch (KIP-380); v3 is the first flexible version.
 */
export const ControlledShutdown = api({
  key: 7,
  name: 'ControlledShutdown',
  minVersion: 0,
  maxVersion: 3,
  flexibleSince: 3,
  request: {
    brokerId: int32(),
    brokerEpoch: int64({ since: 2, default: -1 }),
  },
  response: {
    errorCode: int16(),
    remainingPartitions: array({ topicName: string(), partitionIndex: int32() }),
  },
});

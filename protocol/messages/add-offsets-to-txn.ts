import { api, int16, int32, int64, string } from '../schema/dsl.js';

/**
 * AddOffsetsToTxn (key 25), versions 0-4, flexible from 3.
 * v1 only changes throttling; v2 only signals support for PRODUCER_FENCED; v3 is the first flexible version;
 * v4 only signals support for TRANSACTION_ABORTABLE (KIP-890).
 */
export const AddOffsetsToTxn = api({
  key: 25,
  name: 'AddOffsetsToTxn',
  minVersion: 0,
  maxVersion: 4,
  flexibleSince: 3,
  request: {
    transactionalId: string(),
    producerId: int64(),
    producerEpoch: int16(),
    groupId: string(),
  },
  response: {
    throttleTimeMs: int32(),
    errorCode: int16(),
  },
});

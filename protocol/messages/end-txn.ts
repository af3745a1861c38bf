import { api, bool, int16, int32, int64, string } from '../schema/dsl.js';

/**
 * EndTxn (key 26), versions 0-4, flexible from 3.
 * v1 only changes throttling; v2 only signals support for PRODUCER_FENCED; v3 is the first flexible version;
 * v4 only signals support for TRANSACTION_ABORTABLE (KIP-890).
 */
export const EndTxn = api({
  key: 26,
  name: 'EndTxn',
  minVersion: 0,
  maxVersion: 4,
  flexibleSince: 3,
  request: {
    transactionalId: string(),
    producerId: int64(),
    producerEpoch: int16(),
    committed: bool(),
  },
  response: {
    throttleTimeMs: int32(),
    errorCode: int16(),
  },
});

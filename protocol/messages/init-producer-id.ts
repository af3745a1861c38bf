import { api, int16, int32, int64, string } from '../schema/dsl.js';

/**
 * InitProducerId (key 22), versions 0-5, flexible from 2.
 * v1 only changes throttling (the response is sent before throttling); v2 is the first flexible version; v3 adds
 * the current producer id and epoch so a producer can try to resume after INVALID_PRODUCER_EPOCH (KIP-360); v4 only
 * signals support for PRODUCER_FENCED; v5 only signals support for TRANSACTION_ABORTABLE (KIP-890).
 */
export const InitProducerId = api({
  key: 22,
  name: 'InitProducerId',
  minVersion: 0,
  maxVersion: 5,
  flexibleSince: 2,
  request: {
    transactionalId: string({ nullable: true }),
    transactionTimeoutMs: int32(),
    producerId: int64({ since: 3, default: -1 }),
    producerEpoch: int16({ since: 3, default: -1 }),
  },
  response: {
    throttleTimeMs: int32(),
    errorCode: int16(),
    producerId: int64({ default: -1 }),
    producerEpoch: int16(),
  },
});

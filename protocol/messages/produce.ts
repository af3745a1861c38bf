import { api, array, int16, int32, int64, records, string, struct } from '../schema/dsl.js';

/**
 * Produce (key 0), versions 0-11, flexible from 9.
 * v1-2 add throttle time and (v2) LogAppendTime; v3 adds the transactional id and requires record batch v2;
 * v5 adds the log start offset; v8 adds per-batch record errors and an error message; v10 adds the tagged
 * CurrentLeader / NodeEndpoints leader hints (KIP-951); v11 lets the broker answer TRANSACTION_ABORTABLE (KIP-890).
 */
export const Produce = api({
  key: 0,
  name: 'Produce',
  minVersion: 0,
  maxVersion: 11,
  flexibleSince: 9,
  request: {
    transactionalId: string({ since: 3, nullable: true, default: null }),
    acks: int16(),
    timeoutMs: int32(),
    topicData: array({
      name: string(),
      partitionData: array({
        index: int32(),
        records: records({ nullable: true }),
      }),
    }),
  },
  response: {
    responses: array({
      name: string(),
      partitionResponses: array({
        index: int32(),
        errorCode: int16(),
        baseOffset: int64(),
        logAppendTimeMs: int64({ since: 2, default: -1 }),
        logStartOffset: int64({ since: 5, default: -1 }),
        recordErrors: array(
          { batchIndex: int32(), batchIndexErrorMessage: string({ nullable: true, default: null }) },
          { since: 8 },
        ),
        errorMessage: string({ since: 8, nullable: true, default: null }),
        currentLeader: struct(
          { leaderId: int32({ default: -1 }), leaderEpoch: int32({ default: -1 }) },
          { since: 10, tag: 0 },
        ),
      }),
    }),
    throttleTimeMs: int32({ since: 1 }),
    nodeEndpoints: array(
      { nodeId: int32(), host: string(), port: int32(), rack: string({ nullable: true, default: null }) },
      { since: 10, tag: 0 },
    ),
  },
});

import { api, array, bool, int16, int32, int64, string } from '../schema/dsl.js';

const topic = { name: string(), partitions: array(int32()) };
const topicResult = {
  name: string(),
  resultsByPartition: array({ partitionIndex: int32(), partitionErrorCode: int16() }),
};

/**
 * AddPartitionsToTxn (key 24), versions 0-5, flexible from 3.
 * v1 only changes throttling; v2 only signals support for PRODUCER_FENCED; v3 is the first flexible version.
 * v4 is the broker-to-coordinator form (KIP-890): a batch of Transactions, each with VerifyOnly, and a top-level
 * error code with results grouped by transaction. Clients use v0-3 (the V3AndBelow fields), brokers v4+.
 * v5 only signals support for TRANSACTION_ABORTABLE.
 */
export const AddPartitionsToTxn = api({
  key: 24,
  name: 'AddPartitionsToTxn',
  minVersion: 0,
  maxVersion: 5,
  flexibleSince: 3,
  request: {
    transactions: array(
      {
        transactionalId: string(),
        producerId: int64(),
        producerEpoch: int16(),
        verifyOnly: bool(),
        topics: array(topic),
      },
      { since: 4 },
    ),
    v3AndBelowTransactionalId: string({ until: 3 }),
    v3AndBelowProducerId: int64({ until: 3 }),
    v3AndBelowProducerEpoch: int16({ until: 3 }),
    v3AndBelowTopics: array(topic, { until: 3 }),
  },
  response: {
    throttleTimeMs: int32(),
    errorCode: int16({ since: 4 }),
    resultsByTransaction: array({ transactionalId: string(), topicResults: array(topicResult) }, { since: 4 }),
    resultsByTopicV3AndBelow: array(topicResult, { until: 3 }),
  },
});

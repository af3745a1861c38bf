import { api, array, bool, int16, int32, int8, string, uuid } from '../schema/dsl.js';

/**
 * CreateTopics (key 19), versions 0-7, flexible from 5.
 * v1 adds validateOnly and a per-topic error message; v2 adds throttle time; v3 only changes throttling
 * behaviour; v4 lets partitions and replication factor be -1 (broker defaults, KIP-464); v5 is the first
 * flexible version and returns the created topic's partitions, replication factor and configs, with the tagged
 * TopicConfigErrorCode (KIP-525); v6 may answer THROTTLING_QUOTA_EXCEEDED (KIP-599); v7 returns the topic id.
 */
export const CreateTopics = api({
  key: 19,
  name: 'CreateTopics',
  minVersion: 0,
  maxVersion: 7,
  flexibleSince: 5,
  request: {
    topics: array({
      name: string(),
      numPartitions: int32(),
      replicationFactor: int16(),
      assignments: array({ partitionIndex: int32(), brokerIds: array(int32()) }),
      configs: array({ name: string(), value: string({ nullable: true }) }),
    }),
    timeoutMs: int32({ default: 60000 }),
    validateOnly: bool({ since: 1 }),
  },
  response: {
    throttleTimeMs: int32({ since: 2 }),
    topics: array({
      name: string(),
      topicId: uuid({ since: 7 }),
      errorCode: int16(),
      errorMessage: string({ since: 1, nullable: true }),
      topicConfigErrorCode: int16({ since: 5, tag: 0 }),
      numPartitions: int32({ since: 5, default: -1 }),
      replicationFactor: int16({ since: 5, default: -1 }),
      configs: array(
        {
          name: string(),
          value: string({ nullable: true }),
          readOnly: bool(),
          configSource: int8({ default: -1 }),
          isSensitive: bool(),
        },
        { since: 5, nullable: true },
      ),
    }),
  },
});

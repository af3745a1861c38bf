import { api, array, int16, int32, string, uuid } from '../schema/dsl.js';

/**
 * DeleteTopics (key 20), versions 0-6, flexible from 4.
 * v1 adds throttle time; v2 only changes throttling behaviour; v3 may answer TOPIC_DELETION_DISABLED; v4 is the
 * first flexible version; v5 adds a per-topic error message and may answer THROTTLING_QUOTA_EXCEEDED (KIP-599);
 * v6 names topics by name or topic id (the name becomes nullable) and returns the topic id (KIP-516).
 */
export const DeleteTopics = api({
  key: 20,
  name: 'DeleteTopics',
  minVersion: 0,
  maxVersion: 6,
  flexibleSince: 4,
  request: {
    topics: array({ name: string({ nullable: true, default: null }), topicId: uuid() }, { since: 6 }),
    topicNames: array(string(), { until: 5 }),
    timeoutMs: int32(),
  },
  response: {
    throttleTimeMs: int32({ since: 1 }),
    responses: array({
      name: string({ nullableSince: 6 }),
      topicId: uuid({ since: 6 }),
      errorCode: int16(),
      errorMessage: string({ since: 5, nullable: true, default: null }),
    }),
  },
});

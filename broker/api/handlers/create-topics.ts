import type { CreateTopics } from '../../../protocol/index.js';
import { ErrorCode, type ResponseInput } from '../../../protocol/index.js';
import type { Controller, CreateTopicResult, TopicConfigEntry } from '../../controller/controller.js';
import type { ApiHandler } from '../router.js';

/** Versions served: 0-7 (protocol-surface.md; platformatic sends only 7, kafkajs 3, librdkafka 4). */
export const CREATE_TOPICS_RANGE = { min: 0, max: 7 };

/** Kafka's ConfigSource ids, as DescribeConfigs and CreateTopics v5+ carry them. */
export const ConfigSource = {
  DYNAMIC_TOPIC_CONFIG: 1,
  DEFAULT_CONFIG: 5,
} as const;

type TopicResponse = ResponseInput<typeof CreateTopics>['topics'][number];

/**
 * CreateTopics: hands the topics to the controller, which validates each one on its own (a bad topic does not
 * fail the others) and commits the valid ones unless validateOnly. -1 partitions or replication factor (v4+)
 * means the broker default. timeoutMs bounds the controller's wait for leaders of the new partitions (cluster
 * mode; the local controller has them led by the time it answers).
 */
export function createTopicsHandler(controller: Controller): ApiHandler<typeof CreateTopics> {
  return async ({ body }) => {
    const results = await controller.createTopics(
      body.topics.map((t) => ({
        name: t.name,
        numPartitions: t.numPartitions,
        replicationFactor: t.replicationFactor,
        assignments: t.assignments,
        configs: t.configs,
      })),
      { validateOnly: body.validateOnly, timeoutMs: body.timeoutMs },
    );
    return { throttleTimeMs: 0, topics: results.map(topicResponse) };
  };
}

/** Fields absent from the request's version are dropped by the encoder (v0 has no message, v5 adds configs). */
function topicResponse(r: CreateTopicResult): TopicResponse {
  return {
    name: r.name,
    topicId: r.topicId,
    errorCode: r.errorCode,
    errorMessage: r.errorCode === ErrorCode.NONE ? null : r.errorMessage,
    topicConfigErrorCode: ErrorCode.NONE,
    numPartitions: r.numPartitions,
    replicationFactor: r.replicationFactor,
    configs: r.configs.map(configResponse),
  };
}

/**
 * As Kafka reports a created topic's configs: none read-only (all are alterable per topic), none sensitive (topic
 * configs hold no passwords). A value the topic does not set is the broker's; which broker source it came from
 * (server.properties or Kafka's built-in default) is not tracked, so it is reported as the default.
 */
function configResponse(c: TopicConfigEntry) {
  return {
    name: c.name,
    value: c.value,
    readOnly: false,
    configSource: c.isTopicOverride ? ConfigSource.DYNAMIC_TOPIC_CONFIG : ConfigSource.DEFAULT_CONFIG,
    isSensitive: false,
  };
}

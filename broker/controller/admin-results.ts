import { ErrorCode, KafkaError, ZERO_UUID } from '../../protocol/index.js';
import { logConfigToProperties } from '../../storage/index.js';
import { errorCodeFor } from '../api/error-mapping.js';
import type { CreateTopicResult } from './controller.js';
import { validateTopicName, type ValidTopic } from './topic-validation.js';

/** A per-topic answer of an admin request: the topic, and why it failed (NONE and null when it did not). */
export interface TopicAnswer {
  readonly name: string;
  readonly errorCode: ErrorCode;
  readonly errorMessage: string | null;
}

/**
 * A refusal as a KafkaError: KafkaErrors, and errors with a code in broker/api/error-mapping.ts (the ZooKeeper
 * store's topic exists, unknown topic, ...) with theirs. Anything else is a fault (ZooKeeper unreachable) and is
 * rethrown, for the request to fail as a whole.
 */
export function refusalOf(err: unknown): KafkaError {
  if (err instanceof KafkaError) return err;
  const code = errorCodeFor(err);
  if (code === ErrorCode.UNKNOWN_SERVER_ERROR) throw err;
  return new KafkaError(code, (err as Error).message, { cause: err });
}

/** Runs one topic's part of a request and makes its refusal the topic's answer. */
export async function answerFor(name: string, step: () => Promise<void>): Promise<TopicAnswer> {
  try {
    await step();
    return { name, errorCode: ErrorCode.NONE, errorMessage: null };
  } catch (err) {
    const refusal = refusalOf(err);
    return { name, errorCode: refusal.code, errorMessage: refusal.message };
  }
}

/** A CreateTopics success: the topic's size and every effective config, marking the topic's own overrides. */
export function createdResult(topic: ValidTopic, validateOnly: boolean): CreateTopicResult {
  const effective = logConfigToProperties(topic.logConfig);
  return {
    name: topic.name,
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    // Nothing was created, so there is no id to hand out (Kafka answers the zero uuid too).
    topicId: validateOnly ? ZERO_UUID : topic.record.topicId,
    numPartitions: topic.record.partitions,
    replicationFactor: topic.record.replicationFactor,
    configs: Object.entries(effective).map(([name, value]) => ({
      name,
      value,
      isTopicOverride: Object.hasOwn(topic.record.configs, name),
    })),
  };
}

/** A CreateTopics failure, shaped as Kafka answers it: numbers -1, the zero id, no configs. */
export function failedCreate(name: string, err: KafkaError): CreateTopicResult {
  return {
    name,
    errorCode: err.code,
    errorMessage: err.message,
    topicId: ZERO_UUID,
    numPartitions: -1,
    replicationFactor: -1,
    configs: [],
  };
}

/** How many times each name occurs in a request (a name given twice is refused). */
export function countNames(items: readonly { readonly name: string }[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(item.name, (counts.get(item.name) ?? 0) + 1);
  return counts;
}

/** Whether `name` is a legal topic name (a topic of another name cannot exist). */
export function isLegalTopicName(name: string): boolean {
  try {
    validateTopicName(name);
    return true;
  } catch {
    return false;
  }
}

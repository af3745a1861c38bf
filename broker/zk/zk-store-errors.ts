/**
 * Kafka-level refusals of the ZooKeeper store (KafkaZkClient / AdminZkClient): a topic that already exists, one
 * already marked for deletion, one that does not exist, partitions that do not follow the existing ones. Their wire
 * codes (TOPIC_ALREADY_EXISTS, UNKNOWN_TOPIC_OR_PARTITION, INVALID_PARTITIONS) belong in broker/api/error-mapping.ts.
 */

/** `/brokers/topics/<t>` exists (Kafka's TopicExistsException). */
export class ZkTopicExistsError extends Error {
  override name = 'ZkTopicExistsError';

  constructor(readonly topic: string) {
    super(`Topic '${topic}' already exists.`);
  }
}

/** `/admin/delete_topics/<t>` exists (Kafka's TopicAlreadyMarkedForDeletionException). */
export class ZkTopicMarkedForDeletionError extends Error {
  override name = 'ZkTopicMarkedForDeletionError';

  constructor(readonly topic: string) {
    super(`Topic ${topic} is already marked for deletion.`);
  }
}

/** `/brokers/topics/<t>` is absent (Kafka's UnknownTopicOrPartitionException). */
export class ZkUnknownTopicError extends Error {
  override name = 'ZkUnknownTopicError';

  constructor(readonly topic: string) {
    super(`Topic '${topic}' does not exist.`);
  }
}

/** New partitions overlap the existing ones or leave a gap (Kafka's InvalidPartitionsException). */
export class ZkInvalidPartitionsError extends Error {
  override name = 'ZkInvalidPartitionsError';
}

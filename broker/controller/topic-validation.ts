import { ErrorCode, KafkaError } from '../../protocol/index.js';
import { InvalidConfigError, type LogConfig, logConfigFrom } from '../../storage/index.js';
import type { TopicRecord } from '../metadata/topic-registry.js';
import { randomUuid } from '../metadata/uuid.js';
import type { CreatePartitionsSpec, CreateTopicSpec } from './controller.js';

/** Kafka's "use the broker default" for numPartitions and replicationFactor (CreateTopics v4+). */
const USE_DEFAULT = -1;

/** What topic validation needs to know of the cluster and the broker's defaults. */
export interface TopicValidationContext {
  readonly brokerIds: ReadonlySet<number>;
  readonly numPartitions: number;
  readonly defaultReplicationFactor: number;
  /** The broker-wide topic config defaults, the base of every topic's LogConfig. */
  readonly defaultLogConfig: LogConfig;
}

/** What validation needs of an existing topic: its size. */
export interface ExistingTopic {
  readonly partitions: number;
  readonly replicationFactor: number;
}

/**
 * Where validation looks topics up: the TopicRegistry in single-node mode, the assignments read from ZooKeeper in
 * cluster mode.
 */
export interface TopicLookup<T extends ExistingTopic = ExistingTopic> {
  get(name: string): T | undefined;
}

/** A topic that passed validation, ready to be committed (with a fresh topic id). */
export interface ValidTopic {
  readonly name: string;
  readonly record: TopicRecord;
  readonly logConfig: LogConfig;
  /** The request's manual placement, partition by partition; null when the controller places the replicas. */
  readonly assignment: readonly (readonly number[])[] | null;
}

/** Kafka's Topic.MAX_NAME_LENGTH: 255 less room for the partition suffix of directory names. */
export const MAX_TOPIC_NAME_LENGTH = 249;
const LEGAL_TOPIC_NAME = /^[a-zA-Z0-9._-]+$/;

/** Kafka's Topic.validate, with its messages; throws INVALID_TOPIC_EXCEPTION. */
export function validateTopicName(name: string): void {
  const invalid = (message: string): never => {
    throw new KafkaError(ErrorCode.INVALID_TOPIC_EXCEPTION, message);
  };
  if (name.length === 0) invalid("Topic name is illegal, it can't be empty");
  if (name === '.' || name === '..') invalid('Topic name cannot be "." or ".."');
  if (name.length > MAX_TOPIC_NAME_LENGTH) {
    invalid(`Topic name is illegal, it can't be longer than ${MAX_TOPIC_NAME_LENGTH} characters, topic name: ${name}`);
  }
  if (!LEGAL_TOPIC_NAME.test(name)) {
    invalid(
      `Topic name "${name}" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'`,
    );
  }
}

/**
 * Metric names replace '.' with '_', so Kafka refuses a topic whose name equals an existing one after that
 * replacement (Topic.hasCollision).
 */
export function collisionKey(name: string): string {
  return name.replaceAll('.', '_');
}

/** Checks a manual assignment (partition → broker ids) against the live brokers; returns the replication factor. */
export function validateAssignment(
  assignment: readonly (readonly number[])[],
  liveBrokerIds: ReadonlySet<number>,
): number {
  const invalid = (message: string): never => {
    throw new KafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, message);
  };
  const replicationFactor = assignment[0]?.length ?? 0;
  for (const brokerIds of assignment) {
    if (brokerIds.length === 0) invalid('The manual partition assignment includes an empty replica list.');
    if (brokerIds.length !== replicationFactor) invalid('All partitions should have the same number of replicas');
    if (new Set(brokerIds).size !== brokerIds.length) {
      invalid(`Duplicate replica assignment found: [${brokerIds.join(', ')}]`);
    }
    for (const id of brokerIds) {
      if (!liveBrokerIds.has(id)) {
        invalid(`The manual partition assignment includes broker ${id}, but no such broker is registered.`);
      }
    }
  }
  return replicationFactor;
}

/** The resolved number of partitions, or INVALID_PARTITIONS (Kafka's AdminUtils message). */
export function validatePartitionCount(numPartitions: number): number {
  if (!Number.isInteger(numPartitions) || numPartitions <= 0) {
    throw new KafkaError(ErrorCode.INVALID_PARTITIONS, 'Number of partitions must be larger than 0.');
  }
  return numPartitions;
}

/** The resolved replication factor, or INVALID_REPLICATION_FACTOR (Kafka's AdminUtils messages). */
export function validateReplicationFactor(replicationFactor: number, liveBrokerCount: number): number {
  if (!Number.isInteger(replicationFactor) || replicationFactor <= 0) {
    throw new KafkaError(ErrorCode.INVALID_REPLICATION_FACTOR, 'Replication factor must be larger than 0.');
  }
  if (replicationFactor > liveBrokerCount) {
    throw new KafkaError(
      ErrorCode.INVALID_REPLICATION_FACTOR,
      `Replication factor: ${replicationFactor} larger than available brokers: ${liveBrokerCount}.`,
    );
  }
  return replicationFactor;
}

/**
 * Topic config overrides checked by storage's table (unknown names and bad values → INVALID_CONFIG); returns the
 * overrides as a record and the effective LogConfig over `base`.
 */
export function validateTopicConfigs(
  configs: readonly { readonly name: string; readonly value: string | null }[],
  base: LogConfig,
): { overrides: Record<string, string>; logConfig: LogConfig } {
  const nulls = configs.filter((c) => c.value === null).map((c) => c.name);
  if (nulls.length > 0) {
    throw new KafkaError(ErrorCode.INVALID_CONFIG, `Null value not supported for topic configs: ${nulls.join(',')}`);
  }
  // A later duplicate wins, as with the java.util.Properties Kafka builds from the request.
  const overrides: Record<string, string> = {};
  for (const c of configs) overrides[c.name] = c.value!;
  try {
    return { overrides, logConfig: logConfigFrom(overrides, base) };
  } catch (err) {
    if (err instanceof InvalidConfigError) throw new KafkaError(ErrorCode.INVALID_CONFIG, err.message, { cause: err });
    throw err;
  }
}

/** Every CreateTopics check for one topic; throws KafkaError with Kafka's code and message. */
export function validateCreateTopic(
  spec: CreateTopicSpec,
  topics: TopicLookup,
  taken: ReadonlyMap<string, string>,
  ctx: TopicValidationContext,
): ValidTopic {
  validateTopicName(spec.name);
  if (topics.get(spec.name) !== undefined) {
    throw new KafkaError(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${spec.name}' already exists.`);
  }
  const clash = taken.get(collisionKey(spec.name));
  if (clash !== undefined) {
    throw new KafkaError(
      ErrorCode.INVALID_TOPIC_EXCEPTION,
      `Topic '${spec.name}' collides with existing topic: ${clash}`,
    );
  }
  const assignments = spec.assignments ?? [];
  let partitions: number;
  let replicationFactor: number;
  let assignment: (readonly number[])[] | null = null;
  if (assignments.length > 0) {
    if (spec.numPartitions !== USE_DEFAULT || spec.replicationFactor !== USE_DEFAULT) {
      throw new KafkaError(
        ErrorCode.INVALID_REQUEST,
        'Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.',
      );
    }
    const indexes = new Set(assignments.map((a) => a.partitionIndex));
    if (
      indexes.size !== assignments.length ||
      assignments.some((a) => a.partitionIndex < 0 || a.partitionIndex >= assignments.length)
    ) {
      throw new KafkaError(
        ErrorCode.INVALID_REPLICA_ASSIGNMENT,
        'partitions should be a consecutive 0-based integer sequence',
      );
    }
    assignment = [...assignments].sort((a, b) => a.partitionIndex - b.partitionIndex).map((a) => a.brokerIds);
    replicationFactor = validateAssignment(assignment, ctx.brokerIds);
    partitions = assignments.length;
  } else {
    const n = spec.numPartitions === USE_DEFAULT ? ctx.numPartitions : spec.numPartitions;
    const rf = spec.replicationFactor === USE_DEFAULT ? ctx.defaultReplicationFactor : spec.replicationFactor;
    partitions = validatePartitionCount(n);
    replicationFactor = validateReplicationFactor(rf, ctx.brokerIds.size);
  }
  const { overrides, logConfig } = validateTopicConfigs(spec.configs ?? [], ctx.defaultLogConfig);
  return {
    name: spec.name,
    record: { topicId: randomUuid(), partitions, replicationFactor, configs: overrides },
    logConfig,
    assignment,
  };
}

/** Every CreatePartitions check for one topic; returns the grown topic or throws KafkaError. */
export function validateCreatePartitions<T extends ExistingTopic>(
  spec: CreatePartitionsSpec,
  topics: TopicLookup<T>,
  brokerIds: ReadonlySet<number>,
): T {
  const record = topics.get(spec.name);
  if (record === undefined) {
    throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `The topic '${spec.name}' does not exist.`);
  }
  const current = record.partitions;
  if (spec.count === current) {
    throw new KafkaError(ErrorCode.INVALID_PARTITIONS, `Topic already has ${current} partitions.`);
  }
  if (!Number.isInteger(spec.count) || spec.count < current) {
    throw new KafkaError(
      ErrorCode.INVALID_PARTITIONS,
      `The topic ${spec.name} currently has ${current} partition(s); ${spec.count} would not be an increase.`,
    );
  }
  const added = spec.count - current;
  if (spec.assignments != null) {
    if (spec.assignments.length !== added) {
      throw new KafkaError(
        ErrorCode.INVALID_REPLICA_ASSIGNMENT,
        `Increasing the number of partitions by ${added} but ${spec.assignments.length} assignments provided.`,
      );
    }
    const rf = validateAssignment(spec.assignments, brokerIds);
    if (rf !== record.replicationFactor) {
      throw new KafkaError(
        ErrorCode.INVALID_REPLICA_ASSIGNMENT,
        `Inconsistent replication factor between partitions, the topic has ${record.replicationFactor} while the new partitions have ${rf}.`,
      );
    }
  }
  return { ...record, partitions: spec.count };
}

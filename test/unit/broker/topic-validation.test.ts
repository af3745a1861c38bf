import { describe, expect, it } from 'vitest';
import {
  type ExistingTopic,
  type TopicValidationContext,
  validateCreatePartitions,
  validateCreateTopic,
} from '../../../broker/controller/topic-validation.js';
import { ErrorCode, KafkaError } from '../../../protocol/index.js';
import { logConfigFrom } from '../../../storage/index.js';

const ctx: TopicValidationContext = {
  brokerIds: new Set([1, 2, 3]),
  numPartitions: 2,
  defaultReplicationFactor: 3,
  defaultLogConfig: logConfigFrom({}),
};

/** Any lookup will do: here a plain map, as cluster mode builds from ZooKeeper's assignments. */
const topics = new Map<string, ExistingTopic & { readonly tag: string }>([
  ['orders', { partitions: 4, replicationFactor: 2, tag: 'from-zk' }],
]);

function codeOf(run: () => unknown): ErrorCode | undefined {
  try {
    run();
    return undefined;
  } catch (err) {
    if (err instanceof KafkaError) return err.code;
    throw err;
  }
}

describe('validateCreateTopic', () => {
  it('checks existence against the lookup it is given', () => {
    expect(
      codeOf(() =>
        validateCreateTopic({ name: 'orders', numPartitions: 1, replicationFactor: 1 }, topics, new Map(), ctx),
      ),
    ).toBe(ErrorCode.TOPIC_ALREADY_EXISTS);
  });

  it('resolves defaults and leaves placement to the controller when no assignment is given', () => {
    const valid = validateCreateTopic(
      { name: 'fresh', numPartitions: -1, replicationFactor: -1 },
      topics,
      new Map(),
      ctx,
    );
    expect(valid.record).toMatchObject({ partitions: 2, replicationFactor: 3, configs: {} });
    expect(valid.assignment).toBeNull();
  });

  it('hands back a manual assignment in partition order, checked against the live brokers', () => {
    const valid = validateCreateTopic(
      {
        name: 'manual',
        numPartitions: -1,
        replicationFactor: -1,
        assignments: [
          { partitionIndex: 1, brokerIds: [3, 1] },
          { partitionIndex: 0, brokerIds: [1, 2] },
        ],
      },
      topics,
      new Map(),
      ctx,
    );
    expect(valid.assignment).toEqual([
      [1, 2],
      [3, 1],
    ]);
    expect(valid.record).toMatchObject({ partitions: 2, replicationFactor: 2 });
    const dead = {
      name: 'dead',
      numPartitions: -1,
      replicationFactor: -1,
      assignments: [{ partitionIndex: 0, brokerIds: [4] }],
    };
    expect(codeOf(() => validateCreateTopic(dead, topics, new Map(), ctx))).toBe(ErrorCode.INVALID_REPLICA_ASSIGNMENT);
  });
});

describe('validateCreatePartitions', () => {
  it('returns the looked-up topic grown, keeping what the lookup carries', () => {
    expect(validateCreatePartitions({ name: 'orders', count: 6 }, topics, ctx.brokerIds)).toEqual({
      partitions: 6,
      replicationFactor: 2,
      tag: 'from-zk',
    });
    expect(codeOf(() => validateCreatePartitions({ name: 'missing', count: 6 }, topics, ctx.brokerIds))).toBe(
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    );
    expect(
      codeOf(() =>
        validateCreatePartitions({ name: 'orders', count: 5, assignments: [[1, 2, 3]] }, topics, ctx.brokerIds),
      ),
    ).toBe(ErrorCode.INVALID_REPLICA_ASSIGNMENT);
  });
});

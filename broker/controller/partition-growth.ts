import { ErrorCode, KafkaError } from '../../protocol/index.js';
import type { ZkTopicAssignmentRead } from '../zk/kafka-zk-store.js';
import type { ZkReplicaAssignment } from '../zk/zk-topic-data.js';
import type { CreatePartitionsSpec } from './controller.js';
import { assignReplicasToBrokers, type PlacementBroker, placementBrokers } from './replica-placement.js';
import { type TopicLookup, validateCreatePartitions } from './topic-validation.js';

/**
 * The assignment of the partitions `spec` adds to a topic whose assignment is `current` (null: no such topic),
 * checked as Kafka's ZkAdminManager.createPartitions checks it; throws KafkaError. Without a manual assignment
 * the new partitions continue the topic's layout (Kafka's AdminZkClient.createNewPartitionsAssignment): the round
 * robin starts from where partition 0's first replica stands among the live brokers.
 */
export function newPartitionsAssignment(
  spec: CreatePartitionsSpec,
  current: ZkTopicAssignmentRead | null,
  brokers: readonly PlacementBroker[],
): Map<number, ZkReplicaAssignment> {
  // Growing a topic under reassignment would race the controller's reassignment writes.
  if ([...(current?.partitions.values() ?? [])].some((a) => a.addingReplicas.length + a.removingReplicas.length > 0)) {
    throw new KafkaError(
      ErrorCode.REASSIGNMENT_IN_PROGRESS,
      `A partition reassignment is in progress for the topic '${spec.name}'.`,
    );
  }
  const partition0 = current?.partitions.get(0)?.replicas ?? [];
  const lookup: TopicLookup = {
    get: (name) =>
      current === null || name !== current.topic
        ? undefined
        : { partitions: current.partitions.size, replicationFactor: partition0.length },
  };
  validateCreatePartitions(spec, lookup, new Set(brokers.map((b) => b.brokerId)));
  const existing = current!.partitions.size;
  let placed: Map<number, readonly number[]>;
  if (spec.assignments != null) {
    placed = new Map(spec.assignments.map((replicas, i) => [existing + i, replicas]));
  } else {
    const sorted = placementBrokers(brokers, 'enforced');
    const startIndex = Math.max(
      0,
      sorted.findIndex((b) => b.brokerId >= (partition0[0] ?? 0)),
    );
    placed = assignReplicasToBrokers(sorted, spec.count - existing, partition0.length, {
      fixedStartIndex: startIndex,
      startPartitionId: existing,
    });
  }
  return new Map([...placed].map(([p, replicas]) => [p, replicaAssignment(replicas)]));
}

/** A plain assignment: `replicas`, with no reassignment under way. */
export function replicaAssignment(replicas: readonly number[]): ZkReplicaAssignment {
  return { replicas: [...replicas], addingReplicas: [], removingReplicas: [] };
}

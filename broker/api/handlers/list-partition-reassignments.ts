import { ErrorCode, KafkaError, type ListPartitionReassignments } from '../../../protocol/index.js';
import type { OngoingReassignment } from '../../controller/partition-reassignment.js';
import type { ApiHandler } from '../router.js';

/** Versions served and advertised: 0 (flexible; KIP-455). */
export const LIST_PARTITION_REASSIGNMENTS_RANGE = { min: 0, max: 0 };

/** The part of the active controller that knows the reassignments in flight. */
export interface ReassignmentListing {
  isActive(): boolean;
  listPartitionReassignments(
    partitions: readonly { topic: string; partition: number }[] | null,
  ): Promise<OngoingReassignment[]>;
}

/**
 * ListPartitionReassignments (ZooKeeper mode): the reassignments in flight, with each partition's replicas (original
 * and target) and those being added and removed; null topics lists all of them. Partitions that do not exist or are
 * not being reassigned are left out. Answered by the active controller; another broker answers NOT_CONTROLLER.
 */
export function listPartitionReassignmentsHandler(
  controller: ReassignmentListing,
): ApiHandler<typeof ListPartitionReassignments> {
  return async ({ body }) => {
    const partitions =
      body.topics === null
        ? null
        : body.topics.flatMap((t) => t.partitionIndexes.map((partition) => ({ topic: t.name, partition })));
    let ongoing: OngoingReassignment[];
    try {
      if (!controller.isActive()) throw new KafkaError(ErrorCode.NOT_CONTROLLER, 'This broker is not the controller.');
      ongoing = await controller.listPartitionReassignments(partitions);
    } catch (err) {
      if (!(err instanceof KafkaError) || err.code !== ErrorCode.NOT_CONTROLLER) throw err;
      return { throttleTimeMs: 0, errorCode: err.code, errorMessage: err.message, topics: [] };
    }
    const byTopic = new Map<string, OngoingReassignment[]>();
    for (const r of ongoing) {
      let list = byTopic.get(r.topic);
      if (list === undefined) byTopic.set(r.topic, (list = []));
      list.push(r);
    }
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      topics: [...byTopic].map(([name, list]) => ({
        name,
        partitions: list.map((r) => ({
          partitionIndex: r.partition,
          replicas: [...r.replicas],
          addingReplicas: [...r.addingReplicas],
          removingReplicas: [...r.removingReplicas],
        })),
      })),
    };
  };
}

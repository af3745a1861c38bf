import { type AlterPartitionReassignments, ErrorCode, KafkaError } from '../../../protocol/index.js';
import type { ReassignmentRequest, ReassignmentResult } from '../../controller/partition-reassignment.js';
import type { ApiHandler } from '../router.js';

/** Versions served and advertised: 0 (flexible; KIP-455). */
export const ALTER_PARTITION_REASSIGNMENTS_RANGE = { min: 0, max: 0 };

/** The part of the active controller that starts and cancels partition reassignments. */
export interface ReassignmentService {
  isActive(): boolean;
  alterPartitionReassignments(requests: readonly ReassignmentRequest[]): Promise<ReassignmentResult[]>;
}

/**
 * AlterPartitionReassignments (ZooKeeper mode): moves partitions to new replica lists, or with null replicas
 * cancels a partition's reassignment in flight (KafkaController.alterPartitionReassignments). Answered by the
 * active controller once each reassignment is written and started (the data is copied afterwards; the reassignment
 * completes when the new replicas are in sync), so timeoutMs is not waited on, as in Kafka's ZooKeeper mode.
 * Another broker answers NOT_CONTROLLER at the top level; clients send it to the controller.
 */
export function alterPartitionReassignmentsHandler(
  controller: ReassignmentService,
): ApiHandler<typeof AlterPartitionReassignments> {
  return async ({ body }) => {
    const requests = body.topics.flatMap((t) =>
      t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, replicas: p.replicas })),
    );
    let results: ReassignmentResult[];
    try {
      if (!controller.isActive()) throw new KafkaError(ErrorCode.NOT_CONTROLLER, 'This broker is not the controller.');
      results = await controller.alterPartitionReassignments(requests);
    } catch (err) {
      if (!(err instanceof KafkaError) || err.code !== ErrorCode.NOT_CONTROLLER) throw err;
      return { throttleTimeMs: 0, errorCode: err.code, errorMessage: err.message, responses: [] };
    }
    const byTopic = new Map<string, { partitionIndex: number; errorCode: number; errorMessage: string | null }[]>();
    for (const r of results) {
      let partitions = byTopic.get(r.topic);
      if (partitions === undefined) byTopic.set(r.topic, (partitions = []));
      partitions.push({ partitionIndex: r.partition, errorCode: r.errorCode, errorMessage: r.errorMessage });
    }
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      responses: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
    };
  };
}

import type { CreatePartitions } from '../../../protocol/index.js';
import type { Controller } from '../../controller/controller.js';
import type { ApiHandler } from '../router.js';

/** Versions served: 0-3 (protocol-surface.md; kafkajs and kafka-python use 0-1, Java 3). */
export const CREATE_PARTITIONS_RANGE = { min: 0, max: 3 };

/**
 * CreatePartitions: grows each topic to its requested count through the controller (null assignments let the
 * controller place the new partitions), or only checks when validateOnly. timeoutMs bounds the controller's wait
 * for leaders of the new partitions (cluster mode; the local controller has them led by the time it answers).
 */
export function createPartitionsHandler(controller: Controller): ApiHandler<typeof CreatePartitions> {
  return async ({ body }) => {
    const results = await controller.createPartitions(
      body.topics.map((t) => ({
        name: t.name,
        count: t.count,
        assignments: t.assignments === null ? null : t.assignments.map((a) => a.brokerIds),
      })),
      { validateOnly: body.validateOnly, timeoutMs: body.timeoutMs },
    );
    return {
      throttleTimeMs: 0,
      results: results.map((r) => ({ name: r.name, errorCode: r.errorCode, errorMessage: r.errorMessage })),
    };
  };
}

import type { OffsetDelete } from '../../../protocol/index.js';
import { ErrorCode } from '../../../protocol/index.js';
import type { GroupCoordinator } from '../../group/group-coordinator.js';
import type { MetadataCache } from '../../metadata/metadata-cache.js';
import type { ApiHandler } from '../router.js';

/** Versions served: 0 (the only one; librdkafka, Java and platformatic admin clients use it). */
export const OFFSET_DELETE_RANGE = { min: 0, max: 0 };

/**
 * OffsetDelete (KIP-496): partitions the cluster does not know get UNKNOWN_TOPIC_OR_PARTITION; the coordinator
 * deletes the others unless the group still consumes their topic. A group-level error comes alone, with no
 * partitions, as in Kafka.
 */
export function offsetDeleteHandler(
  coordinator: GroupCoordinator,
  metadataCache: MetadataCache,
): ApiHandler<typeof OffsetDelete> {
  return async ({ body }) => {
    const snapshot = metadataCache.snapshot();
    const requested = body.topics.flatMap((t) =>
      t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex })),
    );
    const known = requested.filter((p) => snapshot.partition(p.topic, p.partition) !== undefined);
    const result = await coordinator.deleteOffsets(body.groupId, known);
    if (result.errorCode !== ErrorCode.NONE) return { errorCode: result.errorCode, throttleTimeMs: 0, topics: [] };
    const errors = new Map(result.partitions.map((r) => [`${r.partition}:${r.topic}`, r.errorCode]));
    return {
      errorCode: ErrorCode.NONE,
      throttleTimeMs: 0,
      topics: body.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({
          partitionIndex: p.partitionIndex,
          errorCode: errors.get(`${p.partitionIndex}:${t.name}`) ?? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        })),
      })),
    };
  };
}

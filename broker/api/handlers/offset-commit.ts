import type { OffsetCommit, ResponseInput } from '../../../protocol/index.js';
import { ErrorCode } from '../../../protocol/index.js';
import type { GroupCoordinator } from '../../group/group-coordinator.js';
import type { MetadataCache } from '../../metadata/metadata-cache.js';
import type { ApiHandler } from '../router.js';

/**
 * Versions served: 2-9 (kafka-python sends 2, kafkajs 5, librdkafka 7, Java and platformatic 8-9; v9 has v8's
 * format). v0 (ZooKeeper offsets) and v1 (per-partition timestamps) are not served.
 */
export const OFFSET_COMMIT_RANGE = { min: 2, max: 9 };

type TopicResponse = ResponseInput<typeof OffsetCommit>['topics'][number];

/**
 * OffsetCommit: partitions of topics or partitions the cluster does not know get UNKNOWN_TOPIC_OR_PARTITION and
 * are not stored (Kafka 3.x); the others go to the coordinator, which checks membership and stores them.
 * retention_time_ms (v2-4) sets an explicit expiry; -1 (and v5+) leaves it to offsets.retention.minutes.
 */
export function offsetCommitHandler(
  coordinator: GroupCoordinator,
  metadataCache: MetadataCache,
): ApiHandler<typeof OffsetCommit> {
  return async ({ body }) => {
    const snapshot = metadataCache.snapshot();
    const known = body.topics.flatMap((t) =>
      t.partitions
        .filter((p) => snapshot.partition(t.name, p.partitionIndex) !== undefined)
        .map((p) => ({
          topic: t.name,
          partition: p.partitionIndex,
          offset: p.committedOffset,
          leaderEpoch: p.committedLeaderEpoch,
          metadata: p.committedMetadata,
        })),
    );
    const results = await coordinator.commitOffsets({
      groupId: body.groupId,
      generationId: body.generationIdOrMemberEpoch,
      memberId: body.memberId,
      groupInstanceId: body.groupInstanceId,
      retentionTimeMs: body.retentionTimeMs,
      partitions: known,
    });
    const errors = new Map(results.map((r) => [`${r.partition}:${r.topic}`, r.errorCode]));
    const topics: TopicResponse[] = body.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({
        partitionIndex: p.partitionIndex,
        errorCode: errors.get(`${p.partitionIndex}:${t.name}`) ?? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      })),
    }));
    return { throttleTimeMs: 0, topics };
  };
}

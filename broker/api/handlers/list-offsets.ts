import type { ListOffsets } from '../../../protocol/index.js';
import { ErrorCode, type ResponseInput } from '../../../protocol/index.js';
import { IsolationLevel } from '../../replica/partition.js';
import type { ListOffsetsEntry, ListOffsetsResult, ReplicaManager } from '../../replica/replica-manager.js';
import type { ApiHandler } from '../router.js';

/**
 * Versions served: 1-7 (protocol-surface.md). v0's list of old-style offsets (MaxNumOffsets) is not served: every
 * client in the table sends v1+. v7 adds timestamp -3 (the offset of the largest timestamp, KIP-734); v8/v9 (-4
 * and -5, tiered storage) are not advertised.
 */
export const LIST_OFFSETS_RANGE = { min: 1, max: 7 };

type PartitionResponse = ResponseInput<typeof ListOffsets>['topics'][number]['partitions'][number];

/**
 * ListOffsets for consumers (Kafka's handleListOffsetRequestV1AndAbove): per partition, -2 → log start offset,
 * -1 → high watermark (the last stable offset for read_committed, v2+), -3 → the offset of the largest timestamp,
 * any other timestamp → the first offset whose timestamp is at least it (-1 when none). A partition named more
 * than once gets INVALID_REQUEST for every occurrence, as in Kafka.
 *
 * Not checked: currentLeaderEpoch (v4+). A single node never changes a partition's epoch, so a client's epoch is
 * either the current one or unknown (-1); fenced-epoch errors need cluster mode. The replica id is ignored too:
 * followers do not send ListOffsets to a single node.
 */
export function listOffsetsHandler(replicaManager: ReplicaManager): ApiHandler<typeof ListOffsets> {
  return async ({ header, body }) => {
    const isolationLevel =
      header.apiVersion >= 2 && body.isolationLevel === IsolationLevel.READ_COMMITTED
        ? IsolationLevel.READ_COMMITTED
        : IsolationLevel.READ_UNCOMMITTED;
    const counts = new Map<string, number>();
    for (const t of body.topics) {
      for (const p of t.partitions)
        counts.set(key(t.name, p.partitionIndex), (counts.get(key(t.name, p.partitionIndex)) ?? 0) + 1);
    }
    const entries: ListOffsetsEntry[] = [];
    for (const t of body.topics) {
      for (const p of t.partitions) {
        if (counts.get(key(t.name, p.partitionIndex)) === 1) {
          entries.push({ topic: t.name, partition: p.partitionIndex, timestamp: p.timestamp });
        }
      }
    }
    const results = new Map<string, ListOffsetsResult>();
    for (const r of await replicaManager.listOffsets(entries, isolationLevel))
      results.set(key(r.topic, r.partition), r);
    return {
      throttleTimeMs: 0,
      topics: body.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => {
          const r = results.get(key(t.name, p.partitionIndex));
          return r === undefined ? failed(p.partitionIndex, ErrorCode.INVALID_REQUEST) : partitionResponse(r);
        }),
      })),
    };
  };
}

const key = (topic: string, partition: number): string => `${partition}:${topic}`;

function partitionResponse(r: ListOffsetsResult): PartitionResponse {
  return {
    partitionIndex: r.partition,
    errorCode: r.errorCode,
    timestamp: r.timestamp,
    offset: r.offset,
    leaderEpoch: r.leaderEpoch,
  };
}

function failed(partitionIndex: number, errorCode: ErrorCode): PartitionResponse {
  return { partitionIndex, errorCode, timestamp: -1, offset: -1, leaderEpoch: -1 };
}

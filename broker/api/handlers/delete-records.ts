import type { DeleteRecords } from '../../../protocol/index.js';
import { ErrorCode } from '../../../protocol/index.js';
import type { DeleteRecordsEntry, DeleteRecordsResult, ReplicaManager } from '../../replica/replica-manager.js';
import type { ApiHandler } from '../router.js';

/** Versions served: 0-2 (v1 changes throttling only, v2 is flexible). */
export const DELETE_RECORDS_RANGE = { min: 0, max: 2 };

/**
 * DeleteRecords (KIP-107): moves each partition's log start offset up to the requested offset (-1: the high
 * watermark) and answers the new low watermark. Past the high watermark is OFFSET_OUT_OF_RANGE; a topic whose
 * cleanup.policy lacks `delete` gets POLICY_VIOLATION, as in Kafka (compaction decides what a compacted log keeps).
 * timeoutMs is not waited on: it bounds how long Kafka waits for followers to move their own log start, and a
 * single node has none.
 */
export function deleteRecordsHandler(replicaManager: ReplicaManager): ApiHandler<typeof DeleteRecords> {
  return async ({ body }) => {
    const entries: DeleteRecordsEntry[] = [];
    const refused = new Set<string>();
    for (const t of body.topics) {
      for (const p of t.partitions) {
        const log = replicaManager.getPartition(t.name, p.partitionIndex)?.log;
        if (log !== undefined && !log.config.delete) refused.add(key(t.name, p.partitionIndex));
        else entries.push({ topic: t.name, partition: p.partitionIndex, offset: p.offset });
      }
    }
    const results = new Map<string, DeleteRecordsResult>();
    for (const r of await replicaManager.deleteRecords(entries)) results.set(key(r.topic, r.partition), r);
    return {
      throttleTimeMs: 0,
      topics: body.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => {
          const tp = key(t.name, p.partitionIndex);
          if (refused.has(tp)) {
            return { partitionIndex: p.partitionIndex, lowWatermark: -1, errorCode: ErrorCode.POLICY_VIOLATION };
          }
          const r = results.get(tp)!;
          return { partitionIndex: p.partitionIndex, lowWatermark: r.lowWatermark, errorCode: r.errorCode };
        }),
      })),
    };
  };
}

const key = (topic: string, partition: number): string => `${partition}:${topic}`;

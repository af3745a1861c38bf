import type { OffsetForLeaderEpoch } from '../../../protocol/index.js';
import type { EpochEndOffsetRequest, ReplicaManager } from '../../replica/replica-manager.js';
import type { ApiHandler } from '../router.js';

/**
 * Versions served: 0-4 (v2 adds current_leader_epoch fencing, v3 the replica id, v4 is flexible). Followers send
 * v3 (KIP-101/279 truncation); consumers use it too (KIP-320) to detect a truncated log after a leader change.
 */
export const OFFSET_FOR_LEADER_EPOCH_RANGE = { min: 0, max: 4 };

/**
 * OffsetForLeaderEpoch (Kafka's handleOffsetForLeaderEpochRequest): for each partition, the largest leader epoch
 * ≤ the one asked for that the leader's log knows, and where it ends (the start of the next epoch, or the log end
 * for the latest); -1/-1 when the log knows no such epoch. Only the leader answers (NOT_LEADER_OR_FOLLOWER
 * elsewhere, UNKNOWN_TOPIC_OR_PARTITION for a partition not hosted here), and current_leader_epoch (v2+) fences as
 * in Fetch: older → FENCED_LEADER_EPOCH, newer → UNKNOWN_LEADER_EPOCH, -1 → no check.
 */
export function offsetForLeaderEpochHandler(replicaManager: ReplicaManager): ApiHandler<typeof OffsetForLeaderEpoch> {
  return ({ body }) => {
    const requests: EpochEndOffsetRequest[] = [];
    for (const t of body.topics) {
      for (const p of t.partitions) {
        requests.push({
          topic: t.topic,
          partition: p.partition,
          currentLeaderEpoch: p.currentLeaderEpoch,
          leaderEpoch: p.leaderEpoch,
        });
      }
    }
    const results = replicaManager.lastOffsetForLeaderEpoch(requests);
    let next = 0;
    return Promise.resolve({
      throttleTimeMs: 0,
      topics: body.topics.map((t) => ({
        topic: t.topic,
        partitions: t.partitions.map(() => {
          const r = results[next++]!;
          return { errorCode: r.errorCode, partition: r.partition, leaderEpoch: r.leaderEpoch, endOffset: r.endOffset };
        }),
      })),
    });
  };
}

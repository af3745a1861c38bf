import type { OffsetFetch } from '../../../protocol/index.js';
import { ErrorCode } from '../../../protocol/index.js';
import type { FetchedOffset, GroupCoordinator } from '../../group/group-coordinator.js';
import type { ApiHandler } from '../router.js';

/**
 * Versions served: 1-8 (kafka-python sends 1, kafkajs 4, librdkafka 7 with require_stable, Java and platformatic
 * 8 with several groups per request). v0 read offsets from ZooKeeper.
 */
export const OFFSET_FETCH_RANGE = { min: 1, max: 8 };

type RequestTopics = readonly { name: string; partitionIndexes: readonly number[] }[] | null;

/**
 * OffsetFetch: the committed offsets of the named partitions, or of every committed partition when topics is
 * null (v2+); nothing committed is offset -1 with metadata '' and no error. A group-level error goes in every
 * partition before v2, at the top level in v2-7, per group from v8.
 */
export function offsetFetchHandler(coordinator: GroupCoordinator): ApiHandler<typeof OffsetFetch> {
  return ({ header, body }) => {
    const version = header.apiVersion;
    const requireStable = version >= 7 && body.requireStable;
    if (version >= 8) {
      const groups = body.groups.map((g) => {
        const result = coordinator.fetchOffsets(g.groupId, partitionsOf(g.topics), requireStable);
        return { groupId: g.groupId, errorCode: result.errorCode, topics: byTopic(result.offsets) };
      });
      return Promise.resolve({ throttleTimeMs: 0, groups });
    }
    const result = coordinator.fetchOffsets(body.groupId, partitionsOf(body.topics), requireStable);
    if (result.errorCode !== ErrorCode.NONE && version < 2) {
      // v0-1 have no top-level error: every requested partition carries it
      const failed = (partitionsOf(body.topics) ?? []).map((p) => ({
        ...p,
        offset: -1,
        leaderEpoch: -1,
        metadata: '',
        errorCode: result.errorCode,
      }));
      return Promise.resolve({ throttleTimeMs: 0, errorCode: result.errorCode, topics: byTopic(failed) });
    }
    return Promise.resolve({ throttleTimeMs: 0, errorCode: result.errorCode, topics: byTopic(result.offsets) });
  };
}

function partitionsOf(topics: RequestTopics): { topic: string; partition: number }[] | null {
  return topics === null
    ? null
    : topics.flatMap((t) => t.partitionIndexes.map((partition) => ({ topic: t.name, partition })));
}

/** Groups the answers by topic, topics in order of first appearance. */
function byTopic(offsets: readonly FetchedOffset[]) {
  const topics = new Map<
    string,
    {
      partitionIndex: number;
      committedOffset: number;
      committedLeaderEpoch: number;
      metadata: string;
      errorCode: ErrorCode;
    }[]
  >();
  for (const o of offsets) {
    let partitions = topics.get(o.topic);
    if (partitions === undefined) topics.set(o.topic, (partitions = []));
    partitions.push({
      partitionIndex: o.partition,
      committedOffset: o.offset,
      committedLeaderEpoch: o.leaderEpoch,
      metadata: o.metadata,
      errorCode: o.errorCode,
    });
  }
  return [...topics].map(([name, partitions]) => ({ name, partitions }));
}

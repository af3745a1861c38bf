import { decodeConsumerAssignment, ErrorCode } from '../../protocol/index.js';
import { IsolationLevel } from '../replica/partition.js';
import type { ReplicaManager } from '../replica/replica-manager.js';
import { CONSUMER_PROTOCOL_TYPE } from './group.js';
import type { GroupCoordinator, GroupDetail } from './group-coordinator.js';

export interface MemberView {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  /** Decoded from the consumer protocol assignment; empty for other protocol types or undecodable bytes. */
  assignment: { topic: string; partitions: number[] }[];
}

export interface PartitionLag {
  topic: string;
  partition: number;
  /** The member the partition is assigned to, or null (committed but not assigned now). */
  memberId: string | null;
  /** null when the group committed nothing for it. */
  committedOffset: number | null;
  metadata: string | null;
  /** The high watermark; null when this broker cannot tell (not the leader, unknown partition). */
  logEndOffset: number | null;
  /** logEndOffset - committedOffset when both are known. */
  lag: number | null;
}

export interface GroupLagView extends Omit<GroupDetail, 'members' | 'offsets'> {
  members: MemberView[];
  /** Assigned and committed partitions, sorted by topic then partition. */
  partitions: PartitionLag[];
}

const LATEST_OFFSET = -1;

/**
 * What `kafka-consumer-groups --describe` shows for one group: its state and members with their assigned
 * partitions, and per partition (assigned or committed) the committed offset, the log-end offset (high
 * watermark, what Kafka's tool asks ListOffsets for) and the lag. An error code when this broker is not the
 * group's coordinator or the group does not exist.
 */
export async function describeGroupLag(
  coordinator: GroupCoordinator,
  replicaManager: ReplicaManager,
  groupId: string,
): Promise<GroupLagView | ErrorCode> {
  const detail = coordinator.groupDetail(groupId);
  if (typeof detail === 'number') return detail;
  const consumer = detail.protocolType === CONSUMER_PROTOCOL_TYPE;
  const members = detail.members.map((m): MemberView => ({
    memberId: m.memberId,
    groupInstanceId: m.groupInstanceId,
    clientId: m.clientId,
    clientHost: m.clientHost,
    assignment: consumer ? assignedPartitions(m.assignment) : [],
  }));

  const rows = new Map<string, PartitionLag>();
  const row = (topic: string, partition: number): PartitionLag => {
    const key = `${partition}:${topic}`;
    let found = rows.get(key);
    if (found === undefined) {
      found = {
        topic,
        partition,
        memberId: null,
        committedOffset: null,
        metadata: null,
        logEndOffset: null,
        lag: null,
      };
      rows.set(key, found);
    }
    return found;
  };
  for (const m of members) {
    for (const a of m.assignment) for (const partition of a.partitions) row(a.topic, partition).memberId = m.memberId;
  }
  for (const o of detail.offsets) {
    const r = row(o.topic, o.partition);
    r.committedOffset = Number(o.offset);
    r.metadata = o.metadata;
  }
  const partitions = [...rows.values()].sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  const ends = await replicaManager.listOffsets(
    partitions.map((p) => ({ topic: p.topic, partition: p.partition, timestamp: LATEST_OFFSET })),
    IsolationLevel.READ_UNCOMMITTED,
  );
  partitions.forEach((p, i) => {
    const end = ends[i]!;
    if (end.errorCode !== ErrorCode.NONE) return;
    p.logEndOffset = end.offset;
    if (p.committedOffset !== null) p.lag = end.offset - p.committedOffset;
  });
  return {
    groupId,
    state: detail.state,
    protocolType: detail.protocolType,
    protocolName: detail.protocolName,
    generationId: detail.generationId,
    leaderId: detail.leaderId,
    members,
    partitions,
  };
}

function assignedPartitions(assignment: Buffer): MemberView['assignment'] {
  if (assignment.length === 0) return [];
  try {
    return decodeConsumerAssignment(assignment).partitions.map((p) => ({
      topic: p.topic,
      partitions: [...p.partitions],
    }));
  } catch {
    // an assignor's bytes the consumer protocol does not describe: show the member without partitions
    return [];
  }
}

import { ErrorCode } from '../../protocol/index.js';
import type { BrokerConfig } from '../config.js';
import type { Logger } from '../logger.js';
import { Group, GroupState, offsetKey } from './group.js';
import { type CoordinatorContext, GroupCatalog } from './group-catalog.js';
import { EMPTY_BYTES, GroupMember, type JoinGroupResult, type SyncGroupResult } from './group-member.js';
import type {
  GroupPartitionListener,
  GroupPersistence,
  LoadedPartition,
  StoredGroup,
  StoredOffset,
} from './group-persistence.js';
import {
  GroupMembership,
  type HeartbeatRequest,
  type JoinGroupRequest,
  type LeaveGroupResult,
  type LeavingMember,
  type SyncGroupRequest,
} from './membership.js';
import {
  GroupOffsets,
  type OffsetCommitRequest,
  type FetchedOffset,
  type OffsetDeleteResult,
  type OffsetFetchResult,
  type PartitionError,
} from './offset-commits.js';
import { Rebalancer } from './rebalance.js';

export type { HeartbeatRequest, JoinGroupRequest, LeaveGroupResult, LeavingMember, SyncGroupRequest };
export type { FetchedOffset, OffsetCommitRequest, OffsetDeleteResult, OffsetFetchResult, PartitionError };
export type { JoinGroupResult, SyncGroupResult };

/** A member as DescribeGroups and the admin view show it. */
export interface MemberDescription {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  /** The metadata for the chosen protocol; empty unless the group is Stable (as Kafka describes). */
  metadata: Buffer;
  /** Empty unless the group is Stable. */
  assignment: Buffer;
}

export interface GroupDescription {
  errorCode: ErrorCode;
  groupId: string;
  /** Kafka's state name; '' with an error. */
  state: string;
  protocolType: string;
  /** The chosen protocol while Stable, else ''. */
  protocolName: string;
  members: MemberDescription[];
}

export interface GroupListing {
  groupId: string;
  protocolType: string;
  state: GroupState;
}

/** A group with its committed offsets, for the admin view (Stable or not, members carry their assignment). */
export interface GroupDetail {
  groupId: string;
  state: GroupState;
  protocolType: string;
  protocolName: string | null;
  generationId: number;
  leaderId: string | null;
  members: MemberDescription[];
  offsets: StoredOffset[];
}

/** ListGroups v5 group type: every group here uses the classic protocol. */
export const CLASSIC_GROUP_TYPE = 'classic';

/**
 * Kafka's group coordinator for the classic protocol: consumer groups (membership, rebalances, static members)
 * and their committed offsets, for the groups whose __consumer_offsets partitions this broker leads. It owns the
 * in-memory state; GroupPersistence makes it durable, and the store tells it (as GroupPartitionListener) which
 * partitions it leads, loading them first.
 *
 * Concurrency: every request changes state synchronously when called (the handler's dispatch phase, in request
 * order) and no invariant spans an await; timers run on the same thread. Parked JoinGroup/SyncGroup responses
 * are answered NOT_COORDINATOR when their partition is unloaded and COORDINATOR_NOT_AVAILABLE at shutdown.
 */
export class GroupCoordinator implements GroupPartitionListener {
  readonly #ctx: CoordinatorContext;
  readonly #rebalancer: Rebalancer;
  readonly #membership: GroupMembership;
  readonly #offsets: GroupOffsets;
  readonly #expiry: NodeJS.Timeout;

  constructor(deps: { config: BrokerConfig; persistence: GroupPersistence; logger: Logger; now?: () => number }) {
    const logger = deps.logger.child({ component: 'group-coordinator' });
    this.#ctx = {
      config: deps.config,
      persistence: deps.persistence,
      logger,
      now: deps.now ?? Date.now,
      catalog: new GroupCatalog(deps.persistence),
    };
    this.#rebalancer = new Rebalancer(this.#ctx);
    this.#membership = new GroupMembership(this.#ctx, this.#rebalancer);
    this.#offsets = new GroupOffsets(this.#ctx, (group, memberId) => {
      const member = group.members.get(memberId);
      if (member !== undefined) this.#rebalancer.scheduleHeartbeat(group, member);
    });
    this.#expiry = setInterval(() => {
      this.#offsets.expireOffsets().catch((err: unknown) => logger.error({ err }, 'offset expiry failed'));
    }, deps.config.offsetsRetentionCheckIntervalMs);
    this.#expiry.unref();
  }

  joinGroup(req: JoinGroupRequest): Promise<JoinGroupResult> {
    return this.#membership.joinGroup(req);
  }

  syncGroup(req: SyncGroupRequest): Promise<SyncGroupResult> {
    return this.#membership.syncGroup(req);
  }

  heartbeat(req: HeartbeatRequest): ErrorCode {
    return this.#membership.heartbeat(req);
  }

  leaveGroup(groupId: string, members: readonly LeavingMember[]): LeaveGroupResult {
    return this.#membership.leaveGroup(groupId, members);
  }

  commitOffsets(req: OffsetCommitRequest): Promise<PartitionError[]> {
    return this.#offsets.commitOffsets(req);
  }

  fetchOffsets(
    groupId: string,
    partitions: readonly { topic: string; partition: number }[] | null,
    requireStable: boolean,
  ): OffsetFetchResult {
    return this.#offsets.fetchOffsets(groupId, partitions, requireStable);
  }

  deleteOffsets(
    groupId: string,
    partitions: readonly { topic: string; partition: number }[],
  ): Promise<OffsetDeleteResult> {
    return this.#offsets.deleteOffsets(groupId, partitions);
  }

  deleteGroups(groupIds: readonly string[]): Promise<{ groupId: string; errorCode: ErrorCode }[]> {
    return this.#offsets.deleteGroups(groupIds);
  }

  /** Runs the offset expiry now (it also runs every offsets.retention.check.interval.ms). */
  expireOffsets(): Promise<void> {
    return this.#offsets.expireOffsets();
  }

  /** DescribeGroups for one group: an unknown group is Dead with no error, as Kafka answers before v6. */
  describeGroup(groupId: string): GroupDescription {
    const status = this.#ctx.catalog.status(groupId, { allowEmptyId: true });
    const described = (state: string, errorCode: ErrorCode = ErrorCode.NONE): GroupDescription => ({
      errorCode,
      groupId,
      state,
      protocolType: '',
      protocolName: '',
      members: [],
    });
    if (status !== ErrorCode.NONE) return described('', status);
    const group = this.#ctx.catalog.get(groupId);
    if (group === undefined) return described(GroupState.Dead);
    const stable = group.is(GroupState.Stable);
    return {
      errorCode: ErrorCode.NONE,
      groupId,
      state: group.state,
      protocolType: group.protocolType ?? '',
      protocolName: stable ? (group.protocolName ?? '') : '',
      members: describeMembers(group, stable),
    };
  }

  /**
   * ListGroups: the groups of the loaded partitions, filtered by state (case-insensitive, KIP-518) and type
   * (KIP-848: all of ours are classic). COORDINATOR_LOAD_IN_PROGRESS while a partition loads, with what is known.
   */
  listGroups(filter: { states: readonly string[]; types: readonly string[] }): {
    errorCode: ErrorCode;
    groups: GroupListing[];
  } {
    const { catalog } = this.#ctx;
    if (!catalog.active) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, groups: [] };
    const states = new Set(filter.states.map((s) => s.toLowerCase()));
    const types = new Set(filter.types.map((t) => t.toLowerCase()));
    const groups = catalog
      .groups()
      .filter((g) => !g.is(GroupState.Dead))
      .filter((g) => states.size === 0 || states.has(g.state.toLowerCase()))
      .filter(() => types.size === 0 || types.has(CLASSIC_GROUP_TYPE))
      .map((g) => ({ groupId: g.groupId, protocolType: g.protocolType ?? '', state: g.state }));
    return { errorCode: catalog.isLoading ? ErrorCode.COORDINATOR_LOAD_IN_PROGRESS : ErrorCode.NONE, groups };
  }

  /** The group with its members' assignments and committed offsets; an error code when it is not here. */
  groupDetail(groupId: string): GroupDetail | ErrorCode {
    const status = this.#ctx.catalog.status(groupId, { allowEmptyId: true });
    if (status !== ErrorCode.NONE) return status;
    const group = this.#ctx.catalog.get(groupId);
    if (group === undefined || group.is(GroupState.Dead)) return ErrorCode.GROUP_ID_NOT_FOUND;
    return {
      groupId,
      state: group.state,
      protocolType: group.protocolType ?? '',
      protocolName: group.protocolName,
      generationId: group.generationId,
      leaderId: group.leaderId,
      members: describeMembers(group, true),
      offsets: [...group.offsets.values()],
    };
  }

  onPartitionLoading(partition: number): void {
    // a partition loaded again (leadership regained): what we held for it is stale
    this.#unloadGroups(partition, ErrorCode.NOT_COORDINATOR);
    this.#ctx.catalog.markLoading(partition);
  }

  onPartitionLoaded(partition: number, loaded: LoadedPartition): void {
    const now = this.#ctx.now();
    const groups = new Map<string, Group>();
    for (const [groupId, stored] of loaded.groups) groups.set(groupId, loadGroup(stored, partition, now));
    for (const [groupId, offsets] of loaded.offsets) {
      let group = groups.get(groupId);
      if (group === undefined) {
        group = new Group(groupId, partition, GroupState.Empty, now);
        groups.set(groupId, group);
      }
      for (const o of offsets) group.offsets.set(offsetKey(o.topic, o.partition), o);
    }
    this.#unloadGroups(partition, ErrorCode.NOT_COORDINATOR);
    for (const group of groups.values()) {
      this.#ctx.catalog.add(group);
      this.#rebalancer.onGroupLoaded(group);
    }
    this.#ctx.catalog.markLoaded(partition);
    this.#ctx.logger.info({ partition, groups: groups.size }, 'loaded groups and offsets');
  }

  onPartitionUnloaded(partition: number): void {
    this.#unloadGroups(partition, ErrorCode.NOT_COORDINATOR);
    this.#ctx.catalog.markUnloaded(partition);
  }

  /** Stops the coordinator: timers cleared, parked requests answered COORDINATOR_NOT_AVAILABLE. Idempotent. */
  shutdown(): void {
    clearInterval(this.#expiry);
    if (!this.#ctx.catalog.active) return;
    this.#ctx.catalog.deactivate();
    for (const group of this.#ctx.catalog.groups()) {
      if (!group.is(GroupState.Dead)) this.#rebalancer.onGroupUnloaded(group, ErrorCode.COORDINATOR_NOT_AVAILABLE);
      this.#ctx.catalog.delete(group);
    }
  }

  #unloadGroups(partition: number, errorCode: ErrorCode): void {
    for (const group of this.#ctx.catalog.groupsOf(partition)) {
      if (!group.is(GroupState.Dead)) this.#rebalancer.onGroupUnloaded(group, errorCode);
      this.#ctx.catalog.delete(group);
    }
  }
}

function describeMembers(group: Group, withBytes: boolean): MemberDescription[] {
  const protocol = group.protocolName;
  return [...group.members.values()].map((m) => ({
    memberId: m.memberId,
    groupInstanceId: m.groupInstanceId,
    clientId: m.clientId,
    clientHost: m.clientHost,
    metadata: withBytes && protocol !== null ? m.metadata(protocol) : EMPTY_BYTES,
    assignment: withBytes ? m.assignment : EMPTY_BYTES,
  }));
}

/**
 * A group as its last metadata record left it: with members it comes back Stable in its generation (they must
 * heartbeat within their sessions, as after a Kafka failover); without, Empty.
 */
function loadGroup(stored: StoredGroup, partition: number, now: number): Group {
  const withMembers = stored.members.length > 0 && stored.protocolName !== null;
  const group = new Group(stored.groupId, partition, withMembers ? GroupState.Stable : GroupState.Empty, now);
  group.currentStateTimestamp = stored.currentStateTimestamp;
  group.generationId = stored.generationId;
  group.protocolType = stored.protocolType === '' ? null : stored.protocolType;
  if (withMembers) {
    group.protocolName = stored.protocolName;
    for (const m of stored.members) {
      const member = new GroupMember(
        m.memberId,
        m.groupInstanceId,
        m.clientId,
        m.clientHost,
        m.rebalanceTimeoutMs,
        m.sessionTimeoutMs,
        stored.protocolType,
        [{ name: stored.protocolName!, metadata: m.subscription }],
      );
      member.assignment = m.assignment;
      group.add(member);
    }
    group.leaderId = stored.leaderId !== null && group.members.has(stored.leaderId) ? stored.leaderId : group.leaderId;
    group.refreshSubscribedTopics();
  } else if (stored.protocolType !== '') {
    group.refreshSubscribedTopics();
  }
  return group;
}

import { randomUUID } from 'node:crypto';
import { ErrorCode, errorName } from '../../protocol/index.js';
import { Binding } from '../logger.js';
import { type Group, GroupState } from './group.js';
import type { CoordinatorContext } from './group-catalog.js';
import {
  EMPTY_BYTES,
  GroupMember,
  joinError,
  type JoinGroupResult,
  type MemberProtocol,
  syncError,
  type SyncGroupResult,
} from './group-member.js';
import { NEW_MEMBER_JOIN_TIMEOUT_MS, type Rebalancer } from './rebalance.js';

export interface JoinGroupRequest {
  groupId: string;
  /** '' for a member that has no id yet. */
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  /** Buffers copied out of the request frame. */
  protocols: MemberProtocol[];
  /** JoinGroup v4+ from a dynamic member: answer MEMBER_ID_REQUIRED before admitting it (KIP-394). */
  requireKnownMemberId: boolean;
  /** JoinGroup v9+: a rejoining static leader may skip the assignment (KIP-814). */
  supportSkippingAssignment: boolean;
  reason: string | null;
}

export interface SyncGroupRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  /** SyncGroup v5: checked against the group's when given. */
  protocolType: string | null;
  protocolName: string | null;
  /** The leader's assignment by member id (buffers copied out of the frame); empty from followers. */
  assignments: ReadonlyMap<string, Buffer>;
}

export interface HeartbeatRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
}

export interface LeavingMember {
  memberId: string;
  groupInstanceId: string | null;
  reason: string | null;
}

export interface LeaveGroupResult {
  errorCode: ErrorCode;
  members: { memberId: string; groupInstanceId: string | null; errorCode: ErrorCode }[];
}

/**
 * JoinGroup, SyncGroup, Heartbeat and LeaveGroup with Kafka's answers (GroupCoordinator.scala's handlers): who
 * may join, member ids and MEMBER_ID_REQUIRED, static membership and fencing, and the errors each state gives.
 * The timed parts (completing a join, expiring sessions) are the Rebalancer's.
 *
 * Concurrency: each method changes the group synchronously, in request order (the handler's dispatch phase);
 * JoinGroup and SyncGroup return promises that settle when the rebalance reaches them. A request that arrives
 * while the same member already has a JoinGroup (or SyncGroup) parked supersedes it: the older one is answered
 * REBALANCE_IN_PROGRESS, so no connection waits forever for a response that Kafka would never send.
 */
export class GroupMembership {
  readonly #ctx: CoordinatorContext;
  readonly #rebalancer: Rebalancer;

  constructor(ctx: CoordinatorContext, rebalancer: Rebalancer) {
    this.#ctx = ctx;
    this.#rebalancer = rebalancer;
  }

  joinGroup(req: JoinGroupRequest): Promise<JoinGroupResult> {
    const { catalog, config } = this.#ctx;
    const status = catalog.status(req.groupId, { allowEmptyId: false });
    if (status !== ErrorCode.NONE) return Promise.resolve(joinError(req.memberId, status));
    if (
      req.sessionTimeoutMs < config.groupMinSessionTimeoutMs ||
      req.sessionTimeoutMs > config.groupMaxSessionTimeoutMs
    ) {
      return Promise.resolve(joinError(req.memberId, ErrorCode.INVALID_SESSION_TIMEOUT));
    }
    const isUnknownMember = req.memberId === '';
    let group = catalog.get(req.groupId);
    if (group === undefined) {
      // a member id for a group that does not exist is stale; only a new member creates the group
      if (!isUnknownMember) return Promise.resolve(joinError(req.memberId, ErrorCode.UNKNOWN_MEMBER_ID));
      group = catalog.create(req.groupId, this.#ctx.now());
    }
    const joined = group;
    return new Promise((resolve) => {
      if (!this.#acceptJoiningMember(joined, req.memberId)) {
        const shed = joined.members.get(req.memberId);
        if (shed !== undefined) this.#rebalancer.removeMemberAndUpdateGroup(joined, shed, 'group is over capacity');
        resolve(joinError('', ErrorCode.GROUP_MAX_SIZE_REACHED));
      } else if (isUnknownMember) {
        this.#newMemberJoin(joined, req, resolve);
      } else {
        this.#currentMemberJoin(joined, req, resolve);
      }
      if (joined.is(GroupState.PreparingRebalance)) this.#rebalancer.checkJoinCompletion(joined);
    });
  }

  syncGroup(req: SyncGroupRequest): Promise<SyncGroupResult> {
    const status = this.#ctx.catalog.status(req.groupId, { allowEmptyId: false });
    // a loading coordinator has lost the rebalance in progress: the member must join again
    if (status === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS) {
      return Promise.resolve(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
    }
    if (status !== ErrorCode.NONE) return Promise.resolve(syncError(status));
    const group = this.#ctx.catalog.get(req.groupId);
    if (group === undefined) return Promise.resolve(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    const invalid = this.#validateSync(group, req);
    if (invalid !== ErrorCode.NONE) return Promise.resolve(syncError(invalid));
    const member = group.members.get(req.memberId)!;
    switch (group.state) {
      case GroupState.Empty:
        return Promise.resolve(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
      case GroupState.PreparingRebalance:
        return Promise.resolve(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
      case GroupState.Stable:
        this.#rebalancer.removePendingSyncMember(group, member.memberId);
        this.#rebalancer.scheduleHeartbeat(group, member);
        return Promise.resolve({
          errorCode: ErrorCode.NONE,
          protocolType: group.protocolType,
          protocolName: group.protocolName,
          assignment: member.assignment,
        });
      case GroupState.CompletingRebalance:
        return new Promise((resolve) => {
          group.answerSync(member, syncError(ErrorCode.REBALANCE_IN_PROGRESS));
          member.awaitingSync = resolve;
          this.#rebalancer.removePendingSyncMember(group, member.memberId);
          if (group.isLeader(member.memberId)) this.#storeAssignment(group, req.assignments);
        });
      case GroupState.Dead:
        return Promise.resolve(syncError(ErrorCode.COORDINATOR_NOT_AVAILABLE));
    }
  }

  heartbeat(req: HeartbeatRequest): ErrorCode {
    const status = this.#ctx.catalog.status(req.groupId, { allowEmptyId: false });
    // the group is still loading: answer blindly, the member's state is not known yet
    if (status === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS) return ErrorCode.NONE;
    if (status !== ErrorCode.NONE) return status;
    const group = this.#ctx.catalog.get(req.groupId);
    if (group === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (group.is(GroupState.Dead)) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const invalid = group.validateMember(req.memberId, req.groupInstanceId);
    if (invalid !== ErrorCode.NONE) return invalid;
    if (req.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    if (group.is(GroupState.Empty)) return ErrorCode.UNKNOWN_MEMBER_ID;
    this.#rebalancer.scheduleHeartbeat(group, group.members.get(req.memberId)!);
    return group.is(GroupState.PreparingRebalance) ? ErrorCode.REBALANCE_IN_PROGRESS : ErrorCode.NONE;
  }

  leaveGroup(groupId: string, leaving: readonly LeavingMember[]): LeaveGroupResult {
    const status = this.#ctx.catalog.status(groupId, { allowEmptyId: false });
    if (status !== ErrorCode.NONE) return { errorCode: status, members: [] };
    const group = this.#ctx.catalog.get(groupId);
    const answer = (m: LeavingMember, errorCode: ErrorCode) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      errorCode,
    });
    if (group === undefined) {
      return { errorCode: ErrorCode.NONE, members: leaving.map((m) => answer(m, ErrorCode.UNKNOWN_MEMBER_ID)) };
    }
    if (group.is(GroupState.Dead)) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, members: [] };
    const log = this.#ctx.logger.child({ [Binding.group]: groupId });
    const remove = (memberId: string, reason: string | null): void => {
      log.info({ member: memberId, reason }, 'member left the group');
      const why = `member ${memberId} left (${reason ?? 'no reason given'})`;
      this.#rebalancer.removeMemberAndUpdateGroup(group, group.members.get(memberId)!, why);
    };
    const members = leaving.map((m) => {
      // an admin may remove a static member by its instance id alone
      if (m.memberId === '') {
        const current = m.groupInstanceId === null ? undefined : group.staticMembers.get(m.groupInstanceId);
        if (current === undefined) return answer(m, ErrorCode.UNKNOWN_MEMBER_ID);
        remove(current, m.reason);
        return answer(m, ErrorCode.NONE);
      }
      if (group.pendingMembers.has(m.memberId)) {
        this.#rebalancer.removePendingMember(group, m.memberId);
        return answer(m, ErrorCode.NONE);
      }
      const invalid = group.validateMember(m.memberId, m.groupInstanceId);
      if (invalid === ErrorCode.NONE) remove(m.memberId, m.reason);
      return answer(m, invalid);
    });
    return { errorCode: ErrorCode.NONE, members };
  }

  /** Room for the member: a new one up to group.max.size; a known one always (it may be shed while rebalancing). */
  #acceptJoiningMember(group: Group, memberId: string): boolean {
    const max = this.#ctx.config.groupMaxSize;
    switch (group.state) {
      case GroupState.Empty:
      case GroupState.Dead:
        return true;
      case GroupState.PreparingRebalance:
        // counting the rejoined members lets a group over a lowered limit shed those that rejoin last
        return group.members.get(memberId)?.isAwaitingJoin === true || group.numAwaitingJoin < max;
      case GroupState.CompletingRebalance:
      case GroupState.Stable:
        return group.members.has(memberId) || group.size < max;
    }
  }

  #newMemberJoin(group: Group, req: JoinGroupRequest, resolve: (r: JoinGroupResult) => void): void {
    if (group.is(GroupState.Dead)) {
      // the group is being removed (deleted, expired or moved away): the member should look it up again
      resolve(joinError('', ErrorCode.COORDINATOR_NOT_AVAILABLE));
      return;
    }
    if (
      !group.supportsProtocols(
        req.protocolType,
        req.protocols.map((p) => p.name),
      )
    ) {
      resolve(joinError('', ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
      return;
    }
    const newMemberId = `${req.groupInstanceId ?? req.clientId}-${randomUUID()}`;
    if (req.groupInstanceId !== null) {
      const oldMemberId = group.staticMembers.get(req.groupInstanceId);
      if (oldMemberId !== undefined) this.#replaceStaticMember(group, req, oldMemberId, newMemberId, resolve);
      else this.#addMemberAndRebalance(group, req, newMemberId, resolve);
    } else if (req.requireKnownMemberId) {
      this.#rebalancer.addPendingMember(group, newMemberId, req.sessionTimeoutMs);
      resolve(joinError(newMemberId, ErrorCode.MEMBER_ID_REQUIRED));
    } else {
      this.#addMemberAndRebalance(group, req, newMemberId, resolve);
    }
  }

  #currentMemberJoin(group: Group, req: JoinGroupRequest, resolve: (r: JoinGroupResult) => void): void {
    if (group.is(GroupState.Dead)) {
      resolve(joinError(req.memberId, ErrorCode.COORDINATOR_NOT_AVAILABLE));
      return;
    }
    if (
      !group.supportsProtocols(
        req.protocolType,
        req.protocols.map((p) => p.name),
      )
    ) {
      resolve(joinError(req.memberId, ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
      return;
    }
    if (req.groupInstanceId === null && group.pendingMembers.has(req.memberId)) {
      this.#addMemberAndRebalance(group, req, req.memberId, resolve);
      return;
    }
    const invalid = group.validateMember(req.memberId, req.groupInstanceId);
    if (invalid !== ErrorCode.NONE) {
      resolve(joinError(req.memberId, invalid));
      return;
    }
    const member = group.members.get(req.memberId)!;
    const current = (members: JoinGroupResult['members']): JoinGroupResult => ({
      errorCode: ErrorCode.NONE,
      memberId: member.memberId,
      generationId: group.generationId,
      protocolType: group.protocolType,
      protocolName: group.protocolName,
      leader: group.leaderId ?? '',
      skipAssignment: false,
      members,
    });
    switch (group.state) {
      case GroupState.PreparingRebalance:
        this.#updateMemberAndRebalance(group, member, req, resolve, 'member rejoined during the rebalance');
        return;
      case GroupState.CompletingRebalance:
        // the same metadata: it probably missed its JoinGroup response, so send it again
        if (member.matches(req.protocols)) {
          resolve(current(group.isLeader(member.memberId) ? group.currentMemberMetadata() : []));
        } else {
          this.#updateMemberAndRebalance(group, member, req, resolve, 'member changed its metadata');
        }
        return;
      case GroupState.Stable:
        // the leader rejoins to have the group reassigned (a topic change its metadata does not show)
        if (group.isLeader(member.memberId) || !member.matches(req.protocols)) {
          this.#updateMemberAndRebalance(group, member, req, resolve, 'leader rejoined or metadata changed');
        } else {
          resolve(current([]));
        }
        return;
      case GroupState.Empty:
      case GroupState.Dead:
        resolve(joinError(req.memberId, ErrorCode.UNKNOWN_MEMBER_ID));
        return;
    }
  }

  #addMemberAndRebalance(
    group: Group,
    req: JoinGroupRequest,
    memberId: string,
    resolve: (r: JoinGroupResult) => void,
  ): void {
    const member = new GroupMember(
      memberId,
      req.groupInstanceId,
      req.clientId,
      req.clientHost,
      req.rebalanceTimeoutMs,
      req.sessionTimeoutMs,
      req.protocolType,
      req.protocols,
    );
    member.isNew = true;
    if (group.is(GroupState.PreparingRebalance) && group.generationId === 0) group.newMemberAdded = true;
    group.add(member, resolve);
    this.#rebalancer.scheduleHeartbeat(group, member, NEW_MEMBER_JOIN_TIMEOUT_MS);
    this.#rebalancer.maybePrepareRebalance(group, `new member ${memberId} joined (${req.reason ?? 'no reason'})`);
  }

  #updateMemberAndRebalance(
    group: Group,
    member: GroupMember,
    req: JoinGroupRequest,
    resolve: (r: JoinGroupResult) => void,
    reason: string,
  ): void {
    group.answerJoin(member, joinError(member.memberId, ErrorCode.REBALANCE_IN_PROGRESS));
    group.updateMember(member, req, resolve);
    this.#rebalancer.maybePrepareRebalance(group, `${reason}: ${member.memberId}`);
  }

  /**
   * A static member restarted (KIP-345): the new incarnation takes over the entry under a new member id and the
   * old id is fenced. A Stable group whose protocol choice does not change keeps its generation and
   * assignment: the new id is stored, then the member gets the current generation (its old assignment comes
   * with SyncGroup). Otherwise the group rebalances.
   */
  #replaceStaticMember(
    group: Group,
    req: JoinGroupRequest,
    oldMemberId: string,
    newMemberId: string,
    resolve: (r: JoinGroupResult) => void,
  ): void {
    const instanceId = req.groupInstanceId!;
    const currentLeader = group.leaderId ?? '';
    const member = group.replaceStaticMember(instanceId, oldMemberId, newMemberId);
    this.#rebalancer.scheduleHeartbeat(group, member);
    const previous = {
      protocols: member.supportedProtocols,
      rebalanceTimeoutMs: member.rebalanceTimeoutMs,
      sessionTimeoutMs: member.sessionTimeoutMs,
    };
    group.updateMember(member, req, resolve);
    switch (group.state) {
      case GroupState.Stable:
        if (group.selectProtocol() === group.protocolName) {
          this.#storeReplacedStaticMember(group, member, { instanceId, oldMemberId, currentLeader, previous }, req);
        } else {
          this.#rebalancer.maybePrepareRebalance(group, `static member ${instanceId} rejoined with other protocols`);
        }
        return;
      case GroupState.CompletingRebalance:
        // the leader may be assigning to the old member id: assign again with the new one
        this.#rebalancer.prepareRebalance(group, `static member ${instanceId} rejoined during the sync phase`);
        return;
      case GroupState.PreparingRebalance:
        return;
      case GroupState.Empty:
      case GroupState.Dead:
        throw new Error(`group ${group.groupId} is ${group.state} but has static member ${instanceId}`);
    }
  }

  #storeReplacedStaticMember(
    group: Group,
    member: GroupMember,
    before: {
      instanceId: string;
      oldMemberId: string;
      currentLeader: string;
      previous: Parameters<Group['updateMember']>[1];
    },
    req: JoinGroupRequest,
  ): void {
    const resolve = member.awaitingJoin!;
    void this.#rebalancer.store(group, 'the replaced static member').then((code) => {
      if (group.is(GroupState.Dead)) return;
      const base = {
        generationId: group.generationId,
        protocolType: group.protocolType,
        protocolName: group.protocolName,
        skipAssignment: false,
        members: [] as JoinGroupResult['members'],
      };
      if (code !== ErrorCode.NONE) {
        this.#ctx.logger
          .child({ [Binding.group]: group.groupId })
          .warn({ error: errorName(code) }, 'cannot store the replaced static member, restoring the old one');
        // the new id was never durable: put the old incarnation back and let the new one retry
        if (member.awaitingJoin === resolve) {
          group.updateMember(member, before.previous, undefined);
          const restored = group.replaceStaticMember(before.instanceId, member.memberId, before.oldMemberId);
          this.#rebalancer.scheduleHeartbeat(group, restored);
        }
        resolve({ ...base, errorCode: code, memberId: '', leader: before.currentLeader });
      } else if (req.supportSkippingAssignment) {
        // v9+: a static leader learns it leads (to keep watching metadata) but must not reassign a Stable group
        const isLeader = group.isLeader(member.memberId);
        group.answerJoin(member, {
          ...base,
          errorCode: ErrorCode.NONE,
          memberId: member.memberId,
          leader: group.leaderId ?? '',
          skipAssignment: isLeader,
          members: isLeader ? group.currentMemberMetadata() : [],
        });
      } else {
        // older clients: naming the old leader keeps a restarted leader from assigning a Stable group
        group.answerJoin(member, {
          ...base,
          errorCode: ErrorCode.NONE,
          memberId: member.memberId,
          leader: before.currentLeader,
        });
      }
    });
  }

  #validateSync(group: Group, req: SyncGroupRequest): ErrorCode {
    if (group.is(GroupState.Dead)) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const invalid = group.validateMember(req.memberId, req.groupInstanceId);
    if (invalid !== ErrorCode.NONE) return invalid;
    if (req.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    if (req.protocolType !== null && req.protocolType !== group.protocolType) {
      return ErrorCode.INCONSISTENT_GROUP_PROTOCOL;
    }
    if (req.protocolName !== null && req.protocolName !== group.protocolName) {
      return ErrorCode.INCONSISTENT_GROUP_PROTOCOL;
    }
    return ErrorCode.NONE;
  }

  /**
   * The leader's SyncGroup: stores the assignment (members it left out get an empty one) and only then answers
   * every parked SyncGroup, as long as the group is still in the same sync phase.
   */
  #storeAssignment(group: Group, given: ReadonlyMap<string, Buffer>): void {
    const assignments = new Map<string, Buffer>();
    for (const id of group.members.keys()) assignments.set(id, given.get(id) ?? EMPTY_BYTES);
    const generation = group.generationId;
    void this.#rebalancer.store(group, 'the group assignment', assignments).then((code) => {
      if (!group.is(GroupState.CompletingRebalance) || group.generationId !== generation) return;
      if (code === ErrorCode.NONE) this.#rebalancer.completeAssignment(group, assignments);
      else this.#rebalancer.failAssignment(group, code);
    });
  }
}

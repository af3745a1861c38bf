import { ErrorCode, errorName } from '../../protocol/index.js';
import { Binding, type Logger } from '../logger.js';
import type { Group } from './group.js';
import { GroupState } from './group.js';
import type { CoordinatorContext } from './group-catalog.js';
import { EMPTY_BYTES, type GroupMember, joinError, syncError } from './group-member.js';

/**
 * How long a new member's JoinGroup may stay parked (Kafka's NewMemberJoinTimeoutMs): a member that never got a
 * member id cannot heartbeat, and a client that gave up and retried would otherwise leave a defunct member behind.
 */
export const NEW_MEMBER_JOIN_TIMEOUT_MS = 5 * 60 * 1000;

/**
 * The timed half of the classic group protocol (Kafka's DelayedJoin, InitialDelayedJoin, DelayedSync and
 * DelayedHeartbeat, with timers in place of purgatories): moving a group into a rebalance, completing the join
 * phase once every member rejoined or the rebalance timeout passed, removing members that miss their SyncGroup
 * or their session, and handing the leader's assignment to the members.
 *
 * Concurrency: timer callbacks and request handlers run on one thread and each leaves the group consistent
 * before returning; every timer is unref'ed and cleared when its group is unloaded or the coordinator stops.
 * A timer that fires for a member or generation that is gone does nothing.
 */
export class Rebalancer {
  readonly #ctx: CoordinatorContext;
  readonly #log: Logger;

  constructor(ctx: CoordinatorContext) {
    this.#ctx = ctx;
    this.#log = ctx.logger;
  }

  /** Restarts the member's session clock (a heartbeat, commit, join or sync). */
  scheduleHeartbeat(group: Group, member: GroupMember, timeoutMs = member.sessionTimeoutMs): void {
    clearTimeout(member.heartbeatTimer);
    member.heartbeatTimer = this.#timer(timeoutMs, () => {
      member.heartbeatTimer = undefined;
      if (group.is(GroupState.Dead) || group.members.get(member.memberId) !== member) return;
      if (member.heartbeatForgiven) return;
      this.#groupLog(group).info({ member: member.memberId }, 'member session expired, removing it from the group');
      this.removeMemberAndUpdateGroup(group, member, 'session timeout');
    });
  }

  /** A member id handed out with MEMBER_ID_REQUIRED, forgotten unless the member joins within its session. */
  addPendingMember(group: Group, memberId: string, sessionTimeoutMs: number): void {
    group.addPendingMember(
      memberId,
      this.#timer(sessionTimeoutMs, () => {
        if (group.is(GroupState.Dead) || !group.pendingMembers.has(memberId)) return;
        this.#groupLog(group).info({ member: memberId }, 'pending member expired');
        this.removePendingMember(group, memberId);
      }),
    );
  }

  removePendingMember(group: Group, memberId: string): void {
    group.remove(memberId);
    if (group.is(GroupState.PreparingRebalance)) this.checkJoinCompletion(group);
  }

  /** Removes a member (left, expired or fenced) and rebalances what remains. */
  removeMemberAndUpdateGroup(group: Group, member: GroupMember, reason: string): void {
    // a new member may still be parked in JoinGroup: UNKNOWN_MEMBER_ID makes a live client join again
    group.answerJoin(member, joinError('', ErrorCode.UNKNOWN_MEMBER_ID));
    this.#forget(group, member);
    if (group.is(GroupState.Stable) || group.is(GroupState.CompletingRebalance)) {
      this.maybePrepareRebalance(group, reason);
    } else if (group.is(GroupState.PreparingRebalance)) {
      this.checkJoinCompletion(group);
    }
  }

  maybePrepareRebalance(group: Group, reason: string): void {
    if (group.canRebalance()) this.prepareRebalance(group, reason);
  }

  /**
   * Starts a rebalance: members parked in SyncGroup are told to rejoin, and the join phase waits for every member
   * (up to the rebalance timeout) or, for a group that was Empty, group.initial.rebalance.delay.ms first.
   */
  prepareRebalance(group: Group, reason: string): void {
    if (group.is(GroupState.CompletingRebalance)) {
      this.#resetAndPropagateAssignmentError(group, ErrorCode.REBALANCE_IN_PROGRESS);
    }
    this.#clearPendingSync(group);
    const wasEmpty = group.is(GroupState.Empty);
    group.transitionTo(GroupState.PreparingRebalance, this.#ctx.now());
    this.#clearJoinTimer(group);
    this.#groupLog(group).info(
      { generation: group.generationId, reason, members: group.size },
      'preparing to rebalance group',
    );
    if (wasEmpty) {
      const delay = this.#ctx.config.groupInitialRebalanceDelayMs;
      this.#scheduleInitialJoin(group, delay, Math.max(group.rebalanceTimeoutMs - delay, 0));
    } else {
      this.#scheduleJoin(group, group.rebalanceTimeoutMs);
      this.checkJoinCompletion(group);
    }
  }

  /** Completes the join phase now if every member rejoined (never during the initial delay). */
  checkJoinCompletion(group: Group): void {
    if (group.is(GroupState.PreparingRebalance) && group.joinTimer?.initial === false && group.hasAllMembersJoined()) {
      this.#completeJoin(group);
    }
  }

  /** A member sent SyncGroup: the generation no longer waits for it. */
  removePendingSyncMember(group: Group, memberId: string): void {
    group.pendingSyncMembers.delete(memberId);
    if (group.pendingSyncMembers.size === 0) this.#clearSyncTimer(group);
  }

  /** The leader's assignment was stored: every member gets its share and the group is Stable. */
  completeAssignment(group: Group, assignments: ReadonlyMap<string, Buffer>): void {
    for (const m of group.members.values()) m.assignment = assignments.get(m.memberId) ?? EMPTY_BYTES;
    this.#propagateAssignment(group, ErrorCode.NONE);
    group.transitionTo(GroupState.Stable, this.#ctx.now());
    this.#groupLog(group).info({ generation: group.generationId, members: group.size }, 'group is stable');
  }

  /** The leader's assignment could not be stored: members get the error and the group rebalances. */
  failAssignment(group: Group, errorCode: ErrorCode): void {
    this.#resetAndPropagateAssignmentError(group, errorCode);
    this.maybePrepareRebalance(group, `storing the assignment failed with ${errorName(errorCode)}`);
  }

  /** A group read back from the log: over-capacity groups rebalance, and every member must heartbeat again. */
  onGroupLoaded(group: Group): void {
    if (group.size > this.#ctx.config.groupMaxSize) {
      this.prepareRebalance(group, `loaded group is over capacity (${this.#ctx.config.groupMaxSize})`);
    }
    for (const m of group.members.values()) this.scheduleHeartbeat(group, m);
  }

  /**
   * The group leaves this coordinator (partition unloaded, or shutdown): it becomes Dead, every parked JoinGroup
   * and SyncGroup gets `errorCode` (the client then looks for the coordinator again), and its timers stop.
   */
  onGroupUnloaded(group: Group, errorCode: ErrorCode): void {
    group.transitionTo(GroupState.Dead, this.#ctx.now());
    for (const m of group.members.values()) {
      group.answerJoin(m, joinError(m.memberId, errorCode));
      group.answerSync(m, syncError(errorCode));
      clearTimeout(m.heartbeatTimer);
      m.heartbeatTimer = undefined;
    }
    for (const memberId of [...group.pendingMembers.keys()]) group.remove(memberId);
    this.#clearJoinTimer(group);
    this.#clearPendingSync(group);
  }

  #scheduleInitialJoin(group: Group, delayMs: number, remainingMs: number): void {
    group.joinTimer = {
      initial: true,
      timer: this.#timer(delayMs, () => {
        group.joinTimer = undefined;
        if (!group.is(GroupState.PreparingRebalance)) return;
        // members kept arriving: wait a little longer, within the rebalance timeout
        if (group.newMemberAdded && remainingMs !== 0) {
          group.newMemberAdded = false;
          const delay = Math.min(this.#ctx.config.groupInitialRebalanceDelayMs, remainingMs);
          this.#scheduleInitialJoin(group, delay, Math.max(remainingMs - delayMs, 0));
        } else {
          this.#completeJoin(group);
        }
      }),
    };
  }

  #scheduleJoin(group: Group, timeoutMs: number): void {
    group.joinTimer = {
      initial: false,
      timer: this.#timer(timeoutMs, () => {
        group.joinTimer = undefined;
        if (group.is(GroupState.PreparingRebalance)) this.#completeJoin(group);
      }),
    };
  }

  /**
   * Ends the join phase (Kafka's onCompleteJoin): dynamic members that did not rejoin are dropped, the next
   * generation starts, and every parked JoinGroup is answered (the leader with all members' metadata).
   */
  #completeJoin(group: Group): void {
    this.#clearJoinTimer(group);
    const log = this.#groupLog(group);
    const dropped = group.notYetRejoinedMembers().filter((m) => !m.isStatic);
    for (const m of dropped) this.#forget(group, m);
    if (dropped.length > 0)
      log.info({ members: dropped.map((m) => m.memberId) }, 'removed members that did not rejoin');

    if (!group.maybeElectNewJoinedLeader() && group.size > 0) {
      // only static members remain and none rejoined: wait for them until their sessions expire
      log.warn({ generation: group.generationId }, 'no member rejoined, the rebalance cannot complete yet');
      this.#scheduleJoin(group, group.rebalanceTimeoutMs);
      return;
    }
    group.initNextGeneration(this.#ctx.now());
    if (group.is(GroupState.Empty)) {
      log.info({ generation: group.generationId }, 'group is now empty');
      void this.store(group, 'empty group metadata').then((code) => {
        // the previous generation stays in the log: harmless, as it has no live member to fence
        if (code !== ErrorCode.NONE) log.warn({ error: errorName(code) }, 'cannot store the empty group');
      });
      return;
    }
    log.info(
      { generation: group.generationId, protocol: group.protocolName, members: group.size },
      'join phase complete, awaiting the leader assignment',
    );
    const leaderMembers = group.currentMemberMetadata();
    for (const m of group.members.values()) {
      group.answerJoin(m, {
        errorCode: ErrorCode.NONE,
        memberId: m.memberId,
        generationId: group.generationId,
        protocolType: group.protocolType,
        protocolName: group.protocolName,
        leader: group.leaderId ?? '',
        skipAssignment: false,
        members: group.isLeader(m.memberId) ? leaderMembers : [],
      });
      this.scheduleHeartbeat(group, m);
      m.isNew = false;
      group.pendingSyncMembers.add(m.memberId);
    }
    this.#schedulePendingSync(group);
  }

  /** Members that do not send SyncGroup within the rebalance timeout are removed (Kafka's DelayedSync). */
  #schedulePendingSync(group: Group): void {
    const generation = group.generationId;
    this.#clearSyncTimer(group);
    group.syncTimer = this.#timer(group.rebalanceTimeoutMs, () => {
      group.syncTimer = undefined;
      if (generation !== group.generationId || group.pendingSyncMembers.size === 0) return;
      if (!group.is(GroupState.CompletingRebalance) && !group.is(GroupState.Stable)) return;
      const missing = [...group.pendingSyncMembers];
      for (const id of missing) {
        const member = group.members.get(id);
        if (member !== undefined) this.#forget(group, member);
      }
      this.#groupLog(group).info({ members: missing }, 'removed members that did not send SyncGroup in time');
      this.prepareRebalance(group, 'members did not sync in time');
    });
  }

  #resetAndPropagateAssignmentError(group: Group, errorCode: ErrorCode): void {
    for (const m of group.members.values()) m.assignment = EMPTY_BYTES;
    this.#propagateAssignment(group, errorCode);
  }

  #propagateAssignment(group: Group, errorCode: ErrorCode): void {
    const ok = errorCode === ErrorCode.NONE;
    for (const m of group.members.values()) {
      const answered = group.answerSync(m, {
        errorCode,
        protocolType: ok ? group.protocolType : null,
        protocolName: ok ? group.protocolName : null,
        assignment: m.assignment,
      });
      // its session may have run out while it waited for the assignment: it starts afresh now
      if (answered) this.scheduleHeartbeat(group, m);
    }
  }

  /** Writes the group's metadata record; never rejects (an unexpected failure is UNKNOWN_SERVER_ERROR). */
  async store(group: Group, what: string, assignments?: ReadonlyMap<string, Buffer>): Promise<ErrorCode> {
    try {
      return await this.#ctx.persistence.storeGroup(group.toStored(assignments));
    } catch (err) {
      this.#groupLog(group).error({ err }, `storing ${what} failed`);
      return ErrorCode.UNKNOWN_SERVER_ERROR;
    }
  }

  #forget(group: Group, member: GroupMember): void {
    group.remove(member.memberId);
    clearTimeout(member.heartbeatTimer);
    member.heartbeatTimer = undefined;
  }

  #clearJoinTimer(group: Group): void {
    if (group.joinTimer !== undefined) clearTimeout(group.joinTimer.timer);
    group.joinTimer = undefined;
  }

  #clearSyncTimer(group: Group): void {
    clearTimeout(group.syncTimer);
    group.syncTimer = undefined;
  }

  #clearPendingSync(group: Group): void {
    group.pendingSyncMembers.clear();
    this.#clearSyncTimer(group);
  }

  #groupLog(group: Group): Logger {
    return this.#log.child({ [Binding.group]: group.groupId });
  }

  #timer(ms: number, fire: () => void): NodeJS.Timeout {
    const timer = setTimeout(() => {
      try {
        fire();
      } catch (err) {
        this.#log.error({ err }, 'group timer failed');
      }
    }, ms);
    timer.unref();
    return timer;
  }
}

import { decodeConsumerSubscription, ErrorCode } from '../../protocol/index.js';
import { type GroupMember, joinError, type JoinGroupResult, syncError, type SyncGroupResult } from './group-member.js';
import type { StoredGroup, StoredOffset } from './group-persistence.js';

/** Kafka's classic group states, named as DescribeGroups and ListGroups report them. */
export const GroupState = {
  Empty: 'Empty',
  PreparingRebalance: 'PreparingRebalance',
  CompletingRebalance: 'CompletingRebalance',
  Stable: 'Stable',
  Dead: 'Dead',
} as const;
export type GroupState = (typeof GroupState)[keyof typeof GroupState];

const VALID_PREVIOUS_STATES: Readonly<Record<GroupState, readonly GroupState[]>> = {
  [GroupState.Dead]: [
    GroupState.Stable,
    GroupState.PreparingRebalance,
    GroupState.CompletingRebalance,
    GroupState.Empty,
    GroupState.Dead,
  ],
  [GroupState.CompletingRebalance]: [GroupState.PreparingRebalance],
  [GroupState.Stable]: [GroupState.CompletingRebalance],
  [GroupState.PreparingRebalance]: [GroupState.Stable, GroupState.CompletingRebalance, GroupState.Empty],
  [GroupState.Empty]: [GroupState.PreparingRebalance],
};

/** The protocol type of Java-style consumers, whose subscriptions the broker can read. */
export const CONSUMER_PROTOCOL_TYPE = 'consumer';

export const offsetKey = (topic: string, partition: number): string => `${partition}:${topic}`;

/** A group's delayed join: the initial delay of a new group (never completes early) or the rebalance timeout. */
export interface JoinTimer {
  timer: NodeJS.Timeout;
  initial: boolean;
}

/**
 * One classic consumer group (Kafka's GroupMetadata): membership, the state machine, the chosen protocol and
 * generation, and the committed-offset cache with the commits still being written.
 *
 * Concurrency: only the coordinator's code touches a group, and it keeps every invariant between awaits (Node's
 * single thread replaces Kafka's group lock). Invariants: `staticMembers` maps exactly the members that have an
 * instance id; `#awaitingJoin` counts the members with a parked JoinGroup; the leader, when set, is a member;
 * `offsets` only holds commits whose write succeeded.
 */
export class Group {
  #state: GroupState;
  currentStateTimestamp: number;
  /** null until a member joins (and for groups that only commit offsets). */
  protocolType: string | null = null;
  protocolName: string | null = null;
  generationId = 0;
  leaderId: string | null = null;
  /** In join order, which is the order the leader sees members in. */
  readonly members = new Map<string, GroupMember>();
  /** group.instance.id → member id. */
  readonly staticMembers = new Map<string, string>();
  /** Member ids handed out with MEMBER_ID_REQUIRED, each with its expiry (the session timeout). */
  readonly pendingMembers = new Map<string, NodeJS.Timeout>();
  /** Members of the new generation that have not sent SyncGroup yet. */
  readonly pendingSyncMembers = new Set<string>();
  /** A member joined during the initial rebalance delay, which extends it. */
  newMemberAdded = false;
  joinTimer: JoinTimer | undefined;
  syncTimer: NodeJS.Timeout | undefined;
  /** Committed offsets by offsetKey. */
  readonly offsets = new Map<string, StoredOffset>();
  /** Commits being written, by offsetKey: the latest one staged for each partition. */
  readonly pendingOffsetCommits = new Map<string, StoredOffset>();
  /** Topics the consumer members subscribe to as of the last generation; null when unknown. */
  #subscribedTopics: ReadonlySet<string> | null = null;
  #awaitingJoin = 0;
  readonly #protocolSupport = new Map<string, number>();

  constructor(
    readonly groupId: string,
    /** The __consumer_offsets partition that holds the group. */
    readonly partition: number,
    state: GroupState,
    now: number,
  ) {
    this.#state = state;
    this.currentStateTimestamp = now;
  }

  get state(): GroupState {
    return this.#state;
  }

  is(state: GroupState): boolean {
    return this.#state === state;
  }

  get size(): number {
    return this.members.size;
  }

  get numAwaitingJoin(): number {
    return this.#awaitingJoin;
  }

  isLeader(memberId: string): boolean {
    return this.leaderId === memberId;
  }

  get isConsumerGroup(): boolean {
    return this.protocolType === CONSUMER_PROTOCOL_TYPE;
  }

  canRebalance(): boolean {
    return VALID_PREVIOUS_STATES[GroupState.PreparingRebalance].includes(this.#state);
  }

  transitionTo(state: GroupState, now: number): void {
    if (!VALID_PREVIOUS_STATES[state].includes(this.#state)) {
      throw new Error(`group ${this.groupId}: cannot move from ${this.#state} to ${state}`);
    }
    this.#state = state;
    this.currentStateTimestamp = now;
  }

  /**
   * Undoes a move to Dead whose tombstone write failed (DeleteGroups, expiry): the group was Empty before and
   * nothing else can have changed it, since a Dead group refuses every request.
   */
  reviveAsEmpty(emptySince: number): void {
    if (this.#state !== GroupState.Dead) throw new Error(`group ${this.groupId} is ${this.#state}, not Dead`);
    this.#state = GroupState.Empty;
    this.currentStateTimestamp = emptySince;
  }

  add(member: GroupMember, awaitingJoin?: (result: JoinGroupResult) => void): void {
    if (member.groupInstanceId !== null) {
      if (this.staticMembers.has(member.groupInstanceId)) {
        throw new Error(`static member ${member.groupInstanceId} is already in group ${this.groupId}`);
      }
      this.staticMembers.set(member.groupInstanceId, member.memberId);
    }
    if (this.members.size === 0) this.protocolType = member.protocolType;
    this.leaderId ??= member.memberId;
    this.members.set(member.memberId, member);
    this.#countProtocols(member, 1);
    member.awaitingJoin = awaitingJoin;
    if (member.isAwaitingJoin) this.#awaitingJoin++;
    this.#clearPendingMember(member.memberId);
  }

  remove(memberId: string): void {
    const member = this.members.get(memberId);
    if (member !== undefined) {
      this.members.delete(memberId);
      this.#countProtocols(member, -1);
      if (member.isAwaitingJoin) this.#awaitingJoin--;
      if (member.groupInstanceId !== null) this.staticMembers.delete(member.groupInstanceId);
    }
    if (this.isLeader(memberId)) this.leaderId = this.members.keys().next().value ?? null;
    this.#clearPendingMember(memberId);
    this.pendingSyncMembers.delete(memberId);
  }

  addPendingMember(memberId: string, expiry: NodeJS.Timeout): void {
    this.pendingMembers.set(memberId, expiry);
  }

  /** Forgets a MEMBER_ID_REQUIRED member id (joined, left or expired). */
  #clearPendingMember(memberId: string): void {
    const expiry = this.pendingMembers.get(memberId);
    if (expiry === undefined) return;
    clearTimeout(expiry);
    this.pendingMembers.delete(memberId);
  }

  /** Replaces what a rejoining member offers, and parks (or un-parks) its JoinGroup. */
  updateMember(
    member: GroupMember,
    update: {
      protocols: GroupMember['supportedProtocols'];
      rebalanceTimeoutMs: number;
      sessionTimeoutMs: number;
    },
    awaitingJoin: ((result: JoinGroupResult) => void) | undefined,
  ): void {
    this.#countProtocols(member, -1);
    member.supportedProtocols = update.protocols;
    this.#countProtocols(member, 1);
    member.rebalanceTimeoutMs = update.rebalanceTimeoutMs;
    member.sessionTimeoutMs = update.sessionTimeoutMs;
    if (awaitingJoin !== undefined && !member.isAwaitingJoin) this.#awaitingJoin++;
    else if (awaitingJoin === undefined && member.isAwaitingJoin) this.#awaitingJoin--;
    member.awaitingJoin = awaitingJoin;
  }

  /**
   * Gives a static member's entry a new member id (a restart of the same instance), fencing whatever the old
   * incarnation still waits for.
   */
  replaceStaticMember(groupInstanceId: string, oldMemberId: string, newMemberId: string): GroupMember {
    const member = this.members.get(oldMemberId);
    if (member === undefined) throw new Error(`group ${this.groupId} has no member ${oldMemberId} to replace`);
    this.members.delete(oldMemberId);
    this.answerJoin(member, joinError(oldMemberId, ErrorCode.FENCED_INSTANCE_ID));
    this.answerSync(member, syncError(ErrorCode.FENCED_INSTANCE_ID));
    member.memberId = newMemberId;
    this.members.set(newMemberId, member);
    if (this.isLeader(oldMemberId)) this.leaderId = newMemberId;
    this.staticMembers.set(groupInstanceId, newMemberId);
    return member;
  }

  /** Answers the member's parked JoinGroup, if any. */
  answerJoin(member: GroupMember, result: JoinGroupResult): void {
    const awaiting = member.awaitingJoin;
    if (awaiting === undefined) return;
    member.awaitingJoin = undefined;
    this.#awaitingJoin--;
    awaiting(result);
  }

  /** Answers the member's parked SyncGroup, if any; true when there was one. */
  answerSync(member: GroupMember, result: SyncGroupResult): boolean {
    const awaiting = member.awaitingSync;
    if (awaiting === undefined) return false;
    member.awaitingSync = undefined;
    awaiting(result);
    return true;
  }

  /**
   * Kafka's validateCurrentMember: with an instance id, it must map to `memberId` (another id: FENCED_INSTANCE_ID;
   * none: UNKNOWN_MEMBER_ID); and the member id must be in the group.
   */
  validateMember(memberId: string, groupInstanceId: string | null): ErrorCode {
    if (groupInstanceId !== null) {
      const current = this.staticMembers.get(groupInstanceId);
      if (current === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
      if (current !== memberId) return ErrorCode.FENCED_INSTANCE_ID;
    }
    return this.members.has(memberId) ? ErrorCode.NONE : ErrorCode.UNKNOWN_MEMBER_ID;
  }

  /** Every member rejoined and no MEMBER_ID_REQUIRED member is still expected. */
  hasAllMembersJoined(): boolean {
    return this.members.size === this.#awaitingJoin && this.pendingMembers.size === 0;
  }

  notYetRejoinedMembers(): GroupMember[] {
    return [...this.members.values()].filter((m) => !m.isAwaitingJoin);
  }

  /** The longest rebalance timeout of the members: how long a rebalance may wait for them. */
  get rebalanceTimeoutMs(): number {
    let timeout = 0;
    for (const m of this.members.values()) timeout = Math.max(timeout, m.rebalanceTimeoutMs);
    return timeout;
  }

  /**
   * Keeps the leader if it rejoined, else hands leadership to any member that did; false when no member
   * rejoined (or there is no leader).
   */
  maybeElectNewJoinedLeader(): boolean {
    if (this.leaderId === null) return false;
    if (this.members.get(this.leaderId)?.isAwaitingJoin === true) return true;
    const joined = [...this.members.values()].find((m) => m.isAwaitingJoin);
    if (joined === undefined) return false;
    this.leaderId = joined.memberId;
    return true;
  }

  /** A new member may join: an Empty group takes any protocol type; otherwise it must share one protocol. */
  supportsProtocols(protocolType: string, protocols: readonly string[]): boolean {
    if (this.is(GroupState.Empty)) return protocolType.length > 0 && protocols.length > 0;
    return (
      this.protocolType === protocolType && protocols.some((p) => this.#protocolSupport.get(p) === this.members.size)
    );
  }

  /** Each member votes for its most preferred protocol that all members support; most votes wins. */
  selectProtocol(): string {
    if (this.members.size === 0) throw new Error(`cannot select a protocol for empty group ${this.groupId}`);
    const candidates = new Set(
      [...this.#protocolSupport].filter(([, n]) => n === this.members.size).map(([name]) => name),
    );
    const votes = new Map<string, number>();
    for (const m of this.members.values()) {
      const choice = m.vote(candidates);
      votes.set(choice, (votes.get(choice) ?? 0) + 1);
    }
    let winner = '';
    let most = 0;
    for (const [name, n] of votes) {
      if (n > most) [winner, most] = [name, n];
    }
    return winner;
  }

  /** Moves to the next generation: CompletingRebalance with a protocol, or Empty when no member is left. */
  initNextGeneration(now: number): void {
    this.generationId++;
    if (this.members.size > 0) {
      this.protocolName = this.selectProtocol();
      this.#subscribedTopics = this.#computeSubscribedTopics();
      this.transitionTo(GroupState.CompletingRebalance, now);
    } else {
      this.protocolName = null;
      this.#subscribedTopics = this.#computeSubscribedTopics();
      this.transitionTo(GroupState.Empty, now);
    }
    this.pendingSyncMembers.clear();
  }

  /** What the leader gets in its JoinGroup response: every member's metadata for the chosen protocol. */
  currentMemberMetadata(): JoinGroupResult['members'] {
    const protocol = this.protocolName;
    if (protocol === null) throw new Error(`group ${this.groupId} has no protocol in state ${this.#state}`);
    return [...this.members.values()].map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      metadata: m.metadata(protocol),
    }));
  }

  /**
   * Whether the consumer members subscribe to `topic`; true when that is unknown (not a consumer group, no
   * generation yet, or metadata that does not parse), the safe answer for OffsetDelete.
   */
  isSubscribedToTopic(topic: string): boolean {
    return this.#subscribedTopics === null || this.#subscribedTopics.has(topic);
  }

  get subscribedTopics(): ReadonlySet<string> | null {
    return this.#subscribedTopics;
  }

  /** After loading a group from the log: its subscriptions are known again. */
  refreshSubscribedTopics(): void {
    this.#subscribedTopics = this.#computeSubscribedTopics();
  }

  #computeSubscribedTopics(): ReadonlySet<string> | null {
    if (this.protocolType !== CONSUMER_PROTOCOL_TYPE) return null;
    if (this.members.size === 0) return new Set();
    const protocol = this.protocolName;
    if (protocol === null) return null;
    const topics = new Set<string>();
    try {
      for (const m of this.members.values()) {
        for (const t of decodeConsumerSubscription(m.metadata(protocol)).topics) topics.add(t);
      }
    } catch {
      // metadata a consumer protocol parser cannot read: the topics stay unknown (treated as all subscribed)
      return null;
    }
    return topics;
  }

  /** The group as its metadata record stores it, with `assignments` (by member id) in place of the current ones. */
  toStored(assignments?: ReadonlyMap<string, Buffer>): StoredGroup {
    const protocol = this.protocolName;
    return {
      groupId: this.groupId,
      protocolType: this.protocolType ?? '',
      generationId: this.generationId,
      protocolName: protocol,
      leaderId: this.leaderId,
      currentStateTimestamp: this.currentStateTimestamp,
      members:
        protocol === null
          ? []
          : [...this.members.values()].map((m) => ({
              memberId: m.memberId,
              groupInstanceId: m.groupInstanceId,
              clientId: m.clientId,
              clientHost: m.clientHost,
              rebalanceTimeoutMs: m.rebalanceTimeoutMs,
              sessionTimeoutMs: m.sessionTimeoutMs,
              subscription: m.metadata(protocol),
              assignment: assignments?.get(m.memberId) ?? m.assignment,
            })),
    };
  }

  /** Whether a commit of this partition is still being written (OffsetFetch require_stable, expiry). */
  hasPendingOffsetCommit(topic: string, partition: number): boolean {
    return this.pendingOffsetCommits.has(offsetKey(topic, partition));
  }

  get hasOffsets(): boolean {
    return this.offsets.size > 0 || this.pendingOffsetCommits.size > 0;
  }

  #countProtocols(member: GroupMember, delta: number): void {
    for (const p of member.supportedProtocols) {
      this.#protocolSupport.set(p.name, (this.#protocolSupport.get(p.name) ?? 0) + delta);
    }
  }
}

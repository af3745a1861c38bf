import type { ErrorCode } from '../../protocol/index.js';

/** One protocol a member supports (a JoinGroup protocols entry): an assignor name and its opaque metadata. */
export interface MemberProtocol {
  name: string;
  metadata: Buffer;
}

/** What a JoinGroup request ends with. `members` is non-empty only for the leader. */
export interface JoinGroupResult {
  errorCode: ErrorCode;
  memberId: string;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leader: string;
  skipAssignment: boolean;
  members: { memberId: string; groupInstanceId: string | null; metadata: Buffer }[];
}

/** What a SyncGroup request ends with. */
export interface SyncGroupResult {
  errorCode: ErrorCode;
  protocolType: string | null;
  protocolName: string | null;
  assignment: Buffer;
}

export const EMPTY_BYTES: Buffer = Buffer.alloc(0);

/** A JoinGroup answer carrying only an error (Kafka's JoinGroupResult(memberId, error)). */
export function joinError(memberId: string, errorCode: ErrorCode): JoinGroupResult {
  return {
    errorCode,
    memberId,
    generationId: -1,
    protocolType: null,
    protocolName: null,
    leader: '',
    skipAssignment: false,
    members: [],
  };
}

export function syncError(errorCode: ErrorCode): SyncGroupResult {
  return { errorCode, protocolType: null, protocolName: null, assignment: EMPTY_BYTES };
}

/**
 * One member of a classic group (Kafka's MemberMetadata): who it is, the protocols it offered, what it was
 * assigned, and the JoinGroup / SyncGroup responses it is waiting for (at most one of each).
 *
 * Invariant: buffers held here are copies, never views of a request frame (frames are pooled and reused).
 * The member id changes only when a static member is replaced (the object, with its timers, is kept).
 */
export class GroupMember {
  assignment: Buffer = EMPTY_BYTES;
  /** Resolves the member's parked JoinGroup; set while it waits for the rebalance to complete. */
  awaitingJoin: ((result: JoinGroupResult) => void) | undefined;
  /** Resolves the member's parked SyncGroup; set while it waits for the leader's assignment. */
  awaitingSync: ((result: SyncGroupResult) => void) | undefined;
  /** Joined in the current rebalance and not yet given a generation (new members expire on their own clock). */
  isNew = false;
  /** The session (or new-member join) expiry. */
  heartbeatTimer: NodeJS.Timeout | undefined;

  constructor(
    public memberId: string,
    readonly groupInstanceId: string | null,
    readonly clientId: string,
    readonly clientHost: string,
    public rebalanceTimeoutMs: number,
    public sessionTimeoutMs: number,
    readonly protocolType: string,
    public supportedProtocols: readonly MemberProtocol[],
  ) {}

  get isAwaitingJoin(): boolean {
    return this.awaitingJoin !== undefined;
  }

  get isAwaitingSync(): boolean {
    return this.awaitingSync !== undefined;
  }

  get isStatic(): boolean {
    return this.groupInstanceId !== null;
  }

  /**
   * Whether a missed heartbeat deadline is forgiven: a member parked in JoinGroup or SyncGroup cannot heartbeat
   * (its connection waits for the answer), so only new members, which have no generation yet, expire then.
   */
  get heartbeatForgiven(): boolean {
    return !this.isNew && (this.isAwaitingJoin || this.isAwaitingSync);
  }

  /** Same protocols, in the same order, with the same metadata bytes (a rejoin that changes nothing). */
  matches(protocols: readonly MemberProtocol[]): boolean {
    if (protocols.length !== this.supportedProtocols.length) return false;
    return protocols.every((p, i) => {
      const mine = this.supportedProtocols[i]!;
      return mine.name === p.name && mine.metadata.equals(p.metadata);
    });
  }

  /** The metadata the member gave for `protocol`. */
  metadata(protocol: string): Buffer {
    const found = this.supportedProtocols.find((p) => p.name === protocol);
    if (found === undefined) throw new Error(`member ${this.memberId} does not support protocol ${protocol}`);
    return found.metadata;
  }

  /** The member's most preferred protocol among `candidates` (those every member supports). */
  vote(candidates: ReadonlySet<string>): string {
    const choice = this.supportedProtocols.find((p) => candidates.has(p.name));
    if (choice === undefined) throw new Error(`member ${this.memberId} supports none of the candidate protocols`);
    return choice.name;
  }
}

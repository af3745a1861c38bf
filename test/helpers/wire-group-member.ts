import {
  decodeResponse,
  DescribeGroups,
  encodeRequest,
  ErrorCode,
  FindCoordinator,
  Heartbeat,
  JoinGroup,
  LeaveGroup,
  SyncGroup,
  type ApiSchema,
  type RequestInput,
  type ResponseOf,
} from '../../protocol/index.js';
import { WireClient } from './wire-client.js';

export type JoinResponse = ResponseOf<typeof JoinGroup>;
export type SyncResponse = ResponseOf<typeof SyncGroup>;
export type DescribedGroup = ResponseOf<typeof DescribeGroups>['groups'][number];

export interface WireMemberOptions {
  groupId: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  /** Static membership (KIP-345). */
  groupInstanceId?: string;
  protocolType?: string;
  /** Protocols offered, each with its opaque metadata. */
  protocols?: { name: string; metadata: Buffer }[];
  /** Request versions; defaults JoinGroup 5, SyncGroup 3, Heartbeat 3, LeaveGroup 3 (non-flexible, KIP-345). */
  versions?: { join: number; sync: number; heartbeat: number; leave: number };
}

/**
 * One group member speaking the group protocol by hand over its own connection, for the tests that need a member
 * to stop at an exact step (never sync, never heartbeat, never rejoin). It keeps the member id and generation
 * the coordinator gave it. Requests on one connection are answered in order, so a pending JoinGroup or SyncGroup
 * holds back the answers behind it (as in Kafka, which mutes the channel).
 */
export class WireGroupMember {
  memberId = '';
  generationId = -1;
  readonly #client: WireClient;
  readonly #options: WireMemberOptions;
  readonly #versions: { join: number; sync: number; heartbeat: number; leave: number };
  #correlationId = 0;

  private constructor(client: WireClient, options: WireMemberOptions) {
    this.#client = client;
    this.#options = options;
    this.#versions = options.versions ?? { join: 5, sync: 3, heartbeat: 3, leave: 3 };
  }

  static async connect(port: number, options: WireMemberOptions): Promise<WireGroupMember> {
    return new WireGroupMember(await WireClient.connect(port), options);
  }

  /** Sends one request and decodes its response. */
  async call<A extends ApiSchema>(schema: A, version: number, body: RequestInput<A>): Promise<ResponseOf<A>> {
    const correlationId = ++this.#correlationId;
    this.#client.send(encodeRequest(schema, { apiVersion: version, correlationId, clientId: 'wire-member' }, body));
    const frame = await this.#client.nextFrame();
    if (frame === null) throw new Error(`connection closed before the ${schema.name} response`);
    const response = decodeResponse(schema, version, frame);
    if (response.correlationId !== correlationId) throw new Error(`correlation ${response.correlationId}`);
    return response.body;
  }

  /** FindCoordinator v3 for this member's group: the coordinator's host and port. */
  async findCoordinator(): Promise<{ errorCode: number; host: string; port: number }> {
    const r = await this.call(FindCoordinator, 3, { key: this.#options.groupId, keyType: 0, coordinatorKeys: [] });
    return { errorCode: r.errorCode, host: r.host, port: r.port };
  }

  /** One JoinGroup with the current member id; adopts the member id and generation it returns. */
  async join(): Promise<JoinResponse> {
    const o = this.#options;
    const response = await this.call(JoinGroup, this.#versions.join, {
      groupId: o.groupId,
      sessionTimeoutMs: o.sessionTimeoutMs,
      rebalanceTimeoutMs: o.rebalanceTimeoutMs,
      memberId: this.memberId,
      groupInstanceId: o.groupInstanceId ?? null,
      protocolType: o.protocolType ?? 'wire-test',
      protocols: o.protocols ?? [{ name: 'opaque', metadata: Buffer.from(`meta-${o.groupInstanceId ?? 'dyn'}`) }],
      reason: null,
    });
    if (response.memberId !== '') this.memberId = response.memberId;
    if (response.errorCode === ErrorCode.NONE) this.generationId = response.generationId;
    return response;
  }

  /** JoinGroup, repeated once with the assigned id when the coordinator answers MEMBER_ID_REQUIRED (v4+). */
  async joinFully(): Promise<JoinResponse> {
    const first = await this.join();
    return first.errorCode === ErrorCode.MEMBER_ID_REQUIRED ? this.join() : first;
  }

  /** SyncGroup for the current generation; the leader passes the assignments. */
  sync(assignments: Record<string, Buffer> = {}, generationId = this.generationId): Promise<SyncResponse> {
    const o = this.#options;
    return this.call(SyncGroup, this.#versions.sync, {
      groupId: o.groupId,
      generationId,
      memberId: this.memberId,
      groupInstanceId: o.groupInstanceId ?? null,
      protocolType: o.protocolType ?? 'wire-test',
      protocolName: 'opaque',
      assignments: Object.entries(assignments).map(([memberId, assignment]) => ({ memberId, assignment })),
    });
  }

  async heartbeat(memberId = this.memberId, generationId = this.generationId): Promise<number> {
    const o = this.#options;
    const r = await this.call(Heartbeat, this.#versions.heartbeat, {
      groupId: o.groupId,
      generationId,
      memberId,
      groupInstanceId: o.groupInstanceId ?? null,
    });
    return r.errorCode;
  }

  /** LeaveGroup for this member; the per-member error (v3+) or the top-level one. */
  async leave(): Promise<number> {
    const o = this.#options;
    const r = await this.call(LeaveGroup, this.#versions.leave, {
      groupId: o.groupId,
      memberId: this.memberId,
      members: [{ memberId: this.memberId, groupInstanceId: o.groupInstanceId ?? null, reason: null }],
    });
    return r.errorCode !== ErrorCode.NONE ? r.errorCode : (r.members[0]?.errorCode ?? ErrorCode.NONE);
  }

  /** DescribeGroups v4 (members with their instance ids) for this member's group. */
  async describe(): Promise<DescribedGroup> {
    const r = await this.call(DescribeGroups, 4, {
      groups: [this.#options.groupId],
      includeAuthorizedOperations: false,
    });
    return r.groups[0]!;
  }

  /**
   * Heartbeats every `intervalMs` until `done(code)` holds for the coordinator's answer, and returns that code (the
   * way a live member learns of a rebalance or of its removal), or rejects after `timeoutMs`.
   */
  async heartbeatUntil(done: (code: number) => boolean, intervalMs: number, timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    const seen = new Set<number>();
    for (;;) {
      const code = await this.heartbeat();
      if (done(code)) return code;
      seen.add(code);
      if (Date.now() > deadline)
        throw new Error(`heartbeats answered only ${JSON.stringify([...seen])} for ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }

  close(): void {
    this.#client.close();
  }
}

/** Resolves with `promise`, or rejects if it takes longer than `ms` (a bound on a wait, not a timing measure). */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

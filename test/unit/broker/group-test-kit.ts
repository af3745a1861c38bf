import { vi } from 'vitest';
import { parseBrokerConfig } from '../../../broker/config.js';
import { GroupCoordinator, type JoinGroupRequest } from '../../../broker/group/group-coordinator.js';
import type {
  GroupPersistence,
  LoadedPartition,
  StoredGroup,
  StoredOffset,
} from '../../../broker/group/group-persistence.js';
import { createLogger } from '../../../broker/logger.js';
import { ErrorCode } from '../../../protocol/index.js';

/** What the fake log received, in order. */
export type Write =
  | { kind: 'group'; group: StoredGroup }
  | { kind: 'offsets'; groupId: string; offsets: readonly StoredOffset[] }
  | { kind: 'remove'; groupId: string; offsets: { topic: string; partition: number }[]; group: boolean };

const NUM_PARTITIONS = 50;

/** Java's String.hashCode, as Kafka places groups on __consumer_offsets partitions. */
function javaHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

/**
 * An in-memory GroupPersistence: keeps the latest value of every key (tombstones applied) so a partition can be
 * "loaded" back, records every write, and can fail writes or hold them until released.
 */
export class FakePersistence implements GroupPersistence {
  readonly writes: Write[] = [];
  readonly groups = new Map<string, StoredGroup>();
  readonly offsets = new Map<string, Map<string, StoredOffset>>();
  /** Error codes the next writes answer, in order (NONE when empty). */
  readonly failures: ErrorCode[] = [];
  /** While set, writes wait for release(). */
  holding = false;
  readonly #held: (() => void)[] = [];

  partitionFor(groupId: string): number {
    return Math.abs(javaHash(groupId)) % NUM_PARTITIONS;
  }

  storeGroup(group: StoredGroup): Promise<ErrorCode> {
    return this.#write({ kind: 'group', group }, () => this.groups.set(group.groupId, group));
  }

  storeOffsets(groupId: string, offsets: readonly StoredOffset[]): Promise<ErrorCode> {
    return this.#write({ kind: 'offsets', groupId, offsets }, () => {
      const byKey = this.offsets.get(groupId) ?? new Map<string, StoredOffset>();
      for (const o of offsets) byKey.set(`${o.topic}-${o.partition}`, o);
      this.offsets.set(groupId, byKey);
    });
  }

  remove(
    groupId: string,
    what: { offsets: readonly { topic: string; partition: number }[]; group: boolean },
  ): Promise<ErrorCode> {
    const offsets = what.offsets.map((o) => ({ topic: o.topic, partition: o.partition }));
    return this.#write({ kind: 'remove', groupId, offsets, group: what.group }, () => {
      for (const o of offsets) this.offsets.get(groupId)?.delete(`${o.topic}-${o.partition}`);
      if (what.group) this.groups.delete(groupId);
    });
  }

  /** Lets every held write complete, in order. */
  release(): void {
    this.holding = false;
    for (const go of this.#held.splice(0)) go();
  }

  /** What loading `partition` from this "log" finds. */
  loaded(partition: number): LoadedPartition {
    const groups = new Map([...this.groups].filter(([id]) => this.partitionFor(id) === partition));
    const offsets = new Map(
      [...this.offsets]
        .filter(([id, o]) => this.partitionFor(id) === partition && o.size > 0)
        .map(([id, o]): [string, StoredOffset[]] => [id, [...o.values()]]),
    );
    return { groups, offsets };
  }

  #write(write: Write, apply: () => void): Promise<ErrorCode> {
    this.writes.push(write);
    const code = this.failures.shift() ?? ErrorCode.NONE;
    const finish = (): ErrorCode => {
      if (code === ErrorCode.NONE) apply();
      return code;
    };
    if (!this.holding) return Promise.resolve(finish());
    return new Promise((resolve) => this.#held.push(() => resolve(finish())));
  }
}

export const SESSION_MS = 1000;
export const REBALANCE_MS = 5000;

/**
 * A coordinator over a FakePersistence with every partition loaded. Timers are whatever setTimeout is (tests
 * use vitest's fake timers); the clock follows Date.now.
 */
export function makeCoordinator(overrides: Record<string, string> = {}): {
  coordinator: GroupCoordinator;
  persistence: FakePersistence;
} {
  const persistence = new FakePersistence();
  const config = parseBrokerConfig({
    'group.initial.rebalance.delay.ms': '0',
    'group.min.session.timeout.ms': '100',
    'group.max.session.timeout.ms': '60000',
    ...overrides,
  });
  const coordinator = new GroupCoordinator({
    config,
    persistence,
    logger: createLogger({ level: process.env.LOG_LEVEL ?? 'silent' }),
    now: () => Date.now(),
  });
  for (let p = 0; p < NUM_PARTITIONS; p++) coordinator.onPartitionLoaded(p, { groups: new Map(), offsets: new Map() });
  return { coordinator, persistence };
}

export const protocol = (name: string, metadata = name): { name: string; metadata: Buffer } => ({
  name,
  metadata: Buffer.from(metadata),
});

/** A JoinGroup as a v3 client (no MEMBER_ID_REQUIRED round) sends it, with `overrides`. */
export function joinRequest(overrides: Partial<JoinGroupRequest> = {}): JoinGroupRequest {
  return {
    groupId: 'g',
    memberId: '',
    groupInstanceId: null,
    clientId: 'client',
    clientHost: '/127.0.0.1',
    sessionTimeoutMs: SESSION_MS,
    rebalanceTimeoutMs: REBALANCE_MS,
    protocolType: 'consumer',
    protocols: [protocol('range')],
    requireKnownMemberId: false,
    supportSkippingAssignment: false,
    reason: null,
    ...overrides,
  };
}

/** The promise's value if it has settled after a few microtask turns, else undefined. */
export async function peek<T>(promise: Promise<T>): Promise<T | undefined> {
  let value: T | undefined;
  void promise.then((v) => (value = v));
  for (let i = 0; i < 20; i++) await Promise.resolve();
  return value;
}

/** Lets due timers (the 0 ms initial delay) and the promise reactions they cause run (fake timers). */
export const tick = (ms = 10): Promise<unknown> => vi.advanceTimersByTimeAsync(ms);

/** A SyncGroup of group "g"; `assignments` are [memberId, assignment] pairs (the leader's). */
export const syncMember = (
  coordinator: GroupCoordinator,
  memberId: string,
  generationId: number,
  assignments: [string, string][] = [],
) =>
  coordinator.syncGroup({
    groupId: 'g',
    generationId,
    memberId,
    groupInstanceId: null,
    protocolType: null,
    protocolName: null,
    assignments: new Map(assignments.map(([id, a]) => [id, Buffer.from(a)])),
  });

/** A Heartbeat of group "g". */
export const heartbeatMember = (
  coordinator: GroupCoordinator,
  memberId: string,
  generationId: number,
  groupInstanceId: string | null = null,
) => coordinator.heartbeat({ groupId: 'g', memberId, generationId, groupInstanceId });

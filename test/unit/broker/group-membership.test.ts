import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { GroupCoordinator, JoinGroupResult } from '../../../broker/group/group-coordinator.js';
import { ErrorCode } from '../../../protocol/index.js';
import {
  type FakePersistence,
  joinRequest,
  makeCoordinator,
  peek,
  protocol,
  REBALANCE_MS,
  SESSION_MS,
  heartbeatMember,
  syncMember,
  tick,
} from './group-test-kit.js';

let coordinator: GroupCoordinator;
let persistence: FakePersistence;

beforeEach(() => {
  vi.useFakeTimers();
  ({ coordinator, persistence } = makeCoordinator());
});

afterEach(() => {
  coordinator.shutdown();
  vi.useRealTimers();
});

const sync = (memberId: string, generationId: number, assignments: [string, string][] = []) =>
  syncMember(coordinator, memberId, generationId, assignments);
const heartbeat = (memberId: string, generationId: number, groupInstanceId: string | null = null) =>
  heartbeatMember(coordinator, memberId, generationId, groupInstanceId);

/** Lets `ms` pass while `beat` runs every 200 ms (a live member's heartbeat thread). */
async function keepAlive(ms: number, beat: () => void): Promise<void> {
  for (let passed = 0; passed < ms; passed += 200) {
    beat();
    await tick(Math.min(200, ms - passed));
  }
}

/** Joins `n` dynamic members at once and completes the first generation; returns their join results. */
async function stableGroup(n: number): Promise<JoinGroupResult[]> {
  const joins = Array.from({ length: n }, (_, i) => coordinator.joinGroup(joinRequest({ clientId: `c${i}` })));
  await tick();
  const joined = await Promise.all(joins);
  const generation = joined[0]!.generationId;
  const leader = joined.find((j) => j.members.length > 0)!;
  const syncs = joined.map((j) =>
    sync(j.memberId, generation, j === leader ? joined.map((m) => [m.memberId, `to-${m.memberId}`]) : []),
  );
  for (const s of await Promise.all(syncs)) expect(s.errorCode).toBe(ErrorCode.NONE);
  expect(coordinator.describeGroup('g').state).toBe('Stable');
  return joined;
}

describe('a single member', () => {
  it('asks for a member id (v4+), joins as leader of generation 1, syncs its assignment and heartbeats', async () => {
    const first = await coordinator.joinGroup(joinRequest({ requireKnownMemberId: true, clientId: 'app' }));
    expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    expect(first.memberId).toMatch(/^app-[0-9a-f-]{36}$/);

    const joining = coordinator.joinGroup(joinRequest({ requireKnownMemberId: true, memberId: first.memberId }));
    expect(coordinator.describeGroup('g').state).toBe('PreparingRebalance');
    await tick();
    const joined = await joining;
    expect(joined).toMatchObject({
      errorCode: ErrorCode.NONE,
      memberId: first.memberId,
      generationId: 1,
      protocolType: 'consumer',
      protocolName: 'range',
      leader: first.memberId,
    });
    expect(joined.members).toEqual([
      { memberId: first.memberId, groupInstanceId: null, metadata: Buffer.from('range') },
    ]);
    expect(coordinator.describeGroup('g').state).toBe('CompletingRebalance');
    expect(heartbeat(first.memberId, 1)).toBe(ErrorCode.NONE);

    // the assignment is stored before SyncGroup answers
    persistence.holding = true;
    const syncing = sync(first.memberId, 1, [[first.memberId, 'mine']]);
    expect(await peek(syncing)).toBeUndefined();
    expect(persistence.writes.at(-1)).toMatchObject({
      kind: 'group',
      group: { groupId: 'g', generationId: 1, protocolName: 'range', leaderId: first.memberId },
    });
    persistence.release();
    expect(await syncing).toEqual({
      errorCode: ErrorCode.NONE,
      protocolType: 'consumer',
      protocolName: 'range',
      assignment: Buffer.from('mine'),
    });
    expect(persistence.groups.get('g')!.members[0]).toMatchObject({
      memberId: first.memberId,
      clientId: 'client',
      subscription: Buffer.from('range'),
      assignment: Buffer.from('mine'),
    });
    expect(heartbeat(first.memberId, 1)).toBe(ErrorCode.NONE);

    const described = coordinator.describeGroup('g');
    expect(described).toMatchObject({ state: 'Stable', protocolType: 'consumer', protocolName: 'range' });
    expect(described.members[0]).toMatchObject({ memberId: first.memberId, assignment: Buffer.from('mine') });
  });

  it('is kept alive by heartbeats and removed when they stop (session timeout), leaving the group Empty', async () => {
    const [m] = await stableGroup(1);
    for (let i = 0; i < 5; i++) {
      await tick(SESSION_MS - 100);
      expect(heartbeat(m!.memberId, 1)).toBe(ErrorCode.NONE);
    }
    await tick(SESSION_MS + 10);
    expect(heartbeat(m!.memberId, 1)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(coordinator.describeGroup('g').state).toBe('Empty');
    expect(persistence.writes.at(-1)).toMatchObject({ kind: 'group', group: { generationId: 2, members: [] } });
  });
});

describe('three members', () => {
  it('elect the first joiner as leader, vote for a protocol, and get their own assignments after the leader syncs', async () => {
    const a = coordinator.joinGroup(joinRequest({ clientId: 'a', protocols: [protocol('x'), protocol('y')] }));
    const b = coordinator.joinGroup(joinRequest({ clientId: 'b', protocols: [protocol('y'), protocol('x')] }));
    const c = coordinator.joinGroup(joinRequest({ clientId: 'c', protocols: [protocol('y'), protocol('x')] }));
    await tick();
    const [ja, jb, jc] = await Promise.all([a, b, c]);
    for (const j of [ja, jb, jc]) {
      expect(j).toMatchObject({ errorCode: ErrorCode.NONE, generationId: 1, protocolName: 'y', leader: ja.memberId });
    }
    expect(ja.members.map((m) => m.memberId)).toEqual([ja.memberId, jb.memberId, jc.memberId]);
    expect(jb.members).toEqual([]);

    const followerSync = sync(jb.memberId, 1);
    expect(await peek(followerSync)).toBeUndefined();
    const leaderSync = sync(ja.memberId, 1, [
      [ja.memberId, 'A'],
      [jb.memberId, 'B'],
    ]);
    expect((await leaderSync).assignment).toEqual(Buffer.from('A'));
    expect((await followerSync).assignment).toEqual(Buffer.from('B'));
    // a member the leader left out gets an empty assignment
    expect((await sync(jc.memberId, 1)).assignment).toEqual(Buffer.alloc(0));
  });

  it('reject a joiner that shares no protocol, or another protocol type, with INCONSISTENT_GROUP_PROTOCOL', async () => {
    await stableGroup(2);
    const other = await coordinator.joinGroup(joinRequest({ protocols: [protocol('roundrobin')] }));
    expect(other).toMatchObject({ errorCode: ErrorCode.INCONSISTENT_GROUP_PROTOCOL, memberId: '' });
    const type = await coordinator.joinGroup(joinRequest({ protocolType: 'connect' }));
    expect(type.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    const none = await coordinator.joinGroup(joinRequest({ groupId: 'fresh', protocolType: '' }));
    expect(none.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    expect(coordinator.describeGroup('g').state).toBe('Stable');
  });

  it('rebalance when a member leaves: the others hear REBALANCE_IN_PROGRESS and form generation 2', async () => {
    const [a, b, c] = await stableGroup(3);
    const left = coordinator.leaveGroup('g', [{ memberId: a!.memberId, groupInstanceId: null, reason: 'bye' }]);
    expect(left).toEqual({
      errorCode: ErrorCode.NONE,
      members: [{ memberId: a!.memberId, groupInstanceId: null, errorCode: ErrorCode.NONE }],
    });
    expect(heartbeat(b!.memberId, 1)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    expect(heartbeat(a!.memberId, 1)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    // a commit of the old generation is still allowed while preparing, as in Kafka
    const commit = await coordinator.commitOffsets({
      groupId: 'g',
      generationId: 1,
      memberId: c!.memberId,
      groupInstanceId: null,
      retentionTimeMs: -1,
      partitions: [{ topic: 't', partition: 0, offset: 5, leaderEpoch: -1, metadata: null }],
    });
    expect(commit[0]!.errorCode).toBe(ErrorCode.NONE);

    const rejoinB = coordinator.joinGroup(joinRequest({ memberId: b!.memberId }));
    expect(await peek(rejoinB)).toBeUndefined();
    const rejoinC = coordinator.joinGroup(joinRequest({ memberId: c!.memberId }));
    const [jb, jc] = await Promise.all([rejoinB, rejoinC]);
    expect(jb).toMatchObject({ generationId: 2, leader: b!.memberId });
    expect(jb.members).toHaveLength(2);
    expect(jc.members).toEqual([]);
    expect(heartbeat(c!.memberId, 1)).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect(heartbeat(c!.memberId, 2)).toBe(ErrorCode.NONE);
  });

  it('drop a member that does not rejoin within the rebalance timeout', async () => {
    const [a, b] = await stableGroup(2);
    // the leader rejoining forces a rebalance
    const rejoinA = coordinator.joinGroup(joinRequest({ memberId: a!.memberId }));
    // b keeps heartbeating (each answered REBALANCE_IN_PROGRESS) but never rejoins
    await keepAlive(REBALANCE_MS - 100, () => expect(heartbeat(b!.memberId, 1)).toBe(ErrorCode.REBALANCE_IN_PROGRESS));
    expect(await peek(rejoinA)).toBeUndefined();
    await tick(110);
    const joined = await rejoinA;
    expect(joined).toMatchObject({ errorCode: ErrorCode.NONE, generationId: 2 });
    expect(joined.members.map((m) => m.memberId)).toEqual([a!.memberId]);
    expect(heartbeat(b!.memberId, 2)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('settle when a follower never sends SyncGroup: it is removed after the rebalance timeout', async () => {
    const a = coordinator.joinGroup(joinRequest({ clientId: 'a' }));
    const b = coordinator.joinGroup(joinRequest({ clientId: 'b' }));
    await tick();
    const [ja, jb] = await Promise.all([a, b]);
    const leaderSync = await sync(ja.memberId, 1, [[ja.memberId, 'A']]);
    expect(leaderSync.errorCode).toBe(ErrorCode.NONE);
    // b stops here: no SyncGroup, no heartbeat; a stays alive
    await keepAlive(REBALANCE_MS + 10, () => heartbeat(ja.memberId, 1));
    expect(coordinator.describeGroup('g').members.map((m) => m.memberId)).toEqual([ja.memberId]);
    expect(heartbeat(ja.memberId, 1)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    expect(heartbeat(jb.memberId, 1)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    const rejoined = await coordinator.joinGroup(joinRequest({ memberId: ja.memberId }));
    expect(rejoined).toMatchObject({ generationId: 2, leader: ja.memberId });
  });

  it('settle when the leader dies before SyncGroup: parked followers are told to rejoin, in bounded time', async () => {
    const a = coordinator.joinGroup(joinRequest({ clientId: 'a' }));
    const b = coordinator.joinGroup(joinRequest({ clientId: 'b' }));
    await tick();
    const [ja, jb] = await Promise.all([a, b]);
    const followerSync = sync(jb.memberId, 1);
    // the leader's session runs out (the parked follower's does not: it cannot heartbeat while it waits)
    await tick(SESSION_MS + 10);
    expect((await followerSync).errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    expect(coordinator.describeGroup('g').members.map((m) => m.memberId)).toEqual([jb.memberId]);
    expect(heartbeat(ja.memberId, 1)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    const rejoined = await coordinator.joinGroup(joinRequest({ memberId: jb.memberId }));
    expect(rejoined).toMatchObject({ errorCode: ErrorCode.NONE, generationId: 2, leader: jb.memberId });
  });
});

describe('joining', () => {
  it('waits group.initial.rebalance.delay.ms for a new group, longer while members keep arriving', async () => {
    coordinator.shutdown();
    ({ coordinator, persistence } = makeCoordinator({ 'group.initial.rebalance.delay.ms': '300' }));
    const a = coordinator.joinGroup(joinRequest({ clientId: 'a', rebalanceTimeoutMs: 1000 }));
    await tick(200);
    const b = coordinator.joinGroup(joinRequest({ clientId: 'b', rebalanceTimeoutMs: 1000 }));
    await tick(389);
    expect(await peek(a)).toBeUndefined();
    await tick(20);
    const [ja, jb] = await Promise.all([a, b]);
    expect(ja).toMatchObject({ errorCode: ErrorCode.NONE, generationId: 1 });
    expect(ja.members).toHaveLength(2);
    expect(jb.leader).toBe(ja.memberId);
  });

  it('waits for a member given MEMBER_ID_REQUIRED until it joins or its session expires', async () => {
    const [a] = await stableGroup(1);
    const pending = await coordinator.joinGroup(joinRequest({ requireKnownMemberId: true, clientId: 'late' }));
    expect(pending.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    const rejoinA = coordinator.joinGroup(joinRequest({ memberId: a!.memberId }));
    await tick(SESSION_MS / 2);
    expect(await peek(rejoinA)).toBeUndefined();
    await tick(SESSION_MS / 2 + 10);
    const joined = await rejoinA;
    expect(joined).toMatchObject({ generationId: 2 });
    expect(joined.members).toHaveLength(1);
    expect((await coordinator.joinGroup(joinRequest({ memberId: pending.memberId }))).errorCode).toBe(
      ErrorCode.UNKNOWN_MEMBER_ID,
    );
  });

  it('refuses a new member beyond group.max.size with GROUP_MAX_SIZE_REACHED', async () => {
    coordinator.shutdown();
    ({ coordinator, persistence } = makeCoordinator({ 'group.max.size': '2' }));
    await stableGroup(2);
    const third = await coordinator.joinGroup(joinRequest({ clientId: 'third' }));
    expect(third).toMatchObject({ errorCode: ErrorCode.GROUP_MAX_SIZE_REACHED, memberId: '' });
    expect(coordinator.describeGroup('g')).toMatchObject({ state: 'Stable' });
  });

  it('answers a session timeout outside the broker bounds with INVALID_SESSION_TIMEOUT', async () => {
    expect((await coordinator.joinGroup(joinRequest({ sessionTimeoutMs: 99 }))).errorCode).toBe(
      ErrorCode.INVALID_SESSION_TIMEOUT,
    );
    expect((await coordinator.joinGroup(joinRequest({ sessionTimeoutMs: 60_001 }))).errorCode).toBe(
      ErrorCode.INVALID_SESSION_TIMEOUT,
    );
  });

  it('answers a member id the group does not know with UNKNOWN_MEMBER_ID, and an empty group id with INVALID_GROUP_ID', async () => {
    expect((await coordinator.joinGroup(joinRequest({ memberId: 'ghost' }))).errorCode).toBe(
      ErrorCode.UNKNOWN_MEMBER_ID,
    );
    await stableGroup(1);
    expect((await coordinator.joinGroup(joinRequest({ memberId: 'ghost' }))).errorCode).toBe(
      ErrorCode.UNKNOWN_MEMBER_ID,
    );
    expect((await coordinator.joinGroup(joinRequest({ groupId: '' }))).errorCode).toBe(ErrorCode.INVALID_GROUP_ID);
    expect(coordinator.heartbeat({ groupId: '', memberId: 'x', generationId: 1, groupInstanceId: null })).toBe(
      ErrorCode.INVALID_GROUP_ID,
    );
  });

  it('answers a follower rejoining a Stable group unchanged with the current generation, without a rebalance', async () => {
    const [, b] = await stableGroup(2);
    const again = await coordinator.joinGroup(joinRequest({ memberId: b!.memberId }));
    expect(again).toMatchObject({ errorCode: ErrorCode.NONE, generationId: 1, members: [] });
    expect(coordinator.describeGroup('g').state).toBe('Stable');
    // new metadata does rebalance
    void coordinator.joinGroup(joinRequest({ memberId: b!.memberId, protocols: [protocol('range', 'v2')] }));
    expect(coordinator.describeGroup('g').state).toBe('PreparingRebalance');
  });
});

describe('SyncGroup and Heartbeat errors', () => {
  it('answer ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, INCONSISTENT_GROUP_PROTOCOL and REBALANCE_IN_PROGRESS where Kafka does', async () => {
    const [a, b] = await stableGroup(2);
    expect((await sync(a!.memberId, 7)).errorCode).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect((await sync('ghost', 1)).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(heartbeat(a!.memberId, 7)).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect(heartbeat('ghost', 1)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    const wrongName = await coordinator.syncGroup({
      groupId: 'g',
      generationId: 1,
      memberId: a!.memberId,
      groupInstanceId: null,
      protocolType: 'consumer',
      protocolName: 'roundrobin',
      assignments: new Map(),
    });
    expect(wrongName.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    // stable: the member's current assignment again
    expect((await sync(b!.memberId, 1)).assignment).toEqual(Buffer.from(`to-${b!.memberId}`));

    void coordinator.joinGroup(joinRequest({ memberId: a!.memberId }));
    expect((await sync(b!.memberId, 1)).errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    expect(coordinator.heartbeat({ groupId: 'nope', memberId: 'x', generationId: 1, groupInstanceId: null })).toBe(
      ErrorCode.UNKNOWN_MEMBER_ID,
    );
  });

  it('sends the store error to every member and rebalances when the assignment cannot be written', async () => {
    const a = coordinator.joinGroup(joinRequest({ clientId: 'a' }));
    const b = coordinator.joinGroup(joinRequest({ clientId: 'b' }));
    await tick();
    const [ja, jb] = await Promise.all([a, b]);
    const followerSync = sync(jb.memberId, 1);
    persistence.failures.push(ErrorCode.NOT_COORDINATOR);
    const leaderSync = await sync(ja.memberId, 1, [[ja.memberId, 'A']]);
    expect(leaderSync).toMatchObject({ errorCode: ErrorCode.NOT_COORDINATOR, protocolName: null });
    expect((await followerSync).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    expect(coordinator.describeGroup('g').state).toBe('PreparingRebalance');
  });
});

describe('coordinator ownership', () => {
  it('answers NOT_COORDINATOR for groups of partitions it does not lead, and LOAD_IN_PROGRESS while loading', async () => {
    const partition = persistence.partitionFor('g');
    coordinator.onPartitionUnloaded(partition);
    expect((await coordinator.joinGroup(joinRequest())).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    coordinator.onPartitionLoading(partition);
    expect((await coordinator.joinGroup(joinRequest())).errorCode).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    // older clients do not know LOAD_IN_PROGRESS on these: Kafka answers blindly / asks for a rejoin
    expect(heartbeat('m', 1)).toBe(ErrorCode.NONE);
    expect((await sync('m', 1)).errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
  });

  it('answers parked JoinGroups NOT_COORDINATOR when the partition is unloaded, COORDINATOR_NOT_AVAILABLE at shutdown', async () => {
    const [a] = await stableGroup(2);
    const parked = coordinator.joinGroup(joinRequest({ memberId: a!.memberId }));
    coordinator.onPartitionUnloaded(persistence.partitionFor('g'));
    expect((await parked).errorCode).toBe(ErrorCode.NOT_COORDINATOR);

    const other = coordinator.joinGroup(joinRequest({ groupId: 'other' }));
    await tick();
    const joined = await other;
    persistence.holding = true;
    const parkedSync = coordinator.syncGroup({
      groupId: 'other',
      generationId: 1,
      memberId: joined.memberId,
      groupInstanceId: null,
      protocolType: null,
      protocolName: null,
      assignments: new Map(),
    });
    expect(await peek(parkedSync)).toBeUndefined();
    coordinator.shutdown();
    expect((await parkedSync).errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    persistence.release();
    expect((await coordinator.joinGroup(joinRequest({ groupId: 'other' }))).errorCode).toBe(
      ErrorCode.COORDINATOR_NOT_AVAILABLE,
    );
  });
});

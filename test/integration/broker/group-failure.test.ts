import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type EmbeddedBroker } from '../../../broker/index.js';
import { ErrorCode } from '../../../protocol/index.js';
import { FAST_GROUP_PROPERTIES } from '../../helpers/group-target.js';
import { WireGroupMember, within, type WireMemberOptions } from '../../helpers/wire-group-member.js';

const { NONE, REBALANCE_IN_PROGRESS, UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID } = ErrorCode;
/** Session of the member that goes silent: expiry is what settles the group. */
const SHORT_SESSION = 1500;
/** Generous bound on any one wait: the timeouts involved are all ≤ 3 s. */
const BOUND = 10_000;
const isRebalance = (code: number): boolean => code === REBALANCE_IN_PROGRESS;

/**
 * The group coordinator when a member fails part-way through a rebalance, driven by hand over the wire (JoinGroup
 * v5, SyncGroup v3, Heartbeat v3, opaque protocol type so the broker only passes bytes through): the survivors
 * are told to rejoin and the group settles with them alone, within the session or rebalance timeout, never
 * stuck. Each wait is bounded by a timeout, not a sleep. Kafka's answers: GroupCoordinator.scala
 * (onExpireHeartbeat, onCompleteJoin, removeMemberAndUpdateGroup, updateStaticMemberAndRebalance). Samsa only:
 * librdkafka's mock cluster is no oracle at this level (FindCoordinator ≤ v2, null assignments, no static members).
 */
describe('group coordinator: a member failing mid-rebalance', () => {
  let embedded: EmbeddedBroker;
  let port: number;
  const open: WireGroupMember[] = [];

  beforeAll(async () => {
    embedded = await startBroker({ properties: FAST_GROUP_PROPERTIES });
    port = Number(embedded.bootstrap.split(':').at(-1));
  });

  afterEach(() => {
    for (const m of open.splice(0)) m.close();
  });

  afterAll(async () => {
    await embedded?.stop();
  });

  async function member(groupId: string, options: Partial<WireMemberOptions> = {}): Promise<WireGroupMember> {
    const m = await WireGroupMember.connect(port, {
      groupId,
      sessionTimeoutMs: 10_000,
      rebalanceTimeoutMs: 3000,
      ...options,
    });
    open.push(m);
    return m;
  }

  /** `first` alone, then `second` joins and `first` rejoins: both are in the next generation, `first` leading. */
  async function formPair(first: WireGroupMember, second: WireGroupMember) {
    const alone = await first.joinFully();
    expect(alone).toMatchObject({ errorCode: NONE, leader: first.memberId });
    expect((await first.sync({ [first.memberId]: Buffer.from('solo') })).errorCode).toBe(NONE);
    const secondJoin = second.joinFully();
    expect(await first.heartbeatUntil(isRebalance, 50, BOUND)).toBe(REBALANCE_IN_PROGRESS);
    const leaderJoin = await within(first.join(), BOUND, 'the leader rejoining');
    const followerJoin = await within(secondJoin, BOUND, 'the follower joining');
    expect(leaderJoin).toMatchObject({ errorCode: NONE, generationId: alone.generationId + 1, leader: first.memberId });
    expect(followerJoin).toMatchObject({
      errorCode: NONE,
      generationId: leaderJoin.generationId,
      leader: first.memberId,
    });
    expect(leaderJoin.members.map((m) => m.memberId).sort()).toEqual([first.memberId, second.memberId].sort());
    expect(followerJoin.members).toEqual([]);
    return leaderJoin.generationId;
  }

  it('answers FindCoordinator for a group with this broker', async () => {
    const m = await member('fail-find');
    const host = embedded.bootstrap.slice(0, embedded.bootstrap.lastIndexOf(':'));
    expect(await m.findCoordinator()).toEqual({ errorCode: NONE, host, port });
  });

  it('the leader stops during SyncGroup: the waiting follower is told to rejoin and leads the next generation alone', async () => {
    const leader = await member('fail-leader', { sessionTimeoutMs: SHORT_SESSION });
    const follower = await member('fail-leader');
    const generation = await formPair(leader, follower);

    // the follower waits in SyncGroup for the leader's assignment; the leader never sends it, nor heartbeats
    const waiting = await within(follower.sync(), SHORT_SESSION + BOUND, "the follower's SyncGroup");
    expect(waiting.errorCode).toBe(REBALANCE_IN_PROGRESS);
    const rejoined = await within(follower.join(), BOUND, 'the follower rejoining');
    expect(rejoined).toMatchObject({ errorCode: NONE, generationId: generation + 1, leader: follower.memberId });
    expect(rejoined.members.map((m) => m.memberId)).toEqual([follower.memberId]);
    const synced = await follower.sync({ [follower.memberId]: Buffer.from('all of it') });
    expect(synced.errorCode).toBe(NONE);
    expect(synced.assignment).toEqual(Buffer.from('all of it'));
    expect(await follower.heartbeat()).toBe(NONE);
    expect(await leader.heartbeat()).toBe(UNKNOWN_MEMBER_ID);
    const group = await follower.describe();
    expect(group).toMatchObject({ errorCode: NONE, groupState: 'Stable', protocolData: 'opaque' });
    expect(group.members.map((m) => m.memberId)).toEqual([follower.memberId]);
  });

  it('a follower stops before SyncGroup: its session expires, the leader is told to rejoin and settles alone', async () => {
    const leader = await member('fail-follower');
    const follower = await member('fail-follower', { sessionTimeoutMs: SHORT_SESSION });
    const generation = await formPair(leader, follower);
    const synced = await leader.sync({
      [leader.memberId]: Buffer.from('half for the leader'),
      [follower.memberId]: Buffer.from('half for the follower'),
    });
    expect(synced).toMatchObject({ errorCode: NONE });
    expect(synced.assignment).toEqual(Buffer.from('half for the leader'));

    // the follower never syncs nor heartbeats: the leader's heartbeats turn to REBALANCE_IN_PROGRESS
    expect(await leader.heartbeatUntil(isRebalance, 100, SHORT_SESSION + BOUND)).toBe(REBALANCE_IN_PROGRESS);
    const rejoined = await within(leader.join(), BOUND, 'the leader rejoining');
    expect(rejoined).toMatchObject({ errorCode: NONE, generationId: generation + 1, leader: leader.memberId });
    expect(rejoined.members.map((m) => m.memberId)).toEqual([leader.memberId]);
    expect((await leader.sync({ [leader.memberId]: Buffer.from('everything') })).assignment).toEqual(
      Buffer.from('everything'),
    );
    expect(await leader.heartbeat()).toBe(NONE);
    expect(await follower.heartbeat()).toBe(UNKNOWN_MEMBER_ID);
  });

  it('a member that keeps heartbeating but never rejoins is dropped when the rebalance timeout ends', async () => {
    const options = { rebalanceTimeoutMs: 2000 };
    const a = await member('fail-rejoin', options);
    const laggard = await member('fail-rejoin', options);
    const generation = await formPair(a, laggard);
    expect(
      (await a.sync({ [a.memberId]: Buffer.from('a'), [laggard.memberId]: Buffer.from('laggard') })).errorCode,
    ).toBe(NONE);
    expect((await laggard.sync()).assignment).toEqual(Buffer.from('laggard'));

    const newcomer = await member('fail-rejoin', options);
    const newcomerJoin = newcomer.joinFully();
    expect(await a.heartbeatUntil(isRebalance, 50, BOUND)).toBe(REBALANCE_IN_PROGRESS);
    const aJoin = a.join();
    // the laggard stays alive (its heartbeats keep its session) but does not rejoin
    const laggardEnd = laggard.heartbeatUntil((code) => code !== REBALANCE_IN_PROGRESS, 200, BOUND);
    const [aNext, newcomerNext] = await within(Promise.all([aJoin, newcomerJoin]), BOUND, 'the rebalance completing');
    expect(aNext).toMatchObject({ errorCode: NONE, generationId: generation + 1 });
    expect(newcomerNext).toMatchObject({ errorCode: NONE, generationId: generation + 1, leader: aNext.leader });
    const leaderView = aNext.leader === a.memberId ? aNext : newcomerNext;
    expect(leaderView.members.map((m) => m.memberId).sort()).toEqual([a.memberId, newcomer.memberId].sort());
    expect(await laggardEnd).toBe(UNKNOWN_MEMBER_ID);
  });

  it('a second member with the same group.instance.id takes over without a rebalance and fences the old one', async () => {
    const old = await member('fail-static', { groupInstanceId: 'instance-1' });
    const other = await member('fail-static', { groupInstanceId: 'instance-2' });
    const generation = await formPair(old, other);
    expect(
      (await old.sync({ [old.memberId]: Buffer.from('for instance-1'), [other.memberId]: Buffer.from('for 2') }))
        .errorCode,
    ).toBe(NONE);
    expect((await other.sync()).assignment).toEqual(Buffer.from('for 2'));

    const restarted = await member('fail-static', { groupInstanceId: 'instance-1' });
    const rejoin = await restarted.join();
    // same generation, a new member id, and the old leader id so that the newcomer does not reassign
    expect(rejoin).toMatchObject({ errorCode: NONE, generationId: generation, leader: old.memberId, members: [] });
    expect(restarted.memberId).not.toBe(old.memberId);
    const synced = await restarted.sync();
    expect(synced.errorCode).toBe(NONE);
    expect(synced.assignment).toEqual(Buffer.from('for instance-1'));

    expect(await old.heartbeat()).toBe(FENCED_INSTANCE_ID);
    expect((await old.sync()).errorCode).toBe(FENCED_INSTANCE_ID);
    expect(await other.heartbeat()).toBe(NONE);
    expect(await restarted.heartbeat()).toBe(NONE);
    const group = await other.describe();
    expect(group.groupState).toBe('Stable');
    expect(group.members.map((m) => [m.groupInstanceId, m.memberId]).sort()).toEqual(
      [
        ['instance-1', restarted.memberId],
        ['instance-2', other.memberId],
      ].sort(),
    );
  });
});

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/broker-process.js';
import { ConsumeTracker } from '../helpers/consume-tracker.js';
import { GroupProducer } from '../helpers/group-producer.js';
import { ON_MOCK, startGroupTarget, type GroupTarget } from '../helpers/group-target.js';
import { KcatGroupMember } from '../helpers/kcat-group.js';
import { WireGroupMember } from '../helpers/wire-group-member.js';

const TOPICS = { 'kc-split': 6, 'kc-crash': 6, 'kc-coop': 6, 'kc-static': 4 };
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const sorted = (xs: readonly number[]): number[] => [...xs].sort((a, b) => a - b);
/** Quick heartbeats and commits so that rebalances and hand-overs happen within a second or two. */
const QUICK = { 'heartbeat.interval.ms': '200', 'auto.commit.interval.ms': '200', 'session.timeout.ms': '6000' };

/**
 * librdkafka 2.0 balanced consumers (`kcat -G`: FindCoordinator v2, JoinGroup v5, SyncGroup v3, OffsetCommit v7,
 * OffsetFetch v7 with require_stable) against the embedded broker: splitting partitions, taking over from a
 * member killed with SIGKILL, cooperative-sticky incremental rebalancing (KIP-429) and static membership
 * (KIP-345) across a restart. kcat commits automatically (every 200 ms here, and on revoke and close), so records
 * may come again only where the member that first read them died before its commit.
 */
describe('kcat balanced consumers in groups', () => {
  let target: GroupTarget;
  let data: GroupProducer;
  const members: KcatGroupMember[] = [];

  beforeAll(async () => {
    target = await startGroupTarget({ topics: TOPICS });
    data = await GroupProducer.connect(target.bootstrap);
  });

  afterEach(async () => {
    await data.stopLoop();
    for (const m of members.splice(0)) await m.stop('SIGKILL');
  });

  afterAll(async () => {
    await data?.close();
    await target?.stop();
  });

  function kcat(
    name: string,
    group: string,
    topic: string,
    tracker: ConsumeTracker,
    config: Record<string, string> = {},
    debug = false,
  ): KcatGroupMember {
    const member = KcatGroupMember.start({
      bootstrap: target.bootstrap,
      group,
      topics: [topic],
      name,
      tracker,
      config: { ...QUICK, ...config },
      debug,
    });
    members.push(member);
    return member;
  }

  /** True when the members' current assignments of `topic` are disjoint and cover its `partitions`. */
  function covers(group: readonly KcatGroupMember[], topic: string, partitions: number): boolean {
    return JSON.stringify(sorted(group.flatMap((m) => m.partitions(topic)))) === JSON.stringify(range(partitions));
  }

  it('three members split six partitions two each, together read everything, and commit the end on close', async () => {
    const topic = 'kc-split';
    const tracker = new ConsumeTracker();
    const trio = ['a', 'b', 'c'].map((name) => kcat(name, 'kc-split-g', topic, tracker));
    await waitFor(
      () => trio.every((m) => m.partitions(topic).length === 2) && covers(trio, topic, 6),
      30_000,
      () => `a 2/2/2 split (${JSON.stringify(trio.map((m) => m.partitions(topic)))})`,
    );
    await data.sendEvenly(topic, 6, 30);
    const ends = await data.endOffsets(topic);
    await waitFor(
      () => tracker.hasAll(topic, ends),
      20_000,
      () => `every record (missing ${tracker.missing(topic, ends).join(' ')})`,
    );
    for (const m of trio) expect(tracker.partitionsByConsumer(topic).get(m.name)).toEqual(m.partitions(topic));
    expect(tracker.repeats()).toBe(0);

    for (const m of trio) expect(await m.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(await data.committed('kc-split-g', topic)).toEqual(ends);
  });

  it('when a member is killed, the others take over its partitions after its session timeout and nothing is skipped', async () => {
    const topic = 'kc-crash';
    const tracker = new ConsumeTracker();
    const config = { 'session.timeout.ms': '3000' };
    const trio = ['a', 'b', 'doomed'].map((name) => kcat(name, 'kc-crash-g', topic, tracker, config));
    await waitFor(
      () => covers(trio, topic, 6) && trio.every((m) => m.partitions(topic).length === 2),
      30_000,
      'a split',
    );
    data.startLoop(topic, 6);
    const doomed = trio[2]!;
    await waitFor(() => doomed.records > 0, 20_000, 'the doomed member reading');
    const doomedHad = doomed.partitions(topic);
    await doomed.stop('SIGKILL');

    const survivors = trio.slice(0, 2);
    await waitFor(() => covers(survivors, topic, 6), 20_000, 'the survivors covering all partitions');
    const survivorsRead = survivors.map((m) => m.records);
    await waitFor(
      () => survivors.every((m, i) => m.records > survivorsRead[i]! + 6),
      20_000,
      'the survivors reading on',
    );
    await data.stopLoop();
    const ends = await data.endOffsets(topic);
    await waitFor(
      () => tracker.hasAll(topic, ends),
      20_000,
      () => `every record (missing ${tracker.missing(topic, ends).join(' ')})`,
    );
    expect(tracker.beyond(topic, ends)).toEqual([]);
    // only what the killed member read after its last commit may come again
    expect(tracker.repeatsNotFirstReadBy(['doomed'])).toEqual([]);
    const takenOver = survivors.flatMap((m) => tracker.partitionsByConsumer(topic).get(m.name) ?? []);
    for (const p of doomedHad) expect(takenOver).toContain(p);
  });

  it('cooperative-sticky (KIP-429): members join one by one, partitions move incrementally, every record is read once', async () => {
    const topic = 'kc-coop';
    const tracker = new ConsumeTracker();
    const config = { 'partition.assignment.strategy': 'cooperative-sticky' };
    data.startLoop(topic, 6);
    const group: KcatGroupMember[] = [];
    for (const name of ['a', 'b', 'c']) {
      group.push(kcat(name, 'kc-coop-g', topic, tracker, config));
      await waitFor(
        () => covers(group, topic, 6) && group.every((m) => m.partitions(topic).length === 6 / group.length),
        30_000,
        () => `${group.length} members sharing (${JSON.stringify(group.map((m) => m.partitions(topic)))})`,
      );
      await waitFor(() => group.every((m) => m.records > 0), 20_000, 'every member reading');
    }
    await data.stopLoop();
    const ends = await data.endOffsets(topic);
    await waitFor(
      () => tracker.hasAll(topic, ends),
      20_000,
      () => `every record (missing ${tracker.missing(topic, ends).join(' ')})`,
    );
    expect(tracker.beyond(topic, ends)).toEqual([]);
    expect(tracker.repeats()).toBe(0);

    const first = group[0]!;
    // the protocol really was cooperative, and the first member never gave up everything at once
    expect(first.rebalances.every((r) => r.cooperative)).toBe(true);
    const revokes = first.rebalances.filter((r) => r.kind === 'revoke');
    expect(revokes.length).toBeGreaterThan(0);
    expect(revokes.every((r) => r.partitions.length < 6)).toBe(true);
    expect(first.partitions(topic)).toHaveLength(2);
  });

  it.skipIf(ON_MOCK)(
    'a static member (group.instance.id) restarted within its session gets its partitions back without a rebalance',
    async () => {
      const topic = 'kc-static';
      const tracker = new ConsumeTracker();
      const config = (id: string) => ({ 'group.instance.id': id, 'session.timeout.ms': '10000' });
      const steady = kcat('steady', 'kc-static-g', topic, tracker, config('steady-1'), true);
      const bouncing = kcat('bouncing', 'kc-static-g', topic, tracker, config('bouncing-1'), true);
      await waitFor(
        () => covers([steady, bouncing], topic, 4) && steady.partitions(topic).length === 2,
        30_000,
        'a 2/2 split of the static members',
      );
      await data.sendEvenly(topic, 4, 10);
      await waitFor(() => tracker.hasAll(topic, [10, 10, 10, 10]), 20_000, 'every record');
      const generation = Math.max(...steady.generations, ...bouncing.generations);
      const steadyRebalances = steady.rebalances.length;
      const bouncingHad = bouncing.partitions(topic);
      const describedBefore = await describeMembers();

      await bouncing.stop('SIGKILL');
      const back = kcat('back', 'kc-static-g', topic, tracker, config('bouncing-1'), true);
      await waitFor(() => back.partitions(topic).length > 0, 20_000, 'the restarted member assigned');
      expect(back.partitions(topic)).toEqual(bouncingHad);
      expect(back.generations).toEqual([generation]);
      await data.sendEvenly(topic, 4, 5, 'after');
      await waitFor(() => tracker.hasAll(topic, [15, 15, 15, 15]), 20_000, 'the new records');
      // the other member never saw a rebalance, and the group kept its generation
      expect(steady.rebalances).toHaveLength(steadyRebalances);
      expect(Math.max(...steady.generations)).toBe(generation);

      const describedAfter = await describeMembers();
      expect(describedAfter.map((m) => m.instance)).toEqual(describedBefore.map((m) => m.instance));
      const bouncingBefore = describedBefore.find((m) => m.instance === 'bouncing-1')!;
      const bouncingAfter = describedAfter.find((m) => m.instance === 'bouncing-1')!;
      expect(bouncingAfter.memberId).not.toBe(bouncingBefore.memberId);
      expect(bouncingAfter.assignment).toEqual(bouncingBefore.assignment);
    },
  );

  /** The static group's members as DescribeGroups v4 shows them (kafkajs' admin stops at v2, without instance ids). */
  async function describeMembers(): Promise<{ instance: string | null; memberId: string; assignment: string }[]> {
    const port = Number(target.bootstrap.split(':').at(-1));
    const wire = await WireGroupMember.connect(port, {
      groupId: 'kc-static-g',
      sessionTimeoutMs: 0,
      rebalanceTimeoutMs: 0,
    });
    try {
      const group = await wire.describe();
      expect(group.groupState).toBe('Stable');
      return group.members
        .map((m) => ({
          instance: m.groupInstanceId,
          memberId: m.memberId,
          assignment: m.memberAssignment.toString('hex'),
        }))
        .sort((a, b) => String(a.instance).localeCompare(String(b.instance)));
    } finally {
      wire.close();
    }
  }
});

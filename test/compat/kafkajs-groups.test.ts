import { AssignerProtocol, Kafka, logLevel } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/broker-process.js';
import { ChildGroupMember } from '../helpers/child-group-member.js';
import { ConsumeTracker } from '../helpers/consume-tracker.js';
import { GroupProducer } from '../helpers/group-producer.js';
import { ON_MOCK, startGroupTarget, type GroupTarget } from '../helpers/group-target.js';
import { KafkajsGroupMember, type KafkajsMemberOptions } from '../helpers/kafkajs-group-member.js';

const TOPICS = { 'kj-one': 3, 'kj-split': 12, 'kj-moves': 12, 'kj-crash': 6, 'kj-admin': 2 };
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const sorted = (xs: readonly number[]): number[] => [...xs].sort((a, b) => a - b);
const same = (a: readonly number[], b: readonly number[]): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * kafkajs 2.2 consumer groups (FindCoordinator v2, JoinGroup v5, SyncGroup v3, Heartbeat v3, OffsetCommit v5,
 * OffsetFetch v4, eager RoundRobin assignment) and its admin group APIs, against the embedded broker
 * (SAMSA_GROUP_TEST_TARGET=mock runs the consumer tests against librdkafka's mock cluster instead). Every member
 * commits each record's next offset right after delivering it, so the tracker can prove that nothing is skipped
 * and that a record comes again only when no commit had covered it.
 */
describe('kafkajs consumer groups', () => {
  let target: GroupTarget;
  let kafka: Kafka;
  let data: GroupProducer;
  const running: { stop(): Promise<void> }[] = [];
  const children: ChildGroupMember[] = [];

  beforeAll(async () => {
    target = await startGroupTarget({ topics: TOPICS });
    kafka = new Kafka({ clientId: 'kj-groups', brokers: [target.bootstrap], logLevel: logLevel.NOTHING });
    data = await GroupProducer.connect(target.bootstrap);
  });

  afterEach(async () => {
    await data.stopLoop();
    for (const child of children.splice(0)) await child.kill();
    for (const member of running.splice(0)) await member.stop().catch(() => undefined);
  });

  afterAll(async () => {
    await data?.close();
    await target?.stop();
  });

  async function member(
    groupId: string,
    topic: string,
    name: string,
    tracker: ConsumeTracker,
    extra: Partial<KafkajsMemberOptions> = {},
  ): Promise<KafkajsGroupMember> {
    const started = await KafkajsGroupMember.start({ kafka, groupId, topics: [topic], name, tracker, ...extra });
    running.push(started);
    return started;
  }

  /** Waits until the group's committed offsets for `topic` equal `ends`. */
  async function committedAtEnds(groupId: string, topic: string, ends: readonly number[]): Promise<void> {
    await waitFor(
      async () => same(await data.committed(groupId, topic), ends),
      10_000,
      `${groupId} committed ${JSON.stringify(ends)}`,
    );
  }

  it('one consumer in a group reads every record of every partition and commits the end', async () => {
    const topic = 'kj-one';
    await data.sendEvenly(topic, 3, 100);
    const ends = await data.endOffsets(topic);
    expect(ends).toEqual([100, 100, 100]);
    const tracker = new ConsumeTracker();
    const only = await member('kj-one-g', topic, 'only', tracker);
    await waitFor(() => tracker.hasAll(topic, ends), 20_000, 'every record');
    expect(only.partitions(topic)).toEqual([0, 1, 2]);
    expect(only.joins.at(-1)?.isLeader).toBe(true);
    expect(tracker.repeats()).toBe(0);
    expect(tracker.beyond(topic, ends)).toEqual([]);
    await committedAtEnds('kj-one-g', topic, ends);
  });

  it('three consumers split 12 partitions four each, disjoint and covering all, and read only their own', async () => {
    const topic = 'kj-split';
    const groupId = 'kj-split-g';
    const tracker = new ConsumeTracker();
    const trio = [
      await member(groupId, topic, 'a', tracker),
      await member(groupId, topic, 'b', tracker),
      await member(groupId, topic, 'c', tracker),
    ];
    const split = (): number[][] => trio.map((m) => m.partitions(topic));
    await waitFor(() => split().every((p) => p.length === 4), 30_000, 'a 4/4/4 split');
    expect(sorted(split().flat())).toEqual(range(12));
    const last = trio.map((m) => m.joins.at(-1)!);
    expect(new Set(last.map((j) => j.leaderId)).size).toBe(1);
    expect(last.filter((j) => j.isLeader)).toHaveLength(1);
    expect(new Set(last.map((j) => j.groupProtocol))).toEqual(new Set(['RoundRobinAssigner']));

    // records produced after the split (and after any fetch sent before it) reach exactly their partition's owner
    const fetched = trio.map((m) => m.fetches);
    await waitFor(() => trio.every((m, i) => m.fetches >= fetched[i]! + 2), 10_000, 'fetches under the new split');
    await data.sendEvenly(topic, 12, 10);
    const ends = await data.endOffsets(topic);
    await waitFor(() => tracker.hasAll(topic, ends), 20_000, 'every record');
    for (const m of trio) expect(tracker.partitionsByConsumer(topic).get(m.name)).toEqual(m.partitions(topic));
    expect(tracker.repeats()).toBe(0);

    if (!ON_MOCK) {
      const {
        groups: [group],
      } = await data.admin.describeGroups([groupId]);
      expect(group).toMatchObject({
        groupId,
        state: 'Stable',
        protocolType: 'consumer',
        protocol: 'RoundRobinAssigner',
      });
      const described = new Map(
        group!.members.map((m) => [
          m.memberId,
          sorted(AssignerProtocol.MemberAssignment.decode(m.memberAssignment)!.assignment[topic] ?? []),
        ]),
      );
      expect(described.size).toBe(3);
      for (const m of trio) expect(described.get(m.joins.at(-1)!.memberId)).toEqual(m.partitions(topic));
    }
  });

  it('a member leaves and another joins while records keep coming: partitions move, none is skipped, none comes again below a commit', async () => {
    const topic = 'kj-moves';
    const groupId = 'kj-moves-g';
    const tracker = new ConsumeTracker();
    data.startLoop(topic, 12);
    const a = await member(groupId, topic, 'a', tracker);
    const b = await member(groupId, topic, 'b', tracker);
    await waitFor(
      () =>
        a.partitions(topic).length === 6 &&
        b.partitions(topic).length === 6 &&
        tracker.deliveredBy('a') > 0 &&
        tracker.deliveredBy('b') > 0,
      30_000,
      'a and b sharing the partitions',
    );
    const aHad = a.partitions(topic);
    await a.stop();
    await waitFor(() => b.partitions(topic).length === 12, 30_000, 'b owning all 12 partitions after a left');
    const bAlone = tracker.deliveredBy('b');
    await waitFor(() => tracker.deliveredBy('b') > bAlone + 24, 20_000, 'b reading alone');
    const c = await member(groupId, topic, 'c', tracker);
    await waitFor(
      () => c.partitions(topic).length === 6 && b.partitions(topic).length === 6 && tracker.deliveredBy('c') > 0,
      30_000,
      'b and c sharing the partitions',
    );
    await data.stopLoop();
    const ends = await data.endOffsets(topic);
    expect(data.loopRecords).toBeGreaterThan(0);
    await waitFor(
      () => tracker.hasAll(topic, ends),
      30_000,
      () => `every record (missing ${tracker.missing(topic, ends).join(' ')})`,
    );

    expect(tracker.beyond(topic, ends)).toEqual([]);
    expect(tracker.repeatsBelowCommit()).toEqual([]);
    const readBy = tracker.partitionsByConsumer(topic);
    // a's partitions moved: someone else read each of them
    for (const p of aHad) expect([...(readBy.get('b') ?? []), ...(readBy.get('c') ?? [])]).toContain(p);
    expect(sorted([...b.partitions(topic), ...c.partitions(topic)])).toEqual(range(12));
    await committedAtEnds(groupId, topic, ends);
  });

  it('a crashed member (SIGKILL: no LeaveGroup, no heartbeats) expires after its session timeout and the survivor takes its partitions', async () => {
    const topic = 'kj-crash';
    const groupId = 'kj-crash-g';
    const tracker = new ConsumeTracker();
    await data.sendEvenly(topic, 6, 20);
    const survivor = await member(groupId, topic, 'survivor', tracker);
    await waitFor(() => survivor.partitions(topic).length === 6, 20_000, 'the survivor alone');
    const doomed = ChildGroupMember.start(
      {
        client: 'kafkajs',
        bootstrap: target.bootstrap,
        groupId,
        topics: [topic],
        name: 'doomed',
        sessionTimeout: 6000,
      },
      tracker,
    );
    children.push(doomed);
    await waitFor(
      () => doomed.partitions(topic).length === 3 && survivor.partitions(topic).length === 3,
      30_000,
      () => `a 3/3 split with the child (${doomed.output()})`,
    );
    await data.sendEvenly(topic, 6, 10, 'shared');
    await waitFor(() => doomed.records > 0, 20_000, 'the child reading');
    const doomedHad = doomed.partitions(topic);
    await doomed.kill('SIGKILL');

    await data.sendEvenly(topic, 6, 10, 'after');
    await waitFor(() => survivor.partitions(topic).length === 6, 20_000, 'the survivor owning all 6 again');
    const ends = await data.endOffsets(topic);
    await waitFor(
      () => tracker.hasAll(topic, ends),
      20_000,
      () => `every record (missing ${tracker.missing(topic, ends).join(' ')})`,
    );
    for (const p of doomedHad) expect(tracker.partitionsByConsumer(topic).get('survivor')).toContain(p);
    expect(tracker.repeatsBelowCommit()).toEqual([]);
    await committedAtEnds(groupId, topic, ends);
  });

  it.skipIf(ON_MOCK)(
    'admin: listGroups, describeGroups, fetchOffsets, setOffsets, resetOffsets, deleteGroups',
    async () => {
      const topic = 'kj-admin';
      const groupId = 'kj-admin-g';
      const { admin } = data;
      await data.sendEvenly(topic, 2, 10);
      const tracker = new ConsumeTracker();
      const m = await member(groupId, topic, 'admin-member', tracker);
      await waitFor(() => tracker.hasAll(topic, [10, 10]), 20_000, 'every record');
      await committedAtEnds(groupId, topic, [10, 10]);

      const { groups } = await admin.listGroups();
      expect(groups).toContainEqual({ groupId, protocolType: 'consumer' });
      const [stable] = (await admin.describeGroups([groupId])).groups;
      expect(stable).toMatchObject({
        groupId,
        state: 'Stable',
        protocolType: 'consumer',
        protocol: 'RoundRobinAssigner',
      });
      expect(stable!.members).toHaveLength(1);
      expect(stable!.members[0]).toMatchObject({ memberId: m.joins.at(-1)!.memberId, clientId: 'kj-groups' });
      const [unknown] = (await admin.describeGroups(['kj-no-such-group'])).groups;
      expect(unknown).toMatchObject({ groupId: 'kj-no-such-group', state: 'Dead', members: [] });

      // a group with members can neither be deleted nor have its offsets set
      await expect(admin.deleteGroups([groupId])).rejects.toMatchObject({
        groups: [{ groupId, errorCode: 68 }], // NON_EMPTY_GROUP
      });
      await expect(admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '3' }] })).rejects.toThrow(
        /no running instances/,
      );

      await m.stop();
      const [empty] = (await admin.describeGroups([groupId])).groups;
      expect(empty).toMatchObject({ groupId, state: 'Empty', members: [] });

      await admin.setOffsets({
        groupId,
        topic,
        partitions: [
          { partition: 0, offset: '3' },
          { partition: 1, offset: '7' },
        ],
      });
      expect(await data.committed(groupId, topic)).toEqual([3, 7]);
      const resumed = new ConsumeTracker();
      const again = await member(groupId, topic, 'resumed', resumed);
      await waitFor(() => resumed.distinct(topic) === 10, 20_000, 'the rest after setOffsets');
      expect(resumed.deliveries.filter((d) => d.partition === 0).map((d) => d.offset)).toEqual(range(10).slice(3));
      expect(resumed.deliveries.filter((d) => d.partition === 1).map((d) => d.offset)).toEqual(range(10).slice(7));
      await again.stop();

      // kafkajs commits the "earliest" sentinel; a consumer then finds no usable offset and starts from the beginning
      await admin.resetOffsets({ groupId, topic, earliest: true });
      expect((await data.committed(groupId, topic)).every((o) => o < 0)).toBe(true);
      const reread = new ConsumeTracker();
      await member(groupId, topic, 'reread', reread);
      await waitFor(() => reread.hasAll(topic, [10, 10]), 20_000, 'everything again after resetOffsets');
      expect(reread.repeats()).toBe(0);
      await running.pop()!.stop();

      expect(await admin.deleteGroups([groupId])).toEqual([expect.objectContaining({ groupId, errorCode: 0 })]);
      expect((await admin.listGroups()).groups.map((g) => g.groupId)).not.toContain(groupId);
      expect(await data.committed(groupId, topic)).toEqual([-1, -1]);
      const [gone] = (await admin.describeGroups([groupId])).groups;
      expect(gone).toMatchObject({ state: 'Dead' });
    },
  );
});

import { Kafka, logLevel } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/broker-process.js';
import { ChildGroupMember } from '../helpers/child-group-member.js';
import { ConsumeTracker } from '../helpers/consume-tracker.js';
import { GroupProducer } from '../helpers/group-producer.js';
import { ON_MOCK, startGroupTarget, type GroupTarget } from '../helpers/group-target.js';
import { KafkajsGroupMember } from '../helpers/kafkajs-group-member.js';
import { KcatGroupMember } from '../helpers/kcat-group.js';
import { PlatformaticGroupMember } from '../helpers/platformatic-group-member.js';

const TOPICS = { mixed: 4, 'pf-static': 4 };
const QUICK_KCAT = { 'heartbeat.interval.ms': '200', 'auto.commit.interval.ms': '200', 'session.timeout.ms': '6000' };

/**
 * Several client libraries on one broker. kafkajs, kcat (librdkafka) and @platformatic/kafka (flexible versions
 * only: JoinGroup 9, SyncGroup 5, Heartbeat 4, OffsetCommit 9, OffsetFetch 9 batched) consume one topic in three
 * groups: each group reads everything on its own and keeps its own committed offsets. Then static membership
 * (KIP-345) with platformatic, which reports the generation it joined: a static member killed and restarted
 * within its session comes back in the same generation, and the other member never rebalances.
 */
describe('consumer groups of different client libraries', () => {
  let target: GroupTarget;
  let data: GroupProducer;
  const stops: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    target = await startGroupTarget({ topics: TOPICS });
    data = await GroupProducer.connect(target.bootstrap);
  });

  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop().catch(() => undefined);
  });

  afterAll(async () => {
    await data?.close();
    await target?.stop();
  });

  it('kafkajs, kcat and platformatic groups on one topic each read everything and keep separate offsets', async () => {
    const topic = 'mixed';
    const trackers = { kafkajs: new ConsumeTracker(), kcat: new ConsumeTracker(), platformatic: new ConsumeTracker() };
    const kafka = new Kafka({ clientId: 'mixed', brokers: [target.bootstrap], logLevel: logLevel.NOTHING });
    const kj = await KafkajsGroupMember.start({
      kafka,
      groupId: 'mixed-kafkajs',
      topics: [topic],
      name: 'kafkajs',
      tracker: trackers.kafkajs,
    });
    stops.push(() => kj.stop());
    const kcats = ['kcat-1', 'kcat-2'].map((name) =>
      KcatGroupMember.start({
        bootstrap: target.bootstrap,
        group: 'mixed-kcat',
        topics: [topic],
        name,
        tracker: trackers.kcat,
        config: QUICK_KCAT,
      }),
    );
    for (const k of kcats) stops.push(() => k.stop('SIGKILL'));
    const pf = await PlatformaticGroupMember.start({
      bootstrap: target.bootstrap,
      groupId: 'mixed-platformatic',
      topics: [topic],
      name: 'platformatic',
      tracker: trackers.platformatic,
    });
    stops.push(() => pf.stop());

    await data.sendEvenly(topic, 4, 25);
    const ends = await data.endOffsets(topic);
    for (const [name, tracker] of Object.entries(trackers))
      await waitFor(() => tracker.hasAll(topic, ends), 30_000, `${name} reading everything`);
    for (const tracker of Object.values(trackers)) expect(tracker.repeats()).toBe(0);
    expect(kj.partitions(topic)).toEqual([0, 1, 2, 3]);
    expect(pf.partitions(topic)).toEqual([0, 1, 2, 3]);
    await waitFor(() => kcats.every((k) => k.partitions(topic).length === 2), 20_000, 'the kcat members sharing');

    // kcat commits on close; platformatic and kafkajs committed each record
    for (const k of kcats) expect(await k.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    for (const groupId of ['mixed-kafkajs', 'mixed-kcat', 'mixed-platformatic'])
      await waitFor(async () => same(await data.committed(groupId, topic), ends), 10_000, `${groupId} at the end`);
    await pf.stop();

    // more records: only the kafkajs group is still consuming, so only its offsets move
    await data.sendEvenly(topic, 4, 5, 'more');
    const later = await data.endOffsets(topic);
    await waitFor(() => trackers.kafkajs.hasAll(topic, later), 20_000, 'kafkajs reading the rest');
    await waitFor(async () => same(await data.committed('mixed-kafkajs', topic), later), 10_000, 'kafkajs commits');
    expect(await data.committed('mixed-kcat', topic)).toEqual(ends);
    expect(await data.committed('mixed-platformatic', topic)).toEqual(ends);

    if (!ON_MOCK) {
      const listed = (await data.admin.listGroups()).groups.filter((g) => g.groupId.startsWith('mixed-'));
      expect(listed.sort((a, b) => a.groupId.localeCompare(b.groupId))).toEqual([
        { groupId: 'mixed-kafkajs', protocolType: 'consumer' },
        { groupId: 'mixed-kcat', protocolType: 'consumer' },
        { groupId: 'mixed-platformatic', protocolType: 'consumer' },
      ]);
      const { groups } = await data.admin.describeGroups(['mixed-kafkajs', 'mixed-kcat', 'mixed-platformatic']);
      expect(groups.map((g) => [g.groupId, g.state, g.members.length])).toEqual([
        ['mixed-kafkajs', 'Stable', 1],
        ['mixed-kcat', 'Empty', 0],
        ['mixed-platformatic', 'Empty', 0],
      ]);
    }
  });

  it.skipIf(ON_MOCK)(
    'a static platformatic member killed and restarted within its session rejoins in the same generation, without a rebalance',
    async () => {
      const topic = 'pf-static';
      const groupId = 'pf-static-g';
      const tracker = new ConsumeTracker();
      const steady = await PlatformaticGroupMember.start({
        bootstrap: target.bootstrap,
        groupId,
        topics: [topic],
        name: 'steady',
        tracker,
        groupInstanceId: 'steady-1',
        sessionTimeout: 10_000,
      });
      stops.push(() => steady.stop());
      const spec = {
        client: 'platformatic' as const,
        bootstrap: target.bootstrap,
        groupId,
        topics: [topic],
        sessionTimeout: 10_000,
        groupInstanceId: 'bouncing-1',
      };
      const bouncing = ChildGroupMember.start({ ...spec, name: 'bouncing' }, tracker);
      stops.push(() => bouncing.kill());
      await waitFor(
        () => steady.partitions(topic).length === 2 && bouncing.partitions(topic).length === 2,
        30_000,
        () => `a 2/2 split (${bouncing.output()})`,
      );
      const fetched = steady.fetches;
      await waitFor(() => steady.fetches >= fetched + 2, 10_000, 'no fetch for the old assignment in flight');
      await data.sendEvenly(topic, 4, 10);
      await waitFor(() => tracker.hasAll(topic, [10, 10, 10, 10]), 20_000, 'every record');
      // platformatic commits in the background: the restart must find every record committed
      await waitFor(async () => (await data.committed(groupId, topic)).every((o) => o === 10), 10_000, 'commits');
      const generation = steady.joins.at(-1)!.generationId;
      expect(bouncing.joins.at(-1)!.generationId).toBe(generation);
      const steadyJoins = steady.joins.length;
      const steadyRebalances = steady.rebalances;
      const bouncingHad = bouncing.partitions(topic);

      await bouncing.kill('SIGKILL');
      const back = ChildGroupMember.start({ ...spec, name: 'back' }, tracker);
      stops.push(() => back.kill());
      await waitFor(
        () => back.joins.length > 0,
        20_000,
        () => `the restarted member joined (${back.output()})`,
      );
      expect(back.joins[0]!.generationId).toBe(generation);
      expect(back.partitions(topic)).toEqual(bouncingHad);
      expect(back.joins[0]!.memberId).not.toBe(bouncing.joins.at(-1)!.memberId);

      await data.sendEvenly(topic, 4, 5, 'after');
      await waitFor(() => tracker.hasAll(topic, [15, 15, 15, 15]), 20_000, 'the new records');
      // the restarted member resumed at its committed offsets: nothing read twice
      expect(tracker.repeats()).toBe(0);
      expect(steady.joins).toHaveLength(steadyJoins);
      expect(steady.rebalances).toBe(steadyRebalances);
    },
  );
});

function same(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

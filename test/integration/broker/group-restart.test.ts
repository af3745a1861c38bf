import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, OffsetCommit } from '../../../protocol/index.js';
import { spawnBroker, waitFor, type BrokerProcess } from '../../helpers/broker-process.js';
import { ConsumeTracker } from '../../helpers/consume-tracker.js';
import { GroupProducer } from '../../helpers/group-producer.js';
import { KafkajsGroupMember } from '../../helpers/kafkajs-group-member.js';
import { WireGroupMember } from '../../helpers/wire-group-member.js';

const OVERRIDES = { 'group.min.session.timeout.ms': '1000', 'group.initial.rebalance.delay.ms': '0' };
/** Short enough that a member left behind by a killed broker expires quickly after the restart. */
const MEMBER_CONFIG = { sessionTimeout: 2000, rebalanceTimeout: 3000 };

/** Kafka's partition of __consumer_offsets for a group: abs(String.hashCode) mod 50 (Utils.abs maps MIN to 0). */
function offsetsPartition(groupId: string, partitions = 50): number {
  let hash = 0;
  for (let i = 0; i < groupId.length; i++) hash = (Math.imul(hash, 31) + groupId.charCodeAt(i)) | 0;
  return (hash === -2147483648 ? 0 : Math.abs(hash)) % partitions;
}

/**
 * Committed offsets and group metadata survive a restart of `samsa broker` on the same log directory, after a
 * clean stop (SIGTERM) and after SIGKILL: the offsets read back the same (with their metadata strings), the group
 * is known again, and a consumer of the group resumes exactly at the committed offset, neither before nor after.
 */
describe('consumer group state across broker restarts', () => {
  let dir: string;
  let running: BrokerProcess | undefined;
  const cleanup: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'samsa-group-restart-'));
  });

  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step().catch(() => undefined);
    if (running !== undefined && running.child.exitCode === null && running.child.signalCode === null) {
      running.child.kill('SIGKILL');
      await running.exited;
    }
    running = undefined;
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function start(): Promise<{ kafka: Kafka; data: GroupProducer; port: number }> {
    running = await spawnBroker(dir, OVERRIDES);
    const bootstrap = running.bootstrapServers;
    const kafka = new Kafka({ clientId: 'group-restart', brokers: [bootstrap], logLevel: logLevel.NOTHING });
    const data = await GroupProducer.connect(bootstrap);
    cleanup.push(() => data.close());
    return { kafka, data, port: Number(bootstrap.split(':').at(-1)) };
  }

  /** Runs a member of `groupId` on `topic` until it has delivered `count` records; returns them. */
  async function consume(kafka: Kafka, groupId: string, topic: string, count: number): Promise<ConsumeTracker> {
    const tracker = new ConsumeTracker();
    const member = await KafkajsGroupMember.start({
      kafka,
      groupId,
      topics: [topic],
      name: groupId,
      tracker,
      config: MEMBER_CONFIG,
    });
    cleanup.push(() => member.stop());
    await waitFor(() => tracker.deliveries.length >= count, 30_000, `${count} records for ${groupId}`);
    return tracker;
  }

  /** Offsets each partition's deliveries started at, and how many there were. */
  function firstAndCount(tracker: ConsumeTracker, partitions: number): [number, number][] {
    return Array.from({ length: partitions }, (_, p) => {
      const offsets = tracker.deliveries.filter((d) => d.partition === p).map((d) => d.offset);
      return [Math.min(...offsets), offsets.length];
    });
  }

  it('after SIGTERM: group offsets, standalone offsets with metadata, and the group itself are back; consumers resume exactly', async () => {
    const first = await start();
    let { kafka, data } = first;
    await data.admin.createTopics({ topics: [{ topic: 'calm', numPartitions: 3 }], waitForLeaders: true });
    await data.sendEvenly('calm', 3, 50);
    await consume(kafka, 'calm-group', 'calm', 150);
    await waitFor(async () => (await data.committed('calm-group', 'calm')).every((o) => o === 50), 10_000, 'commits');
    await cleanup.pop()!(); // the member leaves; the group is Empty with its offsets

    // a standalone commit (generation -1, no member), as a simple consumer or a tool would make
    const committer = await WireGroupMember.connect(first.port, {
      groupId: 'manual-group',
      sessionTimeoutMs: 0,
      rebalanceTimeoutMs: 0,
    });
    const commit = await committer.call(OffsetCommit, 2, {
      groupId: 'manual-group',
      generationIdOrMemberEpoch: -1,
      memberId: '',
      retentionTimeMs: -1,
      topics: [
        {
          name: 'calm',
          partitions: [5, 17, 42].map((offset, partitionIndex) => ({
            partitionIndex,
            committedOffset: offset,
            committedMetadata: `note ${partitionIndex}`,
          })),
        },
      ],
    });
    committer.close();
    expect(commit.topics[0]!.partitions.map((p) => p.errorCode)).toEqual([
      ErrorCode.NONE,
      ErrorCode.NONE,
      ErrorCode.NONE,
    ]);
    await data.sendEvenly('calm', 3, 20, 'later');

    await data.close();
    cleanup.pop();
    running!.child.kill('SIGTERM');
    expect(await running!.exited).toEqual({ code: 0, signal: null });
    for (const groupId of ['calm-group', 'manual-group'])
      expect(existsSync(join(dir, `__consumer_offsets-${offsetsPartition(groupId)}`))).toBe(true);

    ({ kafka, data } = await start());
    expect(await data.committed('calm-group', 'calm')).toEqual([50, 50, 50]);
    const [manual] = await data.admin.fetchOffsets({ groupId: 'manual-group', topics: ['calm'] });
    expect(manual!.partitions.sort((a, b) => a.partition - b.partition)).toEqual([
      { partition: 0, offset: '5', metadata: 'note 0' },
      { partition: 1, offset: '17', metadata: 'note 1' },
      { partition: 2, offset: '42', metadata: 'note 2' },
    ]);
    expect((await data.admin.listGroups()).groups).toContainEqual({ groupId: 'calm-group', protocolType: 'consumer' });
    const [described] = (await data.admin.describeGroups(['calm-group'])).groups;
    expect(described).toMatchObject({ state: 'Empty', protocolType: 'consumer', members: [] });

    const resumed = await consume(kafka, 'calm-group', 'calm', 60);
    const manualResumed = await consume(kafka, 'manual-group', 'calm', 65 + 53 + 28);
    expect(firstAndCount(resumed, 3)).toEqual([
      [50, 20],
      [50, 20],
      [50, 20],
    ]);
    expect(firstAndCount(manualResumed, 3)).toEqual([
      [5, 65],
      [17, 53],
      [42, 28],
    ]);
  });

  it('after SIGKILL with the member still in the group: offsets are back and a new member resumes exactly', async () => {
    let { kafka, data } = await start();
    await data.admin.createTopics({ topics: [{ topic: 'crashed', numPartitions: 3 }], waitForLeaders: true });
    await data.sendEvenly('crashed', 3, 40);
    const before = await consume(kafka, 'crash-group', 'crashed', 120);
    await data.sendEvenly('crashed', 3, 10, 'more');
    await waitFor(() => before.deliveries.length === 150, 20_000, 'the last 30 records');
    await waitFor(
      async () => (await data.committed('crash-group', 'crashed')).every((o) => o === 50),
      10_000,
      'commits',
    );

    running!.child.kill('SIGKILL');
    expect((await running!.exited).signal).toBe('SIGKILL');
    // the member and the producer lost their broker; let them go without waiting on it
    for (const step of cleanup.splice(0)) void step().catch(() => undefined);

    ({ kafka, data } = await start());
    expect(await data.committed('crash-group', 'crashed')).toEqual([50, 50, 50]);
    await data.sendEvenly('crashed', 3, 10, 'after');
    const after = await consume(kafka, 'crash-group', 'crashed', 30);
    expect(firstAndCount(after, 3)).toEqual([
      [50, 10],
      [50, 10],
      [50, 10],
    ]);
    expect(after.repeats()).toBe(0);
  });
});

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { GroupCoordinator, OffsetCommitRequest } from '../../../broker/group/group-coordinator.js';
import { encodeConsumerSubscription, ErrorCode } from '../../../protocol/index.js';
import { type FakePersistence, joinRequest, makeCoordinator, peek, SESSION_MS } from './group-test-kit.js';

let coordinator: GroupCoordinator;
let persistence: FakePersistence;

beforeEach(() => {
  vi.useFakeTimers();
  ({ coordinator, persistence } = makeCoordinator({ 'offsets.retention.minutes': '1' }));
});

afterEach(() => {
  coordinator.shutdown();
  vi.useRealTimers();
});

const RETENTION_MS = 60_000;
const tick = (ms = 10) => vi.advanceTimersByTimeAsync(ms);

const p = (topic: string, partition: number, offset: number, metadata: string | null = null) => ({
  topic,
  partition,
  offset,
  leaderEpoch: 3,
  metadata,
});

const commit = (partitions: OffsetCommitRequest['partitions'], overrides: Partial<OffsetCommitRequest> = {}) =>
  coordinator.commitOffsets({
    groupId: 'g',
    generationId: -1,
    memberId: '',
    groupInstanceId: null,
    retentionTimeMs: -1,
    partitions,
    ...overrides,
  });

const fetchAll = (groupId = 'g') => coordinator.fetchOffsets(groupId, null, false);

/** A consumer group of one member subscribed to `topics`, Stable in generation 1. */
async function consumerGroup(topics: string[]): Promise<string> {
  const metadata = encodeConsumerSubscription({ topics });
  const joining = coordinator.joinGroup(joinRequest({ protocols: [{ name: 'range', metadata }] }));
  await tick();
  const { memberId } = await joining;
  await coordinator.syncGroup({
    groupId: 'g',
    generationId: 1,
    memberId,
    groupInstanceId: null,
    protocolType: null,
    protocolName: null,
    assignments: new Map(),
  });
  return memberId;
}

describe('OffsetCommit and OffsetFetch', () => {
  it('store a standalone commit (generation -1) in a new Empty group and fetch it back', async () => {
    const results = await commit([p('t', 0, 42, 'meta'), p('t', 1, 7)]);
    expect(results.map((r) => r.errorCode)).toEqual([ErrorCode.NONE, ErrorCode.NONE]);
    expect(persistence.writes[0]).toMatchObject({ kind: 'offsets', groupId: 'g' });
    expect(persistence.offsets.get('g')!.get('t-0')).toMatchObject({
      offset: 42n,
      leaderEpoch: 3,
      metadata: 'meta',
      expireTimestamp: -1,
    });
    expect(coordinator.describeGroup('g')).toMatchObject({ state: 'Empty', protocolType: '' });
    const fetched = coordinator.fetchOffsets(
      'g',
      [
        { topic: 't', partition: 0 },
        { topic: 't', partition: 9 },
      ],
      false,
    );
    expect(fetched).toEqual({
      errorCode: ErrorCode.NONE,
      offsets: [
        { topic: 't', partition: 0, offset: 42, leaderEpoch: 3, metadata: 'meta', errorCode: ErrorCode.NONE },
        { topic: 't', partition: 9, offset: -1, leaderEpoch: -1, metadata: '', errorCode: ErrorCode.NONE },
      ],
    });
    expect(fetchAll().offsets.map((o) => [o.partition, o.offset, o.metadata])).toEqual([
      [0, 42, 'meta'],
      [1, 7, ''],
    ]);
    expect(fetchAll('unknown')).toEqual({ errorCode: ErrorCode.NONE, offsets: [] });
  });

  it('refuses a commit with a generation for a group that does not exist (ILLEGAL_GENERATION)', async () => {
    expect((await commit([p('t', 0, 1)], { generationId: 3, memberId: 'm' }))[0]!.errorCode).toBe(
      ErrorCode.ILLEGAL_GENERATION,
    );
    expect(persistence.writes).toEqual([]);
  });

  it('checks member and generation once the group has members', async () => {
    const memberId = await consumerGroup(['t']);
    expect((await commit([p('t', 0, 1)], { generationId: 1, memberId }))[0]!.errorCode).toBe(ErrorCode.NONE);
    expect((await commit([p('t', 0, 1)], { generationId: 2, memberId }))[0]!.errorCode).toBe(
      ErrorCode.ILLEGAL_GENERATION,
    );
    expect((await commit([p('t', 0, 1)], { generationId: 1, memberId: 'ghost' }))[0]!.errorCode).toBe(
      ErrorCode.UNKNOWN_MEMBER_ID,
    );
    // a standalone commit into a group with members
    expect((await commit([p('t', 0, 1)]))[0]!.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect((await commit([p('t', 0, 1)], { generationId: 1, memberId, groupInstanceId: 'i9' }))[0]!.errorCode).toBe(
      ErrorCode.UNKNOWN_MEMBER_ID,
    );
  });

  it('answers REBALANCE_IN_PROGRESS to a commit between JoinGroup and SyncGroup', async () => {
    const joining = coordinator.joinGroup(joinRequest());
    await tick();
    const { memberId } = await joining;
    expect((await commit([p('t', 0, 1)], { generationId: 1, memberId }))[0]!.errorCode).toBe(
      ErrorCode.REBALANCE_IN_PROGRESS,
    );
  });

  it('a commit counts as a heartbeat', async () => {
    const memberId = await consumerGroup(['t']);
    for (let i = 0; i < 4; i++) {
      await tick(SESSION_MS - 200);
      expect((await commit([p('t', 0, i)], { generationId: 1, memberId }))[0]!.errorCode).toBe(ErrorCode.NONE);
    }
    expect(coordinator.describeGroup('g').members).toHaveLength(1);
  });

  it('refuses metadata longer than offset.metadata.max.bytes per partition and stores the rest', async () => {
    coordinator.shutdown();
    ({ coordinator, persistence } = makeCoordinator({ 'offset.metadata.max.bytes': '4' }));
    const results = await commit([p('t', 0, 1, 'four'), p('t', 1, 1, 'fives')]);
    expect(results.map((r) => r.errorCode)).toEqual([ErrorCode.NONE, ErrorCode.OFFSET_METADATA_TOO_LARGE]);
    expect([...persistence.offsets.get('g')!.keys()]).toEqual(['t-0']);
    expect((await commit([p('t', 1, 1, 'fives')]))[0]!.errorCode).toBe(ErrorCode.OFFSET_METADATA_TOO_LARGE);
    expect(persistence.writes).toHaveLength(1);
  });

  it('caches a commit only once it is written, answers the write error, and reports it unstable meanwhile', async () => {
    await commit([p('t', 0, 1)]);
    persistence.holding = true;
    const pending = commit([p('t', 0, 2)]);
    expect(await peek(pending)).toBeUndefined();
    expect(fetchAll().offsets[0]!.offset).toBe(1);
    const stable = coordinator.fetchOffsets('g', [{ topic: 't', partition: 0 }], true);
    expect(stable.offsets[0]).toMatchObject({ offset: -1, errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT });
    persistence.release();
    expect((await pending)[0]!.errorCode).toBe(ErrorCode.NONE);
    expect(coordinator.fetchOffsets('g', [{ topic: 't', partition: 0 }], true).offsets[0]!.offset).toBe(2);

    persistence.failures.push(ErrorCode.NOT_COORDINATOR);
    expect((await commit([p('t', 0, 3)]))[0]!.errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    expect(fetchAll().offsets[0]!.offset).toBe(2);
  });

  it('keeps an explicit retention (v2-4) as the expire timestamp', async () => {
    const start = Date.now();
    await commit([p('t', 0, 1)], { retentionTimeMs: 5000 });
    expect(persistence.offsets.get('g')!.get('t-0')).toMatchObject({
      commitTimestamp: start,
      expireTimestamp: start + 5000,
    });
  });
});

describe('OffsetDelete', () => {
  it('deletes offsets of an Empty group, and the group with its last ones', async () => {
    await commit([p('t', 0, 1), p('t', 1, 2), p('u', 0, 3)]);
    const partial = await coordinator.deleteOffsets('g', [{ topic: 't', partition: 0 }]);
    expect(partial).toEqual({
      errorCode: ErrorCode.NONE,
      partitions: [{ topic: 't', partition: 0, errorCode: ErrorCode.NONE }],
    });
    expect(persistence.writes.at(-1)).toEqual({
      kind: 'remove',
      groupId: 'g',
      offsets: [{ topic: 't', partition: 0 }],
      group: false,
    });
    expect(fetchAll().offsets.map((o) => `${o.topic}-${o.partition}`)).toEqual(['t-1', 'u-0']);
    await coordinator.deleteOffsets('g', [
      { topic: 't', partition: 1 },
      { topic: 'u', partition: 0 },
    ]);
    // no offsets left in an Empty group: the group is gone (it never stored metadata: no group tombstone)
    expect(persistence.writes.at(-1)).toMatchObject({ kind: 'remove', group: false });
    expect(coordinator.describeGroup('g').state).toBe('Dead');
    expect((await coordinator.deleteOffsets('g', [{ topic: 't', partition: 1 }])).errorCode).toBe(
      ErrorCode.GROUP_ID_NOT_FOUND,
    );
  });

  it('refuses topics a consumer group subscribes to and deletes the others', async () => {
    const memberId = await consumerGroup(['t']);
    await commit([p('t', 0, 1), p('old', 0, 2)], { generationId: 1, memberId });
    const result = await coordinator.deleteOffsets('g', [
      { topic: 't', partition: 0 },
      { topic: 'old', partition: 0 },
    ]);
    expect(result.partitions).toEqual([
      { topic: 't', partition: 0, errorCode: ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC },
      { topic: 'old', partition: 0, errorCode: ErrorCode.NONE },
    ]);
    expect(fetchAll().offsets.map((o) => o.topic)).toEqual(['t']);
  });

  it('answers NON_EMPTY_GROUP for a non-consumer group with members', async () => {
    const joining = coordinator.joinGroup(joinRequest({ protocolType: 'connect' }));
    await tick();
    await joining;
    expect((await coordinator.deleteOffsets('g', [{ topic: 't', partition: 0 }])).errorCode).toBe(
      ErrorCode.NON_EMPTY_GROUP,
    );
  });
});

describe('DeleteGroups', () => {
  it('deletes an Empty group with tombstones for it and its offsets; refuses others', async () => {
    const memberId = await consumerGroup(['t']);
    await commit([p('t', 0, 5)], { generationId: 1, memberId });
    expect(await coordinator.deleteGroups(['g', 'missing'])).toEqual([
      { groupId: 'g', errorCode: ErrorCode.NON_EMPTY_GROUP },
      { groupId: 'missing', errorCode: ErrorCode.GROUP_ID_NOT_FOUND },
    ]);
    coordinator.leaveGroup('g', [{ memberId, groupInstanceId: null, reason: null }]);
    expect(coordinator.describeGroup('g').state).toBe('Empty');

    persistence.failures.push(ErrorCode.NOT_COORDINATOR);
    expect(await coordinator.deleteGroups(['g'])).toEqual([{ groupId: 'g', errorCode: ErrorCode.NOT_COORDINATOR }]);
    expect(coordinator.describeGroup('g').state).toBe('Empty');
    expect(fetchAll().offsets).toHaveLength(1);

    expect(await coordinator.deleteGroups(['g'])).toEqual([{ groupId: 'g', errorCode: ErrorCode.NONE }]);
    expect(persistence.writes.at(-1)).toEqual({
      kind: 'remove',
      groupId: 'g',
      offsets: [{ topic: 't', partition: 0 }],
      group: true,
    });
    expect(persistence.groups.has('g')).toBe(false);
    expect(coordinator.describeGroup('g')).toMatchObject({ state: 'Dead', errorCode: ErrorCode.NONE });
    expect(fetchAll().offsets).toEqual([]);
    expect(coordinator.listGroups({ states: [], types: [] }).groups).toEqual([]);
  });
});

describe('offset expiry', () => {
  it('expires a standalone group offsets by commit time, honouring an explicit expire timestamp, then drops the group', async () => {
    await commit([p('t', 0, 1)]);
    await commit([p('t', 1, 1)], { retentionTimeMs: 1000 });
    await tick(1000);
    await coordinator.expireOffsets();
    expect(fetchAll().offsets.map((o) => o.partition)).toEqual([0]);
    await tick(RETENTION_MS - 1010);
    await coordinator.expireOffsets();
    expect(fetchAll().offsets).toHaveLength(1);
    await tick(20);
    await coordinator.expireOffsets();
    expect(fetchAll().offsets).toEqual([]);
    expect(coordinator.describeGroup('g').state).toBe('Dead');
  });

  it('keeps an Empty group offsets for the retention counted from when it became Empty', async () => {
    const memberId = await consumerGroup(['t']);
    await commit([p('t', 0, 9)], { generationId: 1, memberId });
    for (let i = 0; i < 10; i++) {
      await tick(SESSION_MS / 2);
      coordinator.heartbeat({ groupId: 'g', memberId, generationId: 1, groupInstanceId: null });
    }
    coordinator.leaveGroup('g', [{ memberId, groupInstanceId: null, reason: null }]);
    await tick(RETENTION_MS - 10);
    await coordinator.expireOffsets();
    expect(fetchAll().offsets).toHaveLength(1);
    await tick(20);
    await coordinator.expireOffsets();
    expect(fetchAll().offsets).toEqual([]);
    expect(persistence.writes.at(-1)).toMatchObject({ kind: 'remove', group: true });
    expect(coordinator.describeGroup('g').state).toBe('Dead');
  });

  it('expires a Stable consumer group offsets only for topics no member subscribes to', async () => {
    const memberId = await consumerGroup(['t']);
    await commit([p('t', 0, 1), p('gone', 0, 1)], { generationId: 1, memberId });
    for (let i = 0; i < (RETENTION_MS / SESSION_MS) * 2 + 2; i++) {
      await tick(SESSION_MS / 2);
      coordinator.heartbeat({ groupId: 'g', memberId, generationId: 1, groupInstanceId: null });
    }
    await coordinator.expireOffsets();
    expect(fetchAll().offsets.map((o) => o.topic)).toEqual(['t']);
    expect(coordinator.describeGroup('g').state).toBe('Stable');
  });

  it('runs every offsets.retention.check.interval.ms on its own', async () => {
    coordinator.shutdown();
    ({ coordinator, persistence } = makeCoordinator({
      'offsets.retention.minutes': '1',
      'offsets.retention.check.interval.ms': '1000',
    }));
    await commit([p('t', 0, 1)]);
    await tick(RETENTION_MS + 1000);
    expect(fetchAll().offsets).toEqual([]);
  });
});

describe('loading and unloading', () => {
  it('rebuilds groups and offsets from a loaded partition; loaded members must heartbeat within their session', async () => {
    const memberId = await consumerGroup(['t']);
    await commit([p('t', 0, 11, 'm')], { generationId: 1, memberId });
    await commit([p('x', 0, 3)], { groupId: 'simple' });

    // failover: another coordinator (a fresh one) loads the partitions from the same log
    const partition = persistence.partitionFor('g');
    const fresh = makeCoordinator();
    const other = fresh.coordinator;
    fresh.persistence.groups.set('g', persistence.groups.get('g')!);
    for (const [id, offsets] of persistence.offsets) fresh.persistence.offsets.set(id, offsets);
    other.onPartitionLoading(partition);
    expect(other.fetchOffsets('g', null, false).errorCode).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    other.onPartitionLoaded(partition, fresh.persistence.loaded(partition));
    const simplePartition = persistence.partitionFor('simple');
    other.onPartitionLoaded(simplePartition, fresh.persistence.loaded(simplePartition));
    try {
      expect(other.describeGroup('g')).toMatchObject({ state: 'Stable', protocolName: 'range' });
      expect(other.fetchOffsets('g', null, false).offsets).toEqual([
        { topic: 't', partition: 0, offset: 11, leaderEpoch: 3, metadata: 'm', errorCode: ErrorCode.NONE },
      ]);
      expect(other.fetchOffsets('simple', null, false).offsets[0]!.offset).toBe(3);
      expect(other.describeGroup('simple').state).toBe('Empty');
      expect(other.heartbeat({ groupId: 'g', memberId, generationId: 1, groupInstanceId: null })).toBe(ErrorCode.NONE);
      const sync = await other.syncGroup({
        groupId: 'g',
        generationId: 1,
        memberId,
        groupInstanceId: null,
        protocolType: null,
        protocolName: null,
        assignments: new Map(),
      });
      expect(sync.errorCode).toBe(ErrorCode.NONE);
      // the member is silent now: its session expires and the group empties
      await tick(SESSION_MS + 10);
      expect(other.describeGroup('g').state).toBe('Empty');
      expect(other.fetchOffsets('g', null, false).offsets).toHaveLength(1);

      other.onPartitionUnloaded(partition);
      expect(other.fetchOffsets('g', null, false).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
      expect(other.describeGroup('g').errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    } finally {
      other.shutdown();
    }
  });
});

describe('DescribeGroups and ListGroups', () => {
  it('describe an unknown group as Dead without error and list groups filtered by state and type', async () => {
    expect(coordinator.describeGroup('nope')).toEqual({
      errorCode: ErrorCode.NONE,
      groupId: 'nope',
      state: 'Dead',
      protocolType: '',
      protocolName: '',
      members: [],
    });
    await consumerGroup(['t']);
    await commit([p('t', 0, 1)], { groupId: 'simple' });
    const all = coordinator.listGroups({ states: [], types: [] });
    expect(all.groups).toEqual(
      expect.arrayContaining([
        { groupId: 'g', protocolType: 'consumer', state: 'Stable' },
        { groupId: 'simple', protocolType: '', state: 'Empty' },
      ]),
    );
    expect(coordinator.listGroups({ states: ['stable'], types: [] }).groups.map((g) => g.groupId)).toEqual(['g']);
    expect(coordinator.listGroups({ states: [], types: ['consumer'] }).groups).toEqual([]);
    expect(coordinator.listGroups({ states: [], types: ['Classic'] }).groups).toHaveLength(2);
    coordinator.onPartitionLoading(persistence.partitionFor('zzz'));
    expect(coordinator.listGroups({ states: [], types: [] }).errorCode).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
  });
});

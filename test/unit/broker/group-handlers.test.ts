import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deleteGroupsHandler } from '../../../broker/api/handlers/delete-groups.js';
import { describeGroupsHandler, GROUP_AUTHORIZED_OPERATIONS } from '../../../broker/api/handlers/describe-groups.js';
import { heartbeatHandler } from '../../../broker/api/handlers/heartbeat.js';
import { clientHostOf, joinGroupHandler } from '../../../broker/api/handlers/join-group.js';
import { leaveGroupHandler } from '../../../broker/api/handlers/leave-group.js';
import { listGroupsHandler } from '../../../broker/api/handlers/list-groups.js';
import { offsetCommitHandler } from '../../../broker/api/handlers/offset-commit.js';
import { offsetDeleteHandler } from '../../../broker/api/handlers/offset-delete.js';
import { offsetFetchHandler } from '../../../broker/api/handlers/offset-fetch.js';
import { syncGroupHandler } from '../../../broker/api/handlers/sync-group.js';
import type { GroupCoordinator } from '../../../broker/group/group-coordinator.js';
import {} from '../../../broker/logger.js';
import { MetadataCache } from '../../../broker/metadata/metadata-cache.js';
import {
  DeleteGroups,
  DescribeGroups,
  ErrorCode,
  Heartbeat,
  JoinGroup,
  LeaveGroup,
  ListGroups,
  OffsetCommit,
  OffsetDelete,
  OffsetFetch,
  type RequestInput,
  SyncGroup,
} from '../../../protocol/index.js';
import { type FakePersistence, makeCoordinator } from './group-test-kit.js';
import { callHandler } from '../../helpers/handler-call.js';

const callTest: typeof callHandler = (schema, handler, version, input) =>
  callHandler(schema, handler, version, input, { clientId: 'app', remote: '127.0.0.1:40000' });

let coordinator: GroupCoordinator;
let persistence: FakePersistence;
const metadataCache = new MetadataCache();
metadataCache.applyUpdate({
  kind: 'full',
  clusterId: 'c',
  controllerId: 1,
  brokers: [],
  topics: [
    {
      name: 't',
      topicId: 'AAAAAAAAAAAAAAAAAAAAAA',
      isInternal: false,
      partitions: [0, 1].map((partition) => ({
        partition,
        leader: 1,
        leaderEpoch: 0,
        replicas: [1],
        isr: [1],
        offlineReplicas: [],
      })),
    },
  ],
});

beforeEach(() => {
  ({ coordinator, persistence } = makeCoordinator());
});

afterEach(() => {
  coordinator.shutdown();
});

const join = (version: number, input: Partial<RequestInput<typeof JoinGroup>> = {}) =>
  callTest(JoinGroup, joinGroupHandler(coordinator), version, {
    groupId: 'g',
    sessionTimeoutMs: 1000,
    rebalanceTimeoutMs: 3000,
    memberId: '',
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: Buffer.from('sub') }],
    ...input,
  });

const syncAll = (version: number, memberId: string, generationId: number) =>
  callTest(SyncGroup, syncGroupHandler(coordinator), version, {
    groupId: 'g',
    generationId,
    memberId,
    assignments: [{ memberId, assignment: Buffer.from('assigned') }],
  });

/** A one-member group, Stable in generation 1, joined through JoinGroup `version`. */
async function stable(version = 5): Promise<string> {
  let joined = await join(version);
  if (joined.errorCode === ErrorCode.MEMBER_ID_REQUIRED) joined = await join(version, { memberId: joined.memberId });
  expect(joined.errorCode).toBe(ErrorCode.NONE);
  expect((await syncAll(3, joined.memberId, joined.generationId)).errorCode).toBe(ErrorCode.NONE);
  return joined.memberId;
}

describe('JoinGroup and SyncGroup on the wire', () => {
  it('v0 uses the session timeout as rebalance timeout; the member is "app" from "/127.0.0.1"', async () => {
    const joined = await join(0);
    expect(joined).toMatchObject({ errorCode: ErrorCode.NONE, generationId: 1, protocolName: 'range' });
    expect(joined.members).toEqual([
      { memberId: joined.memberId, groupInstanceId: null, metadata: Buffer.from('sub') },
    ]);
    expect(await syncAll(0, joined.memberId, 1)).toMatchObject({ errorCode: ErrorCode.NONE });
    expect(persistence.groups.get('g')!.members[0]).toMatchObject({
      clientId: 'app',
      clientHost: '/127.0.0.1',
      rebalanceTimeoutMs: 1000,
      subscription: Buffer.from('sub'),
      assignment: Buffer.from('assigned'),
    });
    expect(joined.memberId).toMatch(/^app-/);
  });

  it('v4+ answers MEMBER_ID_REQUIRED first; v3 and static members (v5) join at once', async () => {
    const v4 = await join(4);
    expect(v4).toMatchObject({ errorCode: ErrorCode.MEMBER_ID_REQUIRED, generationId: -1, protocolName: '' });
    expect(v4.memberId).toMatch(/^app-/);
    const staticMember = await join(5, { groupId: 'static', groupInstanceId: 'pod-1' });
    expect(staticMember).toMatchObject({ errorCode: ErrorCode.NONE, generationId: 1 });
    expect(staticMember.members[0]).toMatchObject({ groupInstanceId: 'pod-1' });
    expect(staticMember.memberId).toMatch(/^pod-1-/);
  });

  it('sends a missing protocol name as "" before v7 and null from v7, and v7+ carries the protocol type', async () => {
    const error = { sessionTimeoutMs: 1 };
    expect(await join(6, error)).toMatchObject({ errorCode: ErrorCode.INVALID_SESSION_TIMEOUT, protocolName: '' });
    expect(await join(7, error)).toMatchObject({ protocolName: null, protocolType: null });
    const v9 = await join(9, { memberId: '', reason: 'starting' });
    const joined = await join(9, { memberId: v9.memberId });
    expect(joined).toMatchObject({ protocolType: 'consumer', protocolName: 'range', skipAssignment: false });
  });

  it('SyncGroup v5 echoes the protocol and checks it', async () => {
    const joined = await join(3);
    const wrong = await callTest(SyncGroup, syncGroupHandler(coordinator), 5, {
      groupId: 'g',
      generationId: 1,
      memberId: joined.memberId,
      protocolType: 'connect',
      protocolName: 'range',
      assignments: [],
    });
    expect(wrong).toMatchObject({ errorCode: ErrorCode.INCONSISTENT_GROUP_PROTOCOL, protocolName: null });
    const right = await callTest(SyncGroup, syncGroupHandler(coordinator), 5, {
      groupId: 'g',
      generationId: 1,
      memberId: joined.memberId,
      protocolType: 'consumer',
      protocolName: 'range',
      assignments: [{ memberId: joined.memberId, assignment: Buffer.from('mine') }],
    });
    expect(right).toEqual({
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      protocolType: 'consumer',
      protocolName: 'range',
      assignment: Buffer.from('mine'),
    });
  });

  it('Heartbeat and LeaveGroup v0-2 carry the member error at the top level, v3+ per member', async () => {
    const memberId = await stable();
    const beat = (version: number, generationId: number) =>
      callTest(Heartbeat, heartbeatHandler(coordinator), version, { groupId: 'g', generationId, memberId });
    expect((await beat(0, 1)).errorCode).toBe(ErrorCode.NONE);
    expect((await beat(4, 2)).errorCode).toBe(ErrorCode.ILLEGAL_GENERATION);
    const leaveV1 = await callTest(LeaveGroup, leaveGroupHandler(coordinator), 1, { groupId: 'g', memberId: 'ghost' });
    expect(leaveV1.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    const leaveV5 = await callTest(LeaveGroup, leaveGroupHandler(coordinator), 5, {
      groupId: 'g',
      members: [
        { memberId, groupInstanceId: null, reason: 'shutdown' },
        { memberId: 'ghost', groupInstanceId: null },
      ],
    });
    expect(leaveV5).toEqual({
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      members: [
        { memberId, groupInstanceId: null, errorCode: ErrorCode.NONE },
        { memberId: 'ghost', groupInstanceId: null, errorCode: ErrorCode.UNKNOWN_MEMBER_ID },
      ],
    });
    expect((await beat(3, 1)).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });
});

describe('offsets on the wire', () => {
  const commit = (version: number, input: Partial<RequestInput<typeof OffsetCommit>> = {}) =>
    callTest(OffsetCommit, offsetCommitHandler(coordinator, metadataCache), version, {
      groupId: 'g',
      generationIdOrMemberEpoch: -1,
      memberId: '',
      topics: [
        {
          name: 't',
          partitions: [
            { partitionIndex: 0, committedOffset: 10, committedLeaderEpoch: 2, committedMetadata: 'x' },
            { partitionIndex: 5, committedOffset: 1, committedMetadata: null },
          ],
        },
        { name: 'missing', partitions: [{ partitionIndex: 0, committedOffset: 1, committedMetadata: null }] },
      ],
      ...input,
    });

  it('OffsetCommit stores known partitions and answers UNKNOWN_TOPIC_OR_PARTITION for the rest', async () => {
    const response = await commit(2, { retentionTimeMs: 5000 });
    expect(response.topics).toEqual([
      {
        name: 't',
        partitions: [
          { partitionIndex: 0, errorCode: ErrorCode.NONE },
          { partitionIndex: 5, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION },
        ],
      },
      { name: 'missing', partitions: [{ partitionIndex: 0, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION }] },
    ]);
    const stored = persistence.offsets.get('g')!.get('t-0')!;
    expect(stored).toMatchObject({ offset: 10n, leaderEpoch: -1, metadata: 'x' });
    expect(stored.expireTimestamp - stored.commitTimestamp).toBe(5000);
    await commit(8);
    expect(persistence.offsets.get('g')!.get('t-0')).toMatchObject({ leaderEpoch: 2, expireTimestamp: -1 });
  });

  it('OffsetFetch answers per partition (v1), for all topics (v2+ null), and several groups (v8)', async () => {
    await commit(7);
    const v1 = await callTest(OffsetFetch, offsetFetchHandler(coordinator), 1, {
      groupId: 'g',
      topics: [{ name: 't', partitionIndexes: [0, 1] }],
    });
    expect(v1.topics).toEqual([
      {
        name: 't',
        partitions: [
          { partitionIndex: 0, committedOffset: 10, committedLeaderEpoch: -1, metadata: 'x', errorCode: 0 },
          { partitionIndex: 1, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode: 0 },
        ],
      },
    ]);
    const v5 = await callTest(OffsetFetch, offsetFetchHandler(coordinator), 5, { groupId: 'g', topics: null });
    expect(v5).toMatchObject({
      errorCode: ErrorCode.NONE,
      topics: [{ name: 't', partitions: [{ committedLeaderEpoch: 2 }] }],
    });
    const v8 = await callTest(OffsetFetch, offsetFetchHandler(coordinator), 8, {
      groups: [
        { groupId: 'g', topics: null },
        { groupId: 'other', topics: [{ name: 't', partitionIndexes: [0] }] },
      ],
      requireStable: true,
    });
    expect(v8.groups.map((g) => [g.groupId, g.errorCode, g.topics[0]!.partitions[0]!.committedOffset])).toEqual([
      ['g', ErrorCode.NONE, 10],
      ['other', ErrorCode.NONE, -1],
    ]);
  });

  it('OffsetFetch puts a group error in each partition before v2 and at the top level from v2', async () => {
    coordinator.onPartitionUnloaded(persistence.partitionFor('g'));
    const v1 = await callTest(OffsetFetch, offsetFetchHandler(coordinator), 1, {
      groupId: 'g',
      topics: [{ name: 't', partitionIndexes: [0] }],
    });
    expect(v1.topics[0]!.partitions[0]).toMatchObject({ committedOffset: -1, errorCode: ErrorCode.NOT_COORDINATOR });
    const v3 = await callTest(OffsetFetch, offsetFetchHandler(coordinator), 3, { groupId: 'g', topics: null });
    expect(v3).toMatchObject({ errorCode: ErrorCode.NOT_COORDINATOR, topics: [] });
  });

  it('OffsetDelete answers UNKNOWN_TOPIC_OR_PARTITION for unknown partitions and deletes the known ones', async () => {
    await commit(7);
    await commit(7, { groupId: 'keep' });
    const response = await callTest(OffsetDelete, offsetDeleteHandler(coordinator, metadataCache), 0, {
      groupId: 'g',
      topics: [{ name: 't', partitions: [{ partitionIndex: 0 }, { partitionIndex: 9 }] }],
    });
    expect(response).toEqual({
      errorCode: ErrorCode.NONE,
      throttleTimeMs: 0,
      topics: [
        {
          name: 't',
          partitions: [
            { partitionIndex: 0, errorCode: ErrorCode.NONE },
            { partitionIndex: 9, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION },
          ],
        },
      ],
    });
    const missing = await callTest(OffsetDelete, offsetDeleteHandler(coordinator, metadataCache), 0, {
      groupId: 'nope',
      topics: [{ name: 't', partitions: [{ partitionIndex: 0 }] }],
    });
    expect(missing).toMatchObject({ errorCode: ErrorCode.GROUP_ID_NOT_FOUND, topics: [] });
  });
});

describe('group admin on the wire', () => {
  it('DescribeGroups shows Stable members with their bytes and authorized operations when asked (v3+)', async () => {
    const memberId = await stable();
    const v3 = await callTest(DescribeGroups, describeGroupsHandler(coordinator), 3, {
      groups: ['g', 'nope'],
      includeAuthorizedOperations: true,
    });
    expect(v3.groups[0]).toEqual({
      errorCode: ErrorCode.NONE,
      groupId: 'g',
      groupState: 'Stable',
      protocolType: 'consumer',
      protocolData: 'range',
      members: [
        {
          memberId,
          groupInstanceId: null,
          clientId: 'app',
          clientHost: '/127.0.0.1',
          memberMetadata: Buffer.from('sub'),
          memberAssignment: Buffer.from('assigned'),
        },
      ],
      authorizedOperations: GROUP_AUTHORIZED_OPERATIONS,
    });
    expect(v3.groups[1]).toMatchObject({ errorCode: ErrorCode.NONE, groupState: 'Dead', members: [] });
    const v5 = await callTest(DescribeGroups, describeGroupsHandler(coordinator), 5, {
      groups: ['g'],
      includeAuthorizedOperations: false,
    });
    expect(v5.groups[0]!.authorizedOperations).toBe(-2147483648);
    expect(GROUP_AUTHORIZED_OPERATIONS).toBe((1 << 3) | (1 << 6) | (1 << 8) | (1 << 10) | (1 << 11));
  });

  it('ListGroups filters by state (v4) and type (v5); DeleteGroups deletes only Empty groups', async () => {
    await stable();
    await callTest(OffsetCommit, offsetCommitHandler(coordinator, metadataCache), 5, {
      groupId: 'simple',
      generationIdOrMemberEpoch: -1,
      memberId: '',
      topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 1, committedMetadata: null }] }],
    });
    const list = (version: number, input: RequestInput<typeof ListGroups>) =>
      callTest(ListGroups, listGroupsHandler(coordinator), version, input);
    const v0 = await list(0, {});
    expect(v0.groups.map((g) => g.groupId).sort()).toEqual(['g', 'simple']);
    expect((await list(4, { statesFilter: ['Empty'] })).groups).toEqual([
      { groupId: 'simple', protocolType: '', groupState: 'Empty', groupType: '' },
    ]);
    expect((await list(5, { statesFilter: [], typesFilter: ['classic'] })).groups).toHaveLength(2);
    expect((await list(5, { statesFilter: [], typesFilter: ['consumer'] })).groups).toEqual([]);
    expect((await list(5, { statesFilter: ['stable'], typesFilter: [] })).groups[0]).toEqual({
      groupId: 'g',
      protocolType: 'consumer',
      groupState: 'Stable',
      groupType: 'classic',
    });

    const deleted = await callTest(DeleteGroups, deleteGroupsHandler(coordinator), 2, {
      groupsNames: ['g', 'simple', 'nope'],
    });
    expect(deleted.results).toEqual([
      { groupId: 'g', errorCode: ErrorCode.NON_EMPTY_GROUP },
      { groupId: 'simple', errorCode: ErrorCode.NONE },
      { groupId: 'nope', errorCode: ErrorCode.GROUP_ID_NOT_FOUND },
    ]);
  });

  it('reports a member host as Kafka does', () => {
    expect(clientHostOf('10.0.0.7:51234')).toBe('/10.0.0.7');
    expect(clientHostOf('::1:51234')).toBe('/::1');
  });
});

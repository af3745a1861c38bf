import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { GroupCoordinator } from '../../../broker/group/group-coordinator.js';
import { ErrorCode } from '../../../protocol/index.js';
import {
  type FakePersistence,
  heartbeatMember,
  joinRequest,
  makeCoordinator,
  protocol,
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

describe('static membership (KIP-345)', () => {
  async function staticGroup() {
    const s = coordinator.joinGroup(joinRequest({ groupInstanceId: 'i1', clientId: 's' }));
    const d = coordinator.joinGroup(joinRequest({ clientId: 'd' }));
    await tick();
    const [js, jd] = await Promise.all([s, d]);
    expect(js.memberId).toMatch(/^i1-/);
    const syncs = [
      coordinator.syncGroup({
        groupId: 'g',
        generationId: 1,
        memberId: js.memberId,
        groupInstanceId: 'i1',
        protocolType: 'consumer',
        protocolName: 'range',
        assignments: new Map([
          [js.memberId, Buffer.from('S')],
          [jd.memberId, Buffer.from('D')],
        ]),
      }),
      sync(jd.memberId, 1),
    ];
    await Promise.all(syncs);
    return { s: js, d: jd };
  }

  it('lets a restarted static member rejoin without a rebalance and fences its old member id', async () => {
    const { s, d } = await staticGroup();
    const restarted = await coordinator.joinGroup(joinRequest({ groupInstanceId: 'i1', clientId: 's' }));
    expect(restarted.errorCode).toBe(ErrorCode.NONE);
    expect(restarted.memberId).not.toBe(s.memberId);
    // same generation, and the old leader id so a restarted leader does not reassign a Stable group
    expect(restarted).toMatchObject({ generationId: 1, leader: s.memberId, members: [] });
    expect(coordinator.describeGroup('g').state).toBe('Stable');
    expect(heartbeat(d.memberId, 1)).toBe(ErrorCode.NONE);
    expect(persistence.groups.get('g')!.members.map((m) => m.memberId)).toContain(restarted.memberId);

    expect(heartbeat(s.memberId, 1, 'i1')).toBe(ErrorCode.FENCED_INSTANCE_ID);
    const fencedCommit = await coordinator.commitOffsets({
      groupId: 'g',
      generationId: 1,
      memberId: s.memberId,
      groupInstanceId: 'i1',
      retentionTimeMs: -1,
      partitions: [{ topic: 't', partition: 0, offset: 1, leaderEpoch: -1, metadata: null }],
    });
    expect(fencedCommit[0]!.errorCode).toBe(ErrorCode.FENCED_INSTANCE_ID);
    const resync = await coordinator.syncGroup({
      groupId: 'g',
      generationId: 1,
      memberId: restarted.memberId,
      groupInstanceId: 'i1',
      protocolType: null,
      protocolName: null,
      assignments: new Map(),
    });
    expect(resync.assignment).toEqual(Buffer.from('S'));
  });

  it('with JoinGroup v9 tells a restarted static leader it leads but must skip the assignment', async () => {
    const { s } = await staticGroup();
    const restarted = await coordinator.joinGroup(
      joinRequest({ groupInstanceId: 'i1', clientId: 's', supportSkippingAssignment: true }),
    );
    expect(restarted).toMatchObject({ errorCode: ErrorCode.NONE, skipAssignment: true, leader: restarted.memberId });
    expect(restarted.members).toHaveLength(2);
    expect(restarted.memberId).not.toBe(s.memberId);
  });

  it('restores the old member when the new member id cannot be stored', async () => {
    const { s } = await staticGroup();
    persistence.failures.push(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    const restarted = await coordinator.joinGroup(joinRequest({ groupInstanceId: 'i1', clientId: 's' }));
    expect(restarted).toMatchObject({ errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, memberId: '' });
    expect(heartbeat(s.memberId, 1, 'i1')).toBe(ErrorCode.NONE);
  });

  it('rebalances only when the restarted static member changes the protocol the group would choose', async () => {
    const both = [protocol('range'), protocol('roundrobin')];
    const joins = [
      coordinator.joinGroup(joinRequest({ groupInstanceId: 'i1', protocols: both })),
      coordinator.joinGroup(joinRequest({ clientId: 'd1', protocols: both })),
      coordinator.joinGroup(joinRequest({ clientId: 'd2', protocols: [...both].reverse() })),
    ];
    await tick();
    const [js, jd1, jd2] = await Promise.all(joins);
    expect(js!.protocolName).toBe('range');
    await Promise.all([sync(js!.memberId, 1, []), sync(jd1!.memberId, 1), sync(jd2!.memberId, 1)]);
    // other metadata for the same choice: no rebalance (the new metadata is stored with the new member id)
    const same = await coordinator.joinGroup(
      joinRequest({ groupInstanceId: 'i1', protocols: [protocol('range', 'v2'), protocol('roundrobin')] }),
    );
    expect(same.errorCode).toBe(ErrorCode.NONE);
    expect(coordinator.describeGroup('g').state).toBe('Stable');
    // preferring roundrobin now makes it win the vote (2 to 1): rebalance
    void coordinator.joinGroup(joinRequest({ groupInstanceId: 'i1', protocols: [...both].reverse() }));
    expect(coordinator.describeGroup('g').state).toBe('PreparingRebalance');
  });

  it('removes a static member by instance id alone (admin LeaveGroup) and answers unknown ones per member', async () => {
    const { d } = await staticGroup();
    const left = coordinator.leaveGroup('g', [
      { memberId: '', groupInstanceId: 'i1', reason: null },
      { memberId: '', groupInstanceId: 'nope', reason: null },
      { memberId: 'ghost', groupInstanceId: null, reason: null },
    ]);
    expect(left.members.map((m) => m.errorCode)).toEqual([
      ErrorCode.NONE,
      ErrorCode.UNKNOWN_MEMBER_ID,
      ErrorCode.UNKNOWN_MEMBER_ID,
    ]);
    expect(heartbeat(d.memberId, 1)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
  });
});

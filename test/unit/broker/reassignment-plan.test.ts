import { describe, expect, it } from 'vitest';
import { leadershipWithout, NO_LEADER } from '../../../broker/controller/partition-leader-election.js';
import {
  completedAssignment,
  invalidTargetReason,
  isBeingReassigned,
  isReassignmentComplete,
  originReplicas,
  reassignTo,
  requestedAssignment,
  targetReplicas,
} from '../../../broker/controller/reassignment-plan.js';

const plain = (...replicas: number[]) => ({ replicas, addingReplicas: [], removingReplicas: [] });
const live =
  (...ids: number[]) =>
  (id: number) =>
    ids.includes(id);

describe('reassignment plan', () => {
  it('a move lists the targets first, then the originals; adds TRS − ORS and removes ORS − TRS', () => {
    const moving = reassignTo(plain(1, 2, 3), [4, 5, 6]);
    expect(moving).toEqual({ replicas: [4, 5, 6, 1, 2, 3], addingReplicas: [4, 5, 6], removingReplicas: [1, 2, 3] });
    expect(originReplicas(moving)).toEqual([1, 2, 3]);
    expect(targetReplicas(moving)).toEqual([4, 5, 6]);
    expect(isBeingReassigned(moving)).toBe(true);
    expect(completedAssignment(moving)).toEqual(plain(4, 5, 6));
  });

  it('replacing one replica keeps the others and the target order', () => {
    expect(reassignTo(plain(1, 2, 3), [1, 2, 4])).toEqual({
      replicas: [1, 2, 4, 3],
      addingReplicas: [4],
      removingReplicas: [3],
    });
    // Kafka's example: the original order cannot be told apart once the target overlaps it
    expect(reassignTo(plain(1, 2, 3), [3, 4, 2])).toEqual({
      replicas: [3, 4, 2, 1],
      addingReplicas: [4],
      removingReplicas: [1],
    });
  });

  it('a reordering or a growth needs nothing removed; a reordering is not a reassignment in flight', () => {
    const reordered = reassignTo(plain(1, 2, 3), [3, 2, 1]);
    expect(reordered).toEqual(plain(3, 2, 1));
    expect(isBeingReassigned(reordered)).toBe(false);
    expect(reassignTo(plain(1), [1, 2])).toEqual({ replicas: [1, 2], addingReplicas: [2], removingReplicas: [] });
  });

  it('a new target replaces a reassignment in flight from the same origin', () => {
    const first = reassignTo(plain(1, 2), [3, 4]);
    expect(reassignTo(first, [1, 5])).toEqual({ replicas: [1, 5, 2], addingReplicas: [5], removingReplicas: [2] });
  });

  it('a cancellation goes back to the origin; cancelling none is refused', () => {
    expect(requestedAssignment(reassignTo(plain(1, 2), [3, 4]), null)).toEqual(plain(1, 2));
    // as in Kafka, an origin the target overlapped comes back in the order the reassignment listed it
    expect(requestedAssignment(reassignTo(plain(1, 2), [2, 3]), null)).toEqual(plain(2, 1));
    expect(requestedAssignment(plain(1, 2), null)).toBeNull();
    expect(requestedAssignment(plain(1, 2), [3])).toEqual({
      replicas: [3, 1, 2],
      addingReplicas: [3],
      removingReplicas: [1, 2],
    });
  });

  it('completes when every target replica is in the ISR', () => {
    const moving = reassignTo(plain(1, 2, 3), [1, 2, 4]);
    expect(isReassignmentComplete(moving, [1, 2, 3])).toBe(false);
    expect(isReassignmentComplete(moving, [2, 4, 1])).toBe(true);
    expect(isReassignmentComplete(moving, undefined)).toBe(false);
    expect(isReassignmentComplete(plain(1, 2), undefined)).toBe(true);
  });

  it('refuses empty, duplicate, negative targets and replicas to add on dead brokers', () => {
    const current = plain(1, 2);
    const isLive = live(1, 3);
    expect(invalidTargetReason(current, [], isLive)).toMatch(/Empty/);
    expect(invalidTargetReason(current, [1, 3, 1], isLive)).toMatch(/Duplicate/);
    expect(invalidTargetReason(current, [1, -3], isLive)).toMatch(/Invalid broker id/);
    expect(invalidTargetReason(current, [1, 4], isLive)).toMatch(/not alive: \[4\]/);
    // broker 2 is dead but already holds the partition: it may stay
    expect(invalidTargetReason(current, [2, 3], isLive)).toBeNull();
  });
});

describe('leadership when replicas leave', () => {
  it('completion: a leader outside the target hands over to the first live in-sync target; removed leave the ISR', () => {
    expect(leadershipWithout({ leader: 1, isr: [1, 3] }, { remaining: [3], removed: [1], isLive: live(1, 3) })).toEqual(
      { leader: 3, isr: [3] },
    );
    expect(
      leadershipWithout(
        { leader: 3, isr: [1, 2, 3, 4] },
        { remaining: [1, 2, 4], removed: [3], isLive: live(2, 3, 4) },
      ),
    ).toEqual({ leader: 2, isr: [1, 2, 4] });
  });

  it('a live leader that stays keeps leading', () => {
    expect(
      leadershipWithout(
        { leader: 2, isr: [2, 1, 4, 3] },
        { remaining: [1, 2, 4], removed: [3], isLive: live(1, 2, 3, 4) },
      ),
    ).toEqual({ leader: 2, isr: [2, 1, 4] });
  });

  it('no eligible successor: no leader if the leader was removed; the ISR is never emptied', () => {
    expect(leadershipWithout({ leader: 4, isr: [4] }, { remaining: [1], removed: [4], isLive: live(4) })).toEqual({
      leader: NO_LEADER,
      isr: [4],
    });
    expect(
      leadershipWithout({ leader: NO_LEADER, isr: [1] }, { remaining: [1], removed: [4], isLive: live(4) }),
    ).toEqual({
      leader: NO_LEADER,
      isr: [1],
    });
    // an offline partition gets a leader if one of what remains is live and in sync
    expect(
      leadershipWithout({ leader: NO_LEADER, isr: [1, 2] }, { remaining: [1, 2], removed: [], isLive: live(2) }),
    ).toEqual({
      leader: 2,
      isr: [1, 2],
    });
  });
});

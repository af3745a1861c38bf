/**
 * Partition reassignment arithmetic (KIP-455, Kafka's ReplicaAssignment and the checks of
 * KafkaController.validateReplicas), as pure functions of a partition's assignment. While a reassignment runs the
 * assignment holds RS = TRS ∪ ORS (targets first, in the requested order), AR = TRS − ORS being added and
 * RR = ORS − TRS being removed; ORS and TRS are derived from them, so the assignment znode alone is enough to resume
 * after a controller failover.
 */

import type { ZkReplicaAssignment } from '../zk/index.js';

export function isBeingReassigned(assignment: ZkReplicaAssignment): boolean {
  return assignment.addingReplicas.length > 0 || assignment.removingReplicas.length > 0;
}

/** ORS: the replicas before the reassignment (RS − AR). */
export function originReplicas(assignment: ZkReplicaAssignment): number[] {
  return assignment.replicas.filter((r) => !assignment.addingReplicas.includes(r));
}

/** TRS: the replicas once the reassignment completes (RS − RR). */
export function targetReplicas(assignment: ZkReplicaAssignment): number[] {
  return assignment.replicas.filter((r) => !assignment.removingReplicas.includes(r));
}

/**
 * The assignment while moving from the current one's origin to `target` (Kafka's reassignTo). A reassignment in
 * flight is replaced, not stacked: its origin stays the origin. A target equal to the origin (a cancellation)
 * yields an assignment with nothing to add or remove, in the target's order.
 */
export function reassignTo(current: ZkReplicaAssignment, target: readonly number[]): ZkReplicaAssignment {
  const origin = originReplicas(current);
  const replicas = [...new Set([...target, ...origin])];
  return {
    replicas,
    addingReplicas: replicas.filter((r) => !origin.includes(r)),
    removingReplicas: replicas.filter((r) => !target.includes(r)),
  };
}

/** The assignment once the reassignment completed: RS = TRS, nothing added or removed. */
export function completedAssignment(assignment: ZkReplicaAssignment): ZkReplicaAssignment {
  return { replicas: targetReplicas(assignment), addingReplicas: [], removingReplicas: [] };
}

/** Complete when every target replica is in the ISR (or nothing is being reassigned). */
export function isReassignmentComplete(assignment: ZkReplicaAssignment, isr: readonly number[] | undefined): boolean {
  if (!isBeingReassigned(assignment)) return true;
  return isr !== undefined && targetReplicas(assignment).every((r) => isr.includes(r));
}

export function sameAssignment(a: ZkReplicaAssignment, b: ZkReplicaAssignment): boolean {
  const same = (x: readonly number[], y: readonly number[]) => x.length === y.length && x.every((r, i) => r === y[i]);
  return (
    same(a.replicas, b.replicas) &&
    same(a.addingReplicas, b.addingReplicas) &&
    same(a.removingReplicas, b.removingReplicas)
  );
}

/**
 * Why an AlterPartitionReassignments target is refused with INVALID_REPLICA_ASSIGNMENT, or null (Kafka's
 * validateReplicas): empty, duplicates, negative ids, or a replica to add on a broker that is not live. Replicas the
 * partition has already may be on a dead broker: they hold data and need not move.
 */
export function invalidTargetReason(
  current: ZkReplicaAssignment,
  target: readonly number[],
  isLive: (brokerId: number) => boolean,
): string | null {
  if (target.length === 0) return 'Empty replica list specified in partition reassignment.';
  if (new Set(target).size !== target.length) {
    return `Duplicate replica ids in partition reassignment replica list: [${target.join(', ')}].`;
  }
  if (target.some((r) => !Number.isInteger(r) || r < 0))
    return `Invalid broker id in replica list: [${target.join(', ')}].`;
  const adding = reassignTo(current, target).addingReplicas;
  const dead = adding.filter((r) => !isLive(r));
  if (dead.length > 0) {
    return `Replica assignment has brokers that are not alive: [${dead.join(', ')}] of [${target.join(', ')}].`;
  }
  return null;
}

/**
 * The assignment an AlterPartitionReassignments entry leads to (Kafka's maybeBuildReassignment): `target`, or for a
 * cancellation (null) back to the origin. Null when cancelling with no reassignment in progress.
 */
export function requestedAssignment(
  current: ZkReplicaAssignment,
  target: readonly number[] | null,
): ZkReplicaAssignment | null {
  if (target !== null) return reassignTo(current, target);
  return isBeingReassigned(current) ? reassignTo(current, originReplicas(current)) : null;
}

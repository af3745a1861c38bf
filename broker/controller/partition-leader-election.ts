/**
 * Kafka's partition leader election algorithms (kafka.controller.Election and PartitionLeaderElectionAlgorithms),
 * as pure functions of a partition's assignment, ISR and which brokers are live. Each answers the new leader and
 * ISR, or null when no replica is eligible (the partition keeps its state).
 */

import { LeaderRecoveryState, type ZkPartitionState } from '../zk/index.js';

/** What an election needs to know of a partition and the cluster. */
export interface ElectionInput {
  /** The assignment's replicas, in preference order (the first is the preferred leader). */
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  /** Registered and not shutting down. */
  readonly isLive: (brokerId: number) => boolean;
}

/** An election's outcome: the leader and the ISR to write with it. */
export interface ElectedLeader {
  readonly leader: number;
  readonly isr: readonly number[];
  /** The leader was not in the ISR: records it had not replicated may be lost. */
  readonly unclean: boolean;
}

/** 'unclean': an admin's ElectLeaders of type unclean, an offline election allowed to pick an out-of-sync replica. */
export type ElectionStrategy = 'offline' | 'unclean' | 'preferred' | 'controlledShutdown';

/**
 * An offline partition (its leader died, or it has none): the first replica in assignment order that is live and in
 * the ISR, the ISR keeping its live members. With none, and `uncleanAllowed`, the first live replica alone.
 */
export function electOfflineLeader(input: ElectionInput, uncleanAllowed: boolean): ElectedLeader | null {
  const clean = input.replicas.find((r) => input.isLive(r) && input.isr.includes(r));
  if (clean !== undefined) return { leader: clean, isr: input.isr.filter(input.isLive), unclean: false };
  if (!uncleanAllowed) return null;
  const unclean = input.replicas.find(input.isLive);
  return unclean === undefined ? null : { leader: unclean, isr: [unclean], unclean: true };
}

/** Whether an offline election would find an in-sync leader (so the topic's unclean setting need not be read). */
export function hasCleanLeader(input: ElectionInput): boolean {
  return input.replicas.some((r) => input.isLive(r) && input.isr.includes(r));
}

/** Preferred replica election: the first replica of the assignment, if live and in the ISR; the ISR is unchanged. */
export function electPreferredLeader(input: ElectionInput): ElectedLeader | null {
  const preferred = input.replicas[0];
  if (preferred === undefined || !input.isLive(preferred) || !input.isr.includes(preferred)) return null;
  return { leader: preferred, isr: [...input.isr], unclean: false };
}

/**
 * A partition led by a broker in controlled shutdown: the first live ISR member in assignment order (shutting-down
 * brokers are not live), and the ISR without the shutting-down brokers.
 */
export function electControlledShutdownLeader(
  input: ElectionInput & { readonly isShuttingDown: (brokerId: number) => boolean },
): ElectedLeader | null {
  const leader = input.replicas.find((r) => input.isLive(r) && input.isr.includes(r));
  if (leader === undefined) return null;
  return { leader, isr: input.isr.filter((r) => !input.isShuttingDown(r)), unclean: false };
}

/**
 * The state after `replica` goes offline (Kafka's removeReplicasFromIsr): out of the ISR, and no leader if it led.
 * The last ISR member stays in the ISR, so that the replica holding every committed record is still known. Null
 * when nothing changes.
 */
export function withoutReplica(
  current: { readonly leader: number; readonly isr: readonly number[] },
  replica: number,
): { leader: number; isr: readonly number[] } | null {
  if (!current.isr.includes(replica) && current.leader !== replica) return null;
  return {
    leader: current.leader === replica ? NO_LEADER : current.leader,
    isr: current.isr.length === 1 ? current.isr : current.isr.filter((r) => r !== replica),
  };
}

/**
 * The leadership once `removed` replicas leave a partition whose replicas become `remaining` (a reassignment
 * completing, or replicas a replaced reassignment no longer needs): they leave the ISR, and if the leader is not a
 * live member of `remaining`, the first live ISR member of `remaining` in its order leads (Kafka's
 * ReassignPartitionLeaderElectionStrategy), else no one if the leader was removed. The ISR never becomes empty:
 * when only removed replicas were in it, it stays as it was, so that the replica holding every committed record is
 * still known.
 */
export function leadershipWithout(
  current: { readonly leader: number; readonly isr: readonly number[] },
  change: {
    readonly remaining: readonly number[];
    readonly removed: readonly number[];
    readonly isLive: (brokerId: number) => boolean;
  },
): { leader: number; isr: readonly number[] } {
  const { remaining, removed, isLive } = change;
  const kept = current.isr.filter((r) => !removed.includes(r));
  const isr = kept.length > 0 ? kept : [...current.isr];
  if (remaining.includes(current.leader) && isLive(current.leader)) return { leader: current.leader, isr };
  const elected = remaining.find((r) => isLive(r) && kept.includes(r));
  if (elected !== undefined) return { leader: elected, isr };
  return { leader: remaining.includes(current.leader) ? current.leader : NO_LEADER, isr };
}

/** Kafka's LeaderAndIsr.NoLeader. */
export const NO_LEADER = -1;

/**
 * The next partition state: a controller's change of leader or ISR always bumps the leader epoch (ZooKeeper mode),
 * so followers truncate against the right epoch and stale requests are fenced.
 */
export function nextPartitionState(
  current: ZkPartitionState,
  change: { readonly leader: number; readonly isr: readonly number[] },
  controllerEpoch: number,
): ZkPartitionState {
  return {
    leader: change.leader,
    leaderEpoch: current.leaderEpoch + 1,
    isr: [...change.isr],
    controllerEpoch,
    // Without AlterPartition there is no one to report recovery done, so ZooKeeper mode keeps RECOVERED, as Kafka
    // does for inter.broker.protocol versions without KIP-704.
    leaderRecoveryState: LeaderRecoveryState.RECOVERED,
  };
}

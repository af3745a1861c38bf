import { ErrorCode } from '../../protocol/index.js';
import type { Logger } from '../logger.js';
import { ControllerMovedError, type ZkReplicaAssignment } from '../zk/index.js';
import type { KafkaZkStore } from '../zk/kafka-zk-store.js';
import { type ControllerContext, partitionKey, type TopicPartition } from './controller-context.js';
import type { ControllerRequestBatch } from './controller-requests.js';
import { leadershipWithout } from './partition-leader-election.js';
import type { PartitionStateMachine } from './partition-state-machine.js';
import {
  completedAssignment,
  invalidTargetReason,
  isBeingReassigned,
  isReassignmentComplete,
  originReplicas,
  requestedAssignment,
  sameAssignment,
  targetReplicas,
} from './reassignment-plan.js';
import type { TopicDeletionManager } from './topic-deletion.js';

/** One partition of AlterPartitionReassignments: its target replicas, or null to cancel its reassignment. */
export interface ReassignmentRequest extends TopicPartition {
  readonly replicas: readonly number[] | null;
}

export interface ReassignmentResult extends TopicPartition {
  readonly errorCode: ErrorCode;
  readonly errorMessage: string | null;
}

/** A reassignment in progress, as ListPartitionReassignments answers it. */
export interface OngoingReassignment extends TopicPartition {
  /** RS: the original and the target replicas. */
  readonly replicas: readonly number[];
  readonly addingReplicas: readonly number[];
  readonly removingReplicas: readonly number[];
}

export interface PartitionReassignmentsOptions {
  readonly context: ControllerContext;
  readonly store: KafkaZkStore;
  readonly partitions: PartitionStateMachine;
  readonly deletion: TopicDeletionManager;
  readonly logger: Logger;
  readonly newBatch: () => ControllerRequestBatch;
  readonly send: (batch: ControllerRequestBatch) => void;
}

/**
 * Partition reassignment (KIP-455; Kafka's KafkaController.onPartitionReassignment and its helpers). Starting one
 * writes RS = TRS ∪ ORS with the adding (AR) and removing (RR) replicas to `/brokers/topics/<t>`, bumps the leader
 * epoch and sends LeaderAndIsr to RS: the new replicas start as followers and copy the log. When the leader has
 * taken every target replica into the ISR (its ISR change notification, or a read at any later step), the
 * reassignment completes in one partition-state write — a leader from TRS if the current one is not a live member
 * of it, RR out of the ISR, a new epoch — then StopReplica with delete to RR, and last the assignment RS = TRS
 * (last because the assignment is the only record of ORS: a controller that fails before it resumes from there).
 * Replacing a reassignment in flight stops the replicas it added that the new one does not need; cancelling goes
 * back to ORS that way.
 *
 * A topic queued for deletion takes part in no reassignment step: its deletion removes every replica of RS.
 *
 * Concurrency: runs inside controller events only. A ControllerMovedError from a fenced write propagates.
 */
export class PartitionReassignments {
  readonly #context: ControllerContext;
  readonly #store: KafkaZkStore;
  readonly #partitions: PartitionStateMachine;
  readonly #deletion: TopicDeletionManager;
  readonly #log: Logger;
  readonly #newBatch: () => ControllerRequestBatch;
  readonly #send: (batch: ControllerRequestBatch) => void;

  constructor(options: PartitionReassignmentsOptions) {
    this.#context = options.context;
    this.#store = options.store;
    this.#partitions = options.partitions;
    this.#deletion = options.deletion;
    this.#log = options.logger.child({ component: 'partition-reassignment' });
    this.#newBatch = options.newBatch;
    this.#send = options.send;
  }

  /** Whether any partition is being reassigned (the automatic leader rebalance waits for none, as in Kafka). */
  inProgress(): boolean {
    return this.#context.reassigningPartitions().length > 0;
  }

  /**
   * AlterPartitionReassignments (Kafka's processApiPartitionReassignment), in request order; a partition named
   * twice is answered once, for its last entry. Per partition: UNKNOWN_TOPIC_OR_PARTITION (no such partition, or its
   * topic is being deleted), INVALID_REPLICA_ASSIGNMENT (see invalidTargetReason), NO_REASSIGNMENT_IN_PROGRESS
   * (cancelling none), or NONE once the reassignment is written and started (it completes later).
   */
  async alter(requests: readonly ReassignmentRequest[]): Promise<ReassignmentResult[]> {
    const ctx = this.#context;
    const last = new Map(requests.map((r) => [partitionKey(r), r]));
    const results: ReassignmentResult[] = [];
    for (const request of last.values()) {
      const tp = { topic: request.topic, partition: request.partition };
      const answer = (errorCode: ErrorCode, errorMessage: string | null = null) =>
        results.push({ ...tp, errorCode, errorMessage });
      const current = ctx.assignment(tp);
      if (current === undefined || this.#deletion.isQueued(tp.topic)) {
        answer(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'The partition does not exist.');
        continue;
      }
      const invalid =
        request.replicas === null ? null : invalidTargetReason(current, request.replicas, (id) => ctx.isLive(id));
      if (invalid !== null) {
        answer(ErrorCode.INVALID_REPLICA_ASSIGNMENT, invalid);
        continue;
      }
      const reassignment = requestedAssignment(current, request.replicas);
      if (reassignment === null) {
        answer(ErrorCode.NO_REASSIGNMENT_IN_PROGRESS, 'No partition reassignment is in progress.');
        continue;
      }
      try {
        await this.#reassign(tp, reassignment);
        answer(ErrorCode.NONE);
      } catch (err) {
        if (err instanceof ControllerMovedError) throw err;
        this.#log.error({ err, tp: partitionKey(tp) }, 'reassignment failed');
        answer(ErrorCode.UNKNOWN_SERVER_ERROR);
      }
    }
    return results;
  }

  /**
   * ListPartitionReassignments: the reassignments in progress among `partitions` (every one when null); partitions
   * that do not exist or are not being reassigned are left out, as in Kafka.
   */
  list(partitions: readonly TopicPartition[] | null): OngoingReassignment[] {
    const ctx = this.#context;
    const out: OngoingReassignment[] = [];
    const seen = new Set<string>();
    for (const tp of partitions ?? ctx.reassigningPartitions()) {
      const assignment = ctx.assignment(tp);
      if (assignment === undefined || !isBeingReassigned(assignment) || seen.has(partitionKey(tp))) continue;
      seen.add(partitionKey(tp));
      out.push({ topic: tp.topic, partition: tp.partition, ...assignment });
    }
    return out;
  }

  /** ISR changes the controller read: reassignments whose targets are now all in sync complete. */
  async onIsrChange(partitions: readonly TopicPartition[]): Promise<void> {
    const ctx = this.#context;
    for (const tp of partitions) {
      const assignment = ctx.assignment(tp);
      if (assignment === undefined || !isBeingReassigned(assignment) || this.#deletion.isQueued(tp.topic)) continue;
      if (!isReassignmentComplete(assignment, ctx.leadership(tp)?.state.isr)) continue;
      this.#log.info({ tp: partitionKey(tp), target: targetReplicas(assignment) }, 'target replicas caught up');
      await this.#resume(tp, assignment);
    }
  }

  /** Kafka's onBrokerStartup part: reassignments with a replica on these brokers go on (or complete). */
  async onBrokerStartup(brokerIds: readonly number[]): Promise<void> {
    for (const tp of this.#context.reassigningPartitions()) {
      if (this.#context.replicas(tp).some((r) => brokerIds.includes(r))) {
        await this.#resume(tp, this.#context.assignment(tp)!);
      }
    }
  }

  /** Failover (Kafka's maybeResumeReassignments): every reassignment read back from the assignments goes on. */
  async resumeAll(): Promise<void> {
    const partitions = this.#context.reassigningPartitions();
    if (partitions.length > 0) this.#log.info({ partitions: partitions.map(partitionKey) }, 'resuming reassignments');
    for (const tp of partitions) await this.#resume(tp, this.#context.assignment(tp)!);
  }

  /** A reassignment step outside a request: a failure is logged and left for the next trigger. */
  async #resume(tp: TopicPartition, assignment: ZkReplicaAssignment): Promise<void> {
    if (this.#deletion.isQueued(tp.topic)) return;
    try {
      await this.#reassign(tp, assignment);
    } catch (err) {
      if (err instanceof ControllerMovedError) throw err;
      this.#log.error({ err, tp: partitionKey(tp) }, 'reassignment step failed');
    }
  }

  /** Kafka's onPartitionReassignment: phase U, then A (catching up) or B (complete). */
  async #reassign(tp: TopicPartition, reassignment: ZkReplicaAssignment): Promise<void> {
    const ctx = this.#context;
    const current = ctx.assignment(tp)!;
    const batch = this.#newBatch();
    // the ISR as the leader last wrote it, not as the last notification left it
    const read = await this.#store.partitionStates.readState(tp.topic, tp.partition);
    if (read !== null) ctx.setLeadership(tp, { state: read.state, zkVersion: read.zkVersion });
    if (!sameAssignment(current, reassignment)) {
      this.#log.info({ tp: partitionKey(tp), from: current, to: reassignment }, 'reassigning partition');
      await this.#writeAssignment(tp, reassignment);
      // replicas a replaced (or cancelled) reassignment had added and this one does not need
      const unneeded = current.replicas.filter((r) => !reassignment.replicas.includes(r));
      if (unneeded.length > 0) await this.#removeReplicas(tp, unneeded, batch);
    }
    if (isReassignmentComplete(reassignment, ctx.leadership(tp)?.state.isr)) {
      await this.#complete(tp, reassignment, batch);
    } else {
      await this.#startReplicas(tp, reassignment, batch);
    }
    this.#send(batch);
  }

  /**
   * Phase A: a new leader epoch and LeaderAndIsr to RS with AR and RR, so the leader knows its new followers and
   * they start copying (new replicas as isNew).
   */
  async #startReplicas(
    tp: TopicPartition,
    assignment: ZkReplicaAssignment,
    batch: ControllerRequestBatch,
  ): Promise<void> {
    const ctx = this.#context;
    const outcome = (await this.#partitions.change([tp], (_, s) => ({ leader: s.leader, isr: s.isr }))).get(
      partitionKey(tp),
    );
    if (outcome === undefined || typeof outcome === 'string') {
      this.#log.warn({ tp: partitionKey(tp), outcome }, 'reassignment waits: the partition has no state to bump');
      batch.addUpdateMetadata(ctx.liveOrShuttingDownBrokerIds(), [tp.topic]);
      return;
    }
    const registered = (r: number) => ctx.isLiveOrShuttingDown(r);
    batch.addLeaderAndIsr(originReplicas(assignment).filter(registered), tp);
    batch.addLeaderAndIsr(assignment.addingReplicas.filter(registered), tp, true);
  }

  /**
   * Phase B: RS = TRS in memory, one state write (leader from TRS if needed, RR out of the ISR, new epoch) told to
   * TRS, StopReplica with delete to RR, then RS = TRS in ZooKeeper.
   */
  async #complete(tp: TopicPartition, reassignment: ZkReplicaAssignment, batch: ControllerRequestBatch): Promise<void> {
    const ctx = this.#context;
    const completed = completedAssignment(reassignment);
    const removed = reassignment.removingReplicas;
    ctx.setAssignment(tp, completed);
    const outcome = (
      await this.#partitions.change([tp], (_, s) =>
        leadershipWithout(s, { remaining: completed.replicas, removed, isLive: (id) => ctx.isLive(id) }),
      )
    ).get(partitionKey(tp));
    const registered = (r: number) => ctx.isLiveOrShuttingDown(r);
    if (outcome !== undefined && typeof outcome !== 'string') {
      batch.addLeaderAndIsr(completed.replicas.filter(registered), tp);
    }
    batch.addStopReplica(removed.filter(registered), tp, true);
    await this.#writeAssignment(tp, completed);
    batch.addUpdateMetadata(ctx.liveOrShuttingDownBrokerIds(), [tp.topic]);
    this.#log.info(
      { tp: partitionKey(tp), replicas: completed.replicas, leader: ctx.leadership(tp)?.state.leader },
      'reassignment completed',
    );
  }

  /**
   * Replicas leaving the partition outside a completion: out of the ISR (and out of leadership, to a live ISR
   * member of what remains) with a new epoch told to the remaining replicas, then StopReplica with delete.
   */
  async #removeReplicas(tp: TopicPartition, removed: readonly number[], batch: ControllerRequestBatch): Promise<void> {
    const ctx = this.#context;
    const remaining = ctx.replicas(tp);
    const state = ctx.leadership(tp)?.state;
    const registered = (r: number) => ctx.isLiveOrShuttingDown(r);
    if (state !== undefined && (removed.includes(state.leader) || state.isr.some((r) => removed.includes(r)))) {
      await this.#partitions.change([tp], (_, s) =>
        leadershipWithout(s, { remaining, removed, isLive: (id) => ctx.isLive(id) }),
      );
      batch.addLeaderAndIsr(remaining.filter(registered), tp);
    }
    batch.addStopReplica(removed.filter(registered), tp, true);
  }

  /** Writes the partition's assignment to ZooKeeper (fenced), then to the context. */
  async #writeAssignment(tp: TopicPartition, assignment: ZkReplicaAssignment): Promise<void> {
    await this.#store.topics.updatePartitionAssignments(
      tp.topic,
      new Map([[tp.partition, assignment]]),
      this.#context.fence,
    );
    this.#context.setAssignment(tp, assignment);
  }
}

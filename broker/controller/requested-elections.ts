import { ErrorCode } from '../../protocol/index.js';
import type { Logger } from '../logger.js';
import { type ControllerContext, partitionKey, type TopicPartition } from './controller-context.js';
import type { ControllerRequestBatch } from './controller-requests.js';
import type { LeadershipChanges } from './leadership-changes.js';
import type { PartitionStateMachine } from './partition-state-machine.js';
import type { TopicDeletionManager } from './topic-deletion.js';

/** ElectLeaders' electionType (Kafka's ElectionType): 0 preferred, 1 unclean. */
export const ElectionType = { PREFERRED: 0, UNCLEAN: 1 } as const;
export type ElectionType = (typeof ElectionType)[keyof typeof ElectionType];

/** One partition's answer to ElectLeaders; `leader` is the elected broker when the election was done. */
export interface ElectionOutcome extends TopicPartition {
  readonly errorCode: ErrorCode;
  readonly errorMessage: string | null;
  readonly leader?: number;
}

export interface RequestedElectionsOptions {
  readonly context: ControllerContext;
  readonly partitions: PartitionStateMachine;
  readonly leadership: LeadershipChanges;
  readonly deletion: TopicDeletionManager;
  readonly logger: Logger;
  readonly newBatch: () => ControllerRequestBatch;
  readonly send: (batch: ControllerRequestBatch) => void;
}

const MESSAGES: Partial<Record<ErrorCode, string>> = {
  [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]: 'The partition does not exist.',
  [ErrorCode.INVALID_TOPIC_EXCEPTION]: 'The topic is being deleted.',
  [ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE]: 'The preferred replica is not live and in the ISR.',
  [ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE]: 'No live replica can lead the partition.',
};

/**
 * Leader elections an admin asks for with ElectLeaders (Kafka's processReplicaLeaderElection, AdminClientTriggered).
 * Preferred: the first replica of the assignment leads if it is live and in the ISR (LeadershipChanges does it, as
 * for the automatic rebalance); ELECTION_NOT_NEEDED where it leads already. Unclean: only partitions without a live
 * leader are elected, by the offline rules with an out-of-sync replica allowed whatever
 * unclean.leader.election.enable says (the admin asked for it; records it lacks are lost);
 * ELIGIBLE_LEADERS_NOT_AVAILABLE when no replica is live.
 *
 * Concurrency: runs inside controller events only.
 */
export class RequestedElections {
  readonly #options: RequestedElectionsOptions;
  readonly #log: Logger;

  constructor(options: RequestedElectionsOptions) {
    this.#options = options;
    this.#log = options.logger.child({ component: 'requested-elections' });
  }

  /** Elects leaders of `partitions` (every partition when null), answering each in order (once if named twice). */
  async elect(type: ElectionType, partitions: readonly TopicPartition[] | null): Promise<ElectionOutcome[]> {
    const ctx = this.#options.context;
    const unique = new Map((partitions ?? ctx.allPartitions()).map((tp) => [partitionKey(tp), tp]));
    const requested = [...unique.values()].map((tp) => ({ topic: tp.topic, partition: tp.partition }));
    const codes =
      type === ElectionType.PREFERRED
        ? await this.#options.leadership.electPreferred(requested)
        : await this.#electUnclean(requested);
    return requested.map((tp) => {
      const errorCode = codes.get(partitionKey(tp)) ?? ErrorCode.UNKNOWN_SERVER_ERROR;
      if (errorCode !== ErrorCode.NONE) return { ...tp, errorCode, errorMessage: MESSAGES[errorCode] ?? null };
      return { ...tp, errorCode, errorMessage: null, leader: ctx.leadership(tp)!.state.leader };
    });
  }

  async #electUnclean(partitions: readonly TopicPartition[]): Promise<Map<string, ErrorCode>> {
    const { context: ctx, deletion } = this.#options;
    const codes = new Map<string, ErrorCode>();
    const candidates: TopicPartition[] = [];
    for (const tp of partitions) {
      const key = partitionKey(tp);
      const leader = ctx.leadership(tp)?.state.leader;
      if (ctx.assignment(tp) === undefined) codes.set(key, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
      else if (deletion.isQueued(tp.topic)) codes.set(key, ErrorCode.INVALID_TOPIC_EXCEPTION);
      else if (leader !== undefined && ctx.isLive(leader)) codes.set(key, ErrorCode.ELECTION_NOT_NEEDED);
      else candidates.push(tp);
    }
    if (candidates.length === 0) return codes;
    this.#log.info({ partitions: candidates.map(partitionKey) }, 'unclean leader election requested');
    const batch = this.#options.newBatch();
    const outcomes = await this.#options.partitions.elect(candidates, 'unclean', batch);
    this.#options.send(batch);
    for (const tp of candidates) {
      const outcome = outcomes.get(partitionKey(tp));
      codes.set(
        partitionKey(tp),
        outcome !== undefined && 'leader' in outcome ? ErrorCode.NONE : ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE,
      );
    }
    return codes;
  }
}

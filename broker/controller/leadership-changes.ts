import { ErrorCode } from '../../protocol/index.js';
import type { BrokerConfig } from '../config.js';
import type { Logger } from '../logger.js';
import { type ControllerContext, partitionKey, type TopicPartition } from './controller-context.js';
import type { ControllerRequestBatch } from './controller-requests.js';
import type { PartitionStateMachine } from './partition-state-machine.js';
import type { TopicDeletionManager } from './topic-deletion.js';

/** The answer to ControlledShutdown (key 7). */
export interface ControlledShutdownResult {
  readonly errorCode: ErrorCode;
  /** Replicated partitions the broker still leads: it should try again before stopping. */
  readonly remaining: TopicPartition[];
}

export interface LeadershipChangesOptions {
  readonly context: ControllerContext;
  readonly partitions: PartitionStateMachine;
  readonly deletion: TopicDeletionManager;
  readonly config: BrokerConfig;
  readonly logger: Logger;
  readonly newBatch: () => ControllerRequestBatch;
  readonly send: (batch: ControllerRequestBatch) => void;
}

/**
 * What the controller does about partition leadership when brokers come and go or ask (Kafka's onBrokerStartup,
 * onBrokerFailure, doControlledShutdown, onReplicaElection and checkAndTriggerAutoLeaderRebalance): elections and
 * ISR changes through the {@link PartitionStateMachine}, and the requests that tell the brokers. Topics queued for
 * deletion are left alone.
 *
 * Concurrency: runs inside controller events only; the context already reflects the brokers' registrations.
 */
export class LeadershipChanges {
  readonly #context: ControllerContext;
  readonly #partitions: PartitionStateMachine;
  readonly #deletion: TopicDeletionManager;
  readonly #config: BrokerConfig;
  readonly #log: Logger;
  readonly #newBatch: () => ControllerRequestBatch;
  readonly #send: (batch: ControllerRequestBatch) => void;

  constructor(options: LeadershipChangesOptions) {
    this.#context = options.context;
    this.#partitions = options.partitions;
    this.#deletion = options.deletion;
    this.#config = options.config;
    this.#log = options.logger.child({ component: 'leadership-changes' });
    this.#newBatch = options.newBatch;
    this.#send = options.send;
  }

  /**
   * Kafka's onBrokerStartup: the whole metadata to the new brokers, the new broker list to the others,
   * LeaderAndIsr for every partition the new brokers host, then leaders for partitions that can have one now.
   */
  async onBrokerStartup(brokerIds: readonly number[]): Promise<void> {
    const ctx = this.#context;
    const deleting = (topic: string) => this.#deletion.isQueued(topic);
    const batch = this.#newBatch();
    batch.addUpdateMetadata(brokerIds, 'all');
    batch.addUpdateMetadata(ctx.liveOrShuttingDownBrokerIds(), []);
    for (const brokerId of brokerIds) {
      for (const tp of ctx.partitionsOnBroker(brokerId)) {
        if (!deleting(tp.topic) && ctx.leadership(tp) !== undefined) batch.addLeaderAndIsr([brokerId], tp);
      }
    }
    await this.#partitions.triggerOnlinePartitionStateChange(deleting, batch);
    this.#send(batch);
    this.#deletion.retryIneligible(brokerIds);
    await this.#deletion.resume();
  }

  /**
   * Kafka's onBrokerFailure: new leaders for the partitions the brokers led, the brokers out of every ISR (the
   * leaders told), the new broker list to everyone.
   */
  async onBrokerFailure(brokerIds: readonly number[]): Promise<void> {
    const ctx = this.#context;
    for (const id of brokerIds) ctx.shuttingDownBrokerIds.delete(id);
    this.#deletion.brokersFailed(brokerIds);
    const deleting = (topic: string) => this.#deletion.isQueued(topic);
    const batch = this.#newBatch();
    await this.#partitions.triggerOnlinePartitionStateChange(deleting, batch);
    const affected = brokerIds.flatMap((id) => ctx.partitionsOnBroker(id)).filter((tp) => !deleting(tp.topic));
    await this.removeFromIsrs((id) => brokerIds.includes(id), affected, batch);
    batch.addUpdateMetadata(ctx.liveOrShuttingDownBrokerIds(), []);
    this.#send(batch);
    await this.#deletion.resume();
  }

  /** Takes the replicas matching `offline` out of the ISRs of `partitions`. */
  async removeFromIsrs(
    offline: (brokerId: number) => boolean,
    partitions: readonly TopicPartition[],
    batch: ControllerRequestBatch,
  ): Promise<void> {
    const removals = new Map<string, { tp: TopicPartition; brokerIds: number[] }>();
    for (const tp of partitions) {
      const brokerIds = this.#context.replicas(tp).filter(offline);
      if (brokerIds.length > 0 && this.#context.leadership(tp) !== undefined) {
        removals.set(partitionKey(tp), { tp, brokerIds });
      }
    }
    if (removals.size > 0) await this.#partitions.removeReplicasFromIsr(removals, batch);
  }

  /** KafkaController.controlledShutdown, inside its event. */
  async controlledShutdown(brokerId: number, brokerEpoch: number): Promise<ControlledShutdownResult> {
    const ctx = this.#context;
    const broker = ctx.liveBrokers.get(brokerId);
    if (broker === undefined) return { errorCode: ErrorCode.BROKER_NOT_AVAILABLE, remaining: [] };
    // -1: an old request version without the epoch
    if (brokerEpoch !== -1 && brokerEpoch < broker.epoch) {
      return { errorCode: ErrorCode.STALE_BROKER_EPOCH, remaining: [] };
    }
    ctx.shuttingDownBrokerIds.add(brokerId);
    this.#log.info({ broker: brokerId }, 'controlled shutdown');
    const replicated = (tp: TopicPartition) => ctx.replicas(tp).length > 1 && !this.#deletion.isQueued(tp.topic);
    const actOn = ctx.partitionsOnBroker(brokerId).filter((tp) => replicated(tp) && ctx.leadership(tp) !== undefined);
    const led = actOn.filter((tp) => ctx.leadership(tp)!.state.leader === brokerId);
    const followed = actOn.filter((tp) => ctx.leadership(tp)!.state.leader !== brokerId);
    const batch = this.#newBatch();
    await this.#partitions.elect(led, 'controlledShutdown', batch);
    for (const tp of followed) batch.addStopReplica([brokerId], tp, false);
    await this.removeFromIsrs((id) => id === brokerId, followed, batch);
    this.#send(batch);
    // Unlike Kafka, a partition whose other replicas are all down is not reported: no retry could move it (the
    // last broker of a cluster going down would otherwise wait out every attempt), just as with one replica.
    const takeable = (tp: TopicPartition) => ctx.replicas(tp).some((r) => r !== brokerId && ctx.isLive(r));
    const remaining = ctx
      .partitionsOnBroker(brokerId)
      .filter((tp) => replicated(tp) && takeable(tp) && ctx.leadership(tp)?.state.leader === brokerId);
    return { errorCode: ErrorCode.NONE, remaining };
  }

  /** KafkaController.electPreferredLeaders, inside its event. */
  async electPreferred(partitions: readonly TopicPartition[] | null): Promise<Map<string, ErrorCode>> {
    const ctx = this.#context;
    const results = new Map<string, ErrorCode>();
    const candidates: TopicPartition[] = [];
    for (const tp of partitions ?? ctx.allPartitions()) {
      const key = partitionKey(tp);
      if (ctx.assignment(tp) === undefined) results.set(key, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
      else if (this.#deletion.isQueued(tp.topic)) results.set(key, ErrorCode.INVALID_TOPIC_EXCEPTION);
      else if (ctx.leadership(tp)?.state.leader === ctx.replicas(tp)[0])
        results.set(key, ErrorCode.ELECTION_NOT_NEEDED);
      else candidates.push({ topic: tp.topic, partition: tp.partition });
    }
    const batch = this.#newBatch();
    const outcomes = await this.#partitions.elect(candidates, 'preferred', batch);
    this.#send(batch);
    for (const tp of candidates) {
      const outcome = outcomes.get(partitionKey(tp));
      results.set(
        partitionKey(tp),
        outcome !== undefined && 'leader' in outcome ? ErrorCode.NONE : ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE,
      );
    }
    return results;
  }

  /**
   * Kafka's checkAndTriggerAutoLeaderRebalance: per preferred broker, when the share of its partitions led by
   * another broker exceeds leader.imbalance.per.broker.percentage, those whose preferred replica can lead move back.
   */
  async checkLeaderImbalance(): Promise<void> {
    const ctx = this.#context;
    const byPreferred = new Map<number, TopicPartition[]>();
    for (const tp of ctx.allPartitions()) {
      const preferred = ctx.replicas(tp)[0];
      if (preferred === undefined || this.#deletion.isQueued(tp.topic)) continue;
      let partitions = byPreferred.get(preferred);
      if (partitions === undefined) byPreferred.set(preferred, (partitions = []));
      partitions.push(tp);
    }
    const threshold = this.#config.leaderImbalancePerBrokerPercentage / 100;
    const toElect: TopicPartition[] = [];
    for (const [brokerId, partitions] of byPreferred) {
      const elsewhere = partitions.filter((tp) => {
        const leadership = ctx.leadership(tp);
        return leadership !== undefined && leadership.state.leader !== brokerId;
      });
      if (elsewhere.length / partitions.length <= threshold) continue;
      toElect.push(
        ...elsewhere.filter((tp) => ctx.isLive(brokerId) && ctx.leadership(tp)!.state.isr.includes(brokerId)),
      );
    }
    if (toElect.length === 0) return;
    this.#log.info({ partitions: toElect.map(partitionKey) }, 'leader imbalance: moving leadership back');
    await this.electPreferred(toElect);
  }
}

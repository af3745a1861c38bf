import type { BrokerConfig } from '../config.js';
import type { Logger } from '../logger.js';
import { LeaderRecoveryState, type ZkPartitionState } from '../zk/index.js';
import type { KafkaZkStore } from '../zk/kafka-zk-store.js';
import {
  type ControllerContext,
  type PartitionLeadership,
  partitionKey,
  type TopicPartition,
} from './controller-context.js';
import type { ControllerRequestBatch } from './controller-requests.js';
import {
  electControlledShutdownLeader,
  electOfflineLeader,
  electPreferredLeader,
  type ElectedLeader,
  type ElectionInput,
  type ElectionStrategy,
  hasCleanLeader,
  nextPartitionState,
  withoutReplica,
} from './partition-leader-election.js';

/** Why a partition's state did not change. */
export type ElectionFailure = 'noLeadership' | 'noEligibleLeader' | 'conflict';

/** Per partition key: the new leader, or why there is none. */
export type ElectionResults = Map<string, { readonly leader: number } | { readonly failure: ElectionFailure }>;

/** What a state change computes for one partition: a new state, nothing to do, or a failure. */
type Decision = ZkPartitionState | 'unchanged' | ElectionFailure;

/**
 * Rounds of re-reading a partition state another writer (its leader, changing the ISR) moved under a conditional
 * write; Kafka retries until done, a bound keeps a wedged znode from stalling the event queue.
 */
const MAX_WRITE_ROUNDS = 10;

const UNCLEAN_KEY = 'unclean.leader.election.enable';

/**
 * Writes partition leadership to ZooKeeper for the controller (Kafka's ZkPartitionStateMachine and the ISR part of
 * ZkReplicaStateMachine): initial states of new partitions, leader elections, and removal of offline replicas from
 * ISRs. Every write is conditional on the zkVersion the context holds and fenced by the controller epoch; a `stale`
 * answer (the leader changed the ISR meanwhile) re-reads the state and decides again. Successful changes update the
 * context and add LeaderAndIsr (to the partition's registered replicas) and UpdateMetadata (to every broker) to the
 * batch; topics queued for deletion are the caller's to leave out.
 *
 * Concurrency: runs inside controller events only. A ControllerMovedError from a fenced write propagates.
 */
export class PartitionStateMachine {
  readonly #context: ControllerContext;
  readonly #store: KafkaZkStore;
  readonly #config: BrokerConfig;
  readonly #log: Logger;

  constructor(options: {
    readonly context: ControllerContext;
    readonly store: KafkaZkStore;
    readonly config: BrokerConfig;
    readonly logger: Logger;
  }) {
    this.#context = options.context;
    this.#store = options.store;
    this.#config = options.config;
    this.#log = options.logger.child({ component: 'partition-state-machine' });
  }

  /**
   * Creates the first state of partitions that have none (Kafka's NewPartition → OnlinePartition): leader the first
   * live replica in assignment order, ISR the live replicas, leader epoch 0. A partition without a live replica stays
   * without state until one registers. Returns the partitions initialised.
   */
  async initialize(partitions: readonly TopicPartition[], batch: ControllerRequestBatch): Promise<TopicPartition[]> {
    const ctx = this.#context;
    const byTopic = new Map<string, Map<number, ZkPartitionState>>();
    for (const tp of partitions) {
      if (ctx.leadership(tp) !== undefined) continue;
      const live = ctx.replicas(tp).filter((r) => ctx.isLive(r));
      if (live.length === 0) {
        this.#log.warn({ tp: partitionKey(tp), replicas: ctx.replicas(tp) }, 'no live replica to lead a new partition');
        continue;
      }
      let states = byTopic.get(tp.topic);
      if (states === undefined) byTopic.set(tp.topic, (states = new Map<number, ZkPartitionState>()));
      states.set(tp.partition, {
        leader: live[0]!,
        leaderEpoch: 0,
        isr: live,
        controllerEpoch: ctx.epoch,
        leaderRecoveryState: LeaderRecoveryState.RECOVERED,
      });
    }
    const initialised: TopicPartition[] = [];
    for (const [topic, states] of byTopic) {
      const outcomes = await this.#store.partitionStates.createStates(topic, states, ctx.fence);
      for (const [partition, outcome] of outcomes) {
        const tp = { topic, partition };
        if (outcome.outcome === 'created') {
          ctx.setLeadership(tp, { state: states.get(partition)!, zkVersion: outcome.zkVersion });
          batch.addLeaderAndIsr(this.#recipients(tp), tp, true);
          initialised.push(tp);
          continue;
        }
        // created by an earlier controller whose context we never saw: take it as it is
        const read = await this.#store.partitionStates.readState(topic, partition);
        if (read === null) continue;
        ctx.setLeadership(tp, { state: read.state, zkVersion: read.zkVersion });
        batch.addLeaderAndIsr(this.#recipients(tp), tp);
      }
    }
    if (initialised.length > 0) {
      this.#log.info({ partitions: initialised.map(partitionKey) }, 'initialised new partitions');
    }
    return initialised;
  }

  /**
   * Kafka's triggerOnlinePartitionStateChange: initialises partitions without state and elects a leader for those
   * whose leader is not live, skipping `skipTopic` (topics being deleted).
   */
  async triggerOnlinePartitionStateChange(
    skipTopic: (topic: string) => boolean,
    batch: ControllerRequestBatch,
  ): Promise<void> {
    const ctx = this.#context;
    const candidates = ctx.allPartitions().filter((tp) => !skipTopic(tp.topic));
    await this.initialize(
      candidates.filter((tp) => ctx.leadership(tp) === undefined),
      batch,
    );
    const offline = candidates.filter((tp) => {
      const leadership = ctx.leadership(tp);
      return leadership !== undefined && !ctx.isLive(leadership.state.leader);
    });
    if (offline.length > 0) await this.elect(offline, 'offline', batch);
  }

  /** Elects leaders for `partitions` with `strategy`; partitions whose election finds no one keep their state. */
  async elect(
    partitions: readonly TopicPartition[],
    strategy: ElectionStrategy,
    batch: ControllerRequestBatch,
  ): Promise<ElectionResults> {
    const ctx = this.#context;
    const uncleanByTopic = new Map<string, boolean>();
    const results: ElectionResults = new Map();
    const outcomes = await this.#write(partitions, async (tp, current) => {
      const input: ElectionInput = {
        replicas: ctx.replicas(tp),
        isr: current.state.isr,
        isLive: (id) => ctx.isLive(id),
      };
      let elected: ElectedLeader | null;
      if (strategy === 'preferred') {
        elected = electPreferredLeader(input);
      } else if (strategy === 'controlledShutdown') {
        elected = electControlledShutdownLeader({
          ...input,
          isShuttingDown: (id) => ctx.shuttingDownBrokerIds.has(id),
        });
      } else if (strategy === 'unclean') {
        elected = electOfflineLeader(input, true);
      } else {
        // the topic's setting is read only when an unclean election is the only way to a leader, as Kafka does
        let unclean = false;
        if (!hasCleanLeader(input)) {
          unclean = uncleanByTopic.get(tp.topic) ?? (await this.#uncleanElectionEnabled(tp.topic));
          uncleanByTopic.set(tp.topic, unclean);
        }
        elected = electOfflineLeader(input, unclean);
      }
      if (elected === null) return 'noEligibleLeader';
      if (elected.unclean) {
        this.#log.warn(
          { tp: partitionKey(tp), leader: elected.leader, isr: current.state.isr },
          'unclean leader election: an out-of-sync replica leads, records it lacks are lost',
        );
      }
      return nextPartitionState(current.state, elected, ctx.epoch);
    });
    for (const [key, outcome] of outcomes) {
      // an election always decides a new state or fails; 'unchanged' is only for ISR removal
      if (outcome === 'unchanged') continue;
      if (typeof outcome === 'string') {
        results.set(key, { failure: outcome });
        continue;
      }
      results.set(key, { leader: outcome.state.leader });
      batch.addLeaderAndIsr(this.#recipients(outcome.tp), outcome.tp);
    }
    const elected = [...results].filter(([, r]) => 'leader' in r);
    if (elected.length > 0) {
      this.#log.info(
        { strategy, leaders: Object.fromEntries(elected.map(([k, r]) => [k, (r as { leader: number }).leader])) },
        'elected partition leaders',
      );
    }
    return results;
  }

  /**
   * Writes the leader and ISR `decide` computes from each partition's current state, with the next leader epoch
   * (the steps of a reassignment, which bump the epoch even when nothing else changes, so that the replicas take
   * the new replica set). Answers per partition key the written leadership, or why none was written; the caller
   * adds the requests that tell the brokers.
   */
  async change(
    partitions: readonly TopicPartition[],
    decide: (tp: TopicPartition, current: ZkPartitionState) => { leader: number; isr: readonly number[] },
  ): Promise<Map<string, PartitionLeadership | ElectionFailure>> {
    const epoch = this.#context.epoch;
    const outcomes = await this.#write(partitions, (tp, current) =>
      nextPartitionState(current.state, decide(tp, current.state), epoch),
    );
    const results = new Map<string, PartitionLeadership | ElectionFailure>();
    for (const [key, outcome] of outcomes) {
      // decide always answers a state: 'unchanged' cannot come back
      if (outcome !== 'unchanged') results.set(key, outcome);
    }
    return results;
  }

  /**
   * Takes `brokerIds` out of the ISR of each partition (and out of leadership: no leader then), as when replicas go
   * offline (Kafka's OfflineReplica transition). The partition's other registered replicas are told.
   */
  async removeReplicasFromIsr(
    replicas: ReadonlyMap<string, { readonly tp: TopicPartition; readonly brokerIds: readonly number[] }>,
    batch: ControllerRequestBatch,
  ): Promise<void> {
    const ctx = this.#context;
    const partitions = [...replicas.values()].map((r) => r.tp);
    const outcomes = await this.#write(partitions, (tp, current) => {
      let change: { leader: number; isr: readonly number[] } | null = null;
      for (const brokerId of replicas.get(partitionKey(tp))!.brokerIds) {
        change = withoutReplica(change ?? current.state, brokerId) ?? change;
      }
      return change === null ? 'unchanged' : nextPartitionState(current.state, change, ctx.epoch);
    });
    const changed: string[] = [];
    for (const [key, outcome] of outcomes) {
      if (typeof outcome === 'string') continue;
      const removed = replicas.get(key)!.brokerIds;
      batch.addLeaderAndIsr(
        this.#recipients(outcome.tp).filter((r) => !removed.includes(r)),
        outcome.tp,
      );
      changed.push(key);
    }
    if (changed.length > 0) this.#log.info({ partitions: changed }, 'removed offline replicas from ISRs');
  }

  /**
   * Decides and writes the new state of each partition; stale writes re-read and decide again. Answers per
   * partition key the written leadership (with its partition) or why nothing was written.
   */
  async #write(
    partitions: readonly TopicPartition[],
    decide: (tp: TopicPartition, current: PartitionLeadership) => Decision | Promise<Decision>,
  ): Promise<Map<string, (PartitionLeadership & { readonly tp: TopicPartition }) | ElectionFailure | 'unchanged'>> {
    const ctx = this.#context;
    const results = new Map<string, (PartitionLeadership & { tp: TopicPartition }) | ElectionFailure | 'unchanged'>();
    let pending = [...partitions];
    for (let round = 0; pending.length > 0; round++) {
      if (round === MAX_WRITE_ROUNDS) {
        this.#log.error({ partitions: pending.map(partitionKey) }, 'partition states kept moving; giving up');
        for (const tp of pending) results.set(partitionKey(tp), 'conflict');
        break;
      }
      const updates: { tp: TopicPartition; state: ZkPartitionState; expectedZkVersion: number }[] = [];
      for (const tp of pending) {
        const current = ctx.leadership(tp);
        const decision = current === undefined ? 'noLeadership' : await decide(tp, current);
        if (typeof decision === 'string') results.set(partitionKey(tp), decision);
        else updates.push({ tp, state: decision, expectedZkVersion: current!.zkVersion });
      }
      const outcomes = await this.#store.partitionStates.updateStates(
        updates.map((u) => ({ ...u.tp, state: u.state, expectedZkVersion: u.expectedZkVersion })),
        ctx.fence,
      );
      const stale: TopicPartition[] = [];
      for (const u of updates) {
        const outcome = outcomes.get(partitionKey(u.tp))!;
        if (outcome.outcome === 'stale') {
          stale.push(u.tp);
          continue;
        }
        const leadership = { state: u.state, zkVersion: outcome.zkVersion };
        ctx.setLeadership(u.tp, leadership);
        results.set(partitionKey(u.tp), { ...leadership, tp: u.tp });
      }
      pending = [];
      const reread = new Set<string>();
      for (const read of await this.#store.partitionStates.readStates(stale)) {
        ctx.setLeadership(read, { state: read.state, zkVersion: read.zkVersion });
        pending.push({ topic: read.topic, partition: read.partition });
        reread.add(partitionKey(read));
      }
      // a state deleted under the write: its topic is going away
      for (const tp of stale) if (!reread.has(partitionKey(tp))) results.set(partitionKey(tp), 'noLeadership');
    }
    return results;
  }

  /** The partition's registered replicas (a shutting-down one too: it learns it no longer leads). */
  #recipients(tp: TopicPartition): number[] {
    return this.#context.replicas(tp).filter((r) => this.#context.isLiveOrShuttingDown(r));
  }

  /** unclean.leader.election.enable: the topic's override, else the broker default. */
  async #uncleanElectionEnabled(topic: string): Promise<boolean> {
    const override = (await this.#store.topics.readConfig(topic))[UNCLEAN_KEY];
    if (override === undefined) return this.#config.uncleanLeaderElectionEnable;
    return override.trim().toLowerCase() === 'true';
  }
}

import type { LeaderAndIsr, RequestInput, StopReplica, UpdateMetadata } from '../../protocol/index.js';
import { interBrokerEndpoint } from '../cluster/inter-broker-endpoint.js';
import { type ControllerContext, partitionKey, type TopicPartition } from './controller-context.js';

/** Fixed versions: the peers are our own brokers. LeaderAndIsr v6 has topic ids and the leader recovery state. */
export const LEADER_AND_ISR_VERSION = 6;
/** UpdateMetadata v7 has topic ids. */
export const UPDATE_METADATA_VERSION = 7;
/** StopReplica v3 has per-partition leader epochs and delete flags. */
export const STOP_REPLICA_VERSION = 3;

/** Kafka's LeaderAndIsr.LeaderDuringDelete: in UpdateMetadata, the partition's topic is being deleted. */
export const LEADER_DURING_DELETE = -2;
/** Kafka's LeaderAndIsr.EpochDuringDelete: StopReplica of a deleted topic skips the leader epoch check. */
export const EPOCH_DURING_DELETE = -2;
/** Kafka's LeaderAndIsr.NoEpoch: StopReplica without a known leader epoch. */
const NO_EPOCH = -1;

/** Kafka's SecurityProtocol ids, as UpdateMetadata carries them. */
const SECURITY_PROTOCOL_IDS: Readonly<Record<string, number>> = {
  PLAINTEXT: 0,
  SSL: 1,
  SASL_PLAINTEXT: 2,
  SASL_SSL: 3,
};

export type LeaderAndIsrRequest = RequestInput<typeof LeaderAndIsr>;
export type UpdateMetadataRequest = RequestInput<typeof UpdateMetadata>;
export type StopReplicaRequest = RequestInput<typeof StopReplica>;

/** The requests of one batch for one broker, to be sent in this order. */
export interface BrokerRequests {
  readonly brokerId: number;
  readonly leaderAndIsr: LeaderAndIsrRequest | null;
  readonly updateMetadata: UpdateMetadataRequest | null;
  readonly stopReplica: StopReplicaRequest | null;
}

interface StopEntry {
  readonly tp: TopicPartition;
  readonly deletePartition: boolean;
}

/**
 * The requests a controller decision produces, gathered per broker and built when sent (Kafka's
 * ControllerBrokerRequestBatch): one LeaderAndIsr, one UpdateMetadata and one StopReplica per broker at most, each
 * built from the context as it is at {@link build} time, so a batch carries the latest leadership.
 *
 * Conventions the broker side relies on: a LeaderAndIsr partition goes with an UpdateMetadata of its topic to every
 * live broker; UpdateMetadata lists every live broker, and every partition (with leadership) of each topic it names;
 * a topic queued for deletion appears with leader {@link LEADER_DURING_DELETE} on every partition. Per broker the
 * order is LeaderAndIsr, UpdateMetadata, StopReplica, so a broker learns it leads before clients are sent to it.
 *
 * Concurrency: built and sent within one controller event.
 */
export class ControllerRequestBatch {
  readonly #context: ControllerContext;
  readonly #controllerId: number;
  readonly #isDeleting: (topic: string) => boolean;
  readonly #interBrokerListener: string | null;
  readonly #leaderAndIsr = new Map<number, Map<string, { tp: TopicPartition; isNew: boolean }>>();
  readonly #updateMetadata = new Map<number, Set<string> | 'all'>();
  readonly #stopReplica = new Map<number, Map<string, StopEntry>>();

  constructor(options: {
    readonly context: ControllerContext;
    readonly controllerId: number;
    readonly interBrokerListenerName: string | null;
    readonly isTopicQueuedForDeletion: (topic: string) => boolean;
  }) {
    this.#context = options.context;
    this.#controllerId = options.controllerId;
    this.#interBrokerListener = options.interBrokerListenerName;
    this.#isDeleting = options.isTopicQueuedForDeletion;
  }

  /** LeaderAndIsr for `tp` to `brokerIds`, and its topic's metadata to every live broker. */
  addLeaderAndIsr(brokerIds: Iterable<number>, tp: TopicPartition, isNew = false): void {
    for (const brokerId of brokerIds) {
      let entries = this.#leaderAndIsr.get(brokerId);
      if (entries === undefined)
        this.#leaderAndIsr.set(brokerId, (entries = new Map<string, { tp: TopicPartition; isNew: boolean }>()));
      const key = partitionKey(tp);
      entries.set(key, { tp, isNew: isNew || entries.get(key)?.isNew === true });
    }
    this.addUpdateMetadata(this.#context.liveOrShuttingDownBrokerIds(), [tp.topic]);
  }

  /** UpdateMetadata to `brokerIds` with `topics` ('all': every topic); always with the whole live broker list. */
  addUpdateMetadata(brokerIds: Iterable<number>, topics: Iterable<string> | 'all'): void {
    for (const brokerId of brokerIds) {
      const current = this.#updateMetadata.get(brokerId);
      if (current === 'all') continue;
      if (topics === 'all') {
        this.#updateMetadata.set(brokerId, 'all');
        continue;
      }
      const set = current ?? new Set<string>();
      for (const t of topics) set.add(t);
      this.#updateMetadata.set(brokerId, set);
    }
  }

  /** StopReplica for `tp` to `brokerIds`; `deletePartition` also deletes the replica's log. */
  addStopReplica(brokerIds: Iterable<number>, tp: TopicPartition, deletePartition: boolean): void {
    for (const brokerId of brokerIds) {
      let entries = this.#stopReplica.get(brokerId);
      if (entries === undefined) this.#stopReplica.set(brokerId, (entries = new Map<string, StopEntry>()));
      const key = partitionKey(tp);
      entries.set(key, { tp, deletePartition: deletePartition || entries.get(key)?.deletePartition === true });
    }
  }

  /** The requests per registered broker (unregistered ones are left out), from the context as it is now. */
  build(): BrokerRequests[] {
    const brokerIds = new Set([
      ...this.#leaderAndIsr.keys(),
      ...this.#updateMetadata.keys(),
      ...this.#stopReplica.keys(),
    ]);
    const out: BrokerRequests[] = [];
    for (const brokerId of [...brokerIds].sort((a, b) => a - b)) {
      const broker = this.#context.liveBrokers.get(brokerId);
      if (broker === undefined) continue;
      const leaderAndIsr = this.#leaderAndIsr.get(brokerId);
      const updateMetadata = this.#updateMetadata.get(brokerId);
      const stopReplica = this.#stopReplica.get(brokerId);
      out.push({
        brokerId,
        leaderAndIsr:
          leaderAndIsr === undefined ? null : this.#buildLeaderAndIsr(broker.epoch, [...leaderAndIsr.values()]),
        updateMetadata: updateMetadata === undefined ? null : this.#buildUpdateMetadata(broker.epoch, updateMetadata),
        stopReplica: stopReplica === undefined ? null : this.#buildStopReplica(broker.epoch, [...stopReplica.values()]),
      });
    }
    return out;
  }

  #buildLeaderAndIsr(
    brokerEpoch: number,
    entries: readonly { tp: TopicPartition; isNew: boolean }[],
  ): LeaderAndIsrRequest | null {
    const ctx = this.#context;
    const byTopic = new Map<string, LeaderAndIsrRequest['topicStates'] & object>();
    const leaders = new Set<number>();
    for (const { tp, isNew } of entries) {
      const leadership = ctx.leadership(tp);
      const assignment = ctx.assignment(tp);
      const topic = ctx.topics.get(tp.topic);
      if (leadership === undefined || assignment === undefined || topic === undefined) continue;
      const { state } = leadership;
      if (state.leader >= 0) leaders.add(state.leader);
      let topicStates = byTopic.get(tp.topic);
      if (topicStates === undefined) byTopic.set(tp.topic, (topicStates = []));
      if (topicStates.length === 0) {
        topicStates.push({ topicName: tp.topic, topicId: topic.topicId, partitionStates: [] });
      }
      topicStates[0]!.partitionStates.push({
        partitionIndex: tp.partition,
        controllerEpoch: state.controllerEpoch,
        leader: state.leader,
        leaderEpoch: state.leaderEpoch,
        isr: [...state.isr],
        partitionEpoch: leadership.zkVersion,
        replicas: [...assignment.replicas],
        addingReplicas: [...assignment.addingReplicas],
        removingReplicas: [...assignment.removingReplicas],
        isNew,
        leaderRecoveryState: state.leaderRecoveryState,
      });
    }
    if (byTopic.size === 0) return null;
    const liveLeaders: LeaderAndIsrRequest['liveLeaders'] = [];
    for (const brokerId of [...leaders].sort((a, b) => a - b)) {
      const broker = ctx.liveBrokers.get(brokerId);
      const endpoint =
        broker === undefined ? undefined : interBrokerEndpoint(broker.metadata, this.#interBrokerListener);
      if (endpoint !== undefined) liveLeaders.push({ brokerId, hostName: endpoint.host, port: endpoint.port });
    }
    return {
      controllerId: this.#controllerId,
      controllerEpoch: ctx.epoch,
      brokerEpoch,
      topicStates: [...byTopic.values()].flat(),
      liveLeaders,
    };
  }

  #buildUpdateMetadata(brokerEpoch: number, topics: ReadonlySet<string> | 'all'): UpdateMetadataRequest {
    const ctx = this.#context;
    const names = topics === 'all' ? [...ctx.topics.keys()].sort() : [...topics].sort();
    const topicStates: UpdateMetadataRequest['topicStates'] = [];
    for (const name of names) {
      const topic = ctx.topics.get(name);
      if (topic === undefined) continue;
      const deleting = this.#isDeleting(name);
      const partitionStates: NonNullable<UpdateMetadataRequest['topicStates']>[number]['partitionStates'] = [];
      for (const tp of ctx.partitionsOf(name)) {
        const leadership = ctx.leadership(tp);
        // a topic being deleted leaves every broker's cache whole, including partitions never given a leader
        if (leadership === undefined && !deleting) continue;
        partitionStates.push({
          partitionIndex: tp.partition,
          controllerEpoch: leadership?.state.controllerEpoch ?? ctx.epoch,
          leader: deleting ? LEADER_DURING_DELETE : leadership!.state.leader,
          leaderEpoch: leadership?.state.leaderEpoch ?? NO_EPOCH,
          isr: [...(leadership?.state.isr ?? [])],
          zkVersion: leadership?.zkVersion ?? -1,
          replicas: [...ctx.replicas(tp)],
          offlineReplicas: ctx.offlineReplicas(tp),
        });
      }
      if (partitionStates.length > 0) topicStates.push({ topicName: name, topicId: topic.topicId, partitionStates });
    }
    return {
      controllerId: this.#controllerId,
      controllerEpoch: ctx.epoch,
      brokerEpoch,
      topicStates,
      liveBrokers: ctx.liveOrShuttingDownBrokerIds().map((id) => {
        const { metadata } = ctx.liveBrokers.get(id)!;
        return {
          id,
          endpoints: metadata.endpoints.map((e) => ({
            port: e.port,
            host: e.host,
            listener: e.listenerName,
            securityProtocol: SECURITY_PROTOCOL_IDS[e.securityProtocol] ?? 0,
          })),
          rack: metadata.rack,
        };
      }),
    };
  }

  #buildStopReplica(brokerEpoch: number, entries: readonly StopEntry[]): StopReplicaRequest {
    const ctx = this.#context;
    const byTopic = new Map<string, NonNullable<StopReplicaRequest['topicStates']>[number]['partitionStates']>();
    for (const { tp, deletePartition } of entries) {
      let partitionStates = byTopic.get(tp.topic);
      if (partitionStates === undefined) byTopic.set(tp.topic, (partitionStates = []));
      const deleting = deletePartition && this.#isDeleting(tp.topic);
      partitionStates.push({
        partitionIndex: tp.partition,
        leaderEpoch: deleting ? EPOCH_DURING_DELETE : (ctx.leadership(tp)?.state.leaderEpoch ?? NO_EPOCH),
        deletePartition,
      });
    }
    return {
      controllerId: this.#controllerId,
      controllerEpoch: ctx.epoch,
      brokerEpoch,
      topicStates: [...byTopic].map(([topicName, partitionStates]) => ({ topicName, partitionStates })),
    };
  }
}

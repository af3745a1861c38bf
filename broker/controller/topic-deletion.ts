import { ErrorCode } from '../../protocol/index.js';
import type { Logger } from '../logger.js';
import { type ZkClient, ZkNoNodeError, ZkPaths } from '../zk/index.js';
import { type KafkaZkStore, multiBehind } from '../zk/kafka-zk-store.js';
import type { ControllerContext, TopicPartition } from './controller-context.js';
import type { ControllerRequestBatch, StopReplicaRequest } from './controller-requests.js';
import type { ResponseOf, StopReplica } from '../../protocol/index.js';

/** Where one replica of a topic being deleted is: asked to delete, done, or to be asked again later. */
type ReplicaDeletionState = 'started' | 'successful' | 'ineligible';

export interface TopicDeletionOptions {
  readonly context: ControllerContext;
  readonly store: KafkaZkStore;
  readonly zk: ZkClient;
  /** delete.topic.enable */
  readonly enabled: boolean;
  readonly logger: Logger;
  readonly newBatch: () => ControllerRequestBatch;
  readonly sendBatch: (batch: ControllerRequestBatch) => void;
  /** A registered broker failed to delete a replica: ask for a retryIneligible() + resume() a little later. */
  readonly retryLater: () => void;
}

/**
 * Topic deletion (Kafka's TopicDeletionManager). A topic marked in `/admin/delete_topics` is queued; its deletion
 * starts with UpdateMetadata to every broker (leader LeaderDuringDelete: brokers stop serving it), then StopReplica
 * with delete to each replica. Its znodes (assignment, partition states, config, marker) are deleted only once every
 * replica answered that it deleted its log, so no broker keeps an orphaned log: a replica on a broker that is not
 * registered, or that failed, is ineligible until the broker registers again (or a retry), as in Kafka. Meanwhile
 * the topic's partitions take part in no election. With delete.topic.enable off, markers are removed and logged.
 *
 * Concurrency: runs inside controller events only; StopReplica answers come back as events.
 */
export class TopicDeletionManager {
  readonly #options: TopicDeletionOptions;
  readonly #context: ControllerContext;
  readonly #log: Logger;
  readonly #queued = new Set<string>();
  /** Topics whose UpdateMetadata (LeaderDuringDelete) went out. */
  readonly #started = new Set<string>();
  /** Per topic: `<partition>/<brokerId>` → state; a replica absent is yet to be asked. */
  readonly #replicas = new Map<string, Map<string, ReplicaDeletionState>>();

  constructor(options: TopicDeletionOptions) {
    this.#options = options;
    this.#context = options.context;
    this.#log = options.logger.child({ component: 'topic-deletion' });
  }

  isQueued(topic: string): boolean {
    return this.#queued.has(topic);
  }

  /**
   * Queues the topics named by deletion markers (all markers at failover, or the current ones on a watch); resume()
   * starts their deletion. Markers of unknown topics, or all markers when deletion is disabled, are removed.
   */
  async enqueue(markers: readonly string[]): Promise<void> {
    const fresh = markers.filter((t) => !this.#queued.has(t));
    if (fresh.length === 0) return;
    if (!this.#options.enabled) {
      this.#log.warn({ topics: fresh }, 'delete.topic.enable is false: removing the deletion markers');
      await this.#deleteMarkers(fresh);
      return;
    }
    const unknown = fresh.filter((t) => !this.#context.topics.has(t));
    if (unknown.length > 0) {
      this.#log.warn({ topics: unknown }, 'removing deletion markers of topics that do not exist');
      await this.#deleteMarkers(unknown);
    }
    const known = fresh.filter((t) => this.#context.topics.has(t));
    for (const topic of known) {
      this.#queued.add(topic);
      this.#replicas.set(topic, new Map());
    }
    if (known.length > 0) this.#log.info({ topics: known }, 'topics queued for deletion');
  }

  /** Moves every queued topic on: completes those fully deleted, asks the replicas not yet asked. */
  async resume(): Promise<void> {
    const ctx = this.#context;
    const batch = this.#options.newBatch();
    for (const topic of [...this.#queued]) {
      const states = this.#replicas.get(topic)!;
      const replicas = this.#replicasOf(topic);
      if (replicas.every(({ key }) => states.get(key) === 'successful')) {
        await this.#complete(topic);
        continue;
      }
      if (!this.#started.has(topic)) {
        this.#started.add(topic);
        batch.addUpdateMetadata(ctx.liveOrShuttingDownBrokerIds(), [topic]);
      }
      const ineligible: string[] = [];
      for (const { key, tp, brokerId } of replicas) {
        const state = states.get(key);
        if (state !== undefined) {
          if (state === 'ineligible') ineligible.push(key);
          continue;
        }
        if (!ctx.isLiveOrShuttingDown(brokerId)) {
          states.set(key, 'ineligible');
          ineligible.push(key);
          continue;
        }
        batch.addStopReplica([brokerId], tp, true);
        states.set(key, 'started');
      }
      if (ineligible.length > 0) {
        this.#log.info({ topic, replicas: ineligible }, 'topic deletion waits for replicas that are offline or failed');
      }
    }
    this.#options.sendBatch(batch);
  }

  /** A StopReplica answer from `brokerId`: its replicas of queued topics are deleted, or ineligible on error. */
  onStopReplicaResponse(brokerId: number, request: StopReplicaRequest, response: ResponseOf<typeof StopReplica>): void {
    let failed = false;
    for (const topicState of request.topicStates ?? []) {
      const states = this.#replicas.get(topicState.topicName);
      if (states === undefined) continue;
      for (const p of topicState.partitionStates) {
        if (!p.deletePartition) continue;
        const partitionError = response.partitionErrors.find(
          (e) => e.topicName === topicState.topicName && e.partitionIndex === p.partitionIndex,
        );
        const code = response.errorCode !== ErrorCode.NONE ? response.errorCode : (partitionError?.errorCode ?? 0);
        const key = replicaKey(p.partitionIndex, brokerId);
        if (states.get(key) !== 'started') continue;
        states.set(key, code === ErrorCode.NONE ? 'successful' : 'ineligible');
        if (code !== ErrorCode.NONE) {
          failed = true;
          this.#log.warn({ topic: topicState.topicName, key, errorCode: code }, 'replica deletion failed');
        }
      }
    }
    if (failed) this.#options.retryLater();
  }

  /** Brokers left: requests to them were dropped, so their replicas being deleted become ineligible. */
  brokersFailed(brokerIds: readonly number[]): void {
    this.#forReplicasOn(brokerIds, (states, key) => {
      if (states.get(key) === 'started') states.set(key, 'ineligible');
    });
  }

  /** Ineligible replicas on `brokerIds` (registered again) are asked again at the next resume(). */
  retryIneligible(brokerIds: readonly number[]): void {
    this.#forReplicasOn(brokerIds, (states, key) => {
      if (states.get(key) === 'ineligible') states.delete(key);
    });
  }

  clear(): void {
    this.#queued.clear();
    this.#started.clear();
    this.#replicas.clear();
  }

  #forReplicasOn(
    brokerIds: readonly number[],
    visit: (states: Map<string, ReplicaDeletionState>, key: string) => void,
  ): void {
    for (const topic of this.#queued) {
      const states = this.#replicas.get(topic)!;
      for (const r of this.#replicasOf(topic)) if (brokerIds.includes(r.brokerId)) visit(states, r.key);
    }
  }

  #replicasOf(topic: string): { key: string; tp: TopicPartition; brokerId: number }[] {
    return this.#context
      .partitionsOf(topic)
      .flatMap((tp) =>
        this.#context.replicas(tp).map((brokerId) => ({ key: replicaKey(tp.partition, brokerId), tp, brokerId })),
      );
  }

  async #complete(topic: string): Promise<void> {
    await this.#options.store.topics.deleteTopicZnodes(topic, this.#context.fence);
    this.#context.removeTopic(topic);
    this.#queued.delete(topic);
    this.#started.delete(topic);
    this.#replicas.delete(topic);
    this.#log.info({ topic }, 'deleted topic');
  }

  async #deleteMarkers(topics: readonly string[]): Promise<void> {
    for (const topic of topics) {
      try {
        await multiBehind(this.#options.zk, this.#context.fence, [
          { type: 'delete', path: ZkPaths.deleteTopic(topic) },
        ]);
      } catch (err) {
        if (!(err instanceof ZkNoNodeError)) throw err;
      }
    }
  }
}

function replicaKey(partition: number, brokerId: number): string {
  return `${partition}/${brokerId}`;
}

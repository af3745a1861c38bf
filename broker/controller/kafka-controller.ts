import { ErrorCode, KafkaError, LeaderAndIsr, StopReplica, UpdateMetadata } from '../../protocol/index.js';
import { BrokerChannel } from '../cluster/broker-channel.js';
import { interBrokerEndpoint } from '../cluster/inter-broker-endpoint.js';
import type { BrokerConfig } from '../config.js';
import type { Logger } from '../logger.js';
import {
  ControllerElection,
  ControllerMovedError,
  createTopLevelPaths,
  ZkClosedError,
  type ZkClient,
  ZkPaths,
} from '../zk/index.js';
import type { KafkaZkStore } from '../zk/kafka-zk-store.js';
import { type ControllerChannelFactory, ControllerChannelManager } from './controller-channel-manager.js';
import { ControllerContext, type LiveBroker, partitionKey, type TopicPartition } from './controller-context.js';
import { ControllerEventQueue, ControllerQueueClosedError } from './controller-event-queue.js';
import {
  ControllerRequestBatch,
  LEADER_AND_ISR_VERSION,
  STOP_REPLICA_VERSION,
  UPDATE_METADATA_VERSION,
} from './controller-requests.js';
import { type ControlledShutdownResult, LeadershipChanges } from './leadership-changes.js';
import {
  type OngoingReassignment,
  PartitionReassignments,
  type ReassignmentRequest,
  type ReassignmentResult,
} from './partition-reassignment.js';
import { PartitionStateMachine } from './partition-state-machine.js';
import { type ElectionOutcome, ElectionType, RequestedElections } from './requested-elections.js';
import { TopicChanges } from './topic-changes.js';
import { TopicDeletionManager } from './topic-deletion.js';

export type { ControlledShutdownResult } from './leadership-changes.js';
export type { OngoingReassignment, ReassignmentRequest, ReassignmentResult } from './partition-reassignment.js';
export { type ElectionOutcome, ElectionType } from './requested-elections.js';

export interface KafkaControllerOptions {
  readonly config: BrokerConfig;
  readonly zk: ZkClient;
  readonly store: KafkaZkStore;
  readonly logger: Logger;
  /** How the controller reaches a broker; a BrokerChannel on the inter-broker listener by default. */
  readonly channelFactory?: ControllerChannelFactory;
}

/** Pause before asking again a registered broker that failed to delete a replica of a deleted topic. */
const DELETION_RETRY_MS = 1_000;

/**
 * The active controller of ZooKeeper mode (Kafka's KafkaController). Every broker runs one; the one that wins the
 * election ({@link ControllerElection}) reads the cluster from ZooKeeper into its {@link ControllerContext}, elects
 * leaders where needed and tells every broker with LeaderAndIsr / UpdateMetadata / StopReplica. From then on it
 * reacts to the registry (`/brokers/ids`: brokers joining, leaving, bouncing with a new epoch), to topics and
 * partitions being added (`/brokers/topics`), to deletion markers (`/admin/delete_topics`) and to ISR changes the
 * leaders wrote (`/isr_change_notification`, which also complete partition reassignments), and serves
 * ControlledShutdown, ElectLeaders and the partition reassignment requests (AlterPartitionReassignments,
 * ListPartitionReassignments). Reassignments in flight are read back from the assignments at failover and go on.
 *
 * Concurrency: one {@link ControllerEventQueue}. ZooKeeper watches, broker requests, answers and timers only put
 * events; each event runs to completion before the next. Every ZooKeeper write is fenced by the controller epoch's
 * zkVersion: a ControllerMovedError means another controller was elected, and this one resigns at once. Invariant:
 * isActive() is true only between a completed failover and the next resignation; events that find it inactive do
 * nothing (requests answer NOT_CONTROLLER). Answers and timers carry the term they were made in and are ignored in
 * a later one.
 */
export class KafkaController {
  readonly #config: BrokerConfig;
  readonly #zk: ZkClient;
  readonly #store: KafkaZkStore;
  readonly #log: Logger;
  readonly #context = new ControllerContext();
  readonly #events = new ControllerEventQueue();
  readonly #election: ControllerElection;
  readonly #channels: ControllerChannelManager;
  readonly #partitions: PartitionStateMachine;
  readonly #deletion: TopicDeletionManager;
  readonly #leadership: LeadershipChanges;
  readonly #topics: TopicChanges;
  readonly #reassignments: PartitionReassignments;
  readonly #elections: RequestedElections;
  #active = false;
  /** Bumped at every failover and resignation. */
  #term = 0;
  #rebalanceTimer: NodeJS.Timeout | null = null;
  #deletionRetryTimer: NodeJS.Timeout | null = null;
  #started = false;
  #stopped = false;

  constructor(options: KafkaControllerOptions) {
    const { config, logger } = options;
    this.#config = config;
    this.#zk = options.zk;
    this.#store = options.store;
    this.#log = logger.child({ component: 'kafka-controller', brokerId: config.brokerId });
    this.#election = new ControllerElection({
      zk: options.zk,
      brokerId: config.brokerId,
      logger,
      onElected: () => this.#events.put(() => this.#failover()),
      onResigned: () => {
        this.#active = false;
        return this.#events.put(() => Promise.resolve(this.#resign())).catch(ignoreClosed);
      },
    });
    this.#channels = new ControllerChannelManager({
      factory:
        options.channelFactory ??
        ((target) =>
          new BrokerChannel({
            host: target.host,
            port: target.port,
            clientId: `controller-${config.brokerId}`,
            requestTimeoutMs: config.controllerSocketTimeoutMs,
            logger,
          })),
      logger,
      requestTimeoutMs: config.controllerSocketTimeoutMs,
    });
    this.#partitions = new PartitionStateMachine({ context: this.#context, store: this.#store, config, logger });
    this.#deletion = new TopicDeletionManager({
      context: this.#context,
      store: this.#store,
      zk: this.#zk,
      enabled: config.deleteTopicEnable,
      logger,
      newBatch: () => this.#newBatch(),
      sendBatch: (batch) => this.#send(batch),
      retryLater: () => this.#scheduleDeletionRetry(),
    });
    this.#leadership = new LeadershipChanges({
      context: this.#context,
      partitions: this.#partitions,
      deletion: this.#deletion,
      config,
      logger,
      newBatch: () => this.#newBatch(),
      send: (batch) => this.#send(batch),
    });
    this.#topics = new TopicChanges({
      context: this.#context,
      zk: this.#zk,
      store: this.#store,
      partitions: this.#partitions,
      deletion: this.#deletion,
      logger,
      newBatch: () => this.#newBatch(),
      send: (batch) => this.#send(batch),
      watchers: { topics: this.#onTopicsChanged, topicModified: this.#onTopicModified, isrChanges: this.#onIsrChanges },
    });
    const requests = { logger, newBatch: () => this.#newBatch(), send: (b: ControllerRequestBatch) => this.#send(b) };
    this.#reassignments = new PartitionReassignments({
      context: this.#context,
      store: this.#store,
      partitions: this.#partitions,
      deletion: this.#deletion,
      ...requests,
    });
    this.#elections = new RequestedElections({
      context: this.#context,
      partitions: this.#partitions,
      leadership: this.#leadership,
      deletion: this.#deletion,
      ...requests,
    });
  }

  /** Starts the election (broker/zk/controller-election.ts); resolves once it ran, after the failover if elected. */
  async startup(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    await this.#election.start();
  }

  /** Resigns if active, leaves the election and stops the event queue; idempotent. */
  async shutdown(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    await this.#election.close();
    await this.#events.close();
    this.#reset();
  }

  isActive(): boolean {
    return this.#active;
  }

  /** Broker id of the active controller as last seen, -1 when none. */
  activeControllerId(): number {
    return this.#election.activeControllerId();
  }

  /**
   * ControlledShutdown (key 7) from broker `brokerId` (Kafka's doControlledShutdown): marks it shutting down (it is
   * no longer elected), moves leadership of its replicated partitions to another live ISR member, takes it out of
   * the ISR of the partitions it follows (StopReplica without delete to it). Answers the replicated partitions it
   * still leads (those with no other ISR member); single-replica partitions are not counted, as in Kafka, since
   * nothing can take them over.
   */
  controlledShutdown(brokerId: number, brokerEpoch: number): Promise<ControlledShutdownResult> {
    const notController = { errorCode: ErrorCode.NOT_CONTROLLER, remaining: [] };
    return this.#events
      .put(() =>
        this.#whileActive('controlledShutdown', () => this.#leadership.controlledShutdown(brokerId, brokerEpoch)),
      )
      .then((result) => result ?? notController)
      .catch((err: unknown) => {
        if (err instanceof ControllerQueueClosedError) return notController;
        throw err;
      });
  }

  /** Preferred leader elections (see electLeaders), answered per `<topic>-<partition>` with its error code. */
  async electPreferredLeaders(partitions: readonly TopicPartition[] | null): Promise<Map<string, ErrorCode>> {
    const outcomes = await this.electLeaders(ElectionType.PREFERRED, partitions);
    return new Map(outcomes.map((o) => [partitionKey(o), o.errorCode]));
  }

  /**
   * ElectLeaders (key 43): preferred or unclean elections of `partitions` (null: every partition), answered per
   * partition in request order with the leader elected (see RequestedElections). Rejects with
   * KafkaError(NOT_CONTROLLER) when inactive.
   */
  electLeaders(type: ElectionType, partitions: readonly TopicPartition[] | null): Promise<ElectionOutcome[]> {
    return this.#request('electLeaders', () => this.#elections.elect(type, partitions));
  }

  /**
   * AlterPartitionReassignments (key 45): starts, replaces or (null replicas) cancels reassignments; answers once
   * each is written and started, not when it completes. Rejects with KafkaError(NOT_CONTROLLER) when inactive.
   */
  alterPartitionReassignments(requests: readonly ReassignmentRequest[]): Promise<ReassignmentResult[]> {
    return this.#request('alterPartitionReassignments', () => this.#reassignments.alter(requests));
  }

  /** ListPartitionReassignments (key 46); rejects with KafkaError(NOT_CONTROLLER) when inactive. */
  listPartitionReassignments(partitions: readonly TopicPartition[] | null): Promise<OngoingReassignment[]> {
    return this.#request('listPartitionReassignments', () => Promise.resolve(this.#reassignments.list(partitions)));
  }

  // ---- events -------------------------------------------------------------------------------------------------

  /** An admin request's event; rejects with KafkaError(NOT_CONTROLLER) when this controller is not active. */
  async #request<T>(name: string, work: () => Promise<T>): Promise<T> {
    const result = await this.#events
      .put(() => this.#whileActive(name, work))
      .catch((err: unknown) => {
        if (err instanceof ControllerQueueClosedError) return undefined;
        throw err;
      });
    if (result === undefined)
      throw new KafkaError(ErrorCode.NOT_CONTROLLER, 'This broker is not the active controller.');
    return result;
  }

  /** Puts a watch's or a timer's event; it runs only while active. */
  #event(name: string, work: () => Promise<void>): void {
    this.#events
      .put(() => this.#whileActive(name, work))
      .catch((err: unknown) => {
        if (err instanceof ControllerQueueClosedError || err instanceof ZkClosedError) return;
        this.#log.error({ err, event: name }, 'controller event failed');
      });
  }

  /**
   * Runs `work` if active; undefined otherwise. A fenced write that failed means another controller was elected:
   * resign here at once, and have the election re-read `/controller` (not awaited: it may be waiting on this queue).
   */
  async #whileActive<T>(name: string, work: () => Promise<T>): Promise<T | undefined> {
    if (!this.#active) return undefined;
    this.#log.debug({ event: name }, 'controller event');
    try {
      return await work();
    } catch (err) {
      if (!(err instanceof ControllerMovedError)) throw err;
      this.#log.warn({ event: name, reason: err.message }, 'controller moved; resigning');
      this.#resign();
      this.#election.resign().catch((e: unknown) => this.#log.warn({ err: e }, 'giving up the controller office'));
      return undefined;
    }
  }

  readonly #onBrokersChanged = (): void => this.#event('brokerChange', () => this.#brokerChange());
  readonly #onTopicsChanged = (): void => this.#event('topicChange', () => this.#topics.topicChange());
  readonly #onTopicModified = (event: { path: string }): void => {
    const topic = event.path.slice(ZkPaths.topics.length + 1);
    this.#event('partitionModifications', () => this.#topics.partitionModifications(topic));
  };
  readonly #onDeletionMarkers = (): void => this.#event('topicDeletion', () => this.#topicDeletion());
  readonly #onIsrChanges = (): void =>
    this.#event('isrChangeNotification', async () => {
      await this.#reassignments.onIsrChange(await this.#topics.isrChange());
    });

  // ---- failover and resignation --------------------------------------------------------------------------------

  /** Kafka's onControllerFailover: read everything, arm the watches, elect, tell every broker. */
  async #failover(): Promise<void> {
    this.#reset();
    const ctx = this.#context;
    ctx.epoch = this.#election.epoch;
    ctx.epochZkVersion = this.#election.epochZkVersion;
    this.#log.info({ epoch: ctx.epoch }, 'controller failover: reading the cluster');
    await createTopLevelPaths(this.#zk);
    const isrNotifications = await this.#topics.isrChangeNames();
    for (const broker of (await this.#readLiveBrokers()).values()) this.#addLiveBroker(broker);
    const topicNames = await this.#zk.getChildren(ZkPaths.topics, this.#onTopicsChanged);
    for (const [name, entry] of await this.#topics.readTopics(topicNames)) ctx.topics.set(name, entry);
    for (const read of await this.#store.partitionStates.readStates(ctx.allPartitions())) {
      ctx.setLeadership(read, { state: read.state, zkVersion: read.zkVersion });
    }
    // the states were read after these were written: nothing in them is news
    await this.#store.notifications.deleteIsrChanges(isrNotifications);
    await this.#deletion.enqueue(await this.#zk.getChildren(ZkPaths.deleteTopics, this.#onDeletionMarkers));

    const batch = this.#newBatch();
    const deleting = (topic: string) => this.#deletion.isQueued(topic);
    await this.#partitions.triggerOnlinePartitionStateChange(deleting, batch);
    await this.#leadership.removeFromIsrs(
      (brokerId) => !ctx.isLive(brokerId),
      ctx.allPartitions().filter((tp) => !deleting(tp.topic)),
      batch,
    );
    batch.addUpdateMetadata(ctx.liveOrShuttingDownBrokerIds(), 'all');
    for (const tp of ctx.allPartitions()) {
      if (deleting(tp.topic) || ctx.leadership(tp) === undefined) continue;
      batch.addLeaderAndIsr(
        ctx.replicas(tp).filter((r) => ctx.isLiveOrShuttingDown(r)),
        tp,
      );
    }
    this.#send(batch);
    await this.#deletion.resume();
    await this.#reassignments.resumeAll();
    this.#active = true;
    this.#scheduleRebalance();
    this.#log.info(
      { epoch: ctx.epoch, brokers: ctx.liveOrShuttingDownBrokerIds(), topics: ctx.topics.size },
      'controller failover done',
    );
  }

  /** Kafka's onControllerResignation: stop all work of this term and forget the cluster. */
  #resign(): void {
    const wasActive = this.#active || this.#context.epoch !== -1;
    this.#active = false;
    this.#reset();
    if (wasActive) this.#log.info('resigned as controller');
  }

  #reset(): void {
    this.#term++;
    if (this.#rebalanceTimer !== null) clearTimeout(this.#rebalanceTimer);
    if (this.#deletionRetryTimer !== null) clearTimeout(this.#deletionRetryTimer);
    this.#rebalanceTimer = null;
    this.#deletionRetryTimer = null;
    this.#channels.close();
    this.#deletion.clear();
    this.#context.clear();
  }

  // ---- brokers -------------------------------------------------------------------------------------------------

  /** Kafka's BrokerChange: compares the registry with the context by id and epoch. */
  async #brokerChange(): Promise<void> {
    const ctx = this.#context;
    const current = await this.#readLiveBrokers();
    const dead = [...ctx.liveBrokers.keys()].filter((id) => !current.has(id)).sort((a, b) => a - b);
    const added = [...current.keys()].filter((id) => !ctx.liveBrokers.has(id)).sort((a, b) => a - b);
    const bounced = [...current.values()]
      .filter((b) => ctx.liveBrokers.has(b.brokerId) && b.epoch > ctx.liveBrokers.get(b.brokerId)!.epoch)
      .map((b) => b.brokerId)
      .sort((a, b) => a - b);
    if (dead.length + added.length + bounced.length === 0) return;
    this.#log.info({ added, dead, bounced }, 'brokers changed');
    if (dead.length > 0) {
      for (const id of dead) this.#removeLiveBroker(id);
      await this.#leadership.onBrokerFailure(dead);
    }
    if (bounced.length > 0) {
      for (const id of bounced) this.#removeLiveBroker(id);
      await this.#leadership.onBrokerFailure(bounced);
      for (const id of bounced) this.#addLiveBroker(current.get(id)!);
      await this.#leadership.onBrokerStartup(bounced);
      await this.#reassignments.onBrokerStartup(bounced);
    }
    if (added.length > 0) {
      for (const id of added) this.#addLiveBroker(current.get(id)!);
      await this.#leadership.onBrokerStartup(added);
      await this.#reassignments.onBrokerStartup(added);
    }
  }

  /** The registry, with the children watch armed again. */
  async #readLiveBrokers(): Promise<Map<number, LiveBroker>> {
    const ids = (await this.#zk.getChildren(ZkPaths.brokerIds, this.#onBrokersChanged))
      .filter((c) => /^\d+$/.test(c))
      .map(Number);
    const reads = await Promise.all(ids.map((id) => this.#store.brokers.readBroker(id)));
    const brokers = new Map<number, LiveBroker>();
    for (const read of reads) {
      if (read === null) continue;
      brokers.set(read.brokerId, {
        brokerId: read.brokerId,
        epoch: read.brokerEpoch,
        metadata: { brokerId: read.brokerId, rack: read.info.rack, endpoints: read.info.endpoints },
      });
    }
    return brokers;
  }

  #addLiveBroker(broker: LiveBroker): void {
    this.#context.liveBrokers.set(broker.brokerId, broker);
    const endpoint = interBrokerEndpoint(broker.metadata, this.#config.interBrokerListenerName);
    if (endpoint === undefined) {
      this.#log.error(
        { broker: broker.brokerId, listener: this.#config.interBrokerListenerName },
        'broker publishes no inter-broker endpoint; it will get no controller requests',
      );
      return;
    }
    this.#channels.addBroker({ brokerId: broker.brokerId, ...endpoint });
  }

  #removeLiveBroker(brokerId: number): void {
    this.#context.liveBrokers.delete(brokerId);
    this.#channels.removeBroker(brokerId);
  }

  /** Kafka's TopicDeletion: markers in `/admin/delete_topics`. */
  async #topicDeletion(): Promise<void> {
    await this.#deletion.enqueue(await this.#zk.getChildren(ZkPaths.deleteTopics, this.#onDeletionMarkers));
    await this.#deletion.resume();
  }

  #scheduleDeletionRetry(): void {
    if (this.#deletionRetryTimer !== null) return;
    const term = this.#term;
    this.#deletionRetryTimer = setTimeout(() => {
      this.#deletionRetryTimer = null;
      this.#event('topicDeletionRetry', async () => {
        if (term !== this.#term) return;
        this.#deletion.retryIneligible(this.#context.liveOrShuttingDownBrokerIds());
        await this.#deletion.resume();
      });
    }, DELETION_RETRY_MS).unref();
  }

  #scheduleRebalance(): void {
    if (!this.#config.autoLeaderRebalanceEnable) return;
    const term = this.#term;
    this.#rebalanceTimer = setTimeout(() => {
      this.#rebalanceTimer = null;
      this.#event('autoLeaderRebalance', async () => {
        if (term !== this.#term) return;
        try {
          // as Kafka: leadership stays put while replicas move
          if (!this.#reassignments.inProgress()) await this.#leadership.checkLeaderImbalance();
        } finally {
          if (term === this.#term) this.#scheduleRebalance();
        }
      });
    }, this.#config.leaderImbalanceCheckIntervalSeconds * 1000).unref();
  }

  // ---- requests ------------------------------------------------------------------------------------------------

  #newBatch(): ControllerRequestBatch {
    return new ControllerRequestBatch({
      context: this.#context,
      controllerId: this.#config.brokerId,
      interBrokerListenerName: this.#config.interBrokerListenerName,
      isTopicQueuedForDeletion: (topic) => this.#deletion.isQueued(topic),
    });
  }

  /** Queues the batch's requests per broker; StopReplica answers come back as events of this term. */
  #send(batch: ControllerRequestBatch): void {
    const term = this.#term;
    for (const requests of batch.build()) {
      const { brokerId } = requests;
      if (requests.leaderAndIsr !== null) {
        this.#channels.send(brokerId, LeaderAndIsr, LEADER_AND_ISR_VERSION, requests.leaderAndIsr, (response) => {
          const failed = response.topics.flatMap((t) => t.partitionErrors.filter((p) => p.errorCode !== 0));
          if (failed.length > 0) this.#log.warn({ brokerId, failed }, 'LeaderAndIsr failed for partitions');
        });
      }
      if (requests.updateMetadata !== null) {
        this.#channels.send(brokerId, UpdateMetadata, UPDATE_METADATA_VERSION, requests.updateMetadata);
      }
      const stopReplica = requests.stopReplica;
      if (stopReplica !== null) {
        this.#channels.send(brokerId, StopReplica, STOP_REPLICA_VERSION, stopReplica, (response) =>
          this.#event('stopReplicaResponse', async () => {
            if (term !== this.#term) return;
            this.#deletion.onStopReplicaResponse(brokerId, stopReplica, response);
            await this.#deletion.resume();
          }),
        );
      }
    }
  }
}

function ignoreClosed(err: unknown): void {
  if (!(err instanceof ControllerQueueClosedError)) throw err;
}

import { ErrorCode, KafkaError, ZERO_UUID } from '../../protocol/index.js';
import { logConfigFrom } from '../../storage/index.js';
import type { BrokerConfig } from '../config.js';
import type { Logger } from '../logger.js';
import {
  type BrokerEndpoint,
  type BrokerMetadata,
  isInternalTopic,
  type TopicMetadata,
} from '../metadata/metadata-cache.js';
import { type TopicRecord, TopicRegistry } from '../metadata/topic-registry.js';
import type {
  AlterTopicConfigsResult,
  BrokerLifecycle,
  Controller,
  CreatePartitionsResult,
  CreatePartitionsSpec,
  CreateTopicResult,
  CreateTopicSpec,
  DeleteTopicResult,
  DeleteTopicTarget,
  LeaderAndIsrPartitionState,
  StopReplicaPartition,
  TopicConfigChange,
  ValidateOnlyOption,
} from './controller.js';
import { createdResult, failedCreate } from './admin-results.js';
import { alteredOverrides } from './topic-config-alteration.js';
import {
  collisionKey,
  type TopicValidationContext,
  validateCreatePartitions,
  validateCreateTopic,
  type ValidTopic,
} from './topic-validation.js';

export interface LocalControllerOptions {
  readonly config: BrokerConfig;
  /** From loadClusterIdentity. */
  readonly clusterId: string;
  readonly lifecycle: BrokerLifecycle;
  readonly logger: Logger;
  /**
   * Where clients reach this broker: the advertised listeners with the ports actually bound (a listener on port
   * 0 gets its port from the OS, so the config alone cannot say). Read from startup() on: the broker binds its
   * listeners after building the request handlers, which need the controller.
   */
  readonly endpoints: () => readonly BrokerEndpoint[];
}

/** A single node never moves leadership, so every partition keeps its first epoch. */
const INITIAL_EPOCH = 0;

/**
 * The single-node controller (no ZooKeeper, no election): this broker is always the controller, the only broker,
 * and the leader and sole ISR member of every partition.
 *
 * State: the {@link TopicRegistry} (`samsa-topics.json` in the first log dir) is the committed truth; everything
 * else is derived from it. A change is committed by the registry write, then handed to the broker through
 * {@link BrokerLifecycle}. New partitions: becomeLeaderOrFollower, then updateMetadata, so clients only learn of
 * partitions that are ready. Deleted ones: updateMetadata, then stopReplicas, so clients stop being routed to a
 * log before it goes. Startup replays the registry as new-partition decisions (isNew false) and a full snapshot.
 *
 * Concurrency: every mutation (and startup/shutdown) runs on one serial queue, and validation runs inside the
 * queued task, so two requests for the same topic are decided one after the other (the second sees the first's
 * topic). validateOnly runs the same checks and commits nothing.
 */
export class LocalController implements Controller {
  readonly #config: BrokerConfig;
  readonly #clusterId: string;
  readonly #lifecycle: BrokerLifecycle;
  readonly #log: Logger;
  readonly #brokerIds: ReadonlySet<number>;
  readonly #validation: TopicValidationContext;
  readonly #endpoints: () => readonly BrokerEndpoint[];
  #tail: Promise<unknown> = Promise.resolve();
  #registry: TopicRegistry | null = null;
  #active = false;
  #stopped = false;

  constructor(options: LocalControllerOptions) {
    this.#config = options.config;
    this.#clusterId = options.clusterId;
    this.#lifecycle = options.lifecycle;
    this.#endpoints = options.endpoints;
    this.#log = options.logger.child({ component: 'local-controller' });
    this.#brokerIds = new Set([options.config.brokerId]);
    this.#validation = {
      brokerIds: this.#brokerIds,
      numPartitions: options.config.numPartitions,
      defaultReplicationFactor: options.config.defaultReplicationFactor,
      defaultLogConfig: logConfigFrom(options.config.topicDefaults),
    };
  }

  startup(): Promise<void> {
    return this.#enqueue(async () => {
      if (this.#active || this.#stopped) return;
      const registry = await TopicRegistry.load(this.#config.logDirs[0]!);
      const topics = registry.entries();
      // Logs were loaded with the broker defaults; their topics' overrides apply before anyone is served.
      for (const [name, record] of topics) {
        if (Object.keys(record.configs).length > 0) await this.#lifecycle.updateTopicConfig(name, record.configs);
      }
      await this.#lifecycle.becomeLeaderOrFollower(
        topics.flatMap(([name, record]) => this.#partitionStates(name, record, 0, false)),
      );
      await this.#lifecycle.updateMetadata({
        kind: 'full',
        clusterId: this.#clusterId,
        controllerId: this.#config.brokerId,
        brokers: [this.#self()],
        topics: topics.map(([name, record]) => this.#topicMetadata(name, record)),
      });
      this.#registry = registry;
      this.#active = true;
      this.#log.info({ topics: topics.length, file: registry.file }, 'controller started');
    });
  }

  shutdown(): Promise<void> {
    this.#stopped = true;
    return this.#enqueue(() => {
      this.#active = false;
      return Promise.resolve();
    });
  }

  isActive(): boolean {
    return this.#active;
  }

  createTopics(specs: readonly CreateTopicSpec[], options: ValidateOnlyOption = {}): Promise<CreateTopicResult[]> {
    return this.#enqueue(async () => {
      const registry = this.#activeRegistry();
      if (registry === null) return specs.map((s) => failedCreate(s.name, notController()));
      const counts = new Map<string, number>();
      for (const s of specs) counts.set(s.name, (counts.get(s.name) ?? 0) + 1);
      const taken = new Map<string, string>();
      for (const [name] of registry.entries()) taken.set(collisionKey(name), name);

      const results: (CreateTopicResult | ValidTopic)[] = specs.map((spec) => {
        if (counts.get(spec.name)! > 1) {
          return failedCreate(spec.name, new KafkaError(ErrorCode.INVALID_REQUEST, duplicateMessage(spec.name)));
        }
        try {
          const valid = validateCreateTopic(spec, registry, taken, this.#validation);
          taken.set(collisionKey(spec.name), spec.name);
          return valid;
        } catch (err) {
          if (err instanceof KafkaError) return failedCreate(spec.name, err);
          throw err;
        }
      });
      const valid = results.filter((r): r is ValidTopic => 'record' in r);
      if (options.validateOnly !== true && valid.length > 0) await this.#commitCreate(registry, valid);
      return results.map((r) => ('record' in r ? createdResult(r, options.validateOnly === true) : r));
    });
  }

  autoCreateTopic(name: string): Promise<CreateTopicResult> {
    return this.createTopics([
      { name, numPartitions: this.#config.numPartitions, replicationFactor: this.#config.defaultReplicationFactor },
    ]).then((results) => results[0]!);
  }

  deleteTopics(targets: readonly DeleteTopicTarget[]): Promise<DeleteTopicResult[]> {
    return this.#enqueue(async () => {
      const registry = this.#activeRegistry();
      const found: { name: string; record: TopicRecord }[] = [];
      const results = targets.map((target): DeleteTopicResult => {
        const topicId = target.topicId === undefined || target.topicId === ZERO_UUID ? null : target.topicId;
        const name = target.name ?? null;
        const fail = (code: ErrorCode, message: string): DeleteTopicResult => ({
          name,
          topicId: topicId ?? ZERO_UUID,
          errorCode: code,
          errorMessage: message,
        });
        if (registry === null) return fail(ErrorCode.NOT_CONTROLLER, notController().message);
        if (name !== null && topicId !== null) {
          return fail(ErrorCode.INVALID_REQUEST, 'You may not specify both topic name and topic id.');
        }
        if (name === null && topicId === null) {
          return fail(ErrorCode.INVALID_REQUEST, 'Neither topic name nor id were specified.');
        }
        if (!this.#config.deleteTopicEnable) {
          return fail(ErrorCode.TOPIC_DELETION_DISABLED, 'Topic deletion is disabled.');
        }
        const resolved = name ?? registry.nameOf(topicId!);
        const record = resolved === undefined ? undefined : registry.get(resolved);
        if (resolved === undefined || record === undefined) {
          return name === null
            ? fail(ErrorCode.UNKNOWN_TOPIC_ID, `Topic id ${topicId} does not exist.`)
            : fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${name}' does not exist.`);
        }
        // A topic named twice in one request is deleted once; the repeat answers like a deleted topic would.
        if (found.some((f) => f.name === resolved)) {
          return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${resolved}' does not exist.`);
        }
        found.push({ name: resolved, record });
        return { name: resolved, topicId: record.topicId, errorCode: ErrorCode.NONE, errorMessage: null };
      });
      if (registry !== null && found.length > 0) await this.#commitDelete(registry, found);
      return results;
    });
  }

  createPartitions(
    specs: readonly CreatePartitionsSpec[],
    options: ValidateOnlyOption = {},
  ): Promise<CreatePartitionsResult[]> {
    return this.#enqueue(async () => {
      const registry = this.#activeRegistry();
      const counts = new Map<string, number>();
      for (const s of specs) counts.set(s.name, (counts.get(s.name) ?? 0) + 1);
      const grown: { name: string; from: number; record: TopicRecord }[] = [];
      const results = specs.map((spec): CreatePartitionsResult => {
        try {
          if (registry === null) throw notController();
          if (counts.get(spec.name)! > 1)
            throw new KafkaError(ErrorCode.INVALID_REQUEST, 'Duplicate topic in request.');
          const record = validateCreatePartitions(spec, registry, this.#brokerIds);
          grown.push({ name: spec.name, from: registry.get(spec.name)!.partitions, record });
          return { name: spec.name, errorCode: ErrorCode.NONE, errorMessage: null };
        } catch (err) {
          if (!(err instanceof KafkaError)) throw err;
          return { name: spec.name, errorCode: err.code, errorMessage: err.message };
        }
      });
      if (registry !== null && options.validateOnly !== true && grown.length > 0) {
        await this.#commitGrow(registry, grown);
      }
      return results;
    });
  }

  alterTopicConfigs(
    changes: readonly TopicConfigChange[],
    options: ValidateOnlyOption = {},
  ): Promise<AlterTopicConfigsResult[]> {
    return this.#enqueue(async () => {
      const registry = this.#activeRegistry();
      const counts = new Map<string, number>();
      for (const c of changes) counts.set(c.name, (counts.get(c.name) ?? 0) + 1);
      const altered = new Map<string, TopicRecord>();
      const results = changes.map((change): AlterTopicConfigsResult => {
        try {
          if (registry === null) throw notController();
          if (counts.get(change.name)! > 1) {
            throw new KafkaError(ErrorCode.INVALID_REQUEST, `Duplicate topic ${change.name} in request.`);
          }
          const record = registry.get(change.name);
          if (record === undefined) {
            throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${change.name}' does not exist.`);
          }
          const configs = alteredOverrides(record.configs, change, this.#validation.defaultLogConfig);
          altered.set(change.name, { ...record, configs });
          return { name: change.name, errorCode: ErrorCode.NONE, errorMessage: null };
        } catch (err) {
          if (!(err instanceof KafkaError)) throw err;
          return { name: change.name, errorCode: err.code, errorMessage: err.message };
        }
      });
      if (registry !== null && options.validateOnly !== true && altered.size > 0) {
        await registry.apply({ put: altered });
        for (const [name, record] of altered) await this.#lifecycle.updateTopicConfig(name, record.configs);
        this.#log.info({ topics: [...altered.keys()] }, 'altered topic configs');
      }
      return results;
    });
  }

  topicConfigOverrides(name: string): Readonly<Record<string, string>> | undefined {
    return this.#activeRegistry()?.get(name)?.configs;
  }

  async #commitCreate(registry: TopicRegistry, topics: readonly ValidTopic[]): Promise<void> {
    await registry.apply({ put: new Map(topics.map((t) => [t.name, t.record])) });
    // Before the logs exist, so they are created with the topic's config; also clears what a deleted topic of
    // the same name left behind.
    for (const t of topics) await this.#lifecycle.updateTopicConfig(t.name, t.record.configs);
    await this.#lifecycle.becomeLeaderOrFollower(
      topics.flatMap((t) => this.#partitionStates(t.name, t.record, 0, true)),
    );
    await this.#lifecycle.updateMetadata({
      kind: 'delta',
      topics: topics.map((t) => this.#topicMetadata(t.name, t.record)),
    });
    this.#log.info({ topics: topics.map((t) => t.name) }, 'created topics');
  }

  async #commitDelete(
    registry: TopicRegistry,
    topics: readonly { name: string; record: TopicRecord }[],
  ): Promise<void> {
    await registry.apply({ remove: topics.map((t) => t.name) });
    // Clients stop being routed to the partitions before their logs go away.
    await this.#lifecycle.updateMetadata({ kind: 'delta', deletedTopics: topics.map((t) => t.name) });
    const partitions: StopReplicaPartition[] = topics.flatMap(({ name, record }) =>
      Array.from({ length: record.partitions }, (_, partition) => ({
        topic: name,
        topicId: record.topicId,
        partition,
      })),
    );
    await this.#lifecycle.stopReplicas(partitions, { deletePartitions: true });
    this.#log.info({ topics: topics.map((t) => t.name) }, 'deleted topics');
  }

  async #commitGrow(
    registry: TopicRegistry,
    grown: readonly { name: string; from: number; record: TopicRecord }[],
  ): Promise<void> {
    await registry.apply({ put: new Map(grown.map((g) => [g.name, g.record])) });
    await this.#lifecycle.becomeLeaderOrFollower(
      grown.flatMap((g) => this.#partitionStates(g.name, g.record, g.from, true)),
    );
    await this.#lifecycle.updateMetadata({
      kind: 'delta',
      topics: grown.map((g) => this.#topicMetadata(g.name, g.record)),
    });
    this.#log.info({ topics: grown.map((g) => `${g.name}:${g.record.partitions}`) }, 'created partitions');
  }

  /** States of partitions `from`..count-1 of a topic: this broker leads, alone in the ISR. */
  #partitionStates(name: string, record: TopicRecord, from: number, isNew: boolean): LeaderAndIsrPartitionState[] {
    const self = [this.#config.brokerId];
    return Array.from({ length: record.partitions - from }, (_, i) => ({
      topic: name,
      topicId: record.topicId,
      partition: from + i,
      leader: this.#config.brokerId,
      leaderEpoch: INITIAL_EPOCH,
      isr: self,
      replicas: self,
      partitionEpoch: INITIAL_EPOCH,
      controllerEpoch: INITIAL_EPOCH,
      isNew,
    }));
  }

  #topicMetadata(name: string, record: TopicRecord): TopicMetadata {
    const self = [this.#config.brokerId];
    return {
      name,
      topicId: record.topicId,
      isInternal: isInternalTopic(name),
      partitions: Array.from({ length: record.partitions }, (_, partition) => ({
        partition,
        leader: this.#config.brokerId,
        leaderEpoch: INITIAL_EPOCH,
        replicas: self,
        isr: self,
        offlineReplicas: [],
      })),
    };
  }

  #self(): BrokerMetadata {
    return { brokerId: this.#config.brokerId, rack: this.#config.brokerRack, endpoints: this.#endpoints() };
  }

  #activeRegistry(): TopicRegistry | null {
    return this.#active ? this.#registry : null;
  }

  /** Runs `task` after every earlier one has settled; a failed task does not stop the queue. */
  #enqueue<T>(task: () => Promise<T>): Promise<T> {
    const next = this.#tail.then(task, task);
    this.#tail = next.catch(() => undefined);
    return next;
  }
}

function notController(): KafkaError {
  return new KafkaError(ErrorCode.NOT_CONTROLLER, 'The local controller is not running.');
}

function duplicateMessage(name: string): string {
  return `Create topics request contains multiple entries for the topic ${name}.`;
}

import { ErrorCode, KafkaError, ZERO_UUID } from '../../protocol/index.js';
import { type LogConfig, logConfigFrom } from '../../storage/index.js';
import type { BrokerConfig } from '../config.js';
import { Binding, type Logger } from '../logger.js';
import type { MetadataCache } from '../metadata/metadata-cache.js';
import { type KafkaZkStore, ZkTopicMarkedForDeletionError, type ZkTopicAssignmentRead } from '../zk/kafka-zk-store.js';
import type { ZkClient } from '../zk/zk-client.js';
import {
  answerFor,
  countNames,
  createdResult,
  failedCreate,
  isLegalTopicName,
  refusalOf,
  type TopicAnswer,
} from './admin-results.js';
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
  TimeoutOption,
  TopicConfigChange,
  ValidateOnlyOption,
} from './controller.js';
import { awaitChanges, partitionsLed, type PendingChange, topicGone } from './metadata-wait.js';
import { newPartitionsAssignment, replicaAssignment } from './partition-growth.js';
import {
  assignReplicasToBrokers,
  type PlacementBroker,
  placementBrokers,
  type RackAwareMode,
} from './replica-placement.js';
import { alteredOverrides } from './topic-config-alteration.js';
import {
  collisionKey,
  type ExistingTopic,
  type TopicLookup,
  validateCreateTopic,
  type ValidTopic,
} from './topic-validation.js';
import { ZkTopicConfigListener } from './zk-topic-config-listener.js';

export interface ZkControllerOptions {
  readonly config: BrokerConfig;
  readonly store: KafkaZkStore;
  readonly zk: ZkClient;
  readonly logger: Logger;
  /** Applies topic config overrides to this broker's logs. */
  readonly lifecycle: BrokerLifecycle;
  /** This broker's view of the cluster, fed by UpdateMetadata from the active controller. */
  readonly metadataCache: MetadataCache;
  /** The active-controller machinery (KafkaController) of this broker. */
  readonly activeController: { isActive(): boolean };
}

/** A conditional assignment write that keeps meeting a concurrent change is tried this many times. */
const RACE_ATTEMPTS = 5;

/**
 * The admin side of cluster mode (Kafka's ZooKeeper-mode KafkaApis → ZkAdminManager → AdminZkClient): any broker
 * validates CreateTopics, DeleteTopics, CreatePartitions and AlterConfigs and writes the outcome to ZooKeeper in
 * Kafka's layout; the active controller (KafkaController, on whichever broker holds `/controller`) reacts to those
 * znodes, elects leaders and tells the brokers. This class then waits, up to the request's timeout, until this
 * broker's MetadataCache shows the result (leaders for new partitions, a deleted topic gone), and answers
 * REQUEST_TIMED_OUT otherwise while the change goes on, as Kafka's DelayedCreatePartitions and DelayedDeleteTopics.
 *
 * ZooKeeper writes: a topic is `/config/topics/<t>` plus `/brokers/topics/<t>` (assignment with a fresh topic id)
 * in one multi, then a `/config/changes` notification so every broker applies its config; new partitions are a
 * conditional rewrite of the assignment; deletion is the `/admin/delete_topics/<t>` marker; a config change is the
 * config znode plus a notification. Replicas are placed by {@link assignReplicasToBrokers} over the brokers
 * registered in `/brokers/ids`. Topic configs reach every broker through {@link ZkTopicConfigListener}, started
 * by startup(), which resolves once the existing overrides are applied.
 *
 * Concurrency: validation and writes run on one serial queue, so two requests on this broker are decided one
 * after the other; the waits run outside it. Requests on different brokers are ordered by ZooKeeper (a topic that
 * exists, an assignment version that moved). Results are in request order; a method rejects only on a fault of
 * ZooKeeper itself.
 */
export class ZkController implements Controller {
  readonly #config: BrokerConfig;
  readonly #store: KafkaZkStore;
  readonly #metadata: MetadataCache;
  readonly #active: { isActive(): boolean };
  readonly #log: Logger;
  readonly #configs: ZkTopicConfigListener;
  readonly #defaultLogConfig: LogConfig;
  #tail: Promise<unknown> = Promise.resolve();
  #stopped = false;

  constructor(options: ZkControllerOptions) {
    this.#config = options.config;
    this.#store = options.store;
    this.#metadata = options.metadataCache;
    this.#active = options.activeController;
    this.#log = options.logger.child({ [Binding.component]: 'zk-controller' });
    this.#configs = new ZkTopicConfigListener({
      zk: options.zk,
      store: options.store,
      lifecycle: options.lifecycle,
      logger: options.logger,
    });
    this.#defaultLogConfig = logConfigFrom(options.config.topicDefaults);
  }

  startup(): Promise<void> {
    return this.#configs.start();
  }

  async shutdown(): Promise<void> {
    this.#stopped = true;
    await this.#configs.stop();
    await this.#tail;
  }

  isActive(): boolean {
    return this.#active.isActive();
  }

  async createTopics(
    specs: readonly CreateTopicSpec[],
    options: ValidateOnlyOption & TimeoutOption = {},
  ): Promise<CreateTopicResult[]> {
    const validateOnly = options.validateOnly === true;
    const results = await this.#enqueue(() => this.#createTopics(specs, validateOnly, 'enforced'));
    if (validateOnly) return results;
    const pending = results.flatMap((r, index): PendingChange[] =>
      r.errorCode !== ErrorCode.NONE
        ? []
        : [
            {
              index,
              done: partitionsLed(r.name, r.topicId, r.numPartitions),
              what: `leaders for the partitions of topic ${r.name}`,
            },
          ],
    );
    return this.#awaitChanges(results, pending, options.timeoutMs, (r, err) => failedCreate(r.name, err));
  }

  async autoCreateTopic(name: string): Promise<CreateTopicResult> {
    const spec = {
      name,
      numPartitions: this.#config.numPartitions,
      replicationFactor: this.#config.defaultReplicationFactor,
    };
    // As Kafka's auto-creation: racks only when every broker has one, and no wait (the client retries Metadata).
    const [result] = await this.#enqueue(() => this.#createTopics([spec], false, 'safe'));
    return result!;
  }

  async deleteTopics(targets: readonly DeleteTopicTarget[], options: TimeoutOption = {}): Promise<DeleteTopicResult[]> {
    const results = await this.#enqueue(() => this.#deleteTopics(targets));
    const pending = results.flatMap((r, index): PendingChange[] =>
      r.errorCode !== ErrorCode.NONE || r.name === null
        ? []
        : [{ index, done: topicGone(r.name, r.topicId), what: `the deletion of topic ${r.name}` }],
    );
    return this.#awaitChanges(results, pending, options.timeoutMs, failed);
  }

  async createPartitions(
    specs: readonly CreatePartitionsSpec[],
    options: ValidateOnlyOption & TimeoutOption = {},
  ): Promise<CreatePartitionsResult[]> {
    const validateOnly = options.validateOnly === true;
    const grown = await this.#enqueue(() => this.#createPartitions(specs, validateOnly));
    const results = grown.map((g) => g.answer);
    if (validateOnly) return results;
    const pending = grown.flatMap(({ answer, topicId }, index): PendingChange[] =>
      answer.errorCode !== ErrorCode.NONE
        ? []
        : [
            {
              index,
              done: partitionsLed(answer.name, topicId, specs[index]!.count),
              what: `leaders for the new partitions of topic ${answer.name}`,
            },
          ],
    );
    return this.#awaitChanges(results, pending, options.timeoutMs, failed);
  }

  alterTopicConfigs(
    changes: readonly TopicConfigChange[],
    options: ValidateOnlyOption = {},
  ): Promise<AlterTopicConfigsResult[]> {
    return this.#enqueue(async () => {
      const counts = countNames(changes);
      const results: AlterTopicConfigsResult[] = [];
      for (const change of changes) {
        results.push(
          await answerFor(change.name, async () => {
            if (counts.get(change.name)! > 1) {
              throw new KafkaError(ErrorCode.INVALID_REQUEST, `Duplicate topic ${change.name} in request.`);
            }
            if ((await this.#readAssignment(change.name)) === null) {
              throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${change.name}' does not exist.`);
            }
            const current = await this.#store.topics.readConfig(change.name);
            const next = alteredOverrides(current, change, this.#defaultLogConfig);
            if (options.validateOnly === true) return;
            await this.#store.notifications.changeTopicConfig(change.name, next);
            await this.#configs.refresh([change.name]);
            this.#log.info({ topic: change.name, overrides: next }, 'altered topic config');
          }),
        );
      }
      return results;
    });
  }

  topicConfigOverrides(name: string): Readonly<Record<string, string>> | undefined {
    if (this.#metadata.snapshot().topic(name) === undefined) return undefined;
    return this.#configs.overrides(name) ?? {};
  }

  async #createTopics(
    specs: readonly CreateTopicSpec[],
    validateOnly: boolean,
    rackMode: RackAwareMode,
  ): Promise<CreateTopicResult[]> {
    const brokers = await this.#liveBrokers();
    const ctx = {
      brokerIds: new Set(brokers.map((b) => b.brokerId)),
      numPartitions: this.#config.numPartitions,
      defaultReplicationFactor: this.#config.defaultReplicationFactor,
      defaultLogConfig: this.#defaultLogConfig,
    };
    const legal = specs.map((s) => s.name).filter(isLegalTopicName);
    const existing = await this.#existingTopics(legal);
    const taken = new Map<string, string>();
    // Only a name with '.' or '_' can collide with another name; Kafka reads all topics only then.
    if (legal.some((name) => /[._]/.test(name))) {
      for (const name of await this.#store.topics.allTopics()) taken.set(collisionKey(name), name);
    }
    const counts = countNames(specs);
    const results: CreateTopicResult[] = [];
    for (const spec of specs) {
      try {
        if (counts.get(spec.name)! > 1) {
          throw new KafkaError(
            ErrorCode.INVALID_REQUEST,
            `Create topics request contains multiple entries for the topic ${spec.name}.`,
          );
        }
        const valid = validateCreateTopic(spec, existing, taken, ctx);
        const replicas = valid.assignment ?? [
          ...assignReplicasToBrokers(
            placementBrokers(brokers, rackMode),
            valid.record.partitions,
            valid.record.replicationFactor,
          ).values(),
        ];
        if (!validateOnly) await this.#commitTopic(valid, replicas);
        taken.set(collisionKey(spec.name), spec.name);
        results.push(createdResult(valid, validateOnly));
      } catch (err) {
        results.push(failedCreate(spec.name, refusalOf(err)));
      }
    }
    return results;
  }

  async #commitTopic(valid: ValidTopic, replicas: readonly (readonly number[])[]): Promise<void> {
    const partitions = new Map(replicas.map((r, p) => [p, replicaAssignment(r)]));
    await this.#store.topics.createTopic(
      valid.name,
      { topicId: valid.record.topicId, partitions },
      valid.record.configs,
    );
    // Kafka's brokers read a new topic's config when they create its logs; ours learn it from this notification.
    await this.#store.notifications.createConfigChange('topics', valid.name);
    await this.#configs.refresh([valid.name]);
    this.#log.info(
      { topic: valid.name, topicId: valid.record.topicId, assignment: replicas, configs: valid.record.configs },
      'created topic',
    );
  }

  async #deleteTopics(targets: readonly DeleteTopicTarget[]): Promise<DeleteTopicResult[]> {
    const marked = new Set<string>();
    const results: DeleteTopicResult[] = [];
    for (const target of targets) {
      const topicId = target.topicId === undefined || target.topicId === ZERO_UUID ? null : target.topicId;
      const name = target.name ?? null;
      const fail = (code: ErrorCode, message: string): DeleteTopicResult => ({
        name,
        topicId: topicId ?? ZERO_UUID,
        errorCode: code,
        errorMessage: message,
      });
      if (name !== null && topicId !== null) {
        results.push(fail(ErrorCode.INVALID_REQUEST, 'You may not specify both topic name and topic id.'));
      } else if (name === null && topicId === null) {
        results.push(fail(ErrorCode.INVALID_REQUEST, 'Neither topic name nor id were specified.'));
      } else if (!this.#config.deleteTopicEnable) {
        results.push(fail(ErrorCode.TOPIC_DELETION_DISABLED, 'Topic deletion is disabled.'));
      } else {
        const found = name === null ? await this.#topicById(topicId!) : await this.#readAssignment(name);
        if (found === null) {
          results.push(
            name === null
              ? fail(ErrorCode.UNKNOWN_TOPIC_ID, `Topic id ${topicId} does not exist.`)
              : fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${name}' does not exist.`),
          );
        } else if (marked.has(found.topic)) {
          // A topic named twice in one request is deleted once; the repeat answers like a deleted topic would.
          results.push(fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${found.topic}' does not exist.`));
        } else {
          results.push(await this.#markForDeletion(found, fail));
          marked.add(found.topic);
        }
      }
    }
    return results;
  }

  async #markForDeletion(
    topic: ZkTopicAssignmentRead,
    fail: (code: ErrorCode, message: string) => DeleteTopicResult,
  ): Promise<DeleteTopicResult> {
    try {
      await this.#store.topics.markForDeletion(topic.topic);
      this.#log.info({ topic: topic.topic, topicId: topic.topicId }, 'marked topic for deletion');
    } catch (err) {
      // Kafka waits for a deletion already under way like for its own.
      if (!(err instanceof ZkTopicMarkedForDeletionError)) {
        const refusal = refusalOf(err);
        return fail(refusal.code, refusal.message);
      }
    }
    return { name: topic.topic, topicId: topic.topicId ?? ZERO_UUID, errorCode: ErrorCode.NONE, errorMessage: null };
  }

  async #createPartitions(
    specs: readonly CreatePartitionsSpec[],
    validateOnly: boolean,
  ): Promise<{ answer: TopicAnswer; topicId: string }[]> {
    const brokers = await this.#liveBrokers();
    const counts = countNames(specs);
    const grown: { answer: TopicAnswer; topicId: string }[] = [];
    for (const spec of specs) {
      let topicId = ZERO_UUID;
      const answer = await answerFor(spec.name, async () => {
        if (counts.get(spec.name)! > 1) throw new KafkaError(ErrorCode.INVALID_REQUEST, 'Duplicate topic in request.');
        // The assignment write is conditional on the version read: a concurrent change makes this read again.
        for (let attempt = 1; attempt <= RACE_ATTEMPTS; attempt++) {
          const current = await this.#readAssignment(spec.name);
          topicId = current?.topicId ?? ZERO_UUID;
          const added = newPartitionsAssignment(spec, current, brokers);
          if (validateOnly) return;
          const write = await this.#store.topics.addPartitions(current!, added);
          if (write.outcome === 'updated') {
            this.#log.info({ topic: spec.name, added: Object.fromEntries(added) }, 'created partitions');
            return;
          }
        }
        throw new KafkaError(
          ErrorCode.UNKNOWN_SERVER_ERROR,
          `The assignment of topic ${spec.name} kept changing while partitions were added; try again.`,
        );
      });
      grown.push({ answer, topicId });
    }
    return grown;
  }

  /** The brokers registered in `/brokers/ids`, with their racks. */
  async #liveBrokers(): Promise<PlacementBroker[]> {
    return (await this.#store.brokers.allBrokers()).map((b) => ({ brokerId: b.brokerId, rack: b.info.rack }));
  }

  /** The existing topics among `names`, by their assignments in ZooKeeper. */
  async #existingTopics(names: readonly string[]): Promise<TopicLookup> {
    const assignments = await this.#store.topics.readAssignments([...new Set(names)]);
    const existing = new Map<string, ExistingTopic>();
    for (const [name, a] of assignments) {
      existing.set(name, {
        partitions: a.partitions.size,
        replicationFactor: a.partitions.get(0)?.replicas.length ?? 0,
      });
    }
    return existing;
  }

  /** A topic's assignment, or null when it does not exist (an illegal name cannot). */
  #readAssignment(name: string): Promise<ZkTopicAssignmentRead | null> {
    return isLegalTopicName(name) ? this.#store.topics.readAssignment(name) : Promise.resolve(null);
  }

  /** The topic with this id: this broker's metadata knows it, or else ZooKeeper's assignments are searched. */
  async #topicById(topicId: string): Promise<ZkTopicAssignmentRead | null> {
    const known = this.#metadata.snapshot().topicById(topicId);
    const found = known === undefined ? null : await this.#store.topics.readAssignment(known.name);
    if (found?.topicId === topicId) return found;
    for (const assignment of (await this.#store.topics.readAssignments()).values()) {
      if (assignment.topicId === topicId) return assignment;
    }
    return null;
  }

  /** Waits for `pending` to show in this broker's metadata (see {@link awaitChanges}); stops at shutdown. */
  #awaitChanges<R>(
    results: R[],
    pending: readonly PendingChange[],
    timeoutMs: number | undefined,
    fail: (result: R, err: KafkaError) => R,
  ): Promise<R[]> {
    return awaitChanges(this.#metadata, results, pending, { timeoutMs, abandoned: () => this.#stopped, fail });
  }

  /** Runs `task` after every earlier one has settled; a failed task does not stop the queue. */
  #enqueue<T>(task: () => Promise<T>): Promise<T> {
    const next = this.#tail.then(task, task);
    this.#tail = next.catch(() => undefined);
    return next;
  }
}

/** A result failed with `err`. */
function failed<R extends { readonly errorCode: ErrorCode; readonly errorMessage: string | null }>(
  result: R,
  err: KafkaError,
): R {
  return { ...result, errorCode: err.code, errorMessage: err.message };
}

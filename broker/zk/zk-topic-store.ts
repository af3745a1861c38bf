import type { ZkClient } from './zk-client.js';
import { ZkNodeExistsError, ZkNoNodeError, ZkBadVersionError, ZkNotEmptyError } from './zk-errors.js';
import { ZkPaths } from './zk-paths.js';
import {
  decodeEntityConfig,
  decodeTopicAssignment,
  encodeEntityConfig,
  encodeTopicAssignment,
  type ZkReplicaAssignment,
  type ZkTopicAssignment,
} from './zk-topic-data.js';
import {
  ZkInvalidPartitionsError,
  ZkTopicExistsError,
  ZkTopicMarkedForDeletionError,
  ZkUnknownTopicError,
} from './zk-store-errors.js';
import { multiBehind, type ZkWriteFence } from './zk-write-fence.js';
import type { ZkOp } from './zk-types.js';

/** A topic's assignment as read, with the zkVersion of `/brokers/topics/<t>` that a conditional update names. */
export interface ZkTopicAssignmentRead extends ZkTopicAssignment {
  readonly topic: string;
  readonly zkVersion: number;
}

/** The outcome of a conditional write: the new zkVersion, or `stale` when the znode moved past the expected one. */
export type ZkConditionalWrite =
  { readonly outcome: 'updated'; readonly zkVersion: number } | { readonly outcome: 'stale' };

/**
 * A multi built from what was just read can race another writer (a late partition state, a config being deleted):
 * this many tries, then it fails.
 */
const RACE_ATTEMPTS = 5;

/**
 * Topic znodes in Kafka's layout (KafkaZkClient's and AdminZkClient's topic operations): the assignment in
 * `/brokers/topics/<t>` (with topic id), config overrides in `/config/topics/<t>`, deletion markers in
 * `/admin/delete_topics`. Writes that change cluster state take a ZkWriteFence (controller writes) and are single
 * multis, so a failure leaves nothing half-written.
 *
 * Concurrency: stateless over ZkClient; concurrent writers are ordered by ZooKeeper (NODE_EXISTS, zkVersions).
 */
export class ZkTopicStore {
  readonly #zk: ZkClient;

  constructor(zk: ZkClient) {
    this.#zk = zk;
  }

  /**
   * Creates `/config/topics/<t>` with `config` and `/brokers/topics/<t>` with the assignment in one multi
   * (ZkTopicExistsError when the topic exists). A config znode left by an earlier, unfinished deletion is
   * overwritten, as Kafka's setOrCreateEntityConfigs does.
   */
  async createTopic(
    topic: string,
    assignment: ZkTopicAssignment,
    config: Readonly<Record<string, string>>,
    fence: ZkWriteFence = null,
  ): Promise<void> {
    const configData = encodeEntityConfig(config);
    const topicOp: ZkOp = { type: 'create', path: ZkPaths.topic(topic), data: encodeTopicAssignment(assignment) };
    const configPath = ZkPaths.topicConfig(topic);
    for (let attempt = 0; ; attempt++) {
      // create the config znode, or overwrite a stale one; alternate when the other answer comes back
      const configOp: ZkOp =
        attempt % 2 === 0
          ? { type: 'create', path: configPath, data: configData }
          : { type: 'setData', path: configPath, data: configData };
      try {
        await multiBehind(this.#zk, fence, [configOp, topicOp]);
        return;
      } catch (err) {
        if (err instanceof ZkNodeExistsError && err.opIndex === 1) throw new ZkTopicExistsError(topic);
        const wrongWay = (err instanceof ZkNodeExistsError || err instanceof ZkNoNodeError) && err.opIndex === 0;
        if (!wrongWay || attempt >= 2 * RACE_ATTEMPTS) throw err;
      }
    }
  }

  /** The names of all topics (children of `/brokers/topics`), sorted. */
  async allTopics(): Promise<string[]> {
    try {
      return (await this.#zk.getChildren(ZkPaths.topics)).sort();
    } catch (err) {
      if (err instanceof ZkNoNodeError) return [];
      throw err;
    }
  }

  /** The assignments of `topics` (all topics when omitted) that exist, with topic ids and zkVersions. */
  async readAssignments(topics?: readonly string[]): Promise<Map<string, ZkTopicAssignmentRead>> {
    const names = topics ?? (await this.allTopics());
    const reads = await Promise.all(names.map((t) => this.readAssignment(t)));
    const result = new Map<string, ZkTopicAssignmentRead>();
    for (const read of reads) if (read !== null) result.set(read.topic, read);
    return result;
  }

  /** One topic's assignment, or null when the topic does not exist. */
  async readAssignment(topic: string): Promise<ZkTopicAssignmentRead | null> {
    try {
      const { data, stat } = await this.#zk.getData(ZkPaths.topic(topic));
      return { topic, ...decodeTopicAssignment(topic, data), zkVersion: stat.version };
    } catch (err) {
      if (err instanceof ZkNoNodeError) return null;
      throw err;
    }
  }

  /**
   * Writes `assignment` to `/brokers/topics/<t>` if it is still at `expectedZkVersion` (reassignment, new
   * partitions); ZkUnknownTopicError when the topic is gone.
   */
  async updateAssignment(
    topic: string,
    assignment: ZkTopicAssignment,
    expectedZkVersion: number,
    fence: ZkWriteFence = null,
  ): Promise<ZkConditionalWrite> {
    const op: ZkOp = {
      type: 'setData',
      path: ZkPaths.topic(topic),
      data: encodeTopicAssignment(assignment),
      version: expectedZkVersion,
    };
    try {
      const [result] = await multiBehind(this.#zk, fence, [op]);
      return { outcome: 'updated', zkVersion: result!.type === 'setData' ? result!.stat.version : -1 };
    } catch (err) {
      if (err instanceof ZkBadVersionError) return { outcome: 'stale' };
      if (err instanceof ZkNoNodeError) throw new ZkUnknownTopicError(topic);
      throw err;
    }
  }

  /**
   * Adds partitions to the assignment `current` (as read): they must follow the existing ones without a gap
   * (ZkInvalidPartitionsError otherwise). `stale` when the topic changed since `current` was read.
   */
  async addPartitions(
    current: ZkTopicAssignmentRead,
    added: ReadonlyMap<number, ZkReplicaAssignment>,
    fence: ZkWriteFence = null,
  ): Promise<ZkConditionalWrite> {
    const existing = current.partitions.size;
    const numbers = [...added.keys()].sort((a, b) => a - b);
    if (numbers.length === 0 || numbers.some((p, i) => p !== existing + i)) {
      throw new ZkInvalidPartitionsError(
        `topic ${current.topic} has ${existing} partitions: new ones must number ${existing} onwards without a gap, ` +
          `not ${numbers.join()}`,
      );
    }
    const partitions = new Map(current.partitions);
    for (const [p, a] of added) partitions.set(p, a);
    return this.updateAssignment(current.topic, { topicId: current.topicId, partitions }, current.zkVersion, fence);
  }

  /**
   * Replaces the assignments of existing partitions of `topic` (a reassignment's steps, with their adding and
   * removing replicas), leaving its other partitions as ZooKeeper has them: read, merge, conditional write, again
   * when another writer (partitions being added) moved the znode in between. ZkUnknownTopicError when the topic is
   * gone, ZkInvalidPartitionsError for a partition it does not have.
   */
  async updatePartitionAssignments(
    topic: string,
    changes: ReadonlyMap<number, ZkReplicaAssignment>,
    fence: ZkWriteFence = null,
  ): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const current = await this.readAssignment(topic);
      if (current === null) throw new ZkUnknownTopicError(topic);
      const partitions = new Map(current.partitions);
      for (const [p, assignment] of changes) {
        if (!partitions.has(p)) throw new ZkInvalidPartitionsError(`topic ${topic} has no partition ${p}`);
        partitions.set(p, assignment);
      }
      const write = await this.updateAssignment(
        topic,
        { topicId: current.topicId, partitions },
        current.zkVersion,
        fence,
      );
      if (write.outcome === 'updated') return;
      if (attempt >= RACE_ATTEMPTS) throw new Error(`the assignment of topic ${topic} kept changing under the write`);
    }
  }

  /** `/config/topics/<t>` as a map; empty when the topic has no overrides (or no config znode). */
  async readConfig(topic: string): Promise<Record<string, string>> {
    const path = ZkPaths.topicConfig(topic);
    try {
      return decodeEntityConfig(path, (await this.#zk.getData(path)).data);
    } catch (err) {
      if (err instanceof ZkNoNodeError) return {};
      throw err;
    }
  }

  /**
   * Marks a topic for deletion with `/admin/delete_topics/<t>` (Kafka's AdminZkClient.deleteTopic):
   * ZkUnknownTopicError when it does not exist, ZkTopicMarkedForDeletionError when it is marked already.
   */
  async markForDeletion(topic: string): Promise<void> {
    if ((await this.#zk.exists(ZkPaths.topic(topic))) === null) throw new ZkUnknownTopicError(topic);
    try {
      await this.#zk.create(ZkPaths.deleteTopic(topic), null, { createParents: true });
    } catch (err) {
      if (err instanceof ZkNodeExistsError) throw new ZkTopicMarkedForDeletionError(topic);
      throw err;
    }
  }

  /** Topics marked for deletion and not yet deleted, sorted. */
  async topicsPendingDeletion(): Promise<string[]> {
    try {
      return (await this.#zk.getChildren(ZkPaths.deleteTopics)).sort();
    } catch (err) {
      if (err instanceof ZkNoNodeError) return [];
      throw err;
    }
  }

  /**
   * Removes a deleted topic's znodes in one multi, children first: its partition states, `/brokers/topics/<t>`,
   * `/config/topics/<t>` and its `/admin/delete_topics/<t>` marker (Kafka's TopicDeletionManager completion). Znodes
   * already gone are skipped; a creation racing under the topic makes it read the subtree again.
   */
  async deleteTopicZnodes(topic: string, fence: ZkWriteFence = null): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const paths = [
        ...(await this.#subtreeChildrenFirst(ZkPaths.topic(topic))),
        ...(await this.#present([ZkPaths.topicConfig(topic), ZkPaths.deleteTopic(topic)])),
      ];
      try {
        await multiBehind(
          this.#zk,
          fence,
          paths.map((path) => ({ type: 'delete', path })),
        );
        return;
      } catch (err) {
        const raced = err instanceof ZkNotEmptyError || err instanceof ZkNoNodeError;
        if (!raced || attempt >= RACE_ATTEMPTS) throw err;
      }
    }
  }

  async #subtreeChildrenFirst(path: string): Promise<string[]> {
    let children: string[];
    try {
      children = await this.#zk.getChildren(path);
    } catch (err) {
      if (err instanceof ZkNoNodeError) return [];
      throw err;
    }
    const below = await Promise.all(children.map((c) => this.#subtreeChildrenFirst(`${path}/${c}`)));
    return [...below.flat(), path];
  }

  async #present(paths: readonly string[]): Promise<string[]> {
    const stats = await Promise.all(paths.map((p) => this.#zk.exists(p)));
    return paths.filter((_, i) => stats[i] !== null);
  }
}

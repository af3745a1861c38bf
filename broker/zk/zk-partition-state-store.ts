import type { ZkClient } from './zk-client.js';
import { ZkBadVersionError, ZkNodeExistsError, ZkNoNodeError } from './zk-errors.js';
import { ZkPaths } from './zk-paths.js';
import {
  decodePartitionState,
  encodePartitionState,
  type ZkPartitionState,
  type ZkTopicPartition,
} from './zk-topic-data.js';
import type { ZkConditionalWrite } from './zk-topic-store.js';
import { multiBehind, type ZkWriteFence } from './zk-write-fence.js';

/** A partition's leader-and-ISR state with the zkVersion of its znode (the partition epoch). */
export interface ZkPartitionStateRead extends ZkTopicPartition {
  readonly state: ZkPartitionState;
  readonly zkVersion: number;
}

/** The outcome of creating one partition's initial state. */
export type ZkPartitionStateCreate =
  { readonly outcome: 'created'; readonly zkVersion: number } | { readonly outcome: 'exists' };

/**
 * Leader-and-ISR state znodes, `/brokers/topics/<t>/partitions/<p>/state` (KafkaZkClient's
 * createTopicPartitionStatesRaw, getTopicPartitionStates, updateLeaderAndIsr). Every write names the zkVersion it expects, so two writers that
 * read the same version cannot both win: the controller's writes are also fenced by its epoch, a leader's ISR
 * change (the ZooKeeper path without AlterPartition) is not.
 *
 * Concurrency: stateless over ZkClient; batches run their requests concurrently. A `stale` answer is for the
 * caller to handle (re-read and retry, as Kafka's partitionsToRetry), never retried here.
 */
export class ZkPartitionStateStore {
  readonly #zk: ZkClient;

  constructor(zk: ZkClient) {
    this.#zk = zk;
  }

  /**
   * Creates the initial state of new partitions of `topic`, with the `.../partitions` and `.../partitions/<p>`
   * parents when missing (the topic's assignment must exist: ZkNoNodeError otherwise). A partition whose state
   * already exists answers `exists` (its state is left alone).
   */
  async createStates(
    topic: string,
    states: ReadonlyMap<number, ZkPartitionState>,
    fence: ZkWriteFence,
  ): Promise<Map<number, ZkPartitionStateCreate>> {
    await this.#createIfMissing(ZkPaths.topicPartitions(topic), fence);
    const entries = [...states];
    const outcomes = await Promise.all(
      entries.map(async ([partition, state]): Promise<ZkPartitionStateCreate> => {
        await this.#createIfMissing(ZkPaths.topicPartition(topic, partition), fence);
        const path = ZkPaths.topicPartitionState(topic, partition);
        try {
          await multiBehind(this.#zk, fence, [{ type: 'create', path, data: encodePartitionState(state) }]);
          return { outcome: 'created', zkVersion: 0 };
        } catch (err) {
          if (err instanceof ZkNodeExistsError) return { outcome: 'exists' };
          throw err;
        }
      }),
    );
    return new Map(entries.map(([partition], i) => [partition, outcomes[i]!]));
  }

  /** The states of `partitions` that exist, in the order given; partitions without a state are left out. */
  async readStates(partitions: readonly ZkTopicPartition[]): Promise<ZkPartitionStateRead[]> {
    const reads = await Promise.all(partitions.map((tp) => this.readState(tp.topic, tp.partition)));
    return reads.filter((r): r is ZkPartitionStateRead => r !== null);
  }

  /** One partition's state, or null when it has none. */
  async readState(topic: string, partition: number): Promise<ZkPartitionStateRead | null> {
    try {
      const { data, stat } = await this.#zk.getData(ZkPaths.topicPartitionState(topic, partition));
      return { topic, partition, state: decodePartitionState(topic, partition, data), zkVersion: stat.version };
    } catch (err) {
      if (err instanceof ZkNoNodeError) return null;
      throw err;
    }
  }

  /**
   * Writes `state` if the znode is still at `expectedZkVersion`: `updated` with the new zkVersion, or `stale`.
   * A BAD_VERSION whose current data is exactly `state` counts as ours (a write that landed before its answer was
   * lost and was sent again), as Kafka's ReplicationUtils.checkLeaderAndIsrZkData does. ZkNoNodeError when the
   * partition has no state; ControllerMovedError when `fence` is a deposed controller's.
   */
  async updateState(
    topic: string,
    partition: number,
    state: ZkPartitionState,
    expectedZkVersion: number,
    fence: ZkWriteFence,
  ): Promise<ZkConditionalWrite> {
    const path = ZkPaths.topicPartitionState(topic, partition);
    const data = encodePartitionState(state);
    try {
      const [result] = await multiBehind(this.#zk, fence, [
        { type: 'setData', path, data, version: expectedZkVersion },
      ]);
      return { outcome: 'updated', zkVersion: result?.type === 'setData' ? result.stat.version : -1 };
    } catch (err) {
      if (!(err instanceof ZkBadVersionError)) throw err;
    }
    const current = await this.#zk.getData(path);
    if (current.data.equals(data) && current.stat.version === expectedZkVersion + 1) {
      return { outcome: 'updated', zkVersion: current.stat.version };
    }
    return { outcome: 'stale' };
  }

  /**
   * The controller's batch form (Kafka's updateLeaderAndIsr): each partition's write on its own, concurrently;
   * `stale` ones are for the caller to re-read and retry. The first ControllerMovedError is thrown.
   */
  async updateStates(
    updates: readonly (ZkTopicPartition & { readonly state: ZkPartitionState; readonly expectedZkVersion: number })[],
    fence: ZkWriteFence,
  ): Promise<Map<string, ZkConditionalWrite>> {
    const outcomes = await Promise.all(
      updates.map((u) => this.updateState(u.topic, u.partition, u.state, u.expectedZkVersion, fence)),
    );
    return new Map(updates.map((u, i) => [`${u.topic}-${u.partition}`, outcomes[i]!]));
  }

  async #createIfMissing(path: string, fence: ZkWriteFence): Promise<void> {
    try {
      await multiBehind(this.#zk, fence, [{ type: 'create', path }]);
    } catch (err) {
      if (!(err instanceof ZkNodeExistsError)) throw err;
    }
  }
}

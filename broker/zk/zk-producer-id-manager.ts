import { Binding, type Logger } from '../logger.js';
import {
  PRODUCER_ID_BLOCK_SIZE,
  type ProducerIdBlock,
  ProducerIdBlocks,
  type ProducerIdSource,
} from '../producer-id-manager.js';
import type { ZkClient } from './zk-client.js';
import { decodeProducerIdBlock, encodeProducerIdBlock, type ZkProducerIdBlock } from './zk-data.js';
import { ZkBadVersionError, ZkNodeExistsError, ZkNoNodeError } from './zk-errors.js';
import { ZkPaths } from './zk-paths.js';

export interface ZkProducerIdManagerOptions {
  readonly zk: ZkClient;
  readonly brokerId: number;
  readonly logger: Logger;
}

/**
 * Hands out idempotent producer ids that are unique across the cluster (Kafka's ZkProducerIdManager).
 *
 * ZooKeeper: `/latest_producer_id_block` holds the last block any broker claimed,
 *   {"version":1,"broker":<id>,"block_start":"<first id>","block_end":"<last id>"} (ids as decimal strings).
 * Empty data (createTopLevelPaths makes the node without any) or no node means no block was ever claimed; the
 * first block is 0..PRODUCER_ID_BLOCK_SIZE-1. A claim reads the node and its version, then writes the next block
 * with a setData conditional on that version (or creates the node). BAD_VERSION, NODE_EXISTS, or NO_NODE for the
 * setData, means the node changed in between, so it reads again. Unlike Kafka it never takes a BAD_VERSION for
 * success after finding its own block in the node: a connection-loss retry of its own write looks the same as
 * another manager with this broker id (a zombie) claiming that very block, and skipping a block is harmless.
 *
 * Concurrency: see ProducerIdBlocks (one claim at a time; callers that ran out wait for it). A failed claim fails its waiters; the next call tries again. Invariant: an id is returned
 * only from a block this manager's own write put in ZooKeeper, so no two managers ever return the same id.
 */
export class ZkProducerIdManager implements ProducerIdSource {
  readonly #zk: ZkClient;
  readonly #brokerId: number;
  readonly #log: Logger;
  readonly #blocks = new ProducerIdBlocks(() => this.#claimBlock());

  constructor(options: ZkProducerIdManagerOptions) {
    this.#zk = options.zk;
    this.#brokerId = options.brokerId;
    this.#log = options.logger.child({ [Binding.component]: 'zk-producer-id-manager' });
  }

  generateProducerId(): Promise<number> {
    return this.#blocks.next();
  }

  async #claimBlock(): Promise<ProducerIdBlock> {
    for (let attempt = 1; ; attempt++) {
      const current = await this.#readLatest();
      const start = current.block === null ? 0 : current.block.blockEnd + 1;
      const block: ZkProducerIdBlock = {
        brokerId: this.#brokerId,
        blockStart: start,
        blockEnd: start + PRODUCER_ID_BLOCK_SIZE - 1,
      };
      if (!Number.isSafeInteger(block.blockEnd)) throw new Error('producer ids are exhausted');
      const data = encodeProducerIdBlock(block);
      try {
        if (current.version === null) await this.#zk.create(ZkPaths.latestProducerIdBlock, data);
        else await this.#zk.setData(ZkPaths.latestProducerIdBlock, data, current.version);
      } catch (err) {
        // someone else wrote (or created, or deleted) the node since the read
        const raced =
          err instanceof ZkBadVersionError ||
          err instanceof ZkNodeExistsError ||
          (err instanceof ZkNoNodeError && current.version !== null);
        if (raced) {
          this.#log.debug({ attempt, blockStart: start }, 'another broker claimed a producer id block first');
          continue;
        }
        throw err;
      }
      this.#log.info({ blockStart: block.blockStart, blockEnd: block.blockEnd }, 'claimed a producer id block');
      return { start: block.blockStart, end: block.blockEnd };
    }
  }

  /** The last claimed block (null when none) and the znode's version (null when the znode does not exist). */
  async #readLatest(): Promise<{ block: ZkProducerIdBlock | null; version: number | null }> {
    try {
      const { data, stat } = await this.#zk.getData(ZkPaths.latestProducerIdBlock);
      return { block: data.length === 0 ? null : decodeProducerIdBlock(data), version: stat.version };
    } catch (err) {
      if (err instanceof ZkNoNodeError) return { block: null, version: null };
      throw err;
    }
  }
}

import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncDirectory } from '../storage/index.js';

/** Ids handed out per persisted block (Kafka's ProducerIdsBlock.PRODUCER_ID_BLOCK_SIZE). */
export const PRODUCER_ID_BLOCK_SIZE = 1000;
export const PRODUCER_ID_BLOCK_FILE = 'producer-id-block';
const BLOCK_FILE_VERSION = 1;

/**
 * Where InitProducerId gets idempotent producer ids: never the same id twice, across restarts and (in cluster mode)
 * across brokers. ProducerIdManager keeps its blocks in a file (single node); ZkProducerIdManager claims them in
 * ZooKeeper.
 */
export interface ProducerIdSource {
  generateProducerId(): Promise<number>;
}

export interface ProducerIdManagerOptions {
  /** Where the block file lives: the first of log.dirs. */
  logDir: string;
  brokerId: number;
}

/**
 * Hands out idempotent producer ids that are never reused, across restarts too (Kafka's ZkProducerIdManager with
 * its /latest_producer_id_block znode, kept in a file instead).
 *
 * On disk: `<logDir>/producer-id-block`, one JSON line as Kafka's znode, the last block this broker claimed:
 *   {"version":1,"broker":<id>,"block_start":<first id>,"block_end":<last id>}
 * A block of PRODUCER_ID_BLOCK_SIZE ids is claimed by writing the file (temp file, fsync, rename, directory
 * fsync) before any id in it is returned; a restart claims the next block, so the unused rest of a block is
 * skipped, never reissued. An unreadable file fails allocation rather than risk reusing ids.
 *
 * Concurrency: see ProducerIdBlocks (one claim at a time; callers that ran out wait for it).
 */
export class ProducerIdManager implements ProducerIdSource {
  readonly path: string;
  readonly #logDir: string;
  readonly #brokerId: number;
  readonly #blocks = new ProducerIdBlocks(() => this.#claimBlock());

  constructor(options: ProducerIdManagerOptions) {
    this.#logDir = options.logDir;
    this.#brokerId = options.brokerId;
    this.path = join(options.logDir, PRODUCER_ID_BLOCK_FILE);
  }

  generateProducerId(): Promise<number> {
    return this.#blocks.next();
  }

  async #claimBlock(): Promise<ProducerIdBlock> {
    const start = (await this.#lastBlockEnd()) + 1;
    const end = start + PRODUCER_ID_BLOCK_SIZE - 1;
    if (!Number.isSafeInteger(end)) throw new Error('producer ids are exhausted');
    const content = JSON.stringify({
      version: BLOCK_FILE_VERSION,
      broker: this.#brokerId,
      block_start: start,
      block_end: end,
    });
    await mkdir(this.#logDir, { recursive: true });
    const tmp = `${this.path}.tmp`;
    try {
      const handle = await open(tmp, 'w');
      try {
        await handle.writeFile(content + '\n', 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(tmp, this.path);
      await fsyncDirectory(this.#logDir);
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
    return { start, end };
  }

  /** The end of the last claimed block, -1 when none was ever claimed. */
  async #lastBlockEnd(): Promise<number> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return -1;
      throw err;
    }
    const parsed: unknown = JSON.parse(text);
    const end =
      typeof parsed === 'object' && parsed !== null ? (parsed as { block_end?: unknown }).block_end : undefined;
    if (typeof end !== 'number' || !Number.isSafeInteger(end) || end < -1) {
      throw new Error(`${this.path} does not hold a producer id block: ${JSON.stringify(text)}`);
    }
    return end;
  }
}

/** A claimed range of producer ids, both ends included. */
export interface ProducerIdBlock {
  readonly start: number;
  readonly end: number;
}

/**
 * Hands out the ids of claimed blocks in order, for both producer id managers: `claim` persists the next block
 * (a file, a znode) before any id in it is returned. Ids within a block are handed out synchronously; one claim
 * runs at a time and every caller that ran out waits for it.
 */
export class ProducerIdBlocks {
  readonly #claim: () => Promise<ProducerIdBlock>;
  #next = 0;
  #blockEnd = -1;
  #claiming: Promise<void> | undefined;

  constructor(claim: () => Promise<ProducerIdBlock>) {
    this.#claim = claim;
  }

  async next(): Promise<number> {
    while (this.#next > this.#blockEnd) {
      this.#claiming ??= this.#claim()
        .then(({ start, end }) => {
          this.#next = start;
          this.#blockEnd = end;
        })
        .finally(() => {
          this.#claiming = undefined;
        });
      await this.#claiming;
    }
    return this.#next++;
  }
}

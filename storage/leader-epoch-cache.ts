import { rm } from 'node:fs/promises';
import { type EpochEntry, LeaderEpochCheckpointFile } from './checkpoint-file.js';
import { CorruptCheckpointError } from './errors.js';
import type { StorageLogger } from './logger.js';
import { SerialQueue } from './serial-queue.js';

/** OffsetForLeaderEpoch's "no such epoch" answer (Kafka's UNDEFINED_EPOCH and UNDEFINED_EPOCH_OFFSET). */
export const UNDEFINED_EPOCH = -1;
export const UNDEFINED_EPOCH_OFFSET = -1;

/** An epoch and the offset its data ends before (exclusive), as OffsetForLeaderEpoch answers. */
export interface EpochEndOffset {
  readonly epoch: number;
  readonly endOffset: number;
}

/** The epoch of a batch and where it starts: what an append tells the cache (a RecordBatchView fits). */
export interface EpochStart {
  readonly partitionLeaderEpoch: number;
  readonly baseOffset: number;
}

/**
 * One partition's leader epochs and the first offset written in each (Kafka's LeaderEpochFileCache, KIP-101/279):
 * a leader answers OffsetForLeaderEpoch from it, and a follower truncates its log to what the leader answers.
 *
 * On disk: `<partition dir>/leader-epoch-checkpoint` (LEADER_EPOCH_CHECKPOINT_FORMAT: version line, count line,
 * `epoch startOffset` lines), rewritten atomically (tmp + fsync + rename) after every change, and only then: an
 * append in the current epoch costs one comparison.
 *
 * Invariants: entries are strictly increasing in both epoch and start offset; the owning Log keeps every start
 * offset within [log start, log end] (LogLoader trims the file's entries to the recovered log).
 *
 * Concurrency: the owning Log mutates the cache only on its queue; reads are synchronous and see the latest
 * in-memory state. File writes are queued here, each writing the entries as they are when it runs, so the file
 * always ends up holding the newest state even if mutations overlap. A mutation resolves once its write is done.
 */
export class LeaderEpochCache {
  readonly #file: LeaderEpochCheckpointFile;
  readonly #logger: StorageLogger;
  readonly #writes = new SerialQueue();
  /** Replaced, never changed in place, so entries() can hand it out. */
  #entries: readonly EpochEntry[] = [];

  /** An empty cache written to `path` (LeaderEpochCache.load reads an existing file). */
  constructor(path: string, logger: StorageLogger) {
    this.#file = new LeaderEpochCheckpointFile(path);
    this.#logger = logger;
  }

  get path(): string {
    return this.#file.path;
  }

  /** The newest epoch with an entry, undefined when the cache is empty. */
  get latestEpoch(): number | undefined {
    return this.#entries.at(-1)?.epoch;
  }

  /** The entries, oldest first. */
  entries(): readonly EpochEntry[] {
    return this.#entries;
  }

  /** The epoch that wrote `offset` (the entry with the largest start offset ≤ it), undefined below every entry. */
  epochForOffset(offset: number): number | undefined {
    let epoch: number | undefined;
    for (const e of this.#entries) {
      if (e.startOffset > offset) break;
      epoch = e.epoch;
    }
    return epoch;
  }

  /**
   * Records that `epoch` starts at `startOffset`. The latest epoch again is a no-op (the common append); an older
   * epoch is refused with a warning (a stale writer: the cache stays as it is). A newer epoch first drops entries
   * starting at or after `startOffset` (left by a leader that took over without writing anything), then is
   * appended. Resolves true when the cache changed (and the file has been rewritten).
   */
  async assign(epoch: number, startOffset: number): Promise<boolean> {
    if (!this.#assignInMemory(epoch, startOffset)) return false;
    await this.#write();
    return true;
  }

  /**
   * assign() for each batch that carries an epoch (partitionLeaderEpoch ≥ 0), in order, with one file write at the
   * end: a follower's append takes the leader's epochs from the batches it copies.
   */
  async assignBatches(batches: Iterable<EpochStart>): Promise<boolean> {
    let changed = false;
    for (const b of batches) if (this.#assignBatchInMemory(b)) changed = true;
    if (changed) await this.#write();
    return changed;
  }

  #assignBatchInMemory(b: EpochStart): boolean {
    // the common case (a batch of the latest epoch) returns after one comparison
    if (b.partitionLeaderEpoch < 0 || b.partitionLeaderEpoch === this.latestEpoch) return false;
    return this.#assignInMemory(b.partitionLeaderEpoch, b.baseOffset);
  }

  #assignInMemory(epoch: number, startOffset: number): boolean {
    if (!Number.isSafeInteger(epoch) || epoch < 0 || !Number.isSafeInteger(startOffset) || startOffset < 0) {
      throw new RangeError(`invalid leader epoch entry (${epoch}, ${startOffset})`);
    }
    const latest = this.#entries.at(-1);
    if (latest !== undefined && epoch <= latest.epoch) {
      if (epoch < latest.epoch) {
        this.#logger.warn({ epoch, startOffset, latestEpoch: latest.epoch }, 'ignoring an older leader epoch');
      }
      return false;
    }
    const kept = this.#entries.filter((e) => e.startOffset < startOffset);
    const dropped = this.#entries.length - kept.length;
    // dropping the empty entry of a leader that wrote nothing is expected; anything else means lost data
    if (dropped > 1 || (dropped === 1 && this.#entries.at(-1)!.startOffset !== startOffset)) {
      this.#logger.warn(
        { epoch, startOffset, dropped: this.#entries.slice(kept.length) },
        'new leader epoch replaced conflicting entries',
      );
    }
    kept.push({ epoch, startOffset });
    this.#entries = kept;
    return true;
  }

  /**
   * OffsetForLeaderEpoch: the largest epoch ≤ `requestedEpoch` and the offset where it ends, which is the start of
   * the next epoch, or `logEndOffset` for the latest epoch. As Kafka: an epoch below every entry answers itself with
   * the first entry's start (its data is gone; the follower restarts from there), and an undefined epoch, one above
   * the latest, or an empty cache answer (UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET).
   */
  endOffsetFor(requestedEpoch: number, logEndOffset: number): EpochEndOffset {
    const undefinedEpoch = { epoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET };
    if (requestedEpoch === UNDEFINED_EPOCH) return undefinedEpoch;
    if (requestedEpoch === this.latestEpoch) return { epoch: requestedEpoch, endOffset: logEndOffset };
    const higher = this.#entries.findIndex((e) => e.epoch > requestedEpoch);
    if (higher < 0) return undefinedEpoch;
    const endOffset = this.#entries[higher]!.startOffset;
    return { epoch: higher === 0 ? requestedEpoch : this.#entries[higher - 1]!.epoch, endOffset };
  }

  /** Drops the entries starting at or after `endOffset` (a truncated log end). Resolves true when any were. */
  async truncateFromEnd(endOffset: number): Promise<boolean> {
    if (!this.#truncateFromEndInMemory(endOffset)) return false;
    await this.#write();
    return true;
  }

  #truncateFromEndInMemory(endOffset: number): boolean {
    const kept = this.#entries.findIndex((e) => e.startOffset >= endOffset);
    if (kept < 0) return false;
    this.#entries = this.#entries.slice(0, kept);
    return true;
  }

  /**
   * Drops the entries wholly below `startOffset` (a raised log start offset); the last entry starting below it
   * now starts at it. Resolves true when the cache changed.
   */
  async truncateFromStart(startOffset: number): Promise<boolean> {
    if (!this.#truncateFromStartInMemory(startOffset)) return false;
    await this.#write();
    return true;
  }

  #truncateFromStartInMemory(startOffset: number): boolean {
    const below = this.#entries.filter((e) => e.startOffset < startOffset).length;
    if (below === 0) return false;
    const rest = this.#entries.slice(below);
    const covering = this.#entries[below - 1]!;
    this.#entries = rest[0]?.startOffset === startOffset ? rest : [{ epoch: covering.epoch, startOffset }, ...rest];
    return true;
  }

  /** Drops every entry (a log restarted empty at some offset). */
  async clear(): Promise<void> {
    if (this.#entries.length === 0) return;
    this.#entries = [];
    await this.#write();
  }

  /** Removes the file, once pending writes are done (the log is being deleted). */
  async deleteFile(): Promise<void> {
    this.#entries = [];
    await this.#writes.run(() => rm(this.path, { force: true }));
  }

  #write(): Promise<void> {
    return this.#writes.run(() => this.#file.write(this.#entries));
  }

  /**
   * The cache of a partition directory as LogLoader opens it: the checkpoint file's entries (none when it is
   * missing), trimmed to [logStartOffset, logEndOffset) since a crash can leave entries for data that was never
   * written. A corrupt file is logged and the entries are rebuilt from `batches` (the log's batch headers, in
   * order). The file is rewritten when the entries differ from it.
   */
  static async load(
    path: string,
    logger: StorageLogger,
    options: LoadLeaderEpochCacheOptions,
  ): Promise<LeaderEpochCache> {
    const cache = new LeaderEpochCache(path, logger);
    let dirty: boolean;
    try {
      const read = await cache.#file.read();
      // taken as assign() would take them, in order, so a hand-edited or inconsistent file still yields a valid cache
      for (const e of read) cache.#assignInMemory(e.epoch, e.startOffset);
      dirty = cache.#entries.length !== read.length;
    } catch (err) {
      if (!(err instanceof CorruptCheckpointError)) throw err;
      logger.warn({ err }, 'corrupt leader epoch checkpoint, rebuilding it from the batch headers');
      for await (const b of options.batches()) cache.#assignBatchInMemory(b);
      dirty = true;
    }
    if (cache.#truncateFromEndInMemory(options.logEndOffset)) dirty = true;
    if (cache.#truncateFromStartInMemory(options.logStartOffset)) dirty = true;
    if (dirty) await cache.#write();
    return cache;
  }
}

export interface LoadLeaderEpochCacheOptions {
  logStartOffset: number;
  logEndOffset: number;
  /** The log's batches from the start, read only when the file is corrupt. */
  batches: () => AsyncIterable<EpochStart> | Iterable<EpochStart>;
}

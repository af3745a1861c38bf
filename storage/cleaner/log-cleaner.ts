import { join } from 'node:path';
import { CLEANER_OFFSET_CHECKPOINT_FILE, OffsetCheckpointFile, topicPartitionKey } from '../checkpoint-file.js';
import type { Clock } from '../clock.js';
import type { Log } from '../log.js';
import type { StorageLogger } from '../logger.js';
import { SerialQueue } from '../serial-queue.js';
import { isCleanable, type LogToClean, logToClean } from './cleanable.js';
import {
  type CleanContext,
  Cleaner,
  type CleanerOptions,
  type CleanerStats,
  LogCleaningAbortedError,
} from './cleaner.js';

export interface LogCleanerOptions extends CleanerOptions {
  /** log.cleaner.enable. Default true. */
  enable?: boolean;
  /** log.cleaner.backoff.ms: the pause when no log needs cleaning. Default 15 s. */
  backoffMs?: number;
  /** Test hook passed to every cleaning (see CleanContext.afterStep). */
  afterStep?: CleanContext['afterStep'];
}

export const DEFAULT_CLEANER_BACKOFF_MS = 15_000;

/** A log and the log directory that holds it (whose cleaner-offset-checkpoint records it). */
export interface CleanableLog {
  readonly log: Log;
  readonly logDir: string;
}

export interface LogCleanerDeps {
  logDirs: readonly string[];
  /** The logs to consider, asked afresh on every run (logs come and go). */
  logs: () => Iterable<CleanableLog>;
  clock: Clock;
  logger: StorageLogger;
}

/** What one run cleaned. */
export interface CleaningSummary {
  readonly topic: string;
  readonly partition: number;
  readonly firstDirtyOffset: number;
  /** The new cleaner checkpoint. */
  readonly endOffset: number;
  readonly cleanableRatio: number;
  readonly bytesBefore: number;
  readonly bytesAfter: number;
  readonly stats: CleanerStats;
}

interface InProgress {
  aborted: boolean;
  readonly done: Promise<void>;
}

/**
 * The background log cleaner of a LogManager (Kafka's LogCleaner thread plus LogCleanerManager): picks the
 * filthiest compacted log, cleans it with a Cleaner, records how far it got, and repeats; when no log qualifies it
 * waits log.cleaner.backoff.ms.
 *
 * A log qualifies when cleanup.policy includes compact and its dirty ratio is above min.cleanable.dirty.ratio, or
 * max.compaction.lag.ms has passed for a dirty record (cleanable.ts). Logs whose cleaning failed with an unexpected
 * error are marked uncleanable and skipped until restart, as in Kafka, so one corrupt log cannot stall the rest.
 *
 * On disk: `cleaner-offset-checkpoint` in each log directory (Kafka's format, `topic partition offset` lines): the
 * first dirty offset of each compacted log, rewritten atomically after every cleaning and on LogManager
 * checkpoints. A truncation moves a log's entry back (maybeTruncateCheckpoint); an entry outside the log's range
 * is reset to the log start offset when read.
 *
 * Concurrency: runs are serialized (one Cleaner, one offset map), whether they come from the loop or runOnce().
 * abortCleaning() waits for the log's cleaning to stop; shutdown() aborts the current cleaning and stops the loop.
 */
export class LogCleaner {
  readonly #deps: LogCleanerDeps;
  readonly #options: LogCleanerOptions;
  readonly #logger: StorageLogger;
  readonly #cleaner: Cleaner;
  /** Log directory → `topic-partition` → first dirty offset. */
  readonly #checkpoints = new Map<string, Map<string, number>>();
  readonly #inProgress = new Map<string, InProgress>();
  readonly #uncleanable = new Set<string>();
  /** Partitions truncated since they were last weighed for cleaning: such a cleaning must not checkpoint. */
  readonly #truncated = new Set<string>();
  readonly #runs = new SerialQueue();
  /** Checkpoint files are written one at a time (they share a `.tmp` name). */
  readonly #writes = new SerialQueue();
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #stopped = false;

  constructor(deps: LogCleanerDeps, options: LogCleanerOptions = {}) {
    this.#deps = deps;
    this.#options = options;
    this.#logger = deps.logger.child({ component: 'log-cleaner' });
    this.#cleaner = new Cleaner(options, this.#logger);
    for (const dir of deps.logDirs) this.#checkpoints.set(dir, new Map());
  }

  /** Reads every log directory's cleaner-offset-checkpoint; an unreadable one counts as empty (all dirty). */
  async loadCheckpoints(): Promise<void> {
    for (const [dir, offsets] of this.#checkpoints) {
      try {
        for (const [key, offset] of await checkpointFile(dir).readMap()) offsets.set(key, offset);
      } catch (err) {
        this.#logger.warn({ err, logDir: dir }, 'ignoring unreadable cleaner checkpoint: logs will be cleaned anew');
      }
    }
  }

  /** The checkpointed first dirty offset of a partition, if any. */
  checkpointOf(logDir: string, topic: string, partition: number): number | undefined {
    return this.#checkpoints.get(logDir)?.get(topicPartitionKey(topic, partition));
  }

  /** Writes the checkpoint file of `logDir` (default: every log directory) for the logs it holds now. */
  writeCheckpoints(logDir?: string): Promise<void> {
    return this.#writes.run(() => this.#writeCheckpoints(logDir));
  }

  async #writeCheckpoints(logDir: string | undefined): Promise<void> {
    const present = new Map<string, Set<string>>();
    for (const { log, logDir: dir } of this.#deps.logs()) {
      let keys = present.get(dir);
      if (keys === undefined) present.set(dir, (keys = new Set()));
      keys.add(topicPartitionKey(log.topic, log.partition));
    }
    for (const [dir, offsets] of this.#checkpoints) {
      if (logDir !== undefined && dir !== logDir) continue;
      const keys = present.get(dir) ?? new Set<string>();
      for (const key of offsets.keys()) if (!keys.has(key)) offsets.delete(key);
      await checkpointFile(dir).writeMap(offsets);
    }
  }

  /** Starts the background loop (idempotent). */
  start(): void {
    if (this.#loop !== undefined || this.#stopped) return;
    this.#loop = this.#run();
  }

  /** Cleans the filthiest log that qualifies, if any: one turn of the loop, for tests and manual use. */
  runOnce(): Promise<CleaningSummary | null> {
    return this.#runs.run(() => this.#cleanFilthiestLog());
  }

  /**
   * After a truncation of `log` to `offset`: a checkpoint above it moves back to it (Kafka's
   * maybeTruncateCheckpoint), so re-appended offsets count as dirty. A cleaning in progress aborts by itself, and
   * one chosen before the truncation does not checkpoint.
   */
  maybeTruncateCheckpoint(logDir: string, log: Log, offset: number): void {
    const offsets = this.#checkpoints.get(logDir);
    const key = topicPartitionKey(log.topic, log.partition);
    this.#truncated.add(key);
    const current = offsets?.get(key);
    if (current !== undefined && current > offset) offsets!.set(key, offset);
  }

  /** Stops the cleaning of a partition if it is running and waits until it has stopped. */
  async abortCleaning(topic: string, partition: number): Promise<void> {
    const state = this.#inProgress.get(topicPartitionKey(topic, partition));
    if (state === undefined) return;
    state.aborted = true;
    await state.done;
  }

  /** Forgets a deleted partition: its checkpoint entry and uncleanable mark. */
  forget(logDir: string, topic: string, partition: number): void {
    const key = topicPartitionKey(topic, partition);
    this.#checkpoints.get(logDir)?.delete(key);
    this.#uncleanable.delete(key);
    this.#truncated.delete(key);
  }

  /** Partitions whose cleaning failed and that are skipped until restart. */
  get uncleanablePartitions(): readonly string[] {
    return [...this.#uncleanable];
  }

  /** Aborts the cleaning in progress and stops the loop. Idempotent. */
  async shutdown(): Promise<void> {
    this.#stopped = true;
    for (const state of this.#inProgress.values()) state.aborted = true;
    this.#wake?.();
    await this.#loop;
    await this.#runs.idle();
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      let cleaned: CleaningSummary | null = null;
      try {
        cleaned = await this.runOnce();
      } catch (err) {
        this.#logger.error({ err }, 'log cleaner run failed');
      }
      if (cleaned === null && !this.#stopped) await this.#sleep(this.#options.backoffMs ?? DEFAULT_CLEANER_BACKOFF_MS);
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#wake = undefined;
        resolve();
      }, ms);
      timer.unref();
      this.#wake = () => {
        clearTimeout(timer);
        this.#wake = undefined;
        resolve();
      };
    });
  }

  async #cleanFilthiestLog(): Promise<CleaningSummary | null> {
    if (this.#stopped) return null;
    const nowMs = this.#deps.clock.nowMs();
    const chosen = await this.#grabFilthiestLog(nowMs);
    if (chosen === undefined) return null;
    const { candidate, logDir } = chosen;
    const { log } = candidate;
    const key = topicPartitionKey(log.topic, log.partition);
    // the log may have been deleted while the candidates were weighed
    if (![...this.#deps.logs()].some((l) => l.log === log)) return null;
    let finish!: () => void;
    const state: InProgress = { aborted: false, done: new Promise<void>((resolve) => (finish = resolve)) };
    this.#inProgress.set(key, state);
    const bytesBefore = log.size;
    try {
      const { endOffset, stats } = await this.#cleaner.clean(candidate, {
        nowMs,
        isAborted: () => state.aborted || this.#stopped,
        ...(this.#options.afterStep === undefined ? {} : { afterStep: this.#options.afterStep }),
      });
      if (this.#truncated.has(key)) {
        throw new LogCleaningAbortedError(`${key} was truncated after it was chosen for cleaning`);
      }
      this.#checkpoints.get(logDir)?.set(key, endOffset);
      await this.writeCheckpoints(logDir);
      const summary: CleaningSummary = {
        topic: log.topic,
        partition: log.partition,
        firstDirtyOffset: candidate.firstDirtyOffset,
        endOffset,
        cleanableRatio: candidate.cleanableRatio,
        bytesBefore,
        bytesAfter: log.size,
        stats,
      };
      this.#logger.info(
        {
          tp: key,
          firstDirtyOffset: candidate.firstDirtyOffset,
          endOffset,
          bytesBefore,
          bytesAfter: summary.bytesAfter,
          recordsRead: stats.recordsRead,
          recordsWritten: stats.recordsWritten,
        },
        'cleaned log',
      );
      return summary;
    } catch (err) {
      if (err instanceof LogCleaningAbortedError) {
        this.#logger.info({ tp: key, reason: err.message }, 'log cleaning aborted');
      } else {
        this.#uncleanable.add(key);
        this.#logger.error({ err, tp: key }, 'log cleaning failed; the partition is marked uncleanable');
      }
      return null;
    } finally {
      this.#inProgress.delete(key);
      finish();
    }
  }

  /** Kafka's grabFilthiestCompactedLog: the qualifying log with the highest dirty ratio. */
  async #grabFilthiestLog(nowMs: number): Promise<{ candidate: LogToClean; logDir: string } | undefined> {
    let best: { candidate: LogToClean; logDir: string } | undefined;
    for (const { log, logDir } of [...this.#deps.logs()]) {
      const key = topicPartitionKey(log.topic, log.partition);
      if (!log.config.compact || this.#uncleanable.has(key)) continue;
      this.#truncated.delete(key);
      const offsets = this.#checkpoints.get(logDir);
      let candidate: LogToClean;
      try {
        candidate = await logToClean(log, offsets?.get(key), nowMs);
      } catch (err) {
        this.#uncleanable.add(key);
        this.#logger.error({ err, tp: key }, 'cannot compute what to clean; the partition is marked uncleanable');
        continue;
      }
      if (candidate.forceUpdateCheckpoint) offsets?.set(key, candidate.firstDirtyOffset);
      if (candidate.totalBytes === 0 || !isCleanable(candidate)) continue;
      if (best === undefined || candidate.cleanableRatio > best.candidate.cleanableRatio) best = { candidate, logDir };
    }
    return best;
  }
}

function checkpointFile(logDir: string): OffsetCheckpointFile {
  return new OffsetCheckpointFile(join(logDir, CLEANER_OFFSET_CHECKPOINT_FILE));
}

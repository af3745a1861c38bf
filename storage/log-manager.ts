import { randomUUID } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  fsyncDirectory,
  LOG_START_OFFSET_CHECKPOINT_FILE,
  OffsetCheckpointFile,
  parseTopicPartitionKey,
  RECOVERY_POINT_CHECKPOINT_FILE,
  REPLICATION_OFFSET_CHECKPOINT_FILE,
  topicPartitionKey,
} from './checkpoint-file.js';
import { type CleaningSummary, LogCleaner, type LogCleanerOptions } from './cleaner/log-cleaner.js';
import { type Clock, SystemClock } from './clock.js';
import { CorruptCheckpointError } from './errors.js';
import { FileHandleCache } from './file-handle-cache.js';
import type { Log } from './log.js';
import { DEFAULT_LOG_CONFIG, type LogConfig, logConfigFrom } from './log-config.js';
import { loadLog, type LoadLogOptions } from './log-loader.js';
import { SILENT_LOGGER, type StorageLogger } from './logger.js';
import { SerialQueue } from './serial-queue.js';

/** Kafka's marker of a clean shutdown, one per log directory. */
export const CLEAN_SHUTDOWN_FILE = '.kafka_cleanshutdown';
const DELETE_SUFFIX = '-delete';
/** The longest delay a Node timer takes (2^31 - 1 ms); longer ones fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface LogManagerOptions {
  /** log.dirs: one or more directories; partitions are spread over them. */
  logDirs: readonly string[];
  /** Topic config defaults (the broker's log.* settings mapped to topic-level names). */
  defaultConfig?: LogConfig;
  clock?: Clock;
  logger?: StorageLogger;
  /** How many partitions load (or close) at once per directory (num.recovery.threads.per.data.dir: I/O, not threads). */
  loadConcurrency?: number;
  /** Segment files kept open at once, over all inactive segments. */
  maxOpenFiles?: number;
  /** Run retention, flush and checkpoint timers (off in tests that drive them by hand). */
  scheduled?: boolean;
  /** log.retention.check.interval.ms */
  retentionCheckIntervalMs?: number;
  /** log.flush.scheduler.interval.ms (only logs with a finite flush.ms do any work) */
  flushCheckIntervalMs?: number;
  /** log.flush.offset.checkpoint.interval.ms, also used for the log start offset checkpoint */
  checkpointIntervalMs?: number;
  /** log.cleaner.* settings; the cleaner runs on its own loop when `scheduled`, else through runCleanerOnce(). */
  cleaner?: LogCleanerOptions;
}

interface ManagedLog {
  log: Log;
  logDir: string;
  /** From the log dir's replication-offset-checkpoint at start; undefined for logs created since. */
  checkpointedHighWatermark?: number | undefined;
}

/**
 * Owns every partition log under `log.dirs` (Kafka's LogManager).
 *
 * On disk, per log directory: one `<topic>-<partition>` directory per partition, the checkpoint files
 * `recovery-point-offset-checkpoint`, `log-start-offset-checkpoint`, `cleaner-offset-checkpoint` (see
 * LogCleaner) and `replication-offset-checkpoint` (the high watermarks: their values belong to the replica layer,
 * which writes them through writeHighWatermarks, but only LogManager knows which directory holds which log), and
 * `.kafka_cleanshutdown` while the broker is stopped cleanly. A partition being deleted is first
 * renamed `<topic>-<partition>.<uuid>-delete`, then removed in the background (or at the next start).
 *
 * Start: each directory's marker and checkpoints are read, the marker removed (so a crash from now on counts as
 * unclean), and the partitions loaded in parallel (LogLoader recovers what needs it). Then timers run retention,
 * flush.ms flushes and checkpoints, and the log cleaner compacts logs with cleanup.policy=compact (unless
 * log.cleaner.enable is false). Shutdown: the cleaner and timers stop, every log is flushed and closed, checkpoints
 * are written and the clean-shutdown marker created.
 *
 * Concurrency: the partition map is changed only by create/delete, each serialized per partition by a pending
 * promise; each Log serializes its own writes; checkpoint writes are serialized per kind of file.
 */
export class LogManager {
  readonly #logs = new Map<string, ManagedLog>();
  readonly #creating = new Map<string, Promise<Log>>();
  /** Topics with overrides, parsed once: appends read min.insync.replicas from here. */
  readonly #topicConfigs = new Map<string, LogConfig>();
  readonly #timers: NodeJS.Timeout[] = [];
  readonly #logger: StorageLogger;
  readonly #handles: FileHandleCache;
  readonly #clock: Clock;
  readonly #defaultConfig: LogConfig;
  readonly #cleaner: LogCleaner | undefined;
  readonly #checkpoints = new SerialQueue();
  readonly #highWatermarkWrites = new SerialQueue();
  #stopped = false;

  private constructor(readonly options: LogManagerOptions) {
    this.#logger = (options.logger ?? SILENT_LOGGER).child({ component: 'log-manager' });
    this.#handles = new FileHandleCache(options.maxOpenFiles ?? 1024);
    this.#clock = options.clock ?? new SystemClock();
    this.#defaultConfig = options.defaultConfig ?? DEFAULT_LOG_CONFIG;
    this.#cleaner =
      options.cleaner?.enable === false
        ? undefined
        : new LogCleaner(
            {
              logDirs: options.logDirs,
              logs: () => this.#logs.values(),
              clock: this.#clock,
              logger: options.logger ?? SILENT_LOGGER,
            },
            options.cleaner,
          );
  }

  static async start(options: LogManagerOptions): Promise<LogManager> {
    if (options.logDirs.length === 0) throw new Error('log.dirs must name at least one directory');
    const manager = new LogManager(options);
    await Promise.all(options.logDirs.map((dir) => manager.#loadDir(dir)));
    await manager.#cleaner?.loadCheckpoints();
    if (options.scheduled !== false) {
      manager.#schedule();
      manager.#cleaner?.start();
    }
    return manager;
  }

  get logDirs(): readonly string[] {
    return this.options.logDirs;
  }

  getLog(topic: string, partition: number): Log | undefined {
    return this.#logs.get(topicPartitionKey(topic, partition))?.log;
  }

  allLogs(): Log[] {
    return [...this.#logs.values()].map((m) => m.log);
  }

  /** The effective config of a topic: its overrides over the defaults. */
  configFor(topic: string): LogConfig {
    return this.#topicConfigs.get(topic) ?? this.#defaultConfig;
  }

  /** Set a topic's config overrides (validated first) and apply them to its open logs. */
  async setTopicConfig(topic: string, overrides: Readonly<Record<string, string>>): Promise<void> {
    const config = logConfigFrom(overrides, this.#defaultConfig);
    this.#topicConfigs.set(topic, config);
    await Promise.all(
      this.allLogs()
        .filter((l) => l.topic === topic)
        .map((l) => l.updateConfig(config)),
    );
  }

  /** The partition's log, created empty (in the least-used log directory) when it does not exist yet. */
  getOrCreateLog(topic: string, partition: number): Promise<Log> {
    const key = topicPartitionKey(topic, partition);
    const existing = this.#logs.get(key);
    if (existing !== undefined) return Promise.resolve(existing.log);
    let pending = this.#creating.get(key);
    if (pending === undefined) {
      pending = this.#create(topic, partition).finally(() => this.#creating.delete(key));
      this.#creating.set(key, pending);
    }
    return pending;
  }

  async #create(topic: string, partition: number): Promise<Log> {
    this.#checkRunning();
    const key = topicPartitionKey(topic, partition);
    const logDir = this.#leastLoadedDir();
    const log = await this.#loadPartition(logDir, key, { recoveryPoint: 0, logStartOffset: 0, hadCleanShutdown: true });
    this.#add(key, log, logDir);
    this.#logger.info({ tp: key, logDir }, 'created log');
    return log;
  }

  #add(key: string, log: Log, logDir: string, checkpointedHighWatermark?: number): void {
    this.#logs.set(key, { log, logDir, checkpointedHighWatermark });
    log.onTruncate((offset) => this.#cleaner?.maybeTruncateCheckpoint(logDir, log, offset));
  }

  /**
   * Delete a partition: its directory is renamed with a `-delete` suffix at once (so a restart never loads it
   * again) and removed in the background.
   */
  async deleteLog(topic: string, partition: number): Promise<void> {
    const key = topicPartitionKey(topic, partition);
    await this.#creating.get(key)?.catch(() => undefined);
    const managed = this.#logs.get(key);
    if (managed === undefined) return;
    this.#logs.delete(key);
    await this.#cleaner?.abortCleaning(topic, partition);
    this.#cleaner?.forget(managed.logDir, topic, partition);
    await managed.log.close();
    const doomed = join(managed.logDir, `${key}.${randomUUID().replaceAll('-', '')}${DELETE_SUFFIX}`);
    await rename(managed.log.dir, doomed);
    await fsyncDirectory(managed.logDir);
    this.#removeInBackground(doomed);
    this.#logger.info({ tp: key }, 'deleted log');
  }

  /**
   * The partition's high watermark as the log dir's replication-offset-checkpoint held it when this LogManager
   * started; undefined when it held none (or was corrupt), or for a log created since.
   */
  checkpointedHighWatermark(topic: string, partition: number): number | undefined {
    return this.#logs.get(topicPartitionKey(topic, partition))?.checkpointedHighWatermark;
  }

  /**
   * Rewrites every log dir's replication-offset-checkpoint with the high watermarks of the logs it holds (Kafka's
   * ReplicaManager.checkpointHighWatermarks); logs not in the map, or no longer managed here, are left out.
   * Serialized: each call writes the map it was given, in call order.
   */
  writeHighWatermarks(highWatermarks: ReadonlyMap<Log, number>): Promise<void> {
    return this.#highWatermarkWrites.run(async () => {
      const byDir = new Map<string, Map<string, number>>(this.logDirs.map((d) => [d, new Map()]));
      for (const { log, logDir } of this.#logs.values()) {
        const hw = highWatermarks.get(log);
        if (hw !== undefined) byDir.get(logDir)!.set(topicPartitionKey(log.topic, log.partition), hw);
      }
      for (const [logDir, offsets] of byDir) {
        await new OffsetCheckpointFile(join(logDir, REPLICATION_OFFSET_CHECKPOINT_FILE)).writeMap(offsets);
      }
    });
  }

  /** One retention pass over every log; returns the number of segments deleted. */
  async runRetention(): Promise<number> {
    let deleted = 0;
    for (const log of this.allLogs()) deleted += await log.deleteOldSegments();
    return deleted;
  }

  /**
   * One turn of the log cleaner: cleans the compacted log with the highest dirty ratio above its
   * min.cleanable.dirty.ratio (or past max.compaction.lag.ms), if any. The scheduled loop calls the same.
   */
  async runCleanerOnce(): Promise<CleaningSummary | null> {
    return (await this.#cleaner?.runOnce()) ?? null;
  }

  /** Flush logs whose flush.ms has passed. */
  async flushDueLogs(): Promise<void> {
    for (const log of this.allLogs()) if (Number.isFinite(log.config.flushMs)) await log.flushIfDue();
  }

  /**
   * Write the recovery point, log start offset and cleaner checkpoints of every log directory. Serialized: the
   * timer's run and shutdown's must not write the same files at once.
   */
  checkpoint(): Promise<void> {
    return this.#checkpoints.run(() => this.#checkpoint());
  }

  async #checkpoint(): Promise<void> {
    for (const logDir of this.logDirs) {
      const logs = [...this.#logs.values()].filter((m) => m.logDir === logDir).map((m) => m.log);
      const key = (l: Log): string => topicPartitionKey(l.topic, l.partition);
      await new OffsetCheckpointFile(join(logDir, RECOVERY_POINT_CHECKPOINT_FILE)).writeMap(
        new Map(logs.map((l) => [key(l), l.recoveryPoint])),
      );
      await new OffsetCheckpointFile(join(logDir, LOG_START_OFFSET_CHECKPOINT_FILE)).writeMap(
        new Map(logs.filter((l) => l.logStartOffset > 0).map((l) => [key(l), l.logStartOffset])),
      );
    }
    await this.#cleaner?.writeCheckpoints();
  }

  /** Stop timers, flush and close every log, write checkpoints and the clean-shutdown markers. Idempotent. */
  async shutdown(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    await this.#cleaner?.shutdown();
    for (const t of this.#timers) clearInterval(t);
    await Promise.all([...this.#creating.values()].map((p) => p.catch(() => undefined)));
    // bounded: each close writes index files, and 10,000 at once would run out of file descriptors
    await forEachLimited(this.allLogs(), this.options.loadConcurrency ?? 16, (l) => l.close());
    await this.checkpoint();
    for (const logDir of this.logDirs) {
      await writeFile(join(logDir, CLEAN_SHUTDOWN_FILE), '');
      await fsyncDirectory(logDir);
    }
    await this.#handles.closeAll();
    this.#logger.info({ logs: this.#logs.size }, 'log manager shut down');
  }

  async #loadDir(logDir: string): Promise<void> {
    await mkdir(logDir, { recursive: true });
    const marker = join(logDir, CLEAN_SHUTDOWN_FILE);
    const hadCleanShutdown = await exists(marker);
    const recoveryPoints = await new OffsetCheckpointFile(join(logDir, RECOVERY_POINT_CHECKPOINT_FILE)).readMap();
    const startOffsets = await new OffsetCheckpointFile(join(logDir, LOG_START_OFFSET_CHECKPOINT_FILE)).readMap();
    const highWatermarks = await this.#readHighWatermarks(logDir);
    const partitions: string[] = [];
    for (const entry of await readdir(logDir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      if (entry.name.endsWith(DELETE_SUFFIX)) this.#removeInBackground(join(logDir, entry.name));
      else if (parseTopicPartitionKey(entry.name) !== null) partitions.push(entry.name);
    }
    const started = this.#clock.nowMs();
    await forEachLimited(partitions, this.options.loadConcurrency ?? 16, async (key) => {
      const log = await this.#loadPartition(logDir, key, {
        recoveryPoint: recoveryPoints.get(key) ?? 0,
        logStartOffset: startOffsets.get(key) ?? 0,
        hadCleanShutdown,
      });
      if (this.#logs.has(key)) throw new Error(`partition ${key} exists in more than one log directory`);
      this.#add(key, log, logDir, highWatermarks.get(key));
    });
    await rm(marker, { force: true });
    this.#logger.info(
      { logDir, partitions: partitions.length, hadCleanShutdown, ms: this.#clock.nowMs() - started },
      'loaded log directory',
    );
  }

  /** A corrupt file only costs the high watermarks: each starts at its log start and is learned again. */
  async #readHighWatermarks(logDir: string): Promise<Map<string, number>> {
    try {
      return await new OffsetCheckpointFile(join(logDir, REPLICATION_OFFSET_CHECKPOINT_FILE)).readMap();
    } catch (err) {
      if (!(err instanceof CorruptCheckpointError)) throw err;
      this.#logger.warn({ err, logDir }, 'ignoring a corrupt high watermark checkpoint');
      return new Map();
    }
  }

  /** Opens (or creates) one partition directory with its topic's config. */
  #loadPartition(
    logDir: string,
    key: string,
    state: Pick<LoadLogOptions, 'recoveryPoint' | 'logStartOffset' | 'hadCleanShutdown'>,
  ): Promise<Log> {
    return loadLog({
      ...state,
      dir: join(logDir, key),
      config: this.configFor(parseTopicPartitionKey(key)!.topic),
      clock: this.#clock,
      handles: this.#handles,
      logger: this.#logger,
    });
  }

  #leastLoadedDir(): string {
    const counts = new Map(this.logDirs.map((d) => [d, 0]));
    for (const m of this.#logs.values()) counts.set(m.logDir, (counts.get(m.logDir) ?? 0) + 1);
    return [...counts.entries()].sort((a, b) => a[1] - b[1])[0]![0];
  }

  #schedule(): void {
    const every = (ms: number, what: string, task: () => Promise<unknown>): void => {
      // Kafka's "never" is Long.MAX_VALUE (read as Infinity), which a Node timer would turn into 1 ms
      if (!Number.isFinite(ms) || ms > MAX_TIMER_MS) return;
      let running = false;
      const timer = setInterval(() => {
        if (running || this.#stopped) return;
        running = true;
        task()
          .catch((err: unknown) => this.#logger.error({ err }, `${what} failed`))
          .finally(() => (running = false));
      }, ms);
      timer.unref();
      this.#timers.push(timer);
    };
    every(this.options.retentionCheckIntervalMs ?? 300_000, 'retention', () => this.runRetention());
    every(this.options.flushCheckIntervalMs ?? 1_000, 'flush', () => this.flushDueLogs());
    every(this.options.checkpointIntervalMs ?? 60_000, 'checkpoint', () => this.checkpoint());
  }

  #removeInBackground(path: string): void {
    rm(path, { recursive: true, force: true }).catch((err: unknown) =>
      this.#logger.error({ err, path }, 'cannot remove deleted partition directory'),
    );
  }

  #checkRunning(): void {
    if (this.#stopped) throw new Error('log manager is shut down');
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** Runs `fn` over `items` with at most `limit` running at once; the first failure rejects. */
async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

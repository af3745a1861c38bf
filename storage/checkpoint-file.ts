import { open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { CorruptCheckpointError, storageIoError } from './errors.js';

/** How one entry type is written to and read from a checkpoint line. */
export interface CheckpointFormat<T> {
  readonly version: number;
  format(entry: T): string;
  /** The entry on the line, or null when the line is malformed (the file is then reported corrupt). */
  parse(line: string): T | null;
}

/**
 * A Kafka checkpoint file: small text files holding per-partition (or per-epoch) offsets.
 *
 * On-disk format (Kafka's CheckpointFile, byte for byte):
 *
 *   <version>\n
 *   <entry count>\n
 *   <entry>\n   × count
 *
 * Writes are atomic: the content goes to `<file>.tmp`, which is fsynced, renamed over the file, and then the
 * directory is fsynced, so a crash leaves either the old or the new content, never a mix. A leftover `.tmp` from
 * a crash is simply overwritten by the next write.
 *
 * Concurrency: one writer per file (its owner serializes writes); reads and writes of different files are
 * independent. A missing file reads as no entries, as Kafka creates an empty one.
 */
export class CheckpointFile<T> {
  constructor(
    readonly path: string,
    readonly entryFormat: CheckpointFormat<T>,
  ) {}

  /** Replaces the file's content with `entries`, atomically and durably. */
  async write(entries: Iterable<T>): Promise<void> {
    const lines = [String(this.entryFormat.version)];
    const body: string[] = [];
    for (const entry of entries) body.push(this.entryFormat.format(entry));
    lines.push(String(body.length), ...body);
    const content = lines.join('\n') + '\n';
    const tmp = `${this.path}.tmp`;
    try {
      const handle = await open(tmp, 'w');
      try {
        await handle.writeFile(content, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(tmp, this.path);
      await fsyncDirectory(dirname(this.path));
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw storageIoError(`cannot write checkpoint file ${this.path}`, err);
    }
  }

  /** The entries in the file; [] when it does not exist. Malformed content throws CorruptCheckpointError. */
  async read(): Promise<T[]> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw storageIoError(`cannot read checkpoint file ${this.path}`, err);
    }
    return this.#parse(text);
  }

  #parse(text: string): T[] {
    const lines = text.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    const corrupt = (message: string): never => {
      throw new CorruptCheckpointError(this.path, message);
    };
    if (lines.length < 2) corrupt('missing the version or entry count line');
    const version = parseNonNegative(lines[0]!);
    if (version !== this.entryFormat.version) {
      corrupt(`unrecognized version ${JSON.stringify(lines[0])}, expected ${this.entryFormat.version}`);
    }
    const count = parseNonNegative(lines[1]!);
    if (count === null) corrupt(`malformed entry count ${JSON.stringify(lines[1])}`);
    if (lines.length - 2 !== count) corrupt(`expected ${count} entries but found ${lines.length - 2}`);
    const entries: T[] = [];
    for (let i = 2; i < lines.length; i++) {
      const entry = this.entryFormat.parse(lines[i]!);
      if (entry === null) return corrupt(`malformed line ${i + 1}: ${JSON.stringify(lines[i])}`);
      entries.push(entry);
    }
    return entries;
  }
}

function parseNonNegative(text: string): number | null {
  if (!/^\d+$/.test(text)) return null;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : null;
}

function parseOffset(text: string | undefined): number | null {
  if (text === undefined || !/^-?\d+$/.test(text)) return null;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : null;
}

/** fsync of a directory, so a rename or a new file in it survives a crash. */
export async function fsyncDirectory(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** An offset per topic-partition. */
export interface TopicPartitionOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}

/** `topic partition offset`, version 0: recovery-point-offset-checkpoint, log-start-offset-checkpoint, ... */
export const OFFSET_CHECKPOINT_FORMAT: CheckpointFormat<TopicPartitionOffset> = {
  version: 0,
  format: (e) => `${e.topic} ${e.partition} ${e.offset}`,
  parse(line) {
    const parts = line.split(/\s+/);
    if (parts.length !== 3 || parts[0] === '') return null;
    const partition = parseOffset(parts[1]);
    const offset = parseOffset(parts[2]);
    if (partition === null || partition < 0 || partition > 2 ** 31 - 1 || offset === null) return null;
    return { topic: parts[0]!, partition, offset };
  },
};

/** A leader epoch and the first offset written in it. */
export interface EpochEntry {
  readonly epoch: number;
  readonly startOffset: number;
}

/** `epoch startOffset`, version 0: the per-partition leader-epoch-checkpoint file. */
export const LEADER_EPOCH_CHECKPOINT_FORMAT: CheckpointFormat<EpochEntry> = {
  version: 0,
  format: (e) => `${e.epoch} ${e.startOffset}`,
  parse(line) {
    const parts = line.split(/\s+/);
    if (parts.length !== 2) return null;
    const epoch = parseOffset(parts[0]);
    const startOffset = parseOffset(parts[1]);
    if (epoch === null || epoch < 0 || startOffset === null || startOffset < 0) return null;
    return { epoch, startOffset };
  },
};

/** Kafka's file names in each log dir (and, for the leader epoch file, in each partition dir). */
export const RECOVERY_POINT_CHECKPOINT_FILE = 'recovery-point-offset-checkpoint';
export const LOG_START_OFFSET_CHECKPOINT_FILE = 'log-start-offset-checkpoint';
export const REPLICATION_OFFSET_CHECKPOINT_FILE = 'replication-offset-checkpoint';
export const CLEANER_OFFSET_CHECKPOINT_FILE = 'cleaner-offset-checkpoint';
export const LEADER_EPOCH_CHECKPOINT_FILE = 'leader-epoch-checkpoint';

/**
 * A topic-partition offset checkpoint (recovery points, log start offsets, high watermarks, cleaner offsets),
 * with map helpers keyed by `topic-partition` (the partition directory name).
 */
export class OffsetCheckpointFile extends CheckpointFile<TopicPartitionOffset> {
  constructor(path: string) {
    super(path, OFFSET_CHECKPOINT_FORMAT);
  }

  /** Writes a map keyed by `topic-partition`, as readMap returns it. */
  async writeMap(offsets: ReadonlyMap<string, number>): Promise<void> {
    const entries: TopicPartitionOffset[] = [];
    for (const [key, offset] of offsets) {
      const tp = parseTopicPartitionKey(key);
      if (tp === null) throw new TypeError(`not a topic-partition key: ${key}`);
      entries.push({ ...tp, offset });
    }
    await this.write(entries);
  }

  /** The offsets keyed by `topic-partition`. */
  async readMap(): Promise<Map<string, number>> {
    const map = new Map<string, number>();
    for (const e of await this.read()) map.set(topicPartitionKey(e.topic, e.partition), e.offset);
    return map;
  }
}

export class LeaderEpochCheckpointFile extends CheckpointFile<EpochEntry> {
  constructor(path: string) {
    super(path, LEADER_EPOCH_CHECKPOINT_FORMAT);
  }
}

/** `topic-partition`, the partition's directory name. */
export function topicPartitionKey(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

/** The inverse of topicPartitionKey (topics may contain '-', partitions cannot). */
export function parseTopicPartitionKey(key: string): { topic: string; partition: number } | null {
  const at = key.lastIndexOf('-');
  if (at <= 0) return null;
  const partition = parseNonNegative(key.substring(at + 1));
  if (partition === null) return null;
  return { topic: key.substring(0, at), partition };
}

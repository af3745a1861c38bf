import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-file.js';
import { isUuidText } from './uuid.js';

/** The registry file, in the first log dir. */
export const TOPIC_REGISTRY_FILE = 'samsa-topics.json';

/** One topic as the single-node controller records it (what ZooKeeper's /brokers/topics and /config/topics hold). */
export interface TopicRecord {
  /** Kafka's 22-character uuid text; a recreated topic gets a new one (KIP-516). */
  readonly topicId: string;
  /** Partition count; partitions are 0..count-1. */
  readonly partitions: number;
  readonly replicationFactor: number;
  /** The topic's config overrides only (Kafka-named, as strings); broker defaults are not copied in. */
  readonly configs: Readonly<Record<string, string>>;
}

/** A batch of changes committed with one write. */
export interface TopicRegistryChange {
  readonly put?: ReadonlyMap<string, TopicRecord>;
  readonly remove?: readonly string[];
}

/** Body of Kafka's per-partition `partition.metadata` file (KIP-516), which the replica layer writes. */
export function partitionMetadataText(topicId: string): string {
  return `version: 0\ntopic_id: ${topicId}\n`;
}

/** Thrown when samsa-topics.json cannot be read back; the message names the file. */
export class TopicRegistryError extends Error {
  override name = 'TopicRegistryError';
}

const FORMAT_VERSION = 1;

/**
 * The persistent record of topics in single-node mode: topic name → {@link TopicRecord}.
 *
 * On disk: `<first log dir>/samsa-topics.json`, `{"version":1,"topics":{"<name>":{topicId,partitions,
 * replicationFactor,configs}}}`, rewritten whole and atomically (tmp + fsync + rename + directory fsync) on every
 * change, so a crash leaves the previous or the next state.
 *
 * Concurrency: one writer (the LocalController's serial queue) calls {@link apply}; reads are synchronous.
 * Invariant: the in-memory map equals the file's content; it is swapped only after the write succeeded, so a failed
 * write leaves both at the old state.
 */
export class TopicRegistry {
  readonly #file: string;
  #topics: ReadonlyMap<string, TopicRecord>;
  #byId: ReadonlyMap<string, string>;

  private constructor(file: string, topics: ReadonlyMap<string, TopicRecord>) {
    this.#file = file;
    this.#topics = topics;
    this.#byId = indexById(topics);
  }

  /** Reads the registry of `logDir` (empty when there is no file yet). */
  static async load(logDir: string): Promise<TopicRegistry> {
    const file = join(logDir, TOPIC_REGISTRY_FILE);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new TopicRegistry(file, new Map());
      throw err;
    }
    return new TopicRegistry(file, parseRegistry(file, text));
  }

  get file(): string {
    return this.#file;
  }

  get size(): number {
    return this.#topics.size;
  }

  get(name: string): TopicRecord | undefined {
    return this.#topics.get(name);
  }

  /** The name of the topic with this id, if any. */
  nameOf(topicId: string): string | undefined {
    return this.#byId.get(topicId);
  }

  /** Every topic, sorted by name. */
  entries(): [string, TopicRecord][] {
    return [...this.#topics].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /** Commits `change` durably, then makes it visible. */
  async apply(change: TopicRegistryChange): Promise<void> {
    const next = new Map(this.#topics);
    for (const name of change.remove ?? []) next.delete(name);
    for (const [name, record] of change.put ?? [])
      next.set(name, Object.freeze({ ...record, configs: Object.freeze({ ...record.configs }) }));
    const topics: Record<string, TopicRecord> = {};
    for (const [name, record] of [...next].sort(([a], [b]) => (a < b ? -1 : 1))) topics[name] = record;
    await writeFileAtomic(this.#file, JSON.stringify({ version: FORMAT_VERSION, topics }, null, 2) + '\n');
    this.#topics = next;
    this.#byId = indexById(next);
  }
}

function indexById(topics: ReadonlyMap<string, TopicRecord>): Map<string, string> {
  const byId = new Map<string, string>();
  for (const [name, record] of topics) byId.set(record.topicId, name);
  return byId;
}

function parseRegistry(file: string, text: string): Map<string, TopicRecord> {
  const fail = (why: string): never => {
    throw new TopicRegistryError(`${file}: ${why}`);
  };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new TopicRegistryError(`${file}: not valid JSON`, { cause: err });
  }
  if (!isObject(json) || json.version !== FORMAT_VERSION || !isObject(json.topics)) {
    return fail(`expected {"version":${FORMAT_VERSION},"topics":{...}}`);
  }
  const topics = new Map<string, TopicRecord>();
  for (const [name, value] of Object.entries(json.topics)) {
    if (!isObject(value)) return fail(`topic ${name}: not an object`);
    const { topicId, partitions, replicationFactor, configs } = value;
    if (typeof topicId !== 'string' || !isUuidText(topicId)) return fail(`topic ${name}: invalid topicId`);
    if (!isPositiveInt(partitions)) return fail(`topic ${name}: invalid partitions`);
    if (!isPositiveInt(replicationFactor)) return fail(`topic ${name}: invalid replicationFactor`);
    if (!isObject(configs) || !Object.values(configs).every((v) => typeof v === 'string')) {
      return fail(`topic ${name}: configs must map names to strings`);
    }
    topics.set(
      name,
      Object.freeze({
        topicId,
        partitions,
        replicationFactor,
        configs: Object.freeze({ ...(configs as Record<string, string>) }),
      }),
    );
  }
  return topics;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isPositiveInt(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

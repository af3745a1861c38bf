import { InvalidConfigError } from './errors.js';

/**
 * Per-log (topic-level) configuration, with Kafka's property names, defaults and validation rules. Kafka's
 * Long.MAX_VALUE ("never") is Infinity here, so comparisons read naturally (`ageMs > config.retentionMs`);
 * retention.ms and retention.bytes keep Kafka's -1 for "unlimited".
 */
export type CleanupPolicy = 'delete' | 'compact';
export type MessageTimestampType = 'CreateTime' | 'LogAppendTime';
export type TopicCompressionType = 'producer' | 'uncompressed' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

/** The properties a topic may set, camelCased. */
export interface LogConfigProperties {
  /** segment.bytes: roll the active segment once it would exceed this size. */
  readonly segmentBytes: number;
  /** segment.ms: roll once the segment's first timestamp is this old (minus a per-segment random jitter). */
  readonly segmentMs: number;
  /** segment.jitter.ms: upper bound of the random jitter subtracted from segment.ms. */
  readonly segmentJitterMs: number;
  /** segment.index.bytes: the most bytes an offset or time index may hold; a full index rolls the segment. */
  readonly segmentIndexBytes: number;
  /** index.interval.bytes: log bytes between two index entries. */
  readonly indexIntervalBytes: number;
  /** retention.ms: delete segments whose largest timestamp is older than this; -1 keeps them forever. */
  readonly retentionMs: number;
  /** retention.bytes: delete old segments while the log is larger than this; -1 for no size limit. */
  readonly retentionBytes: number;
  /** cleanup.policy: delete, compact, or both. */
  readonly cleanupPolicy: readonly CleanupPolicy[];
  readonly minCleanableDirtyRatio: number;
  /** delete.retention.ms: how long tombstones survive compaction. */
  readonly deleteRetentionMs: number;
  readonly minCompactionLagMs: number;
  readonly maxCompactionLagMs: number;
  /** flush.messages: fsync after this many messages; Infinity leaves flushing to the OS (Kafka's default). */
  readonly flushMessages: number;
  /** flush.ms: fsync when the last flush is this old; Infinity leaves flushing to the OS. */
  readonly flushMs: number;
  readonly messageTimestampType: MessageTimestampType;
  /** max.message.bytes: the largest record batch the log accepts (after compression). */
  readonly maxMessageBytes: number;
  /** file.delete.delay.ms: how long a segment renamed to .deleted stays before it is removed. */
  readonly fileDeleteDelayMs: number;
  /** preallocate: accepted for compatibility; Samsa never preallocates segment files. */
  readonly preallocate: boolean;
  /** Not storage settings, but topic-level properties Kafka keeps in the same LogConfig. */
  readonly compressionType: TopicCompressionType;
  readonly minInsyncReplicas: number;
  readonly uncleanLeaderElectionEnable: boolean;
  readonly messageTimestampDifferenceMaxMs: number;
  readonly messageTimestampBeforeMaxMs: number;
  readonly messageTimestampAfterMaxMs: number;
}

/** The properties plus the two flags derived from cleanup.policy. */
export interface LogConfig extends LogConfigProperties {
  readonly compact: boolean;
  readonly delete: boolean;
}

/** Java's Long.MAX_VALUE as Kafka prints it; read as Infinity, and Infinity is written back as this. */
export const LONG_MAX_STRING = '9223372036854775807';
const INT_MAX = 2 ** 31 - 1;

export type LogConfigType = 'int' | 'long' | 'double' | 'boolean' | 'string' | 'list';

/** One row of the config table, as DescribeConfigs needs it. */
export interface LogConfigKey {
  /** Kafka's property name, e.g. `segment.bytes`. */
  readonly name: string;
  /** The LogConfig field it sets. */
  readonly field: keyof LogConfigProperties;
  readonly type: LogConfigType;
  /** The default as Kafka prints it (Long.MAX_VALUE as 9223372036854775807). */
  readonly defaultValue: string;
  readonly doc: string;
}

interface Definition<K extends keyof LogConfigProperties> {
  name: string;
  field: K;
  type: LogConfigType;
  defaultValue: LogConfigProperties[K];
  doc: string;
  parse(raw: string, name: string): LogConfigProperties[K];
}

type AnyDefinition = { [K in keyof LogConfigProperties]: Definition<K> }[keyof LogConfigProperties];

function bad(name: string, raw: string, reason: string): never {
  throw new InvalidConfigError(name, raw, reason);
}

function parseInteger(raw: string, name: string, max: number): number {
  const text = raw.trim();
  if (!/^[+-]?\d+$/.test(text)) bad(name, raw, 'not an integer');
  if (max === Infinity && BigInt(text) === BigInt(LONG_MAX_STRING)) return Infinity;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value > max || value < -max - 1) bad(name, raw, 'out of range');
  return value;
}

function integer(min: number, type: 'int' | 'long') {
  return (raw: string, name: string): number => {
    const value = parseInteger(raw, name, type === 'int' ? INT_MAX : Infinity);
    if (value < min) bad(name, raw, `must be at least ${min}`);
    return value;
  };
}

function oneOf<T extends string>(values: readonly T[]) {
  return (raw: string, name: string): T => {
    const text = raw.trim();
    const found = values.find((v) => v === text);
    if (found === undefined) bad(name, raw, `must be one of ${values.join(', ')}`);
    return found;
  };
}

function boolean(raw: string, name: string): boolean {
  const text = raw.trim().toLowerCase();
  if (text === 'true') return true;
  if (text === 'false') return false;
  return bad(name, raw, 'must be true or false');
}

function ratio(raw: string, name: string): number {
  const text = raw.trim();
  const value = text === '' ? NaN : Number(text);
  if (!Number.isFinite(value) || value < 0 || value > 1) bad(name, raw, 'must be a number between 0 and 1');
  return value;
}

function cleanupPolicy(raw: string, name: string): readonly CleanupPolicy[] {
  const parts = raw
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  if (parts.length === 0) bad(name, raw, 'must list delete and/or compact');
  const policies: CleanupPolicy[] = [];
  for (const part of parts) {
    if (part !== 'delete' && part !== 'compact') bad(name, raw, `unknown policy ${part}; use delete and/or compact`);
    if (!policies.includes(part)) policies.push(part);
  }
  return Object.freeze(policies);
}

const DAY_MS = 24 * 60 * 60 * 1000;

const DEFINITIONS: readonly AnyDefinition[] = [
  def('segment.bytes', 'segmentBytes', 'int', 1024 * 1024 * 1024, integer(14, 'int'), 'Segment file size.'),
  def('segment.ms', 'segmentMs', 'long', 7 * DAY_MS, integer(1, 'long'), 'Roll a segment after this time.'),
  def('segment.jitter.ms', 'segmentJitterMs', 'long', 0, integer(0, 'long'), 'Random jitter off segment.ms.'),
  def('segment.index.bytes', 'segmentIndexBytes', 'int', 10 * 1024 * 1024, integer(4, 'int'), 'Max index size.'),
  def('index.interval.bytes', 'indexIntervalBytes', 'int', 4096, integer(0, 'int'), 'Bytes between index entries.'),
  def('retention.ms', 'retentionMs', 'long', 7 * DAY_MS, integer(-1, 'long'), 'Time to keep data; -1 forever.'),
  def('retention.bytes', 'retentionBytes', 'long', -1, integer(-Infinity, 'long'), 'Bytes to keep; -1 no limit.'),
  def(
    'cleanup.policy',
    'cleanupPolicy',
    'list',
    Object.freeze(['delete'] as CleanupPolicy[]),
    cleanupPolicy,
    'delete, compact or both.',
  ),
  def(
    'min.cleanable.dirty.ratio',
    'minCleanableDirtyRatio',
    'double',
    0.5,
    ratio,
    'Dirty ratio that triggers cleaning.',
  ),
  def('delete.retention.ms', 'deleteRetentionMs', 'long', DAY_MS, integer(0, 'long'), 'Tombstone retention.'),
  def('min.compaction.lag.ms', 'minCompactionLagMs', 'long', 0, integer(0, 'long'), 'Min age before compaction.'),
  def(
    'max.compaction.lag.ms',
    'maxCompactionLagMs',
    'long',
    Infinity,
    integer(1, 'long'),
    'Max age before compaction.',
  ),
  def('flush.messages', 'flushMessages', 'long', Infinity, integer(1, 'long'), 'Messages between fsyncs.'),
  def('flush.ms', 'flushMs', 'long', Infinity, integer(0, 'long'), 'Time between fsyncs.'),
  def(
    'message.timestamp.type',
    'messageTimestampType',
    'string',
    'CreateTime',
    oneOf(['CreateTime', 'LogAppendTime'] as const),
    'CreateTime or LogAppendTime.',
  ),
  def('max.message.bytes', 'maxMessageBytes', 'int', 1048588, integer(0, 'int'), 'Largest record batch.'),
  def('file.delete.delay.ms', 'fileDeleteDelayMs', 'long', 60_000, integer(0, 'long'), 'Delay before deleting files.'),
  def('preallocate', 'preallocate', 'boolean', false, boolean, 'Preallocate segment files (ignored).'),
  def(
    'compression.type',
    'compressionType',
    'string',
    'producer',
    oneOf(['producer', 'uncompressed', 'gzip', 'snappy', 'lz4', 'zstd'] as const),
    'Final compression of the topic.',
  ),
  def('min.insync.replicas', 'minInsyncReplicas', 'int', 1, integer(1, 'int'), 'Min ISR size for acks=all.'),
  def(
    'unclean.leader.election.enable',
    'uncleanLeaderElectionEnable',
    'boolean',
    false,
    boolean,
    'Allow out-of-sync leaders.',
  ),
  def(
    'message.timestamp.difference.max.ms',
    'messageTimestampDifferenceMaxMs',
    'long',
    Infinity,
    integer(0, 'long'),
    'Max timestamp skew (deprecated).',
  ),
  def(
    'message.timestamp.before.max.ms',
    'messageTimestampBeforeMaxMs',
    'long',
    Infinity,
    integer(0, 'long'),
    'Max timestamp lag behind the broker.',
  ),
  def(
    'message.timestamp.after.max.ms',
    'messageTimestampAfterMaxMs',
    'long',
    Infinity,
    integer(0, 'long'),
    'Max timestamp lead over the broker.',
  ),
];

function def<K extends keyof LogConfigProperties>(
  name: string,
  field: K,
  type: LogConfigType,
  defaultValue: LogConfigProperties[K],
  parse: (raw: string, name: string) => LogConfigProperties[K],
  doc: string,
): AnyDefinition {
  return { name, field, type, defaultValue, parse, doc } as unknown as AnyDefinition;
}

const BY_NAME = new Map(DEFINITIONS.map((d) => [d.name, d]));

/** A value as Kafka prints it in DescribeConfigs. */
export function formatLogConfigValue(value: LogConfigProperties[keyof LogConfigProperties]): string {
  if (Array.isArray(value)) return value.join(',');
  if (value === Infinity) return LONG_MAX_STRING;
  return String(value);
}

/** Every property with its Kafka name, type and default, in Kafka's documentation order. */
export const LOG_CONFIG_KEYS: readonly LogConfigKey[] = Object.freeze(
  DEFINITIONS.map((d) =>
    Object.freeze({
      name: d.name,
      field: d.field,
      type: d.type,
      defaultValue: formatLogConfigValue(d.defaultValue),
      doc: d.doc,
    }),
  ),
);

function finish(properties: LogConfigProperties): LogConfig {
  if (properties.maxCompactionLagMs < properties.minCompactionLagMs) {
    throw new InvalidConfigError(
      'max.compaction.lag.ms',
      formatLogConfigValue(properties.maxCompactionLagMs),
      `must not be less than min.compaction.lag.ms (${formatLogConfigValue(properties.minCompactionLagMs)})`,
    );
  }
  return Object.freeze({
    ...properties,
    compact: properties.cleanupPolicy.includes('compact'),
    delete: properties.cleanupPolicy.includes('delete'),
  });
}

export const DEFAULT_LOG_CONFIG: LogConfig = finish(
  Object.fromEntries(DEFINITIONS.map((d) => [d.field, d.defaultValue])) as unknown as LogConfigProperties,
);

/**
 * `base` with the given Kafka-named properties applied (as strings, as they come from CreateTopics, AlterConfigs
 * or ZooKeeper's /config/topics). An unknown name or a bad value throws InvalidConfigError naming the key.
 */
export function logConfigFrom(
  overrides: Readonly<Record<string, string>>,
  base: LogConfig = DEFAULT_LOG_CONFIG,
): LogConfig {
  const properties: Record<string, unknown> = { ...base };
  delete properties.compact;
  delete properties.delete;
  for (const [name, raw] of Object.entries(overrides)) {
    const definition = BY_NAME.get(name);
    if (definition === undefined) throw new InvalidConfigError(name, raw, 'unknown topic config');
    if (typeof raw !== 'string') throw new InvalidConfigError(name, undefined, 'value must be a string');
    properties[definition.field] = definition.parse(raw, name);
  }
  return finish(properties as unknown as LogConfigProperties);
}

/** The config as Kafka-named string properties (all of them), e.g. for DescribeConfigs or persisting overrides. */
export function logConfigToProperties(config: LogConfig): Record<string, string> {
  const out: Record<string, string> = {};
  for (const d of DEFINITIONS) out[d.name] = formatLogConfigValue(config[d.field]);
  return out;
}

/** Whether `name` is a topic-level property this table knows. */
export function isLogConfigKey(name: string): boolean {
  return BY_NAME.has(name);
}

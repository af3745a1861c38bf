/**
 * The broker's configuration (ARCHITECTURE.md §8): Kafka's property names and defaults in one declarative table,
 * merged from defaults < server.properties < SAMSA_* environment < --override, validated once at start and
 * returned as a deeply frozen, camelCased BrokerConfig. The log.* broker defaults are handed on as `topicDefaults`,
 * Kafka-named topic properties for storage's logConfigFrom. Nothing else in the broker reads process.env.
 */

import { readFile } from 'node:fs/promises';
import { InvalidConfigError, LONG_MAX_STRING, logConfigFrom } from '../storage/index.js';
import { BROKER_CONFIG, type ConfigDef, type Validator } from './config-table.js';
import {
  BrokerConfigError,
  type ConfigTypeValues,
  deepFreeze,
  type Listener,
  parseConfigValue,
  parseProperties,
  propertiesFromEnv,
  propertiesFromOverrides,
  resolveListeners,
  type SecurityProtocol,
  securityProtocolMap,
} from './config-parse.js';

export { BrokerConfigError, parseProperties } from './config-parse.js';
export { BROKER_CONFIG, BROKER_CONFIG_KEYS, type BrokerConfigKey, type ConfigDef } from './config-table.js';
export type { ConfigType, Listener, ListenerAddress, SecurityProtocol } from './config-parse.js';

const HOUR_MS = 60 * 60 * 1000;

type Table = typeof BROKER_CONFIG;
type ValueOf<D extends ConfigDef> = ConfigTypeValues[D['type']] | (null extends D['default'] ? null : never);
/** Every table key with its typed value, before the cross-key resolution below. */
type RawValues = { -readonly [K in keyof Table]: ValueOf<Table[K]> };

export interface BrokerConfig {
  readonly brokerId: number;
  readonly brokerRack: string | null;
  readonly listeners: readonly Listener[];
  /** advertised.listeners, or the listeners themselves when unset. */
  readonly advertisedListeners: readonly Listener[];
  readonly listenerSecurityProtocolMap: Readonly<Record<string, SecurityProtocol>>;
  /** null: the first advertised listener serves other brokers. */
  readonly interBrokerListenerName: string | null;
  /** log.dirs, or [log.dir]. */
  readonly logDirs: readonly string[];
  /** null: single node with the LocalController. May end in a chroot (`host:2181/kafka-it-42`). */
  readonly zookeeperConnect: string | null;
  readonly zookeeperSessionTimeoutMs: number;
  /** zookeeper.connection.timeout.ms, or the session timeout when unset. */
  readonly zookeeperConnectionTimeoutMs: number;
  readonly numPartitions: number;
  readonly defaultReplicationFactor: number;
  readonly minInsyncReplicas: number;
  readonly autoCreateTopicsEnable: boolean;
  readonly deleteTopicEnable: boolean;
  readonly socketRequestMaxBytes: number;
  readonly connectionsMaxIdleMs: number;
  readonly numRecoveryThreadsPerDataDir: number;
  readonly messageMaxBytes: number;
  readonly replicaLagTimeMaxMs: number;
  readonly replicaFetchMaxBytes: number;
  readonly replicaFetchResponseMaxBytes: number;
  readonly replicaFetchWaitMaxMs: number;
  readonly replicaFetchMinBytes: number;
  readonly replicaFetchBackoffMs: number;
  readonly replicaSocketTimeoutMs: number;
  readonly replicaHighWatermarkCheckpointIntervalMs: number;
  readonly numReplicaFetchers: number;
  readonly controllerSocketTimeoutMs: number;
  readonly leaderImbalanceCheckIntervalSeconds: number;
  readonly leaderImbalancePerBrokerPercentage: number;
  readonly controlledShutdownMaxRetries: number;
  readonly controlledShutdownRetryBackoffMs: number;
  readonly uncleanLeaderElectionEnable: boolean;
  readonly offsetsTopicNumPartitions: number;
  readonly offsetsTopicReplicationFactor: number;
  readonly offsetsRetentionMinutes: number;
  readonly offsetsRetentionCheckIntervalMs: number;
  readonly offsetsTopicSegmentBytes: number;
  readonly offsetsCommitTimeoutMs: number;
  readonly offsetMetadataMaxBytes: number;
  readonly groupInitialRebalanceDelayMs: number;
  readonly groupMinSessionTimeoutMs: number;
  readonly groupMaxSessionTimeoutMs: number;
  readonly groupMaxSize: number;
  readonly controlledShutdownEnable: boolean;
  readonly autoLeaderRebalanceEnable: boolean;
  readonly logCleanerEnable: boolean;
  readonly logRetentionCheckIntervalMs: number;
  readonly logFlushSchedulerIntervalMs: number;
  readonly logFlushOffsetCheckpointIntervalMs: number;
  /** Kafka-named topic properties (segment.bytes, retention.ms, ...) with the broker's values: the default LogConfig. */
  readonly topicDefaults: Readonly<Record<string, string>>;
  /** Keys given that the table does not know; the caller warns about them, nothing uses them. */
  readonly unknownKeys: readonly string[];
  /** The properties as given (file, environment, overrides merged): what DescribeConfigs reports as static. */
  readonly properties: Readonly<Record<string, string>>;
}

export interface LoadBrokerConfigOptions {
  /** A server.properties file. */
  file?: string;
  /** `--override key=value` pairs; they win over everything else. */
  overrides?: readonly string[] | Readonly<Record<string, string>>;
  /** Where SAMSA_* variables come from; bin/ passes process.env, everyone else leaves it empty. */
  env?: NodeJS.ProcessEnv;
}

/** Reads and merges every source (defaults < file < SAMSA_* env < overrides) and validates the result. */
export async function loadBrokerConfig(options: LoadBrokerConfigOptions = {}): Promise<BrokerConfig> {
  const fromFile = options.file === undefined ? {} : parseProperties(await readFile(options.file, 'utf8'));
  return parseBrokerConfig({
    ...fromFile,
    ...propertiesFromEnv(options.env ?? {}),
    ...propertiesFromOverrides(options.overrides ?? []),
  });
}

/** Kafka-named string properties → BrokerConfig; absent keys take their defaults. Throws BrokerConfigError. */
export function parseBrokerConfig(props: Readonly<Record<string, string>>): BrokerConfig {
  const table = BROKER_CONFIG as Record<string, ConfigDef>;
  const values: Record<string, unknown> = {};
  for (const [name, def] of Object.entries(table)) {
    const raw = Object.hasOwn(props, name) ? props[name] : undefined;
    values[name] = raw === undefined ? def.default : parseOne(name, def, raw);
  }
  const v = values as RawValues;
  const unknownKeys = Object.keys(props)
    .filter((k) => !Object.hasOwn(table, k))
    .sort();

  if (v['group.min.session.timeout.ms'] > v['group.max.session.timeout.ms']) {
    throw new BrokerConfigError(
      'group.min.session.timeout.ms',
      String(v['group.min.session.timeout.ms']),
      `must not exceed group.max.session.timeout.ms (${v['group.max.session.timeout.ms']})`,
    );
  }
  const protocolMap = securityProtocolMap(v['listener.security.protocol.map']);
  const listeners = resolveListeners('listeners', v.listeners, protocolMap);
  const advertisedListeners =
    v['advertised.listeners'] === null
      ? listeners
      : resolveListeners('advertised.listeners', v['advertised.listeners'], protocolMap);
  for (const l of advertisedListeners) {
    if (!listeners.some((b) => b.name === l.name)) {
      throw new BrokerConfigError('advertised.listeners', props['advertised.listeners'], `no listener named ${l.name}`);
    }
    // Kafka refuses to publish the wildcard address: clients could not connect to it.
    if (l.host === '0.0.0.0' && v['advertised.listeners'] !== null) {
      throw new BrokerConfigError('advertised.listeners', props['advertised.listeners'], 'cannot advertise 0.0.0.0');
    }
  }
  const interBroker = v['inter.broker.listener.name']?.toUpperCase() ?? null;
  if (interBroker !== null && !advertisedListeners.some((l) => l.name === interBroker)) {
    throw new BrokerConfigError(
      'inter.broker.listener.name',
      props['inter.broker.listener.name'],
      'must name an advertised listener',
    );
  }
  const logDirs = v['log.dirs'] ?? [v['log.dir']];
  if (logDirs.length === 0 || logDirs.includes('')) {
    throw new BrokerConfigError(
      v['log.dirs'] === null ? 'log.dir' : 'log.dirs',
      logDirs.join(','),
      'must not be empty',
    );
  }

  return deepFreeze({
    brokerId: v['broker.id'],
    brokerRack: v['broker.rack'],
    listeners,
    advertisedListeners,
    listenerSecurityProtocolMap: protocolMap,
    interBrokerListenerName: interBroker,
    logDirs: [...logDirs],
    zookeeperConnect: v['zookeeper.connect'],
    zookeeperSessionTimeoutMs: v['zookeeper.session.timeout.ms'],
    zookeeperConnectionTimeoutMs: v['zookeeper.connection.timeout.ms'] ?? v['zookeeper.session.timeout.ms'],
    numPartitions: v['num.partitions'],
    defaultReplicationFactor: v['default.replication.factor'],
    minInsyncReplicas: v['min.insync.replicas'],
    autoCreateTopicsEnable: v['auto.create.topics.enable'],
    deleteTopicEnable: v['delete.topic.enable'],
    socketRequestMaxBytes: v['socket.request.max.bytes'],
    connectionsMaxIdleMs: v['connections.max.idle.ms'],
    numRecoveryThreadsPerDataDir: v['num.recovery.threads.per.data.dir'],
    messageMaxBytes: v['message.max.bytes'],
    replicaLagTimeMaxMs: v['replica.lag.time.max.ms'],
    replicaFetchMaxBytes: v['replica.fetch.max.bytes'],
    replicaFetchResponseMaxBytes: v['replica.fetch.response.max.bytes'],
    replicaFetchWaitMaxMs: v['replica.fetch.wait.max.ms'],
    replicaFetchMinBytes: v['replica.fetch.min.bytes'],
    replicaFetchBackoffMs: v['replica.fetch.backoff.ms'],
    replicaSocketTimeoutMs: v['replica.socket.timeout.ms'],
    replicaHighWatermarkCheckpointIntervalMs: v['replica.high.watermark.checkpoint.interval.ms'],
    numReplicaFetchers: v['num.replica.fetchers'],
    controllerSocketTimeoutMs: v['controller.socket.timeout.ms'],
    leaderImbalanceCheckIntervalSeconds: v['leader.imbalance.check.interval.seconds'],
    leaderImbalancePerBrokerPercentage: v['leader.imbalance.per.broker.percentage'],
    controlledShutdownMaxRetries: v['controlled.shutdown.max.retries'],
    controlledShutdownRetryBackoffMs: v['controlled.shutdown.retry.backoff.ms'],
    uncleanLeaderElectionEnable: v['unclean.leader.election.enable'],
    offsetsTopicNumPartitions: v['offsets.topic.num.partitions'],
    offsetsTopicReplicationFactor: v['offsets.topic.replication.factor'],
    offsetsRetentionMinutes: v['offsets.retention.minutes'],
    offsetsRetentionCheckIntervalMs: v['offsets.retention.check.interval.ms'],
    offsetsTopicSegmentBytes: v['offsets.topic.segment.bytes'],
    offsetsCommitTimeoutMs: v['offsets.commit.timeout.ms'],
    offsetMetadataMaxBytes: v['offset.metadata.max.bytes'],
    groupInitialRebalanceDelayMs: v['group.initial.rebalance.delay.ms'],
    groupMinSessionTimeoutMs: v['group.min.session.timeout.ms'],
    groupMaxSessionTimeoutMs: v['group.max.session.timeout.ms'],
    groupMaxSize: v['group.max.size'],
    controlledShutdownEnable: v['controlled.shutdown.enable'],
    autoLeaderRebalanceEnable: v['auto.leader.rebalance.enable'],
    logCleanerEnable: v['log.cleaner.enable'],
    logRetentionCheckIntervalMs: v['log.retention.check.interval.ms'],
    logFlushSchedulerIntervalMs: v['log.flush.scheduler.interval.ms'],
    logFlushOffsetCheckpointIntervalMs: v['log.flush.offset.checkpoint.interval.ms'],
    topicDefaults: topicDefaults(v, props),
    properties: { ...props },
    unknownKeys,
  });
}

function parseOne(name: string, def: ConfigDef, raw: string): unknown {
  // A blank value for a key that may be unset means unset, as server.properties templates leave `key=` empty.
  if (def.default === null && raw.trim() === '') return null;
  const value = parseConfigValue(def.type, raw, name);
  const reason = (def.validate as Validator<typeof value> | undefined)?.(value);
  if (reason !== undefined) throw new BrokerConfigError(name, raw, reason);
  return value;
}

/** Topic property → [broker key it came from, value]; Kafka's precedence between ms/minutes/hours applied. */
function topicSources(v: RawValues): Record<string, [string, number | boolean | string | readonly string[]]> {
  const retention: [string, number] =
    v['log.retention.ms'] !== null
      ? ['log.retention.ms', v['log.retention.ms']]
      : v['log.retention.minutes'] !== null
        ? ['log.retention.minutes', v['log.retention.minutes'] * 60_000]
        : ['log.retention.hours', v['log.retention.hours'] * HOUR_MS];
  return {
    'segment.bytes': ['log.segment.bytes', v['log.segment.bytes']],
    'segment.ms':
      v['log.roll.ms'] !== null ? ['log.roll.ms', v['log.roll.ms']] : ['log.roll.hours', v['log.roll.hours'] * HOUR_MS],
    'segment.jitter.ms':
      v['log.roll.jitter.ms'] !== null
        ? ['log.roll.jitter.ms', v['log.roll.jitter.ms']]
        : ['log.roll.jitter.hours', v['log.roll.jitter.hours'] * HOUR_MS],
    // Kafka reads any negative retention as "forever".
    'retention.ms': [retention[0], retention[1] < 0 ? -1 : retention[1]],
    'retention.bytes': ['log.retention.bytes', v['log.retention.bytes']],
    'cleanup.policy': ['log.cleanup.policy', v['log.cleanup.policy']],
    'index.interval.bytes': ['log.index.interval.bytes', v['log.index.interval.bytes']],
    'segment.index.bytes': ['log.index.size.max.bytes', v['log.index.size.max.bytes']],
    'flush.messages': ['log.flush.interval.messages', v['log.flush.interval.messages']],
    'flush.ms':
      v['log.flush.interval.ms'] !== null
        ? ['log.flush.interval.ms', v['log.flush.interval.ms']]
        : ['log.flush.scheduler.interval.ms', v['log.flush.scheduler.interval.ms']],
    'message.timestamp.type': ['log.message.timestamp.type', v['log.message.timestamp.type']],
    'max.message.bytes': ['message.max.bytes', v['message.max.bytes']],
    'delete.retention.ms': ['log.cleaner.delete.retention.ms', v['log.cleaner.delete.retention.ms']],
    'min.cleanable.dirty.ratio': ['log.cleaner.min.cleanable.ratio', v['log.cleaner.min.cleanable.ratio']],
    'min.compaction.lag.ms': ['log.cleaner.min.compaction.lag.ms', v['log.cleaner.min.compaction.lag.ms']],
    'max.compaction.lag.ms': ['log.cleaner.max.compaction.lag.ms', v['log.cleaner.max.compaction.lag.ms']],
    'file.delete.delay.ms': ['log.segment.delete.delay.ms', v['log.segment.delete.delay.ms']],
    preallocate: ['log.preallocate', v['log.preallocate']],
    'compression.type': ['compression.type', v['compression.type']],
    'min.insync.replicas': ['min.insync.replicas', v['min.insync.replicas']],
    'unclean.leader.election.enable': ['unclean.leader.election.enable', v['unclean.leader.election.enable']],
  };
}

/**
 * The topic defaults as strings, checked by storage's own table so a broker default is held to exactly the rules a
 * topic override is; a rejected value is reported under the broker key that supplied it.
 */
function topicDefaults(v: RawValues, props: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  const sources = topicSources(v);
  for (const [topicKey, [, value]] of Object.entries(sources)) {
    out[topicKey] = Array.isArray(value) ? value.join(',') : value === Infinity ? LONG_MAX_STRING : String(value);
  }
  try {
    logConfigFrom(out);
  } catch (err) {
    if (!(err instanceof InvalidConfigError)) throw err;
    const brokerKey = sources[err.key]?.[0] ?? err.key;
    throw new BrokerConfigError(brokerKey, props[brokerKey] ?? err.value, err.reason);
  }
  return out;
}

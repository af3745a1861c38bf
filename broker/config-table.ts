/**
 * The broker's property table: Kafka's names, types, defaults (Long.MAX_VALUE as Infinity) and one-line docs. The
 * single source for parsing (config.ts), DescribeConfigs and docker/server.properties.
 */

import { type ConfigType, type ConfigTypeValues, deepFreeze } from './config-parse.js';

export type Validator<V> = (value: V) => string | undefined;

/** One row of the table; a `null` default means "unset" (and the key's value may be null). */
export type ConfigDef = {
  [T in ConfigType]: {
    readonly type: T;
    readonly default: ConfigTypeValues[T] | null;
    readonly validate?: Validator<ConfigTypeValues[T]>;
    readonly doc: string;
  };
}[ConfigType];

/** A table row with its name, for documentation and DescribeConfigs. */
export type BrokerConfigKey = ConfigDef & { readonly name: string };

const atLeast =
  (min: number): Validator<number> =>
  (v) =>
    v < min ? `must be at least ${min}` : undefined;
const oneOf =
  (...values: string[]): Validator<string> =>
  (v) =>
    values.includes(v) ? undefined : `must be one of ${values.join(', ')}`;
const nonEmpty: Validator<readonly string[] | string> = (v) => (v.length === 0 ? 'must not be empty' : undefined);

const LONG_MAX = Infinity;

/** Kafka's broker properties that Samsa reads, with Kafka's defaults (Long.MAX_VALUE as Infinity). */
export const BROKER_CONFIG = deepFreeze({
  'broker.id': { type: 'int', default: 0, validate: atLeast(0), doc: 'Id of this broker; 0 suits a single node.' },
  'broker.rack': { type: 'string', default: null, doc: 'Rack of the broker, for rack-aware replica placement.' },
  listeners: {
    type: 'list',
    default: ['PLAINTEXT://127.0.0.1:9092'],
    validate: nonEmpty,
    doc: 'Comma-separated NAME://host:port endpoints to listen on; an empty host binds every interface.',
  },
  'advertised.listeners': {
    type: 'list',
    default: null,
    doc: 'Endpoints published to clients and other brokers; unset means the same as listeners.',
  },
  'listener.security.protocol.map': {
    type: 'list',
    default: ['PLAINTEXT:PLAINTEXT', 'SSL:SSL', 'SASL_PLAINTEXT:SASL_PLAINTEXT', 'SASL_SSL:SASL_SSL'],
    doc: 'NAME:PROTOCOL pairs giving each listener name its security protocol.',
  },
  'inter.broker.listener.name': {
    type: 'string',
    default: null,
    doc: 'Listener other brokers use to reach this one; unset means the first advertised listener.',
  },
  'log.dirs': { type: 'list', default: null, doc: 'Directories holding the log data; overrides log.dir.' },
  'log.dir': { type: 'string', default: '/tmp/samsa-logs', doc: 'The log directory, used when log.dirs is unset.' },
  'zookeeper.connect': {
    type: 'string',
    default: null,
    doc: 'host:port[,host:port...][/chroot] of ZooKeeper; unset runs a single node with the LocalController.',
  },
  'zookeeper.session.timeout.ms': {
    type: 'int',
    default: 18_000,
    validate: atLeast(1),
    doc: 'ZooKeeper session timeout.',
  },
  'zookeeper.connection.timeout.ms': {
    type: 'int',
    default: null,
    validate: atLeast(1),
    doc: 'Max wait to connect to ZooKeeper; unset means zookeeper.session.timeout.ms.',
  },
  'num.partitions': { type: 'int', default: 1, validate: atLeast(1), doc: 'Partitions of an auto-created topic.' },
  'default.replication.factor': {
    type: 'int',
    default: 1,
    validate: atLeast(1),
    doc: 'Replication factor of an auto-created topic.',
  },
  'min.insync.replicas': { type: 'int', default: 1, validate: atLeast(1), doc: 'Min ISR size for acks=all.' },
  'auto.create.topics.enable': { type: 'boolean', default: true, doc: 'Create unknown topics on metadata requests.' },
  'delete.topic.enable': { type: 'boolean', default: true, doc: 'Allow DeleteTopics.' },
  'socket.request.max.bytes': {
    type: 'int',
    default: 104_857_600,
    validate: atLeast(1),
    doc: 'Largest request the broker reads.',
  },
  'connections.max.idle.ms': { type: 'long', default: 600_000, doc: 'Close connections idle this long.' },
  'num.recovery.threads.per.data.dir': {
    type: 'int',
    default: 1,
    validate: atLeast(1),
    doc: 'Parallelism of log recovery at start and flushing at shutdown, per data directory.',
  },
  'message.max.bytes': {
    type: 'int',
    default: 1_048_588,
    validate: atLeast(0),
    doc: 'Largest record batch; the default for max.message.bytes.',
  },
  'replica.lag.time.max.ms': {
    type: 'long',
    default: 30_000,
    validate: atLeast(1),
    doc: 'A follower not caught up for this long leaves the ISR.',
  },
  'replica.fetch.max.bytes': {
    type: 'int',
    default: 1_048_576,
    validate: atLeast(0),
    doc: 'Bytes a follower asks for per partition in one fetch (the first batch is returned whole regardless).',
  },
  'replica.fetch.response.max.bytes': {
    type: 'int',
    default: 10_485_760,
    validate: atLeast(0),
    doc: 'Bytes a follower asks for in one whole fetch response.',
  },
  'replica.fetch.wait.max.ms': {
    type: 'int',
    default: 500,
    validate: atLeast(0),
    doc: 'How long a follower fetch waits at the leader for new data.',
  },
  'replica.fetch.min.bytes': {
    type: 'int',
    default: 1,
    validate: atLeast(0),
    doc: 'Bytes a follower fetch waits for at the leader before answering.',
  },
  'replica.fetch.backoff.ms': {
    type: 'int',
    default: 1000,
    validate: atLeast(0),
    doc: 'Pause after a failed follower fetch.',
  },
  'replica.socket.timeout.ms': {
    type: 'int',
    default: 30_000,
    validate: atLeast(1),
    doc: 'Request timeout of follower fetches.',
  },
  'replica.high.watermark.checkpoint.interval.ms': {
    type: 'long',
    default: 5000,
    validate: atLeast(1),
    doc: 'How often the high watermarks are written to replication-offset-checkpoint.',
  },
  'num.replica.fetchers': {
    type: 'int',
    default: 1,
    validate: atLeast(1),
    doc: 'Fetcher connections per source broker.',
  },
  'controller.socket.timeout.ms': {
    type: 'int',
    default: 30_000,
    validate: atLeast(1),
    doc: 'Request timeout of the controller towards brokers.',
  },
  'leader.imbalance.check.interval.seconds': {
    type: 'long',
    default: 300,
    validate: atLeast(1),
    doc: 'How often the controller checks for partitions led by a non-preferred replica.',
  },
  'leader.imbalance.per.broker.percentage': {
    type: 'int',
    default: 10,
    validate: atLeast(0),
    doc: 'Share of non-preferred leaders per broker above which leadership moves back.',
  },
  'controlled.shutdown.max.retries': {
    type: 'int',
    default: 3,
    validate: atLeast(0),
    doc: 'Attempts at a controlled shutdown before stopping uncleanly.',
  },
  'controlled.shutdown.retry.backoff.ms': {
    type: 'long',
    default: 5000,
    validate: atLeast(0),
    doc: 'Pause between controlled shutdown attempts.',
  },
  'unclean.leader.election.enable': {
    type: 'boolean',
    default: false,
    doc: 'Allow an out-of-sync replica to become leader.',
  },
  'offsets.topic.num.partitions': {
    type: 'int',
    default: 50,
    validate: atLeast(1),
    doc: 'Partitions of __consumer_offsets.',
  },
  'offsets.topic.replication.factor': {
    type: 'int',
    default: 3,
    validate: atLeast(1),
    doc: 'Replication factor of __consumer_offsets.',
  },
  'offsets.retention.minutes': {
    type: 'int',
    default: 10_080,
    validate: atLeast(1),
    doc: 'Committed offsets of an empty group are kept this long.',
  },
  'offsets.retention.check.interval.ms': {
    type: 'long',
    default: 600_000,
    validate: atLeast(1),
    doc: 'How often expired committed offsets are removed.',
  },
  'offsets.topic.segment.bytes': {
    type: 'int',
    default: 104_857_600,
    validate: atLeast(1),
    doc: 'segment.bytes of __consumer_offsets.',
  },
  'offsets.commit.timeout.ms': {
    type: 'int',
    default: 5000,
    validate: atLeast(1),
    doc: 'How long an offset commit waits for the offsets topic replicas.',
  },
  'offset.metadata.max.bytes': {
    type: 'int',
    default: 4096,
    validate: atLeast(0),
    doc: 'Longest metadata string kept with a committed offset.',
  },
  'group.initial.rebalance.delay.ms': {
    type: 'int',
    default: 3000,
    validate: atLeast(0),
    doc: 'Wait for more members before the first rebalance of a new group.',
  },
  'group.min.session.timeout.ms': { type: 'int', default: 6000, doc: 'Smallest session timeout a member may ask.' },
  'group.max.session.timeout.ms': { type: 'int', default: 1_800_000, doc: 'Largest session timeout a member may ask.' },
  'group.max.size': { type: 'int', default: 2_147_483_647, validate: atLeast(1), doc: 'Most members in one group.' },
  'controlled.shutdown.enable': { type: 'boolean', default: true, doc: 'Move leadership away before shutting down.' },
  'auto.leader.rebalance.enable': {
    type: 'boolean',
    default: true,
    doc: 'Move leadership back to preferred replicas.',
  },
  'log.cleaner.enable': { type: 'boolean', default: true, doc: 'Run the log cleaner (needed for compacted topics).' },
  'log.retention.check.interval.ms': {
    type: 'long',
    default: 300_000,
    validate: atLeast(1),
    doc: 'How often retention is applied.',
  },
  'log.flush.scheduler.interval.ms': {
    type: 'long',
    default: LONG_MAX,
    doc: 'How often logs are checked for flush.ms; also the default of log.flush.interval.ms.',
  },
  'log.flush.offset.checkpoint.interval.ms': {
    type: 'int',
    default: 60_000,
    validate: atLeast(0),
    doc: 'How often the recovery-point checkpoint is written.',
  },
  // Broker-wide defaults of topic configs; validated by storage's table (see topicDefaults below).
  'log.segment.bytes': { type: 'int', default: 1_073_741_824, doc: 'Default segment.bytes.' },
  'log.roll.ms': { type: 'long', default: null, doc: 'Default segment.ms; overrides log.roll.hours.' },
  'log.roll.hours': { type: 'int', default: 168, validate: atLeast(1), doc: 'Default segment.ms, in hours.' },
  'log.roll.jitter.ms': { type: 'long', default: null, doc: 'Default segment.jitter.ms; overrides the hours.' },
  'log.roll.jitter.hours': {
    type: 'int',
    default: 0,
    validate: atLeast(0),
    doc: 'Default segment.jitter.ms, in hours.',
  },
  'log.retention.ms': { type: 'long', default: null, doc: 'Default retention.ms (-1 forever); overrides the others.' },
  'log.retention.minutes': { type: 'int', default: null, doc: 'Default retention.ms in minutes; overrides hours.' },
  'log.retention.hours': { type: 'int', default: 168, doc: 'Default retention.ms, in hours.' },
  'log.retention.bytes': { type: 'long', default: -1, doc: 'Default retention.bytes (-1 no limit).' },
  'log.cleanup.policy': { type: 'list', default: ['delete'], doc: 'Default cleanup.policy.' },
  'log.index.interval.bytes': { type: 'int', default: 4096, doc: 'Default index.interval.bytes.' },
  'log.index.size.max.bytes': { type: 'int', default: 10_485_760, doc: 'Default segment.index.bytes.' },
  'log.flush.interval.messages': { type: 'long', default: LONG_MAX, doc: 'Default flush.messages.' },
  'log.flush.interval.ms': {
    type: 'long',
    default: null,
    doc: 'Default flush.ms; unset means log.flush.scheduler.interval.ms.',
  },
  'log.message.timestamp.type': {
    type: 'string',
    default: 'CreateTime',
    validate: oneOf('CreateTime', 'LogAppendTime'),
    doc: 'Default message.timestamp.type.',
  },
  'log.cleaner.delete.retention.ms': { type: 'long', default: 86_400_000, doc: 'Default delete.retention.ms.' },
  'log.cleaner.min.cleanable.ratio': { type: 'double', default: 0.5, doc: 'Default min.cleanable.dirty.ratio.' },
  'log.cleaner.min.compaction.lag.ms': { type: 'long', default: 0, doc: 'Default min.compaction.lag.ms.' },
  'log.cleaner.max.compaction.lag.ms': { type: 'long', default: LONG_MAX, doc: 'Default max.compaction.lag.ms.' },
  'log.segment.delete.delay.ms': { type: 'long', default: 60_000, doc: 'Default file.delete.delay.ms.' },
  'log.preallocate': { type: 'boolean', default: false, doc: 'Default preallocate (ignored by Samsa).' },
  'compression.type': { type: 'string', default: 'producer', doc: 'Default compression.type of topics.' },
} as const satisfies Record<string, ConfigDef>);

/** The table as a list, with names. */
export const BROKER_CONFIG_KEYS: readonly BrokerConfigKey[] = Object.freeze(
  Object.entries(BROKER_CONFIG as Record<string, ConfigDef>).map(([name, def]) => Object.freeze({ name, ...def })),
);

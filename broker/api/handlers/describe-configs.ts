import type { DescribeConfigs } from '../../../protocol/index.js';
import { ErrorCode, KafkaError, type ResponseInput } from '../../../protocol/index.js';
import {
  LOG_CONFIG_KEYS,
  LONG_MAX_STRING,
  type LogConfigType,
  logConfigFrom,
  logConfigToProperties,
} from '../../../storage/index.js';
import { BROKER_CONFIG_KEYS, type BrokerConfig, type BrokerConfigKey, type ConfigType } from '../../config.js';
import type { Controller } from '../../controller/controller.js';
import type { ApiHandler } from '../router.js';

/** Versions served: 0-4 (v1 sources and synonyms, v3 types and documentation, v4 flexible). */
export const DESCRIBE_CONFIGS_RANGE = { min: 0, max: 4 };

/** ConfigResource.Type on the wire. */
export const ResourceType = { TOPIC: 2, BROKER: 4 } as const;

/** DescribeConfigsResponse.ConfigSource on the wire. */
export const ConfigSource = {
  DYNAMIC_TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
} as const;
type ConfigSource = (typeof ConfigSource)[keyof typeof ConfigSource];

/** DescribeConfigsResponse.ConfigType on the wire (v3+). */
const CONFIG_TYPE: Record<LogConfigType | ConfigType, number> = {
  boolean: 1,
  string: 2,
  int: 3,
  long: 5,
  double: 6,
  list: 7,
  password: 9,
};

/**
 * The broker properties each topic config falls back to, in Kafka's precedence (LogConfig.TopicConfigSynonyms
 * with the broker's own fallbacks such as log.retention.minutes/hours behind log.retention.ms).
 */
const TOPIC_SYNONYMS: Readonly<Record<string, readonly string[]>> = {
  'segment.bytes': ['log.segment.bytes'],
  'segment.ms': ['log.roll.ms', 'log.roll.hours'],
  'segment.jitter.ms': ['log.roll.jitter.ms', 'log.roll.jitter.hours'],
  'segment.index.bytes': ['log.index.size.max.bytes'],
  'index.interval.bytes': ['log.index.interval.bytes'],
  'retention.ms': ['log.retention.ms', 'log.retention.minutes', 'log.retention.hours'],
  'retention.bytes': ['log.retention.bytes'],
  'cleanup.policy': ['log.cleanup.policy'],
  'min.cleanable.dirty.ratio': ['log.cleaner.min.cleanable.ratio'],
  'delete.retention.ms': ['log.cleaner.delete.retention.ms'],
  'min.compaction.lag.ms': ['log.cleaner.min.compaction.lag.ms'],
  'max.compaction.lag.ms': ['log.cleaner.max.compaction.lag.ms'],
  'flush.messages': ['log.flush.interval.messages'],
  'flush.ms': ['log.flush.interval.ms', 'log.flush.scheduler.interval.ms'],
  'message.timestamp.type': ['log.message.timestamp.type'],
  'max.message.bytes': ['message.max.bytes'],
  'file.delete.delay.ms': ['log.segment.delete.delay.ms'],
  preallocate: ['log.preallocate'],
  'compression.type': ['compression.type'],
  'min.insync.replicas': ['min.insync.replicas'],
  'unclean.leader.election.enable': ['unclean.leader.election.enable'],
};

export interface DescribeConfigsDeps {
  readonly controller: Pick<Controller, 'topicConfigOverrides'>;
  readonly config: BrokerConfig;
}

type Result = ResponseInput<typeof DescribeConfigs>['results'][number];
type Entry = Result['configs'][number];
type Synonym = NonNullable<Entry['synonyms']>[number];

interface Options {
  version: number;
  includeSynonyms: boolean;
  includeDocumentation: boolean;
}

const BROKER_KEYS = new Map(BROKER_CONFIG_KEYS.map((k) => [k.name, k]));

/**
 * DescribeConfigs for topics and this broker (Kafka's ConfigHelper.describeConfigs). A topic lists every topic
 * config with its effective value; its source is its first synonym's: the topic override (DYNAMIC_TOPIC_CONFIG), a
 * broker property set at start (STATIC_BROKER_CONFIG), or a default (DEFAULT_CONFIG). The broker lists its table;
 * every entry is read-only, as no broker config can change without a restart here. The broker resource named ''
 * (the cluster-wide dynamic defaults) is empty. Errors are per resource: UNKNOWN_TOPIC_OR_PARTITION, and
 * INVALID_REQUEST for another broker's id or an unsupported resource type (broker loggers included).
 */
export function describeConfigsHandler(deps: DescribeConfigsDeps): ApiHandler<typeof DescribeConfigs> {
  const topicDefaults = logConfigFrom(deps.config.topicDefaults);
  return ({ header, body }) => {
    const options: Options = {
      version: header.apiVersion,
      includeSynonyms: header.apiVersion >= 1 && body.includeSynonyms,
      includeDocumentation: header.apiVersion >= 3 && body.includeDocumentation,
    };
    const results = body.resources.map((resource): Result => {
      const base = { resourceType: resource.resourceType, resourceName: resource.resourceName };
      try {
        const all = describeResource(deps, topicDefaults, resource.resourceType, resource.resourceName, options);
        const wanted = resource.configurationKeys;
        // Kafka reads an empty key list as "all", like null.
        const configs = wanted === null || wanted.length === 0 ? all : all.filter((c) => wanted.includes(c.name));
        return { ...base, errorCode: ErrorCode.NONE, errorMessage: null, configs };
      } catch (err) {
        if (!(err instanceof KafkaError)) throw err;
        return { ...base, errorCode: err.code, errorMessage: err.message, configs: [] };
      }
    });
    return Promise.resolve({ throttleTimeMs: 0, results });
  };
}

function describeResource(
  deps: DescribeConfigsDeps,
  topicDefaults: ReturnType<typeof logConfigFrom>,
  type: number,
  name: string,
  options: Options,
): Entry[] {
  if (type === ResourceType.TOPIC) {
    const overrides = deps.controller.topicConfigOverrides(name);
    if (overrides === undefined) {
      throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `The topic '${name}' does not exist.`);
    }
    const effective = logConfigToProperties(logConfigFrom(overrides, topicDefaults));
    return LOG_CONFIG_KEYS.map((key) => {
      const synonyms: Synonym[] = [];
      const override = overrides[key.name];
      if (override !== undefined) {
        synonyms.push({ name: key.name, value: override, source: ConfigSource.DYNAMIC_TOPIC_CONFIG });
      }
      synonyms.push(...brokerSynonyms(deps.config.properties, TOPIC_SYNONYMS[key.name] ?? []));
      return entry(key.name, effective[key.name] ?? null, false, synonyms, CONFIG_TYPE[key.type], key.doc, options);
    });
  }
  if (type === ResourceType.BROKER) {
    if (name === '') return [];
    checkBrokerName(name, deps.config.brokerId);
    return BROKER_CONFIG_KEYS.map((key) => {
      const synonyms = brokerSynonyms(deps.config.properties, [key.name]);
      const value = synonyms[0]?.value ?? null;
      return entry(key.name, value, true, synonyms, CONFIG_TYPE[key.type], key.doc, options);
    });
  }
  throw new KafkaError(ErrorCode.INVALID_REQUEST, `Unsupported resource type: ${type}`);
}

/** Kafka's check of a broker resource name: '' or this broker's id. */
export function checkBrokerName(name: string, brokerId: number): void {
  if (!/^-?\d+$/.test(name)) {
    throw new KafkaError(ErrorCode.INVALID_REQUEST, `Broker id must be an integer, but it is: ${name}`);
  }
  if (Number(name) !== brokerId) {
    throw new KafkaError(
      ErrorCode.INVALID_REQUEST,
      `Unexpected broker id, expected ${brokerId} or empty string, but received ${name}`,
    );
  }
}

/** The broker properties among `names` that were set at start, then those with a default, in that order. */
function brokerSynonyms(props: Readonly<Record<string, string>>, names: readonly string[]): Synonym[] {
  const set = names
    .filter((n) => Object.hasOwn(props, n))
    .map((n) => ({ name: n, value: props[n]!, source: ConfigSource.STATIC_BROKER_CONFIG }));
  const defaults = names.flatMap((n) => {
    const key = BROKER_KEYS.get(n);
    const value = key === undefined ? null : formatDefault(key);
    return value === null ? [] : [{ name: n, value, source: ConfigSource.DEFAULT_CONFIG }];
  });
  return [...set, ...defaults];
}

function formatDefault(key: BrokerConfigKey): string | null {
  const value = key.default;
  if (value === null) return null;
  if (Array.isArray(value)) return value.join(',');
  return value === Infinity ? LONG_MAX_STRING : String(value);
}

function entry(
  name: string,
  value: string | null,
  readOnly: boolean,
  synonyms: readonly Synonym[],
  configType: number,
  doc: string,
  options: Options,
): Entry {
  const source: ConfigSource = (synonyms[0]?.source as ConfigSource | undefined) ?? ConfigSource.DEFAULT_CONFIG;
  return {
    name,
    value,
    readOnly,
    // v0 has no source; Kafka derives its flag from it
    isDefault: source === ConfigSource.DEFAULT_CONFIG,
    configSource: source,
    isSensitive: false,
    synonyms: options.includeSynonyms ? [...synonyms] : [],
    configType,
    documentation: options.includeDocumentation ? doc : null,
  };
}

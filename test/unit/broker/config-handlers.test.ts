import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { alterConfigsHandler } from '../../../broker/api/handlers/alter-configs.js';
import {
  ConfigSource,
  DESCRIBE_CONFIGS_RANGE,
  describeConfigsHandler,
} from '../../../broker/api/handlers/describe-configs.js';
import { incrementalAlterConfigsHandler } from '../../../broker/api/handlers/incremental-alter-configs.js';
import { type BrokerConfig, parseBrokerConfig } from '../../../broker/config.js';
import { LocalController } from '../../../broker/controller/local-controller.js';
import { createLogger } from '../../../broker/logger.js';
import { ReplicaManager } from '../../../broker/replica/replica-manager.js';
import {
  AlterConfigs,
  DescribeConfigs,
  ErrorCode,
  IncrementalAlterConfigs,
  type RequestInput,
  type ResponseOf,
} from '../../../protocol/index.js';
import { LOG_CONFIG_KEYS, LogManager, logConfigFrom } from '../../../storage/index.js';
import { callHandler } from '../../helpers/handler-call.js';
import { LocalBrokerLifecycle } from '../../../broker/broker-lifecycle.js';
import { MetadataCache } from '../../../broker/metadata/metadata-cache.js';

const logger = createLogger({ level: 'silent' });

let dir: string;
let logManager: LogManager;
let replicas: ReplicaManager;
let controller: LocalController;
let config: BrokerConfig;
/** Set at start, so their sources are STATIC_BROKER_CONFIG. */
const BROKER_PROPS = { 'broker.id': '1', 'log.segment.bytes': '2000000' };

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'samsa-configs-'));
  config = parseBrokerConfig({ 'log.dirs': dir, ...BROKER_PROPS });
  logManager = await LogManager.start({
    logDirs: config.logDirs,
    scheduled: false,
    defaultConfig: logConfigFrom(config.topicDefaults),
  });
  replicas = new ReplicaManager({ logManager, brokerId: 1, logger });
  const lifecycle = new LocalBrokerLifecycle({
    brokerId: 1,
    replicaManager: replicas,
    metadataCache: new MetadataCache(),
    logManager,
    logger,
  });
  controller = new LocalController({ config, clusterId: 'c', lifecycle, logger, endpoints: () => [] });
  await controller.startup();
  const [created] = await controller.createTopics([
    {
      name: 'orders',
      numPartitions: 1,
      replicationFactor: 1,
      configs: [
        { name: 'retention.ms', value: '1000' },
        { name: 'max.message.bytes', value: '5000' },
      ],
    },
  ]);
  expect(created!.errorCode).toBe(ErrorCode.NONE);
});

afterEach(async () => {
  await controller.shutdown();
  replicas.shutdown();
  await logManager.shutdown();
  await rm(dir, { recursive: true, force: true });
});

const describeHandler = () => describeConfigsHandler({ controller, config });

const describe_ = (
  version: number,
  resources: RequestInput<typeof DescribeConfigs>['resources'],
  options: { includeSynonyms?: boolean; includeDocumentation?: boolean } = {},
) =>
  callHandler(DescribeConfigs, describeHandler(), version, {
    resources,
    includeSynonyms: options.includeSynonyms ?? false,
    includeDocumentation: options.includeDocumentation ?? false,
  });

async function topicConfigs(
  name = 'orders',
): Promise<Map<string, ResponseOf<typeof DescribeConfigs>['results'][number]['configs'][number]>> {
  const response = await describe_(4, [{ resourceType: 2, resourceName: name, configurationKeys: null }], {
    includeSynonyms: true,
  });
  expect(response.results[0]!.errorCode).toBe(ErrorCode.NONE);
  return new Map(response.results[0]!.configs.map((c) => [c.name, c]));
}

const alter = (configs: { name: string; value: string | null }[], validateOnly = false, resourceName = 'orders') =>
  callHandler(AlterConfigs, alterConfigsHandler({ controller, brokerId: 1 }), 2, {
    resources: [{ resourceType: 2, resourceName, configs }],
    validateOnly,
  });

const incremental = (
  configs: { name: string; configOperation: number; value: string | null }[],
  validateOnly = false,
) =>
  callHandler(IncrementalAlterConfigs, incrementalAlterConfigsHandler({ controller, brokerId: 1 }), 1, {
    resources: [{ resourceType: 2, resourceName: 'orders', configs }],
    validateOnly,
  });

describe('DescribeConfigs', () => {
  it('serves 0-4', () => {
    expect(DESCRIBE_CONFIGS_RANGE).toEqual({ min: 0, max: 4 });
  });

  it('reports each topic config with its source, synonyms, type and documentation (v4)', async () => {
    const response = await describe_(4, [{ resourceType: 2, resourceName: 'orders', configurationKeys: null }], {
      includeSynonyms: true,
      includeDocumentation: true,
    });
    const configs = new Map(response.results[0]!.configs.map((c) => [c.name, c]));
    expect(configs.size).toBe(LOG_CONFIG_KEYS.length);
    expect(configs.get('retention.ms')).toMatchObject({
      value: '1000',
      readOnly: false,
      configSource: ConfigSource.DYNAMIC_TOPIC_CONFIG,
      isSensitive: false,
      configType: 5,
      synonyms: [
        { name: 'retention.ms', value: '1000', source: ConfigSource.DYNAMIC_TOPIC_CONFIG },
        { name: 'log.retention.hours', value: '168', source: ConfigSource.DEFAULT_CONFIG },
      ],
    });
    expect(configs.get('retention.ms')!.documentation).toEqual(expect.any(String));
    expect(configs.get('segment.bytes')).toMatchObject({
      value: '2000000',
      configSource: ConfigSource.STATIC_BROKER_CONFIG,
      configType: 3,
      synonyms: [
        { name: 'log.segment.bytes', value: '2000000', source: ConfigSource.STATIC_BROKER_CONFIG },
        { name: 'log.segment.bytes', value: '1073741824', source: ConfigSource.DEFAULT_CONFIG },
      ],
    });
    expect(configs.get('cleanup.policy')).toMatchObject({
      value: 'delete',
      configSource: ConfigSource.DEFAULT_CONFIG,
      configType: 7,
    });
  });

  it('filters by configurationKeys and leaves synonyms and documentation out unless asked', async () => {
    const response = await describe_(3, [
      { resourceType: 2, resourceName: 'orders', configurationKeys: ['retention.ms', 'no.such.key'] },
    ]);
    expect(response.results[0]!.configs).toEqual([
      expect.objectContaining({ name: 'retention.ms', value: '1000', synonyms: [], documentation: null }),
    ]);
  });

  it('v0 flags defaults with isDefault', async () => {
    const response = await describe_(0, [
      { resourceType: 2, resourceName: 'orders', configurationKeys: ['retention.ms', 'cleanup.policy'] },
    ]);
    expect(response.results[0]!.configs.map((c) => [c.name, c.isDefault])).toEqual([
      ['retention.ms', false],
      ['cleanup.policy', true],
    ]);
  });

  it('describes this broker read-only, and answers errors per resource', async () => {
    const response = await describe_(1, [
      { resourceType: 4, resourceName: '1', configurationKeys: ['broker.id', 'num.partitions'] },
      { resourceType: 4, resourceName: '', configurationKeys: null },
      { resourceType: 4, resourceName: '2', configurationKeys: null },
      { resourceType: 2, resourceName: 'missing', configurationKeys: null },
      { resourceType: 8, resourceName: '1', configurationKeys: null },
    ]);
    const [broker, defaults, other, missing, logger_] = response.results;
    expect(broker!.configs).toEqual([
      expect.objectContaining({ name: 'broker.id', value: '1', readOnly: true, configSource: 4 }),
      expect.objectContaining({ name: 'num.partitions', value: '1', readOnly: true, configSource: 5 }),
    ]);
    expect(defaults).toMatchObject({ errorCode: ErrorCode.NONE, configs: [] });
    expect(other!.errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect(missing).toMatchObject({ errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, configs: [] });
    expect(logger_!.errorCode).toBe(ErrorCode.INVALID_REQUEST);
  });
});

describe('AlterConfigs', () => {
  it('replaces every override: one left out goes back to its default, and the log takes the new config', async () => {
    const response = await alter([{ name: 'max.message.bytes', value: '2000' }]);
    expect(response.responses).toEqual([
      { errorCode: ErrorCode.NONE, errorMessage: null, resourceType: 2, resourceName: 'orders' },
    ]);
    const configs = await topicConfigs();
    expect(configs.get('max.message.bytes')).toMatchObject({ value: '2000', configSource: 1 });
    expect(configs.get('retention.ms')).toMatchObject({ value: '604800000', configSource: 5 });
    expect(controller.topicConfigOverrides('orders')).toEqual({ 'max.message.bytes': '2000' });
    expect(logManager.configFor('orders')).toMatchObject({ maxMessageBytes: 2000, retentionMs: 604_800_000 });
    expect(replicas.getPartition('orders', 0)!.log.config.maxMessageBytes).toBe(2000);
  });

  it('changes nothing with validateOnly', async () => {
    const response = await alter([{ name: 'retention.ms', value: '7' }], true);
    expect(response.responses[0]!.errorCode).toBe(ErrorCode.NONE);
    expect(controller.topicConfigOverrides('orders')).toEqual({ 'retention.ms': '1000', 'max.message.bytes': '5000' });
    expect(logManager.configFor('orders').retentionMs).toBe(1000);
  });

  it('answers INVALID_CONFIG naming the key, UNKNOWN_TOPIC_OR_PARTITION, and refuses broker changes', async () => {
    const bad = await alter([{ name: 'retention.ms', value: 'soon' }]);
    expect(bad.responses[0]!.errorCode).toBe(ErrorCode.INVALID_CONFIG);
    expect(bad.responses[0]!.errorMessage).toContain('retention.ms');
    expect((await alter([{ name: 'no.such', value: '1' }])).responses[0]!.errorCode).toBe(ErrorCode.INVALID_CONFIG);
    expect((await alter([], false, 'missing')).responses[0]!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect(logManager.configFor('orders').retentionMs).toBe(1000);
    const broker = await callHandler(AlterConfigs, alterConfigsHandler({ controller, brokerId: 1 }), 0, {
      resources: [{ resourceType: 4, resourceName: '1', configs: [{ name: 'log.retention.ms', value: '1' }] }],
      validateOnly: false,
    });
    expect(broker.responses[0]!.errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect(broker.responses[0]!.errorMessage).toContain('Cannot update these configs dynamically');
  });
});

describe('IncrementalAlterConfigs', () => {
  it('SETs, DELETEs and APPENDs only the named keys', async () => {
    const response = await incremental([
      { name: 'retention.ms', configOperation: 0, value: '5000' },
      { name: 'max.message.bytes', configOperation: 1, value: null },
      { name: 'cleanup.policy', configOperation: 2, value: 'compact' },
    ]);
    expect(response.responses[0]!.errorCode).toBe(ErrorCode.NONE);
    expect(controller.topicConfigOverrides('orders')).toEqual({
      'retention.ms': '5000',
      'cleanup.policy': 'delete,compact',
    });
    expect(logManager.configFor('orders')).toMatchObject({
      retentionMs: 5000,
      maxMessageBytes: 1_048_588,
      compact: true,
    });
    const configs = await topicConfigs();
    expect(configs.get('max.message.bytes')).toMatchObject({ configSource: 5 });
  });

  it('SUBTRACTs from a list and refuses APPEND on a non-list key', async () => {
    await incremental([{ name: 'cleanup.policy', configOperation: 0, value: 'delete,compact' }]);
    await incremental([{ name: 'cleanup.policy', configOperation: 3, value: 'delete' }]);
    expect(controller.topicConfigOverrides('orders')?.['cleanup.policy']).toBe('compact');
    const refused = await incremental([{ name: 'retention.ms', configOperation: 2, value: '1' }]);
    expect(refused.responses[0]!.errorCode).toBe(ErrorCode.INVALID_REQUEST);
  });

  it('validates without applying, and rejects a bad value as a whole', async () => {
    expect(
      (await incremental([{ name: 'retention.ms', configOperation: 0, value: '5' }], true)).responses[0]!.errorCode,
    ).toBe(ErrorCode.NONE);
    const bad = await incremental([
      { name: 'retention.ms', configOperation: 0, value: '5' },
      { name: 'min.cleanable.dirty.ratio', configOperation: 0, value: '2' },
    ]);
    expect(bad.responses[0]).toMatchObject({ errorCode: ErrorCode.INVALID_CONFIG });
    expect(bad.responses[0]!.errorMessage).toContain('min.cleanable.dirty.ratio');
    expect(logManager.configFor('orders').retentionMs).toBe(1000);
  });

  it('applies the persisted overrides again when the controller restarts', async () => {
    await incremental([{ name: 'retention.ms', configOperation: 0, value: '4242' }]);
    await controller.shutdown();
    await logManager.setTopicConfig('orders', {});
    const lifecycle = new LocalBrokerLifecycle({
      brokerId: 1,
      replicaManager: replicas,
      metadataCache: new MetadataCache(),
      logManager,
      logger,
    });
    controller = new LocalController({ config, clusterId: 'c', lifecycle, logger, endpoints: () => [] });
    await controller.startup();
    expect(logManager.configFor('orders').retentionMs).toBe(4242);
  });
});

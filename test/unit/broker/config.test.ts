import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BROKER_CONFIG,
  BROKER_CONFIG_KEYS,
  BrokerConfigError,
  loadBrokerConfig,
  parseBrokerConfig,
  parseProperties,
} from '../../../broker/config.js';
import { LONG_MAX_STRING, logConfigFrom } from '../../../storage/index.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'samsa-config-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function propertiesFile(name: string, text: string): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, text);
  return file;
}

/** The BrokerConfigError thrown by `fn`, failing the test if there is none. */
function configError(fn: () => unknown): BrokerConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(BrokerConfigError);
    return err as BrokerConfigError;
  }
  throw new Error('expected a BrokerConfigError');
}

describe('defaults', () => {
  it("match Kafka's broker defaults, single node", () => {
    const c = parseBrokerConfig({});
    expect(c.brokerId).toBe(0);
    expect(c.listeners).toEqual([{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9092, securityProtocol: 'PLAINTEXT' }]);
    expect(c.advertisedListeners).toEqual(c.listeners);
    expect(c.listenerSecurityProtocolMap).toEqual({
      PLAINTEXT: 'PLAINTEXT',
      SSL: 'SSL',
      SASL_PLAINTEXT: 'SASL_PLAINTEXT',
      SASL_SSL: 'SASL_SSL',
    });
    expect(c.interBrokerListenerName).toBeNull();
    expect(c.logDirs).toEqual(['/tmp/samsa-logs']);
    expect(c.zookeeperConnect).toBeNull();
    expect(c.zookeeperSessionTimeoutMs).toBe(18_000);
    expect(c.zookeeperConnectionTimeoutMs).toBe(18_000);
    expect(c.numPartitions).toBe(1);
    expect(c.defaultReplicationFactor).toBe(1);
    expect(c.minInsyncReplicas).toBe(1);
    expect(c.autoCreateTopicsEnable).toBe(true);
    expect(c.deleteTopicEnable).toBe(true);
    expect(c.socketRequestMaxBytes).toBe(104_857_600);
    expect(c.connectionsMaxIdleMs).toBe(600_000);
    expect(c.messageMaxBytes).toBe(1_048_588);
    expect(c.replicaLagTimeMaxMs).toBe(30_000);
    expect(c.uncleanLeaderElectionEnable).toBe(false);
    expect(c.offsetsTopicNumPartitions).toBe(50);
    expect(c.offsetsTopicReplicationFactor).toBe(3);
    expect(c.offsetsRetentionMinutes).toBe(10_080);
    expect(c.groupInitialRebalanceDelayMs).toBe(3000);
    expect(c.groupMinSessionTimeoutMs).toBe(6000);
    expect(c.groupMaxSessionTimeoutMs).toBe(1_800_000);
    expect(c.groupMaxSize).toBe(2_147_483_647);
    expect(c.logRetentionCheckIntervalMs).toBe(300_000);
    expect(c.logFlushSchedulerIntervalMs).toBe(Infinity);
    expect(c.logFlushOffsetCheckpointIntervalMs).toBe(60_000);
    expect(c.unknownKeys).toEqual([]);
  });

  it('topic defaults equal storage’s own defaults when no log.* key is set', () => {
    const { topicDefaults } = parseBrokerConfig({});
    expect(topicDefaults['segment.ms']).toBe(String(168 * 3_600_000));
    expect(topicDefaults['retention.ms']).toBe(String(168 * 3_600_000));
    expect(topicDefaults['flush.ms']).toBe(LONG_MAX_STRING);
    expect(logConfigFrom(topicDefaults)).toEqual(logConfigFrom({}));
  });

  it('maps log.* broker keys onto topic keys', () => {
    const { topicDefaults } = parseBrokerConfig({
      'log.segment.bytes': '1024',
      'log.roll.hours': '2',
      'log.roll.jitter.ms': '5',
      'log.retention.bytes': '999',
      'log.cleanup.policy': 'compact, delete',
      'log.index.size.max.bytes': '4096',
      'log.flush.interval.messages': '10',
      'log.flush.scheduler.interval.ms': '2000',
      'message.max.bytes': '2000',
      'log.cleaner.delete.retention.ms': '7',
      'log.cleaner.min.cleanable.ratio': '0.25',
      'log.segment.delete.delay.ms': '8',
      'log.message.timestamp.type': 'LogAppendTime',
    });
    expect(topicDefaults).toMatchObject({
      'segment.bytes': '1024',
      'segment.ms': String(2 * 3_600_000),
      'segment.jitter.ms': '5',
      'retention.bytes': '999',
      'cleanup.policy': 'compact,delete',
      'segment.index.bytes': '4096',
      'flush.messages': '10',
      'flush.ms': '2000',
      'max.message.bytes': '2000',
      'delete.retention.ms': '7',
      'min.cleanable.dirty.ratio': '0.25',
      'file.delete.delay.ms': '8',
      'message.timestamp.type': 'LogAppendTime',
    });
    const log = logConfigFrom(topicDefaults);
    expect(log.segmentBytes).toBe(1024);
    expect(log.compact && log.delete).toBe(true);
  });

  it('exports the table with names, types and docs', () => {
    expect(BROKER_CONFIG['broker.id']).toMatchObject({ type: 'int', default: 0 });
    const names = BROKER_CONFIG_KEYS.map((k) => k.name);
    expect(names).toContain('zookeeper.connect');
    expect(names).not.toContain('cluster.id');
    for (const key of BROKER_CONFIG_KEYS) expect(key.doc).not.toBe('');
  });
});

describe('log.retention precedence', () => {
  it('ms > minutes > hours', () => {
    const retention = (props: Record<string, string>) => parseBrokerConfig(props).topicDefaults['retention.ms'];
    expect(retention({ 'log.retention.hours': '1' })).toBe('3600000');
    expect(retention({ 'log.retention.hours': '1', 'log.retention.minutes': '2' })).toBe('120000');
    expect(retention({ 'log.retention.hours': '1', 'log.retention.minutes': '2', 'log.retention.ms': '5' })).toBe('5');
  });

  it('any negative value means forever (-1)', () => {
    expect(parseBrokerConfig({ 'log.retention.hours': '-1' }).topicDefaults['retention.ms']).toBe('-1');
    expect(parseBrokerConfig({ 'log.retention.ms': '-1' }).topicDefaults['retention.ms']).toBe('-1');
  });

  it('log.roll.ms overrides log.roll.hours', () => {
    expect(parseBrokerConfig({ 'log.roll.hours': '1', 'log.roll.ms': '60000' }).topicDefaults['segment.ms']).toBe(
      '60000',
    );
  });
});

describe('properties files', () => {
  it('parses comments, separators, continuations and escapes', () => {
    const props = parseProperties(
      [
        '# a comment',
        '   ! another comment \\',
        'broker.id=7',
        '  num.partitions : 3  ',
        'broker.rack rack-1',
        '',
        'log.dirs=/a,\\',
        '         /b,\\',
        '    /c',
        'zookeeper.connect=127.0.0.1:2181/kafka-it-42',
        'weird\\=key=tab\\tvalue\\u0041',
        'empty=',
        'broker.id=8',
      ].join('\r\n'),
    );
    expect(props).toEqual({
      'broker.id': '8',
      'num.partitions': '3',
      'broker.rack': 'rack-1',
      'log.dirs': '/a,/b,/c',
      'zookeeper.connect': '127.0.0.1:2181/kafka-it-42',
      'weird=key': 'tab\tvalueA',
      empty: '',
    });
  });

  it('loads a server.properties file', async () => {
    const file = await propertiesFile(
      'server.properties',
      'broker.id=2\nlog.dirs=/data/one,\\\n  /data/two\nzookeeper.connect=127.0.0.1:2181/kafka-it-42\n',
    );
    const c = await loadBrokerConfig({ file });
    expect(c.brokerId).toBe(2);
    expect(c.logDirs).toEqual(['/data/one', '/data/two']);
    expect(c.zookeeperConnect).toBe('127.0.0.1:2181/kafka-it-42');
  });

  it('a blank value for an optional key means unset', () => {
    expect(parseBrokerConfig({ 'zookeeper.connect': '  ', 'log.retention.ms': '' }).zookeeperConnect).toBeNull();
  });

  it('log.dirs overrides log.dir', () => {
    expect(parseBrokerConfig({ 'log.dir': '/x' }).logDirs).toEqual(['/x']);
    expect(parseBrokerConfig({ 'log.dir': '/x', 'log.dirs': '/y,/z' }).logDirs).toEqual(['/y', '/z']);
  });
});

describe('precedence: defaults < file < env < overrides', () => {
  it('later sources win, key by key', async () => {
    const file = await propertiesFile('layered.properties', 'broker.id=1\nnum.partitions=4\nlog.dirs=/file\n');
    const c = await loadBrokerConfig({
      file,
      env: { SAMSA_BROKER_ID: '2', SAMSA_LOG_DIRS: '/env', PATH: '/usr/bin' },
      overrides: ['broker.id=3'],
    });
    expect(c.brokerId).toBe(3);
    expect(c.logDirs).toEqual(['/env']);
    expect(c.numPartitions).toBe(4);
    expect(c.defaultReplicationFactor).toBe(1);
    expect(c.unknownKeys).toEqual([]);
  });

  it('accepts overrides as a record, and values containing =', async () => {
    const c = await loadBrokerConfig({ overrides: { 'broker.rack': 'a=b' } });
    expect(c.brokerRack).toBe('a=b');
    expect((await loadBrokerConfig({ overrides: ['broker.rack=x=y'] })).brokerRack).toBe('x=y');
  });

  it('ignores the environment unless it is passed', async () => {
    process.env.SAMSA_BROKER_ID = '9';
    try {
      expect((await loadBrokerConfig()).brokerId).toBe(0);
    } finally {
      delete process.env.SAMSA_BROKER_ID;
    }
  });

  it('rejects an override that is not key=value, naming it', async () => {
    await expect(loadBrokerConfig({ overrides: ['broker.id'] })).rejects.toMatchObject({ key: 'broker.id' });
  });
});

describe('listeners', () => {
  it('parses all-interfaces, IPv6 and ephemeral ports', () => {
    const c = parseBrokerConfig({
      listeners: 'PLAINTEXT://:9092, internal://[::1]:0,SSL://host.example:9093',
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,INTERNAL:PLAINTEXT,SSL:SSL',
    });
    expect(c.listeners).toEqual([
      { name: 'PLAINTEXT', host: '', port: 9092, securityProtocol: 'PLAINTEXT' },
      { name: 'INTERNAL', host: '::1', port: 0, securityProtocol: 'PLAINTEXT' },
      { name: 'SSL', host: 'host.example', port: 9093, securityProtocol: 'SSL' },
    ]);
  });

  it('advertised listeners and the inter-broker listener', () => {
    const c = parseBrokerConfig({
      listeners: 'PLAINTEXT://0.0.0.0:9092,SSL://0.0.0.0:9093',
      'advertised.listeners': 'PLAINTEXT://broker1:9092',
      'inter.broker.listener.name': 'plaintext',
    });
    expect(c.advertisedListeners).toEqual([
      { name: 'PLAINTEXT', host: 'broker1', port: 9092, securityProtocol: 'PLAINTEXT' },
    ]);
    expect(c.interBrokerListenerName).toBe('PLAINTEXT');
  });
});

describe('errors name their key', () => {
  const cases: [Record<string, string>, string, RegExp][] = [
    [{ 'broker.id': 'abc' }, 'broker.id', /invalid value "abc" for broker\.id: not an integer/],
    [{ 'broker.id': '-1' }, 'broker.id', /at least 0/],
    [{ 'broker.id': '2147483648' }, 'broker.id', /out of range/],
    [{ 'num.partitions': '0' }, 'num.partitions', /at least 1/],
    [{ 'auto.create.topics.enable': 'yes' }, 'auto.create.topics.enable', /true or false/],
    [{ 'log.cleaner.min.cleanable.ratio': 'x' }, 'log.cleaner.min.cleanable.ratio', /not a number/],
    [{ 'log.cleaner.min.cleanable.ratio': '2' }, 'log.cleaner.min.cleanable.ratio', /between 0 and 1/],
    [{ 'log.segment.bytes': '1' }, 'log.segment.bytes', /at least 14/],
    [{ 'log.roll.ms': '0' }, 'log.roll.ms', /at least 1/],
    [{ 'log.roll.hours': '0' }, 'log.roll.hours', /at least 1/],
    [{ 'log.cleanup.policy': 'shred' }, 'log.cleanup.policy', /unknown policy/],
    [{ 'log.message.timestamp.type': 'Now' }, 'log.message.timestamp.type', /CreateTime, LogAppendTime/],
    [{ 'compression.type': 'brotli' }, 'compression.type', /must be one of/],
    [{ listeners: 'localhost:9092' }, 'listeners', /NAME:\/\/host:port/],
    [{ listeners: 'PLAINTEXT://:70000' }, 'listeners', /out of range/],
    [{ listeners: '' }, 'listeners', /must not be empty/],
    [{ listeners: 'FOO://:9092' }, 'listeners', /not in listener\.security\.protocol\.map/],
    [{ listeners: 'PLAINTEXT://:9092,PLAINTEXT://:9093' }, 'listeners', /appears twice/],
    [{ 'advertised.listeners': 'SSL://h:9093' }, 'advertised.listeners', /no listener named SSL/],
    [{ 'advertised.listeners': 'PLAINTEXT://0.0.0.0:9092' }, 'advertised.listeners', /0\.0\.0\.0/],
    [{ 'listener.security.protocol.map': 'PLAINTEXT:TLS' }, 'listener.security.protocol.map', /bad entry/],
    [{ 'inter.broker.listener.name': 'SSL' }, 'inter.broker.listener.name', /advertised listener/],
    [{ 'log.dir': '' }, 'log.dir', /must not be empty/],
    [
      { 'group.min.session.timeout.ms': '9', 'group.max.session.timeout.ms': '8' },
      'group.min.session.timeout.ms',
      /exceed/,
    ],
  ];
  for (const [props, key, message] of cases) {
    it(`${key} = ${JSON.stringify(Object.values(props)[0])}`, () => {
      const err = configError(() => parseBrokerConfig(props));
      expect(err.key).toBe(key);
      expect(err.message).toContain(key);
      expect(err.message).toMatch(message);
    });
  }

  it('carries the offending value', () => {
    expect(configError(() => parseBrokerConfig({ 'broker.id': 'abc' })).value).toBe('abc');
  });
});

describe('result', () => {
  it('reports unknown keys instead of using them', () => {
    const c = parseBrokerConfig({ 'no.such.key': '1', 'broker.id': '1', 'another.one': 'x' });
    expect(c.unknownKeys).toEqual(['another.one', 'no.such.key']);
    expect(c).not.toHaveProperty('noSuchKey');
  });

  it('is deeply frozen', () => {
    const c = parseBrokerConfig({ 'log.dirs': '/a,/b' });
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.listeners)).toBe(true);
    expect(Object.isFrozen(c.listeners[0])).toBe(true);
    expect(Object.isFrozen(c.logDirs)).toBe(true);
    expect(Object.isFrozen(c.topicDefaults)).toBe(true);
    expect(Object.isFrozen(c.listenerSecurityProtocolMap)).toBe(true);
    expect(Object.isFrozen(BROKER_CONFIG)).toBe(true);
    expect(() => {
      (c as { brokerId: number }).brokerId = 5;
    }).toThrow(TypeError);
  });
});

import { describe, expect, it } from 'vitest';
import { ConfigOperation, type TopicConfigChange } from '../../../broker/controller/controller.js';
import { ZkTopicConfigListener } from '../../../broker/controller/zk-topic-config-listener.js';
import { parseZkConnectString, ZkPaths } from '../../../broker/zk/index.js';
import { ErrorCode } from '../../../protocol/index.js';
import { waitFor } from '../../helpers/broker-process.js';
import { startTcpProxy } from '../../helpers/tcp-proxy.js';
import { killSessionBehindPartition } from '../../helpers/zk-session-expiry.js';
import { zooKeeperPerTestFile } from '../../helpers/zookeeper.js';
import { adminKit, ConfigRecorder, logger } from './zk-admin-kit.js';

const zkFile = zooKeeperPerTestFile();
const { cluster, registerBroker, adminBroker, fakeController, connect } = adminKit(zkFile);

const set = (name: string, key: string, value: string, mode: TopicConfigChange['mode'] = 'incremental') => ({
  name,
  mode,
  ops: [{ name: key, op: ConfigOperation.SET, value }],
});

/** Two brokers' ZkControllers on one chroot, fed by one stand-in controller, with topic `t` created. */
async function twoBrokers(name: string) {
  const { connectString, zk, store } = await cluster(name);
  await registerBroker(connectString, 1);
  await registerBroker(connectString, 2);
  const a = await adminBroker(connectString, 1);
  const b = await adminBroker(connectString, 2);
  await fakeController(connectString, [a.cache, b.cache]);
  const [created] = await a.controller.createTopics([{ name: 't', numPartitions: 1, replicationFactor: 2 }], {
    timeoutMs: 10_000,
  });
  expect(created!.errorCode).toBe(ErrorCode.NONE);
  await waitFor(() => b.cache.snapshot().topic('t') !== undefined, 10_000, 'topic t in broker 2’s metadata');
  return { connectString, zk, store, a, b };
}

describe('topic config changes', () => {
  it('apply on every broker through the change notification', async () => {
    const { zk, store, a, b } = await twoBrokers('propagate');

    const [altered] = await a.controller.alterTopicConfigs([set('t', 'retention.ms', '1234')]);
    expect(altered).toEqual({ name: 't', errorCode: ErrorCode.NONE, errorMessage: null });
    // the writing broker serves the change at once
    expect(a.lifecycle.current('t')).toEqual({ 'retention.ms': '1234' });
    expect(a.controller.topicConfigOverrides('t')).toEqual({ 'retention.ms': '1234' });
    expect(JSON.parse((await zk.getData(ZkPaths.topicConfig('t'))).data.toString())).toEqual({
      version: 1,
      config: { 'retention.ms': '1234' },
    });
    const changes = await store.notifications.readConfigChanges(await store.notifications.listConfigChanges());
    expect(changes.at(-1)!.content).toEqual({ entityType: 'topics', entityName: 't' });

    // the other broker hears of it and applies the whole set
    await waitFor(() => b.lifecycle.current('t')?.['retention.ms'] === '1234', 10_000, 'broker 2 applying');
    expect(b.controller.topicConfigOverrides('t')).toEqual({ 'retention.ms': '1234' });

    // AlterConfigs replaces the set, from either broker
    const [replaced] = await b.controller.alterTopicConfigs([set('t', 'cleanup.policy', 'compact', 'replace')]);
    expect(replaced!.errorCode).toBe(ErrorCode.NONE);
    await waitFor(() => a.lifecycle.current('t')?.['cleanup.policy'] === 'compact', 10_000, 'broker 1 applying');
    expect(a.controller.topicConfigOverrides('t')).toEqual({ 'cleanup.policy': 'compact' });
    expect(a.controller.topicConfigOverrides('missing')).toBeUndefined();
  });

  it('refuses unknown topics, bad values and duplicates, and validateOnly writes nothing', async () => {
    const { store, a } = await twoBrokers('alter-refusals');
    const before = await store.notifications.listConfigChanges();
    const results = await a.controller.alterTopicConfigs([
      set('missing', 'retention.ms', '1'),
      set('bad/name', 'retention.ms', '1'),
      set('t', 'retention.ms', 'soon'),
      set('t', 'no.such.key', '1'),
    ]);
    expect(results.map((r) => r.errorCode)).toEqual([
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      ErrorCode.INVALID_REQUEST,
      ErrorCode.INVALID_REQUEST,
    ]);
    const [bad] = await a.controller.alterTopicConfigs([set('t', 'retention.ms', 'soon')]);
    expect(bad).toMatchObject({ errorCode: ErrorCode.INVALID_CONFIG });
    expect(bad!.errorMessage).toMatch(/retention\.ms/);
    const [dry] = await a.controller.alterTopicConfigs([set('t', 'retention.ms', '99')], { validateOnly: true });
    expect(dry!.errorCode).toBe(ErrorCode.NONE);
    expect(await store.topics.readConfig('t')).toEqual({});
    expect(await store.notifications.listConfigChanges()).toEqual(before);
  });

  it('gives a created topic’s config to every broker', async () => {
    const { a, b } = await twoBrokers('created-config');
    const [created] = await a.controller.createTopics(
      [
        {
          name: 'compacted',
          numPartitions: 1,
          replicationFactor: 1,
          configs: [{ name: 'cleanup.policy', value: 'compact' }],
        },
      ],
      { timeoutMs: 10_000 },
    );
    expect(created!.errorCode).toBe(ErrorCode.NONE);
    await waitFor(() => b.lifecycle.current('compacted') !== undefined, 10_000, 'broker 2 applying');
    expect(b.lifecycle.current('compacted')).toEqual({ 'cleanup.policy': 'compact' });
    await waitFor(() => b.cache.snapshot().topic('compacted') !== undefined, 10_000, 'metadata on broker 2');
    expect(b.controller.topicConfigOverrides('compacted')).toEqual({ 'cleanup.policy': 'compact' });
  });

  it('restores every topic’s overrides at startup, before startup resolves', async () => {
    const { connectString, a } = await twoBrokers('startup');
    await a.controller.createTopics([
      { name: 'plain', numPartitions: 1, replicationFactor: 1 },
      { name: 'tuned', numPartitions: 1, replicationFactor: 1, configs: [{ name: 'segment.bytes', value: '1048576' }] },
    ]);
    await a.controller.alterTopicConfigs([set('t', 'retention.ms', '5000')]);

    const restarted = await adminBroker(connectString, 3);
    // startup has resolved: each topic with overrides got them once; a topic without has nothing to apply
    expect(restarted.lifecycle.applied).toEqual(
      expect.arrayContaining([
        { topic: 't', overrides: { 'retention.ms': '5000' } },
        { topic: 'tuned', overrides: { 'segment.bytes': '1048576' } },
      ]),
    );
    expect(restarted.lifecycle.applied).toHaveLength(2);

    // later changes still arrive, once each
    await a.controller.alterTopicConfigs([set('plain', 'retention.ms', '7')]);
    await waitFor(() => restarted.lifecycle.current('plain') !== undefined, 10_000, 'the later change');
    expect(restarted.lifecycle.applied).toHaveLength(3);
  });

  it('applies the changes made while its session was gone, once a new session starts', async () => {
    const { connectString, a } = await twoBrokers('session');
    const { hosts, chroot } = parseZkConnectString(connectString);
    const [host, port] = hosts.split(':');
    const proxy = await startTcpProxy(host!, Number(port));
    zkFile.cleanups.push(() => proxy.close());
    const cut = await adminBroker(proxy.address + chroot, 3);

    const oldSession = cut.zk.sessionId;
    const killed = await killSessionBehindPartition(cut.zk, proxy, hosts);
    await a.controller.alterTopicConfigs([set('t', 'max.message.bytes', '2048')]);
    expect(cut.lifecycle.current('t')).toBeUndefined();
    killed.heal();
    await waitFor(() => cut.lifecycle.current('t') !== undefined, 20_000, 'the change after the new session');
    expect(cut.lifecycle.current('t')).toEqual({ 'max.message.bytes': '2048' });
    expect(cut.zk.sessionId).not.toBe(oldSession);
  });
});

describe('ZkTopicConfigListener', () => {
  it('skips other entity types and purges notifications older than the expiration', async () => {
    const { connectString, store } = await cluster('purge');
    const zk = await connect(connectString);
    await store.notifications.changeTopicConfig('t', { 'retention.ms': '1' });
    let nowMs = Date.now();
    const lifecycle = new ConfigRecorder();
    const listener = new ZkTopicConfigListener({
      zk,
      store,
      lifecycle,
      logger,
      changeExpirationMs: 60_000,
      nowMs: () => nowMs,
    });
    zkFile.cleanups.push(() => listener.stop());
    await listener.start();
    expect(lifecycle.applied).toEqual([{ topic: 't', overrides: { 'retention.ms': '1' } }]);
    expect(await store.notifications.listConfigChanges()).toHaveLength(1);

    // an hour on, the next passes skip the client's change, apply the topic's and delete every notification
    nowMs += 3_600_000;
    await store.notifications.createConfigChange('clients', 'some-client');
    await store.notifications.changeTopicConfig('t', { 'retention.ms': '2' });
    await waitFor(async () => (await store.notifications.listConfigChanges()).length === 0, 10_000, 'the purge');
    expect(lifecycle.applied.at(-1)).toEqual({ topic: 't', overrides: { 'retention.ms': '2' } });
    expect(listener.overrides('t')).toEqual({ 'retention.ms': '2' });
    expect(lifecycle.applied.filter((a) => a.topic !== 't')).toEqual([]);
  });
});

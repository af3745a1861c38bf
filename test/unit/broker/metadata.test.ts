import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ClusterIdentityError,
  loadClusterIdentity,
  META_PROPERTIES_FILE,
} from '../../../broker/metadata/cluster-identity.js';
import { MetadataCache, type TopicMetadata } from '../../../broker/metadata/metadata-cache.js';
import {
  partitionMetadataText,
  TOPIC_REGISTRY_FILE,
  TopicRegistry,
  TopicRegistryError,
} from '../../../broker/metadata/topic-registry.js';
import { isUuidText, randomUuid } from '../../../broker/metadata/uuid.js';
import { Reader, Writer } from '../../../protocol/index.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'samsa-metadata-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('randomUuid', () => {
  it('is 22 characters of base64url that the protocol codec round-trips', () => {
    const id = randomUuid();
    expect(isUuidText(id)).toBe(true);
    const writer = new Writer(16);
    writer.uuid(id);
    expect(new Reader(Buffer.concat(writer.finish())).uuid()).toBe(id);
    expect(randomUuid()).not.toBe(id);
  });
});

describe('loadClusterIdentity', () => {
  it('creates meta.properties in every log dir with one new cluster id, then reads it back', async () => {
    const dirs = [join(dir, 'a'), join(dir, 'b')];
    const { clusterId } = await loadClusterIdentity(dirs, 3);
    expect(isUuidText(clusterId)).toBe(true);
    for (const d of dirs) {
      const text = await readFile(join(d, META_PROPERTIES_FILE), 'utf8');
      expect(text).toMatch(/^#.*\n/);
      expect(text).toContain('version=0\n');
      expect(text).toContain('broker.id=3\n');
      expect(text).toContain(`cluster.id=${clusterId}\n`);
    }
    expect(await loadClusterIdentity(dirs, 3)).toEqual({ clusterId });
  });

  it('gives a newly added log dir the existing identity', async () => {
    const { clusterId } = await loadClusterIdentity([join(dir, 'a')], 0);
    expect(await loadClusterIdentity([join(dir, 'a'), join(dir, 'new')], 0)).toEqual({ clusterId });
    expect(await readFile(join(dir, 'new', META_PROPERTIES_FILE), 'utf8')).toContain(`cluster.id=${clusterId}`);
  });

  it('refuses a broker.id that differs from the config, naming the file', async () => {
    await loadClusterIdentity([join(dir, 'a')], 1);
    const err = await loadClusterIdentity([join(dir, 'a')], 2).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClusterIdentityError);
    expect((err as ClusterIdentityError).file).toBe(join(dir, 'a', META_PROPERTIES_FILE));
    expect((err as Error).message).toMatch(/broker\.id 1 .*broker\.id 2/);
  });

  it('refuses log dirs of different clusters', async () => {
    await loadClusterIdentity([join(dir, 'a')], 0);
    await loadClusterIdentity([join(dir, 'b')], 0);
    await expect(loadClusterIdentity([join(dir, 'a'), join(dir, 'b')], 0)).rejects.toThrow(
      new RegExp(`${join(dir, 'b', META_PROPERTIES_FILE)}: cluster\\.id`),
    );
  });

  it('refuses a malformed file', async () => {
    await loadClusterIdentity([dir], 0);
    await writeFile(join(dir, META_PROPERTIES_FILE), 'version=0\nbroker.id=0\ncluster.id=nope\n');
    await expect(loadClusterIdentity([dir], 0)).rejects.toThrow(/invalid cluster\.id "nope"/);
    await writeFile(join(dir, META_PROPERTIES_FILE), 'version=1\nnode.id=0\n');
    await expect(loadClusterIdentity([dir], 0)).rejects.toThrow(/unsupported version 1/);
  });
});

describe('TopicRegistry', () => {
  it('persists changes across a reload', async () => {
    const registry = await TopicRegistry.load(dir);
    expect(registry.size).toBe(0);
    const a = { topicId: randomUuid(), partitions: 3, replicationFactor: 1, configs: { 'cleanup.policy': 'compact' } };
    const b = { topicId: randomUuid(), partitions: 1, replicationFactor: 1, configs: {} };
    await registry.apply({
      put: new Map([
        ['a', a],
        ['b', b],
      ]),
    });
    await registry.apply({ remove: ['b'] });

    const reloaded = await TopicRegistry.load(dir);
    expect(reloaded.entries()).toEqual([['a', a]]);
    expect(reloaded.nameOf(a.topicId)).toBe('a');
    expect(reloaded.nameOf(b.topicId)).toBeUndefined();
    const json = JSON.parse(await readFile(join(dir, TOPIC_REGISTRY_FILE), 'utf8')) as { version: number };
    expect(json.version).toBe(1);
  });

  it('leaves memory unchanged when the write fails', async () => {
    const registry = await TopicRegistry.load(join(dir, 'missing-dir'));
    const record = { topicId: randomUuid(), partitions: 1, replicationFactor: 1, configs: {} };
    await expect(registry.apply({ put: new Map([['a', record]]) })).rejects.toThrow();
    expect(registry.get('a')).toBeUndefined();
  });

  it('reports a corrupt file by name', async () => {
    await writeFile(join(dir, TOPIC_REGISTRY_FILE), '{"version":1,"topics":{"a":{"topicId":"x"}}}');
    const err = await TopicRegistry.load(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TopicRegistryError);
    expect((err as Error).message).toContain(join(dir, TOPIC_REGISTRY_FILE));
  });

  it('formats partition.metadata as Kafka does', () => {
    expect(partitionMetadataText('AAAAAAAAAAAAAAAAAAAAAQ')).toBe('version: 0\ntopic_id: AAAAAAAAAAAAAAAAAAAAAQ\n');
  });
});

describe('MetadataCache', () => {
  const topic = (name: string, partitions: number): TopicMetadata => ({
    name,
    topicId: randomUuid(),
    isInternal: false,
    partitions: Array.from({ length: partitions }, (_, partition) => ({
      partition,
      leader: 0,
      leaderEpoch: 0,
      replicas: [0],
      isr: [0],
      offlineReplicas: [],
    })),
  });
  const broker = { brokerId: 0, rack: null, endpoints: [] };

  it('applies a full snapshot and deltas without changing earlier snapshots', () => {
    const cache = new MetadataCache();
    expect(cache.snapshot().controllerId).toBe(-1);
    const a = topic('a', 2);
    cache.applyUpdate({ kind: 'full', clusterId: 'c', controllerId: 0, brokers: [broker], topics: [a] });
    const first = cache.snapshot();
    expect(first.topic('a')?.partitions).toHaveLength(2);
    expect(first.topicById(a.topicId)?.name).toBe('a');
    expect(first.broker(0)).toEqual(broker);

    const b = topic('b', 1);
    cache.applyUpdate({ kind: 'delta', topics: [b], deletedTopics: ['a'] });
    const second = cache.snapshot();
    expect(second.topicNames()).toEqual(['b']);
    expect(second.topicById(a.topicId)).toBeUndefined();
    expect(second.clusterId).toBe('c');
    expect(second.partition('b', 0)?.leader).toBe(0);
    expect(first.topicNames()).toEqual(['a']);
    expect(Object.isFrozen(second.topic('b')?.partitions[0])).toBe(true);
  });

  it('refuses partitions that are not 0..n-1', () => {
    const cache = new MetadataCache();
    const bad = { ...topic('a', 1), partitions: [{ ...topic('a', 2).partitions[1]! }] };
    expect(() => cache.applyUpdate({ kind: 'delta', topics: [bad] })).toThrow(RangeError);
  });
});

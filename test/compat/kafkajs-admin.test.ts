import { CompressionTypes, ConfigResourceTypes, Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type EmbeddedBroker } from '../../broker/index.js';
import { waitFor } from '../helpers/broker-process.js';
import { installKafkajsLz4 } from '../helpers/kafkajs-lz4.js';
import { kcat } from '../helpers/kcat.js';

/** kafkajs's admin client and producer against the broker: topic lifecycle, configs, offsets, acks and codecs. */
describe('kafkajs admin and producer', () => {
  let embedded: EmbeddedBroker;
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  let brokerId: number;

  beforeAll(async () => {
    installKafkajsLz4();
    embedded = await startBroker({ properties: { 'auto.create.topics.enable': 'false' } });
    brokerId = embedded.broker.config.brokerId;
    kafka = new Kafka({ clientId: 'admin-compat', brokers: [embedded.bootstrap], logLevel: logLevel.NOTHING });
    admin = kafka.admin();
    await admin.connect();
    producer = kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 0 } });
    await producer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await admin?.disconnect();
    await embedded?.stop();
  });

  async function topicConfig(topic: string, name: string): Promise<string | undefined> {
    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: [name] }],
    });
    return described.resources[0]!.configEntries.find((e) => e.configName === name)?.configValue;
  }

  async function consume(topic: string, format = '%k=%s\\n'): Promise<string[]> {
    const out = await kcat(['-b', embedded.bootstrap, '-C', '-t', topic, '-o', 'beginning', '-e', '-q', '-f', format]);
    return out.split('\n').filter((l) => l !== '');
  }

  it('validates without creating, and creates with configs and a replica assignment', async () => {
    // kafkajs would wait for leaders of a topic that validateOnly never creates
    const dryRun = { validateOnly: true, waitForLeaders: false };
    expect(await admin.createTopics({ ...dryRun, topics: [{ topic: 'dry-run', numPartitions: 2 }] })).toBe(true);
    expect(await admin.listTopics()).not.toContain('dry-run');
    await expect(
      admin.createTopics({ ...dryRun, topics: [{ topic: 'bad name!', numPartitions: 1 }] }),
    ).rejects.toThrow();

    await admin.createTopics({
      topics: [
        { topic: 'configured', numPartitions: 2, configEntries: [{ name: 'retention.ms', value: '123456789' }] },
        {
          topic: 'assigned',
          replicaAssignment: [
            { partition: 0, replicas: [brokerId] },
            { partition: 1, replicas: [brokerId] },
            { partition: 2, replicas: [brokerId] },
          ],
        },
      ],
    });
    expect(await topicConfig('configured', 'retention.ms')).toBe('123456789');
    const { topics } = await admin.fetchTopicMetadata({ topics: ['configured', 'assigned'] });
    expect(topics.find((t) => t.name === 'configured')!.partitions).toHaveLength(2);
    const assigned = topics.find((t) => t.name === 'assigned')!.partitions;
    expect(assigned.map((p) => p.partitionId).sort()).toEqual([0, 1, 2]);
    expect(assigned.every((p) => p.leader === brokerId && p.replicas.join() === String(brokerId))).toBe(true);
  });

  it('alters a topic config that then takes effect (max.message.bytes)', async () => {
    await admin.createTopics({ topics: [{ topic: 'small', numPartitions: 1 }] });
    const big = 'x'.repeat(4000);
    expect((await producer.send({ topic: 'small', acks: 1, messages: [{ value: big }] }))[0]!.errorCode).toBe(0);
    await admin.alterConfigs({
      validateOnly: false,
      resources: [
        {
          type: ConfigResourceTypes.TOPIC,
          name: 'small',
          configEntries: [{ name: 'max.message.bytes', value: '1000' }],
        },
      ],
    });
    expect(await topicConfig('small', 'max.message.bytes')).toBe('1000');
    const error = await producer.send({ topic: 'small', acks: 1, messages: [{ value: big }] }).then(
      () => undefined,
      (err: unknown) => err as { type?: string; message: string },
    );
    expect(error?.type).toBe('MESSAGE_TOO_LARGE');
    // a small record still goes in
    expect((await producer.send({ topic: 'small', acks: 1, messages: [{ value: 'ok' }] }))[0]!.baseOffset).toBe('1');
  });

  it('adds partitions', async () => {
    await admin.createTopics({ topics: [{ topic: 'growing', numPartitions: 1 }] });
    await admin.createPartitions({ topicPartitions: [{ topic: 'growing', count: 4 }] });
    const [metadata] = (await admin.fetchTopicMetadata({ topics: ['growing'] })).topics;
    expect(metadata!.partitions.map((p) => p.partitionId).sort()).toEqual([0, 1, 2, 3]);
    await expect(admin.createPartitions({ topicPartitions: [{ topic: 'growing', count: 2 }] })).rejects.toThrow();
    const sent = await producer.send({ topic: 'growing', acks: 1, messages: [{ partition: 3, value: 'p3' }] });
    expect(sent[0]!.partition).toBe(3);
  });

  it('reports offsets, offsets by timestamp, and deletes records', async () => {
    await admin.createTopics({ topics: [{ topic: 'offsets', numPartitions: 2 }] });
    const base = Date.now() - 60_000;
    const messages = Array.from({ length: 20 }, (_, i) => ({
      partition: 0,
      value: `v${i}`,
      timestamp: String(base + i * 1000),
    }));
    await producer.send({ topic: 'offsets', acks: -1, messages });
    const offsets = await admin.fetchTopicOffsets('offsets');
    expect(offsets.sort((a, b) => a.partition - b.partition).map((p) => [p.low, p.high])).toEqual([
      ['0', '20'],
      ['0', '0'],
    ]);
    const byTime = await admin.fetchTopicOffsetsByTimestamp('offsets', base + 7500);
    expect(byTime.find((p) => p.partition === 0)!.offset).toBe('8');
    await admin.deleteTopicRecords({ topic: 'offsets', partitions: [{ partition: 0, offset: '12' }] });
    const after = await admin.fetchTopicOffsets('offsets');
    expect(after.find((p) => p.partition === 0)).toMatchObject({ low: '12', high: '20' });
    expect(await consume('offsets', '%s\\n')).toEqual(messages.slice(12).map((m) => m.value));
  });

  it('produces with acks 0, 1 and -1, keys and headers, gzip and lz4', async () => {
    await admin.createTopics({ topics: [{ topic: 'acks', numPartitions: 3 }] });
    const expected: string[] = [];
    const variants = [
      { acks: 0, compression: CompressionTypes.None },
      { acks: 1, compression: CompressionTypes.GZIP },
      { acks: -1, compression: CompressionTypes.LZ4 },
      { acks: 1, compression: CompressionTypes.LZ4 },
      { acks: 0, compression: CompressionTypes.GZIP },
    ];
    for (const [v, { acks, compression }] of variants.entries()) {
      const messages = Array.from({ length: 30 }, (_, i) => ({
        key: `a${acks}-c${compression}-${v}-${i}`,
        value: `value ${i}`,
        headers: { origin: 'kafkajs', seq: String(i) },
      }));
      const result = await producer.send({ topic: 'acks', acks, compression, messages });
      if (acks !== 0) expect(result.every((r) => r.errorCode === 0)).toBe(true);
      expected.push(...messages.map((m) => `${m.key}=${m.value} origin=kafkajs,seq=${m.headers.seq}`));
    }
    // acks=0 is never confirmed: wait for every record to be visible
    await waitFor(
      async () => (await admin.fetchTopicOffsets('acks')).reduce((s, p) => s + Number(p.high), 0) === expected.length,
      10_000,
      'acks=0 records',
    );
    expect((await consume('acks', '%k=%s %h\\n')).sort()).toEqual(expected.sort());
  });

  it('deletes topics', async () => {
    await admin.deleteTopics({ topics: ['configured', 'assigned'] });
    const remaining = await admin.listTopics();
    expect(remaining).not.toContain('configured');
    expect(remaining).not.toContain('assigned');
  });
});

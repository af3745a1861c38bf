import { rm } from 'node:fs/promises';
import { CompressionTypes, Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type EmbeddedBroker } from '../../broker/index.js';
import { kcat, kcatConsumeAll } from '../helpers/kcat.js';

/**
 * One embedded broker driven by unmodified clients: kafkajs (admin and producer) and kcat (librdkafka's
 * producer and its group-less consumer, which uses Metadata, ListOffsets and Fetch). Consumer groups come with
 * issue 5, so consumption here is partition-assigned.
 */
describe('single broker with kafkajs and kcat', () => {
  let embedded: EmbeddedBroker;
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  let firstLogDir: string | undefined;

  beforeAll(async () => {
    embedded = await startBroker();
    firstLogDir = embedded.logDir;
    kafka = new Kafka({ clientId: 'compat', brokers: [embedded.bootstrap], logLevel: logLevel.NOTHING });
    admin = kafka.admin();
    await admin.connect();
    producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await admin?.disconnect();
    await embedded?.stop();
    // the restart test reopens the first broker's directory, which the second one does not own
    if (firstLogDir !== undefined) await rm(firstLogDir, { recursive: true, force: true });
  });

  it('creates topics with kafkajs and describes them', async () => {
    expect(await admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 3 }] })).toBe(true);
    expect(await admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 3 }] })).toBe(false);
    expect(await admin.listTopics()).toContain('orders');
    const [metadata] = (await admin.fetchTopicMetadata({ topics: ['orders'] })).topics;
    expect(metadata!.partitions.map((p) => p.partitionId).sort()).toEqual([0, 1, 2]);
    expect(metadata!.partitions.every((p) => p.leader === embedded.broker.config.brokerId)).toBe(true);
  });

  it('takes kafkajs batches (plain and gzip, acks all and 1) and kcat reads every record back', async () => {
    const messages = Array.from({ length: 90 }, (_, i) => ({ key: `k${i}`, value: `v${i}` }));
    const first = await producer.send({ topic: 'orders', acks: -1, messages: messages.slice(0, 45) });
    const second = await producer.send({
      topic: 'orders',
      acks: 1,
      compression: CompressionTypes.GZIP,
      messages: messages.slice(45),
    });
    expect([...first, ...second].every((r) => r.errorCode === 0)).toBe(true);
    const consumed = await kcatConsumeAll(embedded.bootstrap, 'orders');
    expect(consumed.sort()).toEqual(messages.map((m) => `${m.key}=${m.value}`).sort());
    const offsets = await admin.fetchTopicOffsets('orders');
    expect(offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0)).toBe(90);
  });

  it('auto-creates a topic kcat produces to, with lz4, and kafkajs sees its offsets', async () => {
    const lines = Array.from({ length: 50 }, (_, i) => `key${i}:line ${i}`).join('\n');
    await kcat(['-b', embedded.bootstrap, '-P', '-t', 'from-kcat', '-z', 'lz4', '-K', ':'], lines + '\n');
    const offsets = await admin.fetchTopicOffsets('from-kcat');
    expect(offsets.reduce((sum, p) => sum + Number(p.high), 0)).toBe(50);
    expect((await kcatConsumeAll(embedded.bootstrap, 'from-kcat')).length).toBe(50);
  });

  it('keeps topics and records across a restart on the same log directory', async () => {
    const dir = embedded.logDir;
    await producer.disconnect();
    await admin.disconnect();
    await embedded.broker.stop();
    embedded = await startBroker({ properties: { 'log.dirs': dir } });
    kafka = new Kafka({ clientId: 'compat', brokers: [embedded.bootstrap], logLevel: logLevel.NOTHING });
    admin = kafka.admin();
    producer = kafka.producer();
    await admin.connect();
    await producer.connect();
    expect(await admin.listTopics()).toEqual(expect.arrayContaining(['orders', 'from-kcat']));
    expect((await kcatConsumeAll(embedded.bootstrap, 'orders')).length).toBe(90);
  });

  it('deletes a topic', async () => {
    await admin.deleteTopics({ topics: ['from-kcat'] });
    expect(await admin.listTopics()).not.toContain('from-kcat');
  });
});

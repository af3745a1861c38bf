import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type EmbeddedBroker } from '../../broker/index.js';
import { kcat } from '../helpers/kcat.js';

interface KcatMetadata {
  brokers: { id: number; name: string }[];
  topics: { topic: string; partitions: { partition: number; leader: number; replicas: { id: number }[] }[] }[];
}

/** kcat (librdkafka) against the real broker: metadata, every codec, offsets, timestamps, keys and headers. */
describe('kcat against the broker', () => {
  let embedded: EmbeddedBroker;
  let bootstrap: string;
  let admin: Admin;
  let producer: Producer;

  beforeAll(async () => {
    embedded = await startBroker();
    bootstrap = embedded.bootstrap;
    const kafka = new Kafka({ clientId: 'kcat-compat', brokers: [bootstrap], logLevel: logLevel.NOTHING });
    admin = kafka.admin();
    await admin.connect();
    producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await admin?.disconnect();
    await embedded?.stop();
  });

  /** Lines printed by kcat consuming `topic` (all partitions unless given) from `offset` to the end. */
  async function consume(topic: string, offset: string, format: string, partition?: number): Promise<string[]> {
    const args = ['-b', bootstrap, '-C', '-t', topic, '-o', offset, '-e', '-q', '-f', format];
    if (partition !== undefined) args.push('-p', String(partition));
    return (await kcat(args)).split('\n').filter((l) => l !== '');
  }

  it('lists brokers, topics and partitions with -L', async () => {
    await admin.createTopics({ topics: [{ topic: 'listed', numPartitions: 4 }] });
    const metadata = JSON.parse(await kcat(['-b', bootstrap, '-L', '-J'])) as KcatMetadata;
    const brokerId = embedded.broker.config.brokerId;
    expect(metadata.brokers).toEqual([{ id: brokerId, name: bootstrap }]);
    const listed = metadata.topics.find((t) => t.topic === 'listed');
    expect(listed?.partitions.map((p) => p.partition).sort()).toEqual([0, 1, 2, 3]);
    expect(listed?.partitions.every((p) => p.leader === brokerId && p.replicas[0]?.id === brokerId)).toBe(true);
    const one = JSON.parse(await kcat(['-b', bootstrap, '-L', '-J', '-t', 'listed'])) as KcatMetadata;
    expect(one.topics.map((t) => t.topic)).toEqual(['listed']);
  });

  it.each(['none', 'gzip', 'snappy', 'lz4', 'zstd'])('produces and consumes with %s', async (codec) => {
    const topic = `codec-${codec}`;
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] });
    const lines = Array.from({ length: 200 }, (_, i) => `k${i}:${codec} value ${i} ${'x'.repeat(i % 50)}`);
    await kcat(['-b', bootstrap, '-P', '-t', topic, '-z', codec, '-K', ':'], lines.join('\n') + '\n');
    const consumed = await consume(topic, 'beginning', '%k:%s\\n');
    expect(consumed.sort()).toEqual([...lines].sort());
    const offsets = await admin.fetchTopicOffsets(topic);
    expect(offsets.reduce((sum, p) => sum + Number(p.high), 0)).toBe(200);
  });

  it('consumes from an absolute offset, a relative one and the end', async () => {
    await admin.createTopics({ topics: [{ topic: 'offsets', numPartitions: 1 }] });
    const lines = Array.from({ length: 30 }, (_, i) => `line ${i}`);
    await kcat(['-b', bootstrap, '-P', '-t', 'offsets', '-p', '0'], lines.join('\n') + '\n');
    expect(await consume('offsets', '25', '%o %s\\n', 0)).toEqual(lines.slice(25).map((l, i) => `${25 + i} ${l}`));
    expect(await consume('offsets', '-3', '%s\\n', 0)).toEqual(lines.slice(27));
    expect(await consume('offsets', 'end', '%s\\n', 0)).toEqual([]);
  });

  it('consumes from a timestamp with -o s@<ts>', async () => {
    await admin.createTopics({ topics: [{ topic: 'timed', numPartitions: 1 }] });
    const base = Date.now() - 100_000;
    const messages = Array.from({ length: 10 }, (_, i) => ({ value: `t${i}`, timestamp: String(base + i * 1000) }));
    // two batches, so the lookup crosses a batch boundary
    await producer.send({ topic: 'timed', acks: 1, messages: messages.slice(0, 5) });
    await producer.send({ topic: 'timed', acks: 1, messages: messages.slice(5) });
    expect(await consume('timed', `s@${base + 3000}`, '%s %T\\n', 0)).toEqual(
      messages.slice(3).map((m) => `${m.value} ${m.timestamp}`),
    );
    expect(await consume('timed', `s@${base + 6500}`, '%s\\n', 0)).toEqual(['t7', 't8', 't9']);
    expect(await consume('timed', `s@${base - 1}`, '%s\\n', 0)).toHaveLength(10);
  });

  it('round-trips keys and headers (-K, -H)', async () => {
    await admin.createTopics({ topics: [{ topic: 'headed', numPartitions: 1 }] });
    await kcat(
      ['-b', bootstrap, '-P', '-t', 'headed', '-p', '0', '-K', '|', '-H', 'trace=abc', '-H', 'origin=kcat'],
      'key1|value1\nkey2|value2\n',
    );
    expect(await consume('headed', 'beginning', '%k|%s|%h\\n', 0)).toEqual([
      'key1|value1|trace=abc,origin=kcat',
      'key2|value2|trace=abc,origin=kcat',
    ]);
    // a keyless record prints an empty key and no headers
    await kcat(['-b', bootstrap, '-P', '-t', 'headed', '-p', '0'], 'plain\n');
    expect((await consume('headed', '2', '%k|%s|%h\\n', 0))[0]).toBe('|plain|');
  });
});

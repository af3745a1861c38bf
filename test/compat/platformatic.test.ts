import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Admin, Producer, stringSerializers } from '@platformatic/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type EmbeddedBroker } from '../../broker/index.js';
import { batchViews, CompressionType, decodeBatch, type RecordBatchView } from '../../protocol/records/index.js';
import { kcat, kcatConsumeAll } from '../helpers/kcat.js';

/**
 * @platformatic/kafka 1.35 (flexible versions only: ApiVersions 3, Metadata 12, CreateTopics 7, DeleteTopics 6,
 * InitProducerId 5, Produce 11) against the embedded broker. Its consumer needs groups (issue 5), so what its
 * producer wrote is read back by kcat and from the segment files.
 */
describe('@platformatic/kafka admin and idempotent producer', () => {
  let embedded: EmbeddedBroker;
  let admin: Admin;
  let producer: Producer<string, string, string, string>;

  beforeAll(async () => {
    embedded = await startBroker();
    const bootstrapBrokers = [embedded.bootstrap];
    admin = new Admin({ clientId: 'pf-admin', bootstrapBrokers, retries: 0 });
    producer = new Producer({
      clientId: 'pf-producer',
      bootstrapBrokers,
      serializers: stringSerializers,
      idempotent: true, // not platformatic's default
      acks: -1,
      compression: 'gzip',
      autocreateTopics: false,
      retries: 0,
    });
  });

  afterAll(async () => {
    await producer?.close();
    await admin?.close();
    await embedded?.stop();
  });

  /** The batches of `topic`-`partition`, read from its first segment file. */
  async function batchesOnDisk(topic: string, partition: number): Promise<RecordBatchView[]> {
    const bytes = await readFile(join(embedded.logDir, `${topic}-${partition}`, '00000000000000000000.log'));
    return [...batchViews(bytes)];
  }

  it('creates, lists, describes and deletes topics', async () => {
    const created = await admin.createTopics({
      topics: ['pf-events', 'pf-doomed'],
      partitions: 3,
      replicas: 1,
      configs: [{ name: 'retention.ms', value: '3600000' }],
    });
    expect(created.map((t) => [t.name, t.partitions, t.replicas]).sort()).toEqual([
      ['pf-doomed', 3, 1],
      ['pf-events', 3, 1],
    ]);
    for (const topic of created)
      expect(topic.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    // a second create of an existing topic fails with TOPIC_ALREADY_EXISTS (36)
    const duplicate = await admin.createTopics({ topics: ['pf-events'], partitions: 3, replicas: 1 }).then(
      () => undefined,
      (e: unknown) => e as { errors?: { message: string }[] },
    );
    expect(duplicate?.errors?.map((e) => e.message)).toEqual(['Topic with this name already exists.']);

    const listed = await admin.listTopics();
    expect(listed).toEqual(expect.arrayContaining(['pf-events', 'pf-doomed']));

    const metadata = await admin.metadata({ topics: ['pf-events'], forceUpdate: true });
    const events = metadata.topics.get('pf-events')!;
    expect(events.id).toBe(created.find((t) => t.name === 'pf-events')!.id);
    expect(events.partitionsCount).toBe(3);
    const [brokerId] = [...metadata.brokers.keys()];
    expect(events.partitions.map((p) => p.leader)).toEqual([brokerId, brokerId, brokerId]);
    expect(metadata.brokers.size).toBe(1);

    const [described] = await admin.describeConfigs({
      resources: [{ resourceType: 2, resourceName: 'pf-events', configurationKeys: ['retention.ms'] }],
    });
    expect(described!.configs.find((c) => c.name === 'retention.ms')?.value).toBe('3600000');

    await admin.deleteTopics({ topics: ['pf-doomed'] });
    expect(await admin.listTopics()).not.toContain('pf-doomed');
    expect(await admin.listTopics()).toContain('pf-events');
  });

  it('produces idempotently with keys, headers and gzip; every record is stored once, in order', async () => {
    const sent: { key: string; value: string; partition: number }[] = [];
    for (let round = 0; round < 3; round++) {
      const messages = Array.from({ length: 6 }, (_, i) => {
        const n = round * 6 + i;
        return {
          topic: 'pf-events',
          partition: n % 3,
          key: `k${n}`,
          value: `v${n}`,
          headers: { trace: `t${n}`, round: String(round) },
        };
      });
      const result = await producer.send({ messages });
      expect(result.offsets?.length).toBeGreaterThan(0);
      for (const m of messages) sent.push({ key: m.key, value: m.value, partition: m.partition });
    }

    // kcat reads every partition from the beginning: each record once, in send order within its partition
    const out = await kcat([
      '-b',
      embedded.bootstrap,
      '-C',
      '-t',
      'pf-events',
      '-o',
      'beginning',
      '-e',
      '-q',
      '-f',
      '%p|%o|%k|%s|%h\\n',
    ]);
    const lines = out.split('\n').filter((l) => l !== '');
    expect(lines.length).toBe(sent.length);
    for (let partition = 0; partition < 3; partition++) {
      const expected = sent
        .filter((s) => s.partition === partition)
        .map((s, offset) => {
          const n = s.key.slice(1);
          return `${partition}|${offset}|${s.key}|${s.value}|trace=t${n},round=${Math.floor(Number(n) / 6)}`;
        });
      expect(lines.filter((l) => l.startsWith(`${partition}|`))).toEqual(expected);
    }

    // the stored batches: gzip, carrying the idempotent producer's id, epoch and consecutive sequences
    let producerId: number | undefined;
    for (let partition = 0; partition < 3; partition++) {
      const batches = await batchesOnDisk('pf-events', partition);
      expect(batches.length).toBeGreaterThan(0);
      let sequence = 0;
      const records = [];
      for (const batch of batches) {
        expect(batch.compression).toBe(CompressionType.Gzip);
        expect(batch.producerId).toBeGreaterThanOrEqual(0);
        expect(batch.producerEpoch).toBeGreaterThanOrEqual(0);
        producerId ??= batch.producerId;
        expect(batch.producerId).toBe(producerId);
        expect(batch.baseSequence).toBe(sequence);
        sequence += batch.recordsCount;
        records.push(...(await decodeBatch(batch)));
      }
      expect(
        records.map((r) => [
          r.offset,
          r.key?.toString(),
          r.value?.toString(),
          r.headers.map((h) => `${h.key}=${h.value?.toString()}`),
        ]),
      ).toEqual(
        sent
          .filter((s) => s.partition === partition)
          .map((s, offset) => {
            const n = Number(s.key.slice(1));
            return [offset, s.key, s.value, [`trace=t${n}`, `round=${Math.floor(n / 6)}`]];
          }),
      );
    }
  });

  it.each(['snappy', 'lz4'] as const)('produces with %s compression', async (compression) => {
    const topic = `pf-${compression}`;
    await admin.createTopics({ topics: [topic], partitions: 1, replicas: 1 });
    const codecProducer = new Producer({
      clientId: `pf-${compression}`,
      bootstrapBrokers: [embedded.bootstrap],
      serializers: stringSerializers,
      compression,
      idempotent: true,
      retries: 0,
    });
    try {
      const messages = Array.from({ length: 5 }, (_, n) => ({ topic, key: `k${n}`, value: `${compression}-${n}` }));
      await codecProducer.send({ messages });
    } finally {
      await codecProducer.close();
    }
    const [batch] = await batchesOnDisk(topic, 0);
    expect(batch!.compression).toBe(compression === 'snappy' ? CompressionType.Snappy : CompressionType.Lz4);
    expect(batch!.producerId).toBeGreaterThanOrEqual(0);
    expect(await kcatConsumeAll(embedded.bootstrap, topic)).toEqual(
      [0, 1, 2, 3, 4].map((n) => `k${n}=${compression}-${n}`),
    );
  });
});

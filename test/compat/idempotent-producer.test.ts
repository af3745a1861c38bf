import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type EmbeddedBroker } from '../../broker/index.js';
import { decodeResponse, encodeRequest, ErrorCode, Produce } from '../../protocol/index.js';
import { batchViews, buildRecordBatch, type RecordBatchView } from '../../protocol/records/index.js';
import { WireClient } from '../helpers/wire-client.js';

/**
 * kafkajs' idempotent producer against the embedded broker: InitProducerId hands it an id, its batches carry
 * sequences, and a batch sent again at the wire level (same producer id, epoch and sequence) is answered with the
 * original offset and not written twice.
 */
describe('idempotent producer (kafkajs)', () => {
  let embedded: EmbeddedBroker;
  let admin: Admin;
  let producer: Producer;

  beforeAll(async () => {
    embedded = await startBroker();
    const kafka = new Kafka({ clientId: 'idem', brokers: [embedded.bootstrap], logLevel: logLevel.NOTHING });
    admin = kafka.admin();
    await admin.connect();
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await producer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await admin?.disconnect();
    await embedded?.stop();
  });

  /** The batches of partition 0 of `topic`, read from its first segment file. */
  async function batchesOnDisk(topic: string): Promise<RecordBatchView[]> {
    const bytes = await readFile(join(embedded.logDir, `${topic}-0`, '00000000000000000000.log'));
    return [...batchViews(bytes)];
  }

  async function produceRaw(topic: string, records: Buffer): Promise<{ errorCode: number; baseOffset: number }> {
    const port = Number(embedded.bootstrap.split(':').at(-1));
    const client = await WireClient.connect(port);
    try {
      const body = {
        transactionalId: null,
        acks: -1,
        timeoutMs: 5000,
        topicData: [{ name: topic, partitionData: [{ index: 0, records }] }],
      };
      client.send(encodeRequest(Produce, { apiVersion: 7, correlationId: 9, clientId: 'raw' }, body));
      const { body: response } = decodeResponse(Produce, 7, (await client.nextFrame())!);
      return response.responses[0]!.partitionResponses[0]!;
    } finally {
      client.close();
    }
  }

  it('sends with sequences and deduplicates a resent batch, returning its original offset', async () => {
    await admin.createTopics({ topics: [{ topic: 'idem', numPartitions: 1 }] });
    const [first] = await producer.send({ topic: 'idem', messages: [{ value: 'a' }, { value: 'b' }] });
    const [second] = await producer.send({ topic: 'idem', messages: [{ value: 'c' }] });
    expect([first!.baseOffset, second!.baseOffset]).toEqual(['0', '2']);

    const batches = await batchesOnDisk('idem');
    expect(batches.map((b) => [b.baseOffset, b.baseSequence])).toEqual([
      [0, 0],
      [2, 2],
    ]);
    expect(batches[0]!.producerId).toBeGreaterThanOrEqual(0);
    expect(batches[1]!.producerId).toBe(batches[0]!.producerId);

    // the first batch again, byte for byte: same producer id, epoch and sequence
    const again = await produceRaw('idem', Buffer.from(batches[0]!.bytes));
    expect(again).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 0 });
    expect((await batchesOnDisk('idem')).length).toBe(2);

    // a batch skipping a sequence is refused
    const skipped = buildRecordBatch([{ key: null, value: 'x', timestamp: Date.now() }], {
      producerId: batches[0]!.producerId,
      producerEpoch: batches[0]!.producerEpoch,
      baseSequence: 10,
    });
    expect(await produceRaw('idem', skipped)).toMatchObject({ errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER });

    const [third] = await producer.send({ topic: 'idem', messages: [{ value: 'd' }] });
    expect(third!.baseOffset).toBe('3');
  });
});

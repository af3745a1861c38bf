import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type EmbeddedBroker } from '../../../broker/index.js';
import {
  ApiVersions,
  batchViews,
  buildRecordBatch,
  CreateTopics,
  decodeBatch,
  decodeResponse,
  encodeRequest,
  ErrorCode,
  Fetch,
  Metadata,
  Produce,
  type ApiSchema,
  type RequestInput,
} from '../../../protocol/index.js';
import { WireClient } from '../../helpers/wire-client.js';

const TOPIC = 'pipelined';
/** Never written to: fetches on it always park until maxWaitMs. */
const IDLE = 'idle';

function request<A extends ApiSchema>(schema: A, apiVersion: number, correlationId: number, body: RequestInput<A>) {
  return encodeRequest(schema, { apiVersion, correlationId, clientId: 'pipelining-test' }, body);
}

/**
 * One connection carrying many requests at once: the broker dispatches every frame without waiting for earlier
 * responses (a long-poll Fetch does not block the Produce behind it that wakes it) and still writes the
 * responses strictly in request order.
 */
describe('request pipelining on one connection', () => {
  let embedded: EmbeddedBroker;
  let port: number;

  beforeAll(async () => {
    embedded = await startBroker({ properties: { 'auto.create.topics.enable': 'false' } });
    port = Number(embedded.bootstrap.split(':')[1]);
    const client = await WireClient.connect(port);
    // the topic exists before the pipeline, so the fetch parks on an existing empty partition
    client.send(
      request(CreateTopics, 5, 1, {
        topics: [TOPIC, IDLE].map((name) => ({
          name,
          numPartitions: 1,
          replicationFactor: 1,
          assignments: [],
          configs: [],
        })),
        timeoutMs: 10_000,
        validateOnly: false,
      }),
    );
    const created = decodeResponse(CreateTopics, 5, (await client.nextFrame())!);
    expect(created.body.topics.map((t) => t.errorCode)).toEqual([ErrorCode.NONE, ErrorCode.NONE]);
    client.close();
  });

  afterAll(async () => {
    await embedded?.stop();
  });

  it('answers 50 mixed requests in order, with a long poll woken by a Produce queued behind it', async () => {
    const client = await WireClient.connect(port);
    const total = 50;
    const fetchAt = 3;
    const produceAt = 40;
    // an acks=0 Produce gets no response; the ones behind it still come
    const silentAt = 45;
    const kinds: string[] = [];
    const chunks: Buffer[] = [];
    const value = Buffer.from('wake up');
    for (let id = 0; id < total; id++) {
      if (id === fetchAt) {
        kinds.push('fetch');
        chunks.push(
          ...request(Fetch, 12, id, {
            maxWaitMs: 2000,
            minBytes: 1,
            maxBytes: 1 << 20,
            isolationLevel: 0,
            sessionId: 0,
            sessionEpoch: -1,
            topics: [{ topic: TOPIC, partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20 }] }],
            forgottenTopicsData: [],
            rackId: '',
          }),
        );
      } else if (id === silentAt) {
        kinds.push('silent');
        const records = buildRecordBatch([{ value: Buffer.from('unacknowledged'), headers: [] }]);
        chunks.push(
          ...request(Produce, 9, id, {
            acks: 0,
            timeoutMs: 5000,
            topicData: [{ name: TOPIC, partitionData: [{ index: 0, records }] }],
          }),
        );
      } else if (id === produceAt) {
        kinds.push('produce');
        const records = buildRecordBatch([{ key: Buffer.from('k'), value, headers: [] }]);
        chunks.push(
          ...request(Produce, 9, id, {
            acks: 1,
            timeoutMs: 5000,
            topicData: [{ name: TOPIC, partitionData: [{ index: 0, records }] }],
          }),
        );
      } else if (id % 2 === 0) {
        kinds.push('apiVersions');
        chunks.push(...request(ApiVersions, 3, id, { clientSoftwareName: 'pipe', clientSoftwareVersion: '1' }));
      } else {
        kinds.push('metadata');
        chunks.push(
          ...request(Metadata, 12, id, {
            topics: [{ name: TOPIC }],
            allowAutoTopicCreation: false,
            includeTopicAuthorizedOperations: false,
          }),
        );
      }
    }
    // one write: every request is on the wire before any response comes back
    client.send([Buffer.concat(chunks)]);

    const order: number[] = [];
    let fetched: Buffer | null = null;
    for (let i = 0; i < total; i++) {
      const kind = kinds[i]!;
      if (kind === 'silent') continue;
      const frame = await client.nextFrame();
      expect(frame, `response ${i}`).not.toBeNull();
      if (kind === 'fetch') {
        const { correlationId, body } = decodeResponse(Fetch, 12, frame!);
        order.push(correlationId);
        const partition = body.responses[0]!.partitions[0]!;
        expect(partition.errorCode).toBe(ErrorCode.NONE);
        fetched = partition.records;
      } else if (kind === 'produce') {
        const { correlationId, body } = decodeResponse(Produce, 9, frame!);
        order.push(correlationId);
        expect(body.responses[0]!.partitionResponses[0]!.errorCode).toBe(ErrorCode.NONE);
        expect(body.responses[0]!.partitionResponses[0]!.baseOffset).toBe(0);
      } else if (kind === 'apiVersions') {
        const { correlationId, body } = decodeResponse(ApiVersions, 3, frame!);
        order.push(correlationId);
        expect(body.errorCode).toBe(ErrorCode.NONE);
      } else {
        const { correlationId, body } = decodeResponse(Metadata, 12, frame!);
        order.push(correlationId);
        expect(body.topics[0]!.errorCode).toBe(ErrorCode.NONE);
      }
    }
    expect(order).toEqual(Array.from({ length: total }, (_, i) => i).filter((i) => i !== silentAt));
    // the long poll returned the record of the Produce 37 requests behind it: dispatch did not wait for it
    expect(fetched).not.toBeNull();
    const values: string[] = [];
    for (const view of batchViews(fetched!)) {
      for (const record of await decodeBatch(view)) values.push(record.value!.toString());
    }
    // the acks=0 record behind it may or may not have landed by the time the woken fetch reads
    expect(values[0]).toBe('wake up');
    client.close();
  });

  it('keeps order when every other request is a long poll that times out', async () => {
    const client = await WireClient.connect(port);
    const chunks: Buffer[] = [];
    const total = 20;
    for (let id = 0; id < total; id++) {
      if (id % 2 === 0) {
        // fetch past the end of the log: parks until maxWaitMs, with decreasing waits so later ones finish first
        chunks.push(
          ...request(Fetch, 12, id, {
            maxWaitMs: 400 - id * 15,
            minBytes: 1,
            maxBytes: 1 << 20,
            isolationLevel: 0,
            sessionId: 0,
            sessionEpoch: -1,
            topics: [{ topic: IDLE, partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20 }] }],
            forgottenTopicsData: [],
            rackId: '',
          }),
        );
      } else {
        chunks.push(...request(ApiVersions, 3, id, { clientSoftwareName: 'pipe', clientSoftwareVersion: '1' }));
      }
    }
    client.send([Buffer.concat(chunks)]);
    const order: number[] = [];
    for (let i = 0; i < total; i++) {
      const frame = (await client.nextFrame())!;
      expect(frame).not.toBeNull();
      const { correlationId } = i % 2 === 0 ? decodeResponse(Fetch, 12, frame) : decodeResponse(ApiVersions, 3, frame);
      order.push(correlationId);
    }
    expect(order).toEqual(Array.from({ length: total }, (_, i) => i));
    client.close();
  });

  it('answers more pipelined requests than the in-flight limit behind a long poll', async () => {
    // 250 requests: the connection dispatches 100, pauses reading until the long poll at the head expires
    const client = await WireClient.connect(port);
    const total = 250;
    const chunks: Buffer[] = [
      ...request(Fetch, 12, 0, {
        maxWaitMs: 300,
        minBytes: 1,
        maxBytes: 1 << 20,
        isolationLevel: 0,
        sessionId: 0,
        sessionEpoch: -1,
        topics: [{ topic: IDLE, partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20 }] }],
        forgottenTopicsData: [],
        rackId: '',
      }),
    ];
    for (let id = 1; id < total; id++) {
      chunks.push(...request(ApiVersions, 3, id, { clientSoftwareName: 'pipe', clientSoftwareVersion: '1' }));
    }
    client.send([Buffer.concat(chunks)]);
    const first = decodeResponse(Fetch, 12, (await client.nextFrame())!);
    expect(first.correlationId).toBe(0);
    const parked = first.body.responses[0]!.partitions[0]!;
    expect([parked.errorCode, parked.records?.length ?? 0]).toEqual([ErrorCode.NONE, 0]);
    for (let id = 1; id < total; id++) {
      const frame = await client.nextFrame();
      expect(frame, `response ${id}`).not.toBeNull();
      expect(decodeResponse(ApiVersions, 3, frame!).correlationId).toBe(id);
    }
    client.close();
  });

  it('closes the connection at a failed acks=0 Produce, after answering the requests before it', async () => {
    const client = await WireClient.connect(port);
    const records = buildRecordBatch([{ value: Buffer.from('lost'), headers: [] }]);
    client.send([
      ...request(ApiVersions, 3, 1, { clientSoftwareName: 'pipe', clientSoftwareVersion: '1' }),
      ...request(Produce, 9, 2, {
        acks: 0,
        timeoutMs: 5000,
        topicData: [{ name: 'no-such-topic', partitionData: [{ index: 0, records }] }],
      }),
      ...request(ApiVersions, 3, 3, { clientSoftwareName: 'pipe', clientSoftwareVersion: '1' }),
    ]);
    expect(decodeResponse(ApiVersions, 3, (await client.nextFrame())!).correlationId).toBe(1);
    // Kafka's only signal for a failed acks=0 request: no response for it, and the connection closes
    expect(await client.nextFrame()).toBeNull();
    await client.closed;
  });
});

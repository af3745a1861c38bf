import { randomBytes, randomInt } from 'node:crypto';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type EmbeddedBroker } from '../../../broker/index.js';
import {
  ALL_APIS,
  ApiVersions,
  BatchHeader,
  batchViews,
  buildRecordBatch,
  CreateTopics,
  decodeResponse,
  encodeRequest,
  ErrorCode,
  Fetch,
  ListOffsets,
  Metadata,
  Produce,
  toBuffer,
  type ApiSchema,
  type RequestInput,
} from '../../../protocol/index.js';
import { WireClient } from '../../helpers/wire-client.js';

const TOPIC = 'target';
const MAX_REQUEST_BYTES = 1 << 20;
const PROBE_ID = 0x5eed0000;

function frame<A extends ApiSchema>(schema: A, apiVersion: number, correlationId: number, body: RequestInput<A>) {
  return toBuffer(encodeRequest(schema, { apiVersion, correlationId, clientId: 'bad-input' }, body));
}

const probeFrame = frame(ApiVersions, 0, PROBE_ID, {});
const records = buildRecordBatch([{ key: Buffer.from('key'), value: Buffer.from('value'), headers: [] }]);

/** Valid requests to mutate; none can create anything or park for long whatever single byte changes. */
const VALID: readonly Buffer[] = [
  frame(Produce, 3, 11, {
    acks: 1,
    timeoutMs: 1000,
    topicData: [{ name: TOPIC, partitionData: [{ index: 0, records }] }],
  }),
  frame(Produce, 9, 12, {
    acks: 1,
    timeoutMs: 1000,
    topicData: [{ name: TOPIC, partitionData: [{ index: 0, records }] }],
  }),
  frame(Metadata, 1, 13, { topics: [{ name: TOPIC }] }),
  frame(Metadata, 12, 14, { topics: [{ name: TOPIC }], allowAutoTopicCreation: false }),
  frame(Fetch, 4, 15, {
    maxWaitMs: 0,
    minBytes: 1,
    maxBytes: 1 << 16,
    isolationLevel: 0,
    topics: [{ topic: TOPIC, partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 16 }] }],
  }),
  frame(ListOffsets, 1, 16, {
    replicaId: -1,
    topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, timestamp: -1 }] }],
  }),
  frame(ApiVersions, 3, 17, { clientSoftwareName: 'bad-input', clientSoftwareVersion: '1.0' }),
];

/** A size prefix followed by `body`. */
function framed(body: Buffer): Buffer {
  const prefix = Buffer.alloc(4);
  prefix.writeInt32BE(body.length);
  return Buffer.concat([prefix, body]);
}

type Outcome = 'answered' | 'closed';

/**
 * Sends `bytes` on a fresh connection, then an ApiVersions probe; resolves once the probe is answered or the
 * broker closes the connection. Either is acceptable for bad input; silence is not.
 */
async function exchange(port: number, bytes: Buffer, withProbe = true, timeoutMs = 10_000): Promise<Outcome> {
  const client = await WireClient.connect(port);
  client.send(withProbe ? [bytes, probeFrame] : [bytes]);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer or close for ${bytes.toString('hex').slice(0, 200)}`)),
      timeoutMs,
    );
  });
  const outcome = (async (): Promise<Outcome> => {
    for (;;) {
      const response = await client.nextFrame();
      if (response === null) return 'closed';
      if (response.readInt32BE(0) === PROBE_ID) return 'answered';
    }
  })();
  try {
    return await Promise.race([outcome, timeout]);
  } finally {
    clearTimeout(timer);
    client.close();
  }
}

/** The broker's warnings, parsed: a handler that throws on a request that decoded is a broker bug. */
const warnings: { level?: number; reason?: string; err?: { message?: string; stack?: string } }[] = [];
const logSink = new Writable({
  write(chunk: Buffer, _encoding, done) {
    for (const line of chunk.toString().split('\n')) if (line !== '') warnings.push(JSON.parse(line) as never);
    done();
  },
});

/** Handler failures (as opposed to requests refused for their bytes), for the assertion message. */
function handlerFailures(): string[] {
  return warnings
    .filter((w) => w.reason?.startsWith('request handler') === true || w.reason === 'writing a response failed')
    .map((w) => `${w.reason}: ${w.err?.stack ?? w.err?.message}`);
}

describe('bad input against a running broker', () => {
  let embedded: EmbeddedBroker;
  let port: number;
  let steady: WireClient;
  let steadyId = 1;

  /** The long-lived connection still gets its answers. */
  async function checkSteady(): Promise<void> {
    const id = steadyId++;
    steady.send([frame(Metadata, 12, id, { topics: [{ name: TOPIC }], allowAutoTopicCreation: false })]);
    const response = await steady.nextFrame();
    expect(response, 'steady connection closed').not.toBeNull();
    const { correlationId, body } = decodeResponse(Metadata, 12, response!);
    expect(correlationId).toBe(id);
    expect(body.topics[0]!.errorCode).toBe(ErrorCode.NONE);
  }

  /** Runs every case, `parallel` connections at a time, checking the steady connection after each round. */
  async function runAll(cases: readonly Buffer[], parallel = 25): Promise<Record<Outcome, number>> {
    const counts = { answered: 0, closed: 0 };
    for (let i = 0; i < cases.length; i += parallel) {
      const outcomes = await Promise.all(cases.slice(i, i + parallel).map((c) => exchange(port, c)));
      for (const o of outcomes) counts[o]++;
      await checkSteady();
    }
    return counts;
  }

  beforeAll(async () => {
    embedded = await startBroker({
      logger: pino({ level: 'warn' }, logSink),
      properties: {
        'auto.create.topics.enable': 'false',
        'socket.request.max.bytes': String(MAX_REQUEST_BYTES),
      },
    });
    port = Number(embedded.bootstrap.split(':')[1]);
    steady = await WireClient.connect(port);
    steady.send([
      frame(CreateTopics, 5, 0, {
        topics: [{ name: TOPIC, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
        validateOnly: false,
      }),
    ]);
    expect(decodeResponse(CreateTopics, 5, (await steady.nextFrame())!).body.topics[0]!.errorCode).toBe(0);
    // every valid frame is answered, with the probe behind it
    for (const valid of VALID) expect(await exchange(port, valid)).toBe('answered');
  });

  afterAll(async () => {
    steady?.close();
    await embedded?.stop();
  });

  it('survives random frames, mutated frames and truncated frames with bounded memory', async () => {
    const apiKeys = ALL_APIS.map((a) => ({ key: a.key, max: a.maxVersion }));
    const randomFrames = (): Buffer[] =>
      Array.from({ length: 800 }, (_, i) => {
        if (i % 4 === 0) return framed(randomBytes(randomInt(0, 200)));
        // a real API key and version, so the bytes reach that API's decoder
        const api = apiKeys[randomInt(apiKeys.length)]!;
        const body = randomBytes(randomInt(8, 300));
        body.writeInt16BE(api.key, 0);
        body.writeInt16BE(randomInt(0, api.max + 1), 2);
        return framed(body);
      });
    const mutated: Buffer[] = [];
    for (const valid of VALID) {
      for (let at = 4; at < valid.length; at++) {
        for (const mask of [0xff, 0x01, 0x80]) {
          const copy = Buffer.from(valid);
          copy[at]! ^= mask;
          mutated.push(copy);
        }
      }
    }
    const truncated: Buffer[] = [];
    for (const valid of VALID) {
      for (let length = 0; length < valid.length - 4; length += 3)
        truncated.push(framed(valid.subarray(4, 4 + length)));
    }

    await runAll(randomFrames()); // warm up before measuring
    const before = process.memoryUsage();
    const counts = { answered: 0, closed: 0 };
    for (const round of [randomFrames(), mutated, truncated, randomFrames()]) {
      const c = await runAll(round);
      counts.answered += c.answered;
      counts.closed += c.closed;
    }
    const after = process.memoryUsage();
    expect(counts.answered + counts.closed).toBeGreaterThan(3000);
    // both outcomes occur: a mutation of a string or an offset is still a request; a broken length is not
    expect(counts.answered).toBeGreaterThan(0);
    expect(counts.closed).toBeGreaterThan(0);
    // broker and test share this process; a leak per bad frame would show as hundreds of MB
    expect(after.rss - before.rss).toBeLessThan(256 << 20);
    expect(after.heapUsed - before.heapUsed).toBeLessThan(128 << 20);
    expect(embedded.broker.config.brokerId).toBeTypeOf('number');
  });

  it('closes connections announcing frames over socket.request.max.bytes or negative', async () => {
    for (const size of [MAX_REQUEST_BYTES + 1, 0x7fffffff, -1, -0x80000000]) {
      const prefix = Buffer.alloc(4);
      prefix.writeInt32BE(size);
      expect(await exchange(port, Buffer.concat([prefix, randomBytes(16)]))).toBe('closed');
    }
    await checkSteady();
    // half a frame and then the client goes away: nothing to answer, nothing broken
    const half = WireClient.connect(port).then((c) => {
      c.send([VALID[0]!.subarray(0, 30)]);
      c.close();
    });
    await half;
    await checkSteady();
  });

  it('answers or closes on unknown API keys and unsupported versions', async () => {
    for (const [key, version] of [
      [999, 0],
      [0x7fff, 0],
      [-1, 0],
      [Metadata.key, 99],
      [Produce.key, 0x7fff],
      [Fetch.key, -1],
    ] as const) {
      const body = Buffer.alloc(12);
      body.writeInt16BE(key, 0);
      body.writeInt16BE(version, 2);
      body.writeInt32BE(42, 4);
      body.writeInt16BE(-1, 8); // null client id
      expect(['answered', 'closed']).toContain(await exchange(port, framed(body)));
    }
    // ApiVersions at a version from the future is always answered (KIP-511)
    const future = frame(ApiVersions, 3, 77, { clientSoftwareName: 'x', clientSoftwareVersion: '1' });
    future.writeInt16BE(99, 6);
    const client = await WireClient.connect(port);
    client.send([future]);
    const { correlationId, body } = decodeResponse(ApiVersions, 0, (await client.nextFrame())!);
    expect([correlationId, body.errorCode]).toEqual([77, ErrorCode.UNSUPPORTED_VERSION]);
    client.close();
    await checkSteady();
  });

  it('answers CORRUPT_MESSAGE for a batch with a bad CRC and keeps the connection', async () => {
    const corrupt = Buffer.from(records);
    corrupt[corrupt.length - 1]! ^= 0xff;
    for (const version of [3, 9]) {
      const client = await WireClient.connect(port);
      client.send([
        frame(Produce, version, 5, {
          acks: 1,
          timeoutMs: 1000,
          topicData: [{ name: TOPIC, partitionData: [{ index: 0, records: corrupt }] }],
        }),
        probeFrame,
      ]);
      const { correlationId, body } = decodeResponse(Produce, version, (await client.nextFrame())!);
      expect(correlationId).toBe(5);
      expect(body.responses[0]!.partitionResponses[0]!.errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
      expect((await client.nextFrame())!.readInt32BE(0)).toBe(PROBE_ID);
      client.close();
    }
    await checkSteady();
  });

  it('refuses a batch whose good CRC covers a lying offset range, without moving the log end', async () => {
    const client = await WireClient.connect(port);
    let id = 100;
    const produce = async (batch: Buffer) => {
      client.send([
        frame(Produce, 9, ++id, {
          acks: 1,
          timeoutMs: 1000,
          topicData: [{ name: TOPIC, partitionData: [{ index: 0, records: batch }] }],
        }),
      ]);
      return decodeResponse(Produce, 9, (await client.nextFrame())!).body.responses[0]!.partitionResponses[0]!;
    };
    const first = await produce(records);
    expect(first.errorCode).toBe(ErrorCode.NONE);
    // [lastOffsetDelta, recordsCount]: backwards, too far, too few, empty
    for (const [delta, count] of [
      [-3, 1],
      [5, 1],
      [0, 3],
      [1_000_000, 2],
      [0, 0],
    ] as const) {
      const lying = buildRecordBatch(
        Array.from({ length: Math.max(count, 1) }, (_, i) => ({ value: Buffer.from(`v${i}`), headers: [] })),
      );
      lying.writeInt32BE(delta, BatchHeader.LAST_OFFSET_DELTA);
      lying.writeInt32BE(count, BatchHeader.RECORDS_COUNT);
      lying.writeUInt32BE([...batchViews(lying)][0]!.computeCrc(), BatchHeader.CRC);
      expect(await produce(lying), `delta ${delta} count ${count}`).toMatchObject({
        errorCode: ErrorCode.INVALID_RECORD,
      });
      // the same lie under a broken CRC is a corrupt batch
      lying[lying.length - 1]! ^= 0xff;
      expect((await produce(lying)).errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
    }
    // the next good batch lands right after the first one
    expect((await produce(records)).baseOffset).toBe(first.baseOffset + 1);
    client.close();
  });

  it('answers Produce v0-2 with UNSUPPORTED_VERSION and a legacy message set in v3+ with INVALID_RECORD', async () => {
    const client = await WireClient.connect(port);
    const produce = async (version: number, correlationId: number, data: Buffer) => {
      client.send([
        frame(Produce, version, correlationId, {
          acks: 1,
          timeoutMs: 1000,
          topicData: [{ name: TOPIC, partitionData: [{ index: 0, records: data }] }],
        }),
      ]);
      const response = decodeResponse(Produce, version, (await client.nextFrame())!);
      return response.body.responses[0]!.partitionResponses[0]!.errorCode;
    };
    for (const version of [0, 1, 2]) {
      expect(await produce(version, 200 + version, records), `v${version}`).toBe(ErrorCode.UNSUPPORTED_VERSION);
    }
    const legacy = Buffer.from(records);
    legacy[16] = 1; // the magic byte sits at the same position in every message format
    expect(await produce(3, 210, legacy)).toBe(ErrorCode.INVALID_RECORD);
    expect(await produce(3, 211, records)).toBe(ErrorCode.NONE);
    client.close();
  });

  it('answers or closes on a Produce claiming a records section far larger than the frame', async () => {
    // v3: records is int32-length-prefixed; v9: an unsigned varint of length + 1
    const plain = frame(Produce, 3, 6, {
      acks: 1,
      timeoutMs: 1000,
      topicData: [{ name: TOPIC, partitionData: [{ index: 0, records }] }],
    });
    const at = plain.indexOf(records);
    for (const claim of [0x7ffffff0, MAX_REQUEST_BYTES, records.length + 1]) {
      const copy = Buffer.from(plain);
      copy.writeInt32BE(claim, at - 4);
      expect(['answered', 'closed']).toContain(await exchange(port, copy));
    }
    const flexible = frame(Produce, 9, 7, {
      acks: 1,
      timeoutMs: 1000,
      topicData: [{ name: TOPIC, partitionData: [{ index: 0, records }] }],
    });
    const start = flexible.indexOf(records);
    // records.length + 1 fits one varint byte here; widen it to a 5-byte varint claiming ~2^31 bytes
    expect(flexible[start - 1]).toBe(records.length + 1);
    const huge = Buffer.concat([
      flexible.subarray(0, start - 1),
      Buffer.from([0xf0, 0xff, 0xff, 0xff, 0x07]),
      flexible.subarray(start),
    ]);
    huge.writeInt32BE(huge.length - 4, 0);
    expect(['answered', 'closed']).toContain(await exchange(port, huge));
    await checkSteady();
  });

  it('met all of it without a handler failure or a storage error the client caused', () => {
    expect(warnings.length).toBeGreaterThan(0);
    expect([...new Set(handlerFailures())]).toEqual([]);
    // storage errors from client input: only a negative partition max bytes, which Kafka also answers with
    // UNKNOWN_SERVER_ERROR (LogSegment.read's "Invalid max size")
    const errors = warnings.filter((w) => (w.level ?? 0) >= 50).map((w) => w.err?.message ?? '');
    expect(errors.filter((m) => !m.startsWith('invalid max size -'))).toEqual([]);
  });
});

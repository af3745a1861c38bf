import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BrokerChannel, BrokerChannelError } from '../../../broker/cluster/broker-channel.js';
import { startBroker, type EmbeddedBroker } from '../../../broker/index.js';
import {
  ApiVersions,
  batchViews,
  buildRecordBatch,
  CreateTopics,
  decodeBatch,
  decodeRequest,
  encodeResponse,
  ErrorCode,
  Fetch,
  FrameDecoder,
  Metadata,
  Produce,
  ProtocolDecodeError,
  type RequestOf,
} from '../../../protocol/index.js';

const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
const channels: BrokerChannel[] = [];

function channel(port: number, requestTimeoutMs = 10_000): BrokerChannel {
  const c = new BrokerChannel({ host: '127.0.0.1', port, clientId: 'broker-1-fetcher-0', requestTimeoutMs, logger });
  channels.push(c);
  return c;
}

afterEach(() => {
  for (const c of channels.splice(0)) c.close();
});

/** An ApiVersions v3 request labelled `name`/`index`, so a scripted server can tell requests apart. */
const labelled = (name: string, index = 0) => ({ clientSoftwareName: name, clientSoftwareVersion: String(index) });

/** What the rejection of `promise` is (fails the test if it resolves). */
async function rejection(promise: Promise<unknown>): Promise<BrokerChannelError> {
  const err = await promise.then(
    () => expect.unreachable('resolved'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(BrokerChannelError);
  return err as BrokerChannelError;
}

describe('BrokerChannel against a real broker', () => {
  let embedded: EmbeddedBroker;
  let port: number;

  beforeAll(async () => {
    embedded = await startBroker({ logger, properties: { 'auto.create.topics.enable': 'false' } });
    port = Number(embedded.bootstrap.split(':')[1]);
  });

  afterAll(async () => {
    await embedded?.stop();
  });

  it('sends ApiVersions, CreateTopics, Metadata, Produce and Fetch and decodes the answers', async () => {
    const c = channel(port);
    const versions = await c.send(ApiVersions, 3, labelled('samsa-test'));
    expect(versions.errorCode).toBe(ErrorCode.NONE);
    expect(versions.apiKeys.find((k) => k.apiKey === Fetch.key)?.maxVersion).toBeGreaterThanOrEqual(12);

    const created = await c.send(CreateTopics, 5, {
      topics: [{ name: 'channel', numPartitions: 2, replicationFactor: 1, assignments: [], configs: [] }],
      timeoutMs: 10_000,
      validateOnly: false,
    });
    expect(created.topics.map((t) => [t.name, t.errorCode])).toEqual([['channel', ErrorCode.NONE]]);

    const metadata = await c.send(Metadata, 12, {
      topics: [{ name: 'channel' }],
      allowAutoTopicCreation: false,
      includeTopicAuthorizedOperations: false,
    });
    expect(metadata.brokers.map((b) => b.port)).toEqual([port]);
    expect(metadata.topics[0]!.partitions.map((p) => p.partitionIndex).sort()).toEqual([0, 1]);

    const produced = await c.send(Produce, 9, {
      acks: 1,
      timeoutMs: 5000,
      topicData: [
        {
          name: 'channel',
          partitionData: [{ index: 1, records: buildRecordBatch(['a', 'b'].map((v) => ({ value: Buffer.from(v) }))) }],
        },
      ],
    });
    expect(produced.responses[0]!.partitionResponses[0]).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 0 });

    const fetched = await c.send(Fetch, 12, fetchRequest('channel', 1, 1 << 20));
    const partition = fetched.responses[0]!.partitions[0]!;
    expect(partition.errorCode).toBe(ErrorCode.NONE);
    expect(partition.highWatermark).toBe(2);
    expect(await values(partition.records)).toEqual(['a', 'b']);
  });

  it('keeps a large Fetch response intact and its records as a view of the response frame', async () => {
    const c = channel(port);
    await c.send(CreateTopics, 5, {
      topics: [{ name: 'large', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
      timeoutMs: 10_000,
      validateOnly: false,
    });
    // just under the default max.message.bytes each
    const big = (i: number) => Buffer.alloc(1_000_000, i + 1);
    for (let i = 0; i < 3; i++) {
      const answer = await c.send(Produce, 9, {
        acks: 1,
        timeoutMs: 5000,
        topicData: [{ name: 'large', partitionData: [{ index: 0, records: buildRecordBatch([{ value: big(i) }]) }] }],
      });
      expect(answer.responses[0]!.partitionResponses[0]!.errorCode).toBe(ErrorCode.NONE);
    }
    const fetched = await c.send(Fetch, 12, fetchRequest('large', 0, 8 << 20));
    const records = fetched.responses[0]!.partitions[0]!.records!;
    // one frame of about 3 MB arrived in many socket chunks and was assembled once; records point into it
    expect(records.length).toBeGreaterThan(3_000_000);
    expect(records.buffer.byteLength).toBeGreaterThan(records.length);
    const got: Buffer[] = [];
    for (const view of batchViews(records)) for (const r of await decodeBatch(view)) got.push(r.value!);
    expect(got).toHaveLength(3);
    got.forEach((value, i) => expect(value.equals(big(i))).toBe(true));
  });

  it('assembles large responses in pooled buffers that sendLeased callers give back', async () => {
    const c = new BrokerChannel({
      host: '127.0.0.1',
      port,
      clientId: 'broker-1-fetcher-0',
      requestTimeoutMs: 10_000,
      logger,
      pooledFrameBytes: 2 << 20,
    });
    channels.push(c);
    await c.send(CreateTopics, 5, {
      topics: [{ name: 'pooled', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
      timeoutMs: 10_000,
      validateOnly: false,
    });
    const value = Buffer.alloc(500_000, 7);
    await c.send(Produce, 9, {
      acks: 1,
      timeoutMs: 5000,
      topicData: [{ name: 'pooled', partitionData: [{ index: 0, records: buildRecordBatch([{ value }]) }] }],
    });
    const fetchRecords = async () => {
      const leased = await c.sendLeased(Fetch, 12, fetchRequest('pooled', 0, 1 << 20));
      return { records: leased.body.responses[0]!.partitions[0]!.records!, release: leased.release };
    };
    const first = await fetchRecords();
    // a view of a pooled buffer, larger than the frame
    expect(first.records.buffer.byteLength).toBe(2 << 20);
    first.release();
    first.release();
    const second = await fetchRecords();
    expect(second.records.buffer).toBe(first.records.buffer);
    // not released: the next response gets another buffer, and this one's records stay as they were
    const third = await fetchRecords();
    expect(third.records.buffer).not.toBe(second.records.buffer);
    expect(await values(second.records)).toEqual([value.toString()]);
    // send leaves the frame to the GC: a later lease never reuses its buffer
    third.release();
    const sent = (await c.send(Fetch, 12, fetchRequest('pooled', 0, 1 << 20))).responses[0]!.partitions[0]!.records!;
    expect(sent.buffer).toBe(third.records.buffer);
    const fourth = await fetchRecords();
    expect(fourth.records.buffer).not.toBe(sent.buffer);
    expect(await values(sent)).toEqual([value.toString()]);
  });

  it('pipelines many requests on one connection and answers each with its own response', async () => {
    const c = channel(port);
    const order: number[] = [];
    const sends = Array.from({ length: 60 }, (_, i) => {
      const answer =
        i % 3 === 0
          ? c
              .send(Metadata, 12, {
                topics: null,
                allowAutoTopicCreation: false,
                includeTopicAuthorizedOperations: false,
              })
              .then((m) => expect(m.brokers).toHaveLength(1))
          : c.send(ApiVersions, 3, labelled('pipelined', i)).then((v) => expect(v.errorCode).toBe(ErrorCode.NONE));
      return answer.then(() => order.push(i));
    });
    await Promise.all(sends);
    expect(order).toEqual(Array.from({ length: 60 }, (_, i) => i));
  });
});

describe('BrokerChannel failures', () => {
  let server: ScriptedServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it('matches responses by correlation id, whatever order they come in', async () => {
    const held: Held[] = [];
    server = await ScriptedServer.start((request, reply) => {
      held.push({ request, reply });
      // answer all 20 at once, newest first, once every request is on the wire
      if (held.length === 20) for (const h of held.reverse()) h.reply(Number(h.request.clientSoftwareVersion));
    });
    const c = channel(server.port);
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => c.send(ApiVersions, 3, labelled('x', i))));
    expect(answers.map((a) => a.throttleTimeMs)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(server.connections).toBe(1);
  });

  it('times out a request the server never answers', async () => {
    server = await ScriptedServer.start(() => undefined);
    const c = channel(server.port);
    const err = await rejection(c.send(ApiVersions, 3, labelled('ignored'), { timeoutMs: 100 }));
    expect(err.reason).toBe('timeout');
    expect(err.message).toMatch(/ApiVersions v3/);
  });

  it('fails only the timed-out request and drops its late response', async () => {
    let slow: Held | undefined;
    server = await ScriptedServer.start((request, reply) => {
      if (request.clientSoftwareName === 'slow') slow = { request, reply };
      else {
        // the late answer to the timed-out request comes first, then this one's
        slow?.reply(111);
        reply(7);
      }
    });
    const c = channel(server.port);
    expect((await rejection(c.send(ApiVersions, 3, labelled('slow'), { timeoutMs: 50 }))).reason).toBe('timeout');
    expect((await c.send(ApiVersions, 3, labelled('fast'))).throttleTimeMs).toBe(7);
    expect(server.connections).toBe(1);
  });

  it('fails every in-flight request when the server closes the connection, then reconnects', async () => {
    server = await ScriptedServer.start((request, reply, socket) => {
      if (request.clientSoftwareName === 'hang-up') socket.destroy();
      else if (request.clientSoftwareName !== 'hold') reply(1);
    });
    const c = channel(server.port);
    expect((await c.send(ApiVersions, 3, labelled('hello'))).throttleTimeMs).toBe(1);
    const inFlight = ['hold', 'hold', 'hang-up'].map((name) => c.send(ApiVersions, 3, labelled(name)));
    for (const cut of inFlight) expect((await rejection(cut)).reason).toBe('disconnected');
    expect((await c.send(ApiVersions, 3, labelled('again'))).throttleTimeMs).toBe(1);
    expect(server.connections).toBe(2);
  });

  it('closes the connection on a malformed response and fails what is in flight', async () => {
    server = await ScriptedServer.start((request, reply, socket, correlationId) => {
      if (request.clientSoftwareName !== 'garbage') return reply(2);
      // a frame with the right correlation id but a body cut short
      const frame = Buffer.alloc(4 + 6);
      frame.writeInt32BE(6, 0);
      frame.writeInt32BE(correlationId, 4);
      socket.write(frame);
    });
    const c = channel(server.port);
    const err = await rejection(c.send(ApiVersions, 3, labelled('garbage')));
    expect(err.reason).toBe('disconnected');
    expect(err.cause).toBeInstanceOf(ProtocolDecodeError);
    expect((await c.send(ApiVersions, 3, labelled('after'))).throttleTimeMs).toBe(2);
    expect(server.connections).toBe(2);
  });

  it('refuses a response frame above maxFrameBytes', async () => {
    server = await ScriptedServer.start((_request, reply) => reply(0));
    const c = new BrokerChannel({
      host: '127.0.0.1',
      port: server.port,
      clientId: 'controller-1',
      requestTimeoutMs: 10_000,
      logger,
      maxFrameBytes: 8,
    });
    channels.push(c);
    const err = await rejection(c.send(ApiVersions, 3, labelled('small')));
    expect(err.reason).toBe('disconnected');
    expect(err.message).toMatch(/exceeds the maximum of 8/);
  });

  it('close() rejects pending requests and every later one', async () => {
    server = await ScriptedServer.start(() => undefined);
    const c = channel(server.port);
    const pending = [c.send(ApiVersions, 3, labelled('a')), c.send(ApiVersions, 3, labelled('b'))];
    await server.received(2);
    c.close();
    c.close();
    for (const p of pending) expect((await rejection(p)).reason).toBe('closed');
    expect((await rejection(c.send(ApiVersions, 3, labelled('c')))).reason).toBe('closed');
  });

  it('rejects an aborted request, before or after it was sent', async () => {
    server = await ScriptedServer.start((request, reply) => {
      if (request.clientSoftwareName !== 'never') reply(3);
    });
    const c = channel(server.port);
    const controller = new AbortController();
    const sent = c.send(ApiVersions, 3, labelled('never'), { signal: controller.signal });
    await server.received(1);
    controller.abort(new Error('fetcher stopped'));
    const err = await rejection(sent);
    expect(err.reason).toBe('aborted');
    expect((err.cause as Error).message).toBe('fetcher stopped');
    expect((await rejection(c.send(ApiVersions, 3, labelled('x'), { signal: controller.signal }))).reason).toBe(
      'aborted',
    );
    expect(server.requests).toBe(1);
    expect((await c.send(ApiVersions, 3, labelled('still fine'))).throttleTimeMs).toBe(3);
  });

  it('fails with reason connect when nothing listens, and connects once something does', async () => {
    const closed = await freePort();
    const c = channel(closed, 60_000);
    const err = await rejection(c.send(ApiVersions, 3, labelled('nobody')));
    expect(err.reason).toBe('connect');
    expect((err.cause as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
    server = await ScriptedServer.start((_request, reply) => reply(4), closed);
    expect((await c.send(ApiVersions, 3, labelled('now'))).throttleTimeMs).toBe(4);
  });

  it('refuses a Produce with acks=0, which would never be answered', async () => {
    const c = channel(1);
    await expect(c.send(Produce, 9, { acks: 0, timeoutMs: 1000, topicData: [] })).rejects.toThrow(TypeError);
  });
});

function fetchRequest(topic: string, partition: number, maxBytes: number) {
  return {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic, partitions: [{ partition, fetchOffset: 0, partitionMaxBytes: maxBytes }] }],
    forgottenTopicsData: [],
    rackId: '',
  };
}

async function values(records: Buffer | null): Promise<string[]> {
  const out: string[] = [];
  for (const view of batchViews(records!)) for (const r of await decodeBatch(view)) out.push(r.value!.toString());
  return out;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

type ApiVersionsRequest = RequestOf<typeof ApiVersions>;
/** Sends the ApiVersions v3 response to the request, with `throttleTimeMs` as a marker the test can check. */
type Reply = (marker: number) => void;
interface Held {
  request: ApiVersionsRequest;
  reply: Reply;
}

/** A bare TCP server that reads ApiVersions v3 requests and lets the test decide, per request, what happens. */
class ScriptedServer {
  connections = 0;
  requests = 0;
  readonly #sockets = new Set<Socket>();
  readonly #waiters: (() => void)[] = [];

  private constructor(
    readonly server: Server,
    readonly port: number,
  ) {}

  static async start(
    onRequest: (request: ApiVersionsRequest, reply: Reply, socket: Socket, correlationId: number) => void,
    port = 0,
  ): Promise<ScriptedServer> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    const scripted = new ScriptedServer(server, (server.address() as AddressInfo).port);
    server.on('connection', (socket) => {
      scripted.connections++;
      scripted.#sockets.add(socket);
      socket.on('close', () => scripted.#sockets.delete(socket));
      socket.on('error', () => undefined);
      const decoder = new FrameDecoder(1 << 20);
      socket.on('data', (chunk: Buffer) => {
        for (const frame of decoder.push(chunk)) {
          const { header, body } = decodeRequest(frame);
          scripted.requests++;
          for (const wake of scripted.#waiters.splice(0)) wake();
          const reply: Reply = (marker) => {
            for (const c of encodeResponse(ApiVersions, 3, header.correlationId, {
              errorCode: ErrorCode.NONE,
              apiKeys: [],
              throttleTimeMs: marker,
            })) {
              socket.write(c);
            }
          };
          onRequest(body as ApiVersionsRequest, reply, socket, header.correlationId);
        }
      });
    });
    return scripted;
  }

  /** Resolves once `count` requests have arrived in all. */
  async received(count: number): Promise<void> {
    while (this.requests < count) await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  async stop(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

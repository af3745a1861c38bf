import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import {
  ApiVersions,
  BatchHeader,
  batchViews,
  decodeRequest,
  encodeResponse,
  Fetch,
  FindCoordinator,
  FrameDecoder,
  ListOffsets,
  Metadata,
  Produce,
  type ApiSchema,
  type RequestOf,
} from '../../protocol/index.js';

/**
 * A minimal in-memory Kafka broker built only from our protocol layer, for driving real clients (kcat) against
 * the codecs before the real broker exists: one node, single-partition topics, ApiVersions / Metadata / Produce /
 * ListOffsets / Fetch. Batches are stored exactly as received, with offsets assigned.
 */
const ADVERTISED: Record<number, [number, number]> = {
  [Produce.key]: [0, 9],
  [Fetch.key]: [4, 12],
  [ListOffsets.key]: [1, 7],
  [Metadata.key]: [0, 9],
  [ApiVersions.key]: [0, 3],
  // advertised but never called: librdkafka enables LZ4 only when FindCoordinator v0 is in range
  [FindCoordinator.key]: [0, 4],
};

export class FakeBroker {
  readonly #topics = new Map<string, Buffer[]>();
  readonly #sockets = new Set<Socket>();
  readonly requests: { api: string; version: number }[] = [];

  private constructor(
    readonly server: Server,
    readonly port: number,
  ) {}

  static async start(): Promise<FakeBroker> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const broker = new FakeBroker(server, (server.address() as AddressInfo).port);
    server.on('connection', (socket) => broker.#serve(socket));
    return broker;
  }

  get bootstrap(): string {
    return `127.0.0.1:${this.port}`;
  }

  batches(topic: string): Buffer[] {
    return this.#topics.get(topic) ?? [];
  }

  /** Append record batches (concatenated) to a topic, assigning offsets in place. */
  append(topic: string, data: Buffer): number {
    const log = this.#log(topic);
    const first = this.#endOffset(topic);
    let next = first;
    for (const view of batchViews(data)) {
      const batch = Buffer.from(data.subarray(view.position, view.position + view.sizeInBytes));
      batch.writeBigInt64BE(BigInt(next), BatchHeader.BASE_OFFSET);
      next += view.lastOffsetDelta + 1;
      log.push(batch);
    }
    return first;
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  #log(topic: string): Buffer[] {
    let log = this.#topics.get(topic);
    if (log === undefined) this.#topics.set(topic, (log = []));
    return log;
  }

  #endOffset(topic: string): number {
    const last = this.batches(topic).at(-1);
    return last === undefined
      ? 0
      : Number(last.readBigInt64BE(0)) + last.readInt32BE(BatchHeader.LAST_OFFSET_DELTA) + 1;
  }

  #serve(socket: Socket): void {
    this.#sockets.add(socket);
    socket.on('close', () => this.#sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const frames = new FrameDecoder(100 << 20);
    socket.on('data', (chunk: Buffer) => {
      for (const frame of frames.push(chunk)) {
        const { header, schema, body } = decodeRequest(frame);
        this.requests.push({ api: schema.name, version: header.apiVersion });
        const response = this.#handle(schema, body);
        if (response !== undefined) {
          for (const c of encodeResponse(schema, header.apiVersion, header.correlationId, response as never)) {
            socket.write(c);
          }
        }
      }
    });
  }

  #handle(schema: ApiSchema, body: unknown): object | undefined {
    switch (schema.key) {
      case ApiVersions.key:
        return {
          errorCode: 0,
          apiKeys: Object.entries(ADVERTISED).map(([k, [min, max]]) => ({
            apiKey: Number(k),
            minVersion: min,
            maxVersion: max,
          })),
        };
      case Metadata.key: {
        const req = body as RequestOf<typeof Metadata>;
        const names = (req.topics ?? []).map((t) => t.name ?? '');
        return {
          brokers: [{ nodeId: 0, host: '127.0.0.1', port: this.port }],
          controllerId: 0,
          clusterId: 'fake',
          topics: names.map((name) => ({
            errorCode: 0,
            name,
            partitions: [{ errorCode: 0, partitionIndex: 0, leaderId: 0, replicaNodes: [0], isrNodes: [0] }],
          })),
        };
      }
      case Produce.key: {
        const req = body as RequestOf<typeof Produce>;
        const responses = req.topicData.map((t) => ({
          name: t.name,
          partitionResponses: t.partitionData.map((p) => ({
            index: p.index,
            errorCode: 0,
            baseOffset: this.append(t.name, p.records ?? Buffer.alloc(0)),
          })),
        }));
        return req.acks === 0 ? undefined : { responses };
      }
      case ListOffsets.key: {
        const req = body as RequestOf<typeof ListOffsets>;
        return {
          topics: req.topics.map((t) => ({
            name: t.name,
            partitions: t.partitions.map((p) => ({
              partitionIndex: p.partitionIndex,
              errorCode: 0,
              timestamp: -1,
              offset: p.timestamp === -2 ? 0 : this.#endOffset(t.name),
              oldStyleOffsets: [p.timestamp === -2 ? 0 : this.#endOffset(t.name)],
            })),
          })),
        };
      }
      case Fetch.key: {
        const req = body as RequestOf<typeof Fetch>;
        return {
          responses: req.topics.map((t) => ({
            topic: t.topic,
            partitions: t.partitions.map((p) => {
              const end = this.#endOffset(t.topic);
              const batches = this.batches(t.topic).filter(
                (b) => Number(b.readBigInt64BE(0)) + b.readInt32BE(BatchHeader.LAST_OFFSET_DELTA) >= p.fetchOffset,
              );
              return {
                partitionIndex: p.partition,
                errorCode: 0,
                highWatermark: end,
                lastStableOffset: end,
                logStartOffset: 0,
                abortedTransactions: [],
                records: Buffer.concat(batches),
              };
            }),
          })),
        };
      }
      default:
        throw new Error(`fake broker: no handler for ${schema.name}`);
    }
  }
}

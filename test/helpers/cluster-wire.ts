import type { RecordBatchView } from '../../protocol/index.js';
import {
  buildRecordBatch,
  CreateTopics,
  batchViews,
  decodeBatch,
  decodeResponse,
  encodeRequest,
  ErrorCode,
  Fetch,
  Metadata,
  Produce,
  type ApiSchema,
  type RequestInput,
  type ResponseOf,
} from '../../protocol/index.js';
import { WireClient } from './wire-client.js';

/**
 * One-shot Kafka requests for the cluster tests, each on its own connection with a deadline, so that asking a
 * dead or SIGSTOPped broker fails fast instead of hanging the test (a paused process still accepts connections:
 * the kernel does). These read the cluster as a client sees it, independently of the client libraries under test.
 */
export type MetadataResponse = ResponseOf<typeof Metadata>;

export class RequestTimeoutError extends Error {
  constructor(what: string, port: number, timeoutMs: number) {
    super(`${what} to 127.0.0.1:${port} got no answer within ${timeoutMs} ms`);
    this.name = 'RequestTimeoutError';
  }
}

let correlation = 0;

/** Sends one request to the broker on `port` (127.0.0.1) and decodes its response; rejects on timeout or close. */
export async function brokerRequest<A extends ApiSchema>(
  port: number,
  schema: A,
  version: number,
  body: RequestInput<A>,
  timeoutMs = 5_000,
): Promise<ResponseOf<A>> {
  let timer: NodeJS.Timeout | undefined;
  let client: WireClient | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RequestTimeoutError(schema.name, port, timeoutMs)), timeoutMs);
  });
  try {
    return await Promise.race([
      deadline,
      (async () => {
        client = await WireClient.connect(port);
        const correlationId = ++correlation;
        client.send(encodeRequest(schema, { apiVersion: version, correlationId, clientId: 'cluster-test' }, body));
        const frame = await client.nextFrame();
        if (frame === null) throw new Error(`127.0.0.1:${port} closed the connection before the ${schema.name} answer`);
        const response = decodeResponse(schema, version, frame);
        if (response.correlationId !== correlationId) throw new Error(`correlation ${response.correlationId}`);
        return response.body;
      })(),
    ]);
  } finally {
    clearTimeout(timer);
    client?.close();
  }
}

/** Metadata v9 (leader epochs, controller id) for `topics`, or every topic when null; never auto-creates. */
export function fetchMetadata(port: number, topics: readonly string[] | null, timeoutMs?: number) {
  return brokerRequest(
    port,
    Metadata,
    9,
    {
      topics: topics === null ? null : topics.map((name) => ({ name })),
      allowAutoTopicCreation: false,
      includeTopicAuthorizedOperations: false,
    },
    timeoutMs,
  );
}

/** A topic to create: partition count and replication factor, or an explicit assignment; topic configs. */
export interface TopicSpec {
  readonly partitions?: number;
  readonly replicationFactor?: number;
  /** Replicas of each partition, preferred leader first. */
  readonly assignment?: readonly (readonly number[])[];
  readonly config?: Readonly<Record<string, string>>;
}

/** CreateTopics v4 of one topic (default 3 partitions, replication factor 3) to the broker on `port`. */
export async function createTopic(
  port: number,
  topic: string,
  spec: TopicSpec,
): Promise<{ errorCode: number; errorMessage: string | null }> {
  const assigned = spec.assignment !== undefined;
  const response = await brokerRequest(
    port,
    CreateTopics,
    4,
    {
      topics: [
        {
          name: topic,
          numPartitions: assigned ? -1 : (spec.partitions ?? 3),
          replicationFactor: assigned ? -1 : (spec.replicationFactor ?? 3),
          assignments: (spec.assignment ?? []).map((brokerIds, partitionIndex) => ({
            partitionIndex,
            brokerIds: [...brokerIds],
          })),
          configs: Object.entries(spec.config ?? {}).map(([name, value]) => ({ name, value })),
        },
      ],
      timeoutMs: 30_000,
      validateOnly: false,
    },
    35_000,
  );
  const answer = response.topics[0];
  if (answer === undefined) throw new Error(`no CreateTopics answer for ${topic}`);
  return { errorCode: answer.errorCode, errorMessage: answer.errorMessage };
}

/** The answer to one partition's produce. */
export interface ProduceOutcome {
  readonly errorCode: number;
  readonly baseOffset: number;
}

/**
 * Produce v8 of `values` as one plain (non-idempotent) batch to one partition, straight to the broker on `port`,
 * whatever it claims to lead: for probing what a given broker acknowledges.
 */
export async function produceValues(
  port: number,
  topic: string,
  partition: number,
  values: readonly string[],
  options: { acks: -1 | 1; timeoutMs?: number; requestTimeoutMs?: number },
): Promise<ProduceOutcome> {
  const records = buildRecordBatch(values.map((value) => ({ value })));
  const response = await brokerRequest(
    port,
    Produce,
    8,
    {
      transactionalId: null,
      acks: options.acks,
      timeoutMs: options.timeoutMs ?? 5_000,
      topicData: [{ name: topic, partitionData: [{ index: partition, records }] }],
    },
    options.requestTimeoutMs ?? (options.timeoutMs ?? 5_000) + 5_000,
  );
  const answer = response.responses[0]?.partitionResponses[0];
  if (answer === undefined) throw new Error(`no produce answer for ${topic}-${partition}`);
  return { errorCode: answer.errorCode, baseOffset: answer.baseOffset };
}

/** One data record read back: its offset, the leader epoch of its batch, and its value as text. */
export interface ReadRecord {
  readonly offset: number;
  readonly leaderEpoch: number;
  readonly value: string | null;
}

/**
 * Every data record of one partition from offset 0 up to the high watermark, read as a consumer would (Fetch v11,
 * read_uncommitted) from the broker on `port`, which must lead the partition. Control batches are skipped.
 */
export async function readPartition(port: number, topic: string, partition: number): Promise<ReadRecord[]> {
  const out: ReadRecord[] = [];
  let offset = 0;
  for (;;) {
    const response = await brokerRequest(port, Fetch, 11, {
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 8 << 20,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [
        {
          topic,
          partitions: [
            { partition, currentLeaderEpoch: -1, fetchOffset: offset, logStartOffset: -1, partitionMaxBytes: 4 << 20 },
          ],
        },
      ],
      forgottenTopicsData: [],
      rackId: '',
    });
    const answer = response.responses[0]?.partitions[0];
    if (answer === undefined) throw new Error(`no fetch answer for ${topic}-${partition}`);
    if (answer.errorCode !== ErrorCode.NONE) {
      throw new Error(`fetch of ${topic}-${partition}@${offset} from port ${port}: error ${answer.errorCode}`);
    }
    const highWatermark = answer.highWatermark;
    if (offset >= highWatermark) return out;
    const before = offset;
    for (const view of batchViews(answer.records ?? Buffer.alloc(0))) {
      if (view.lastOffset < offset) continue;
      if (!view.isControl) out.push(...(await recordsOf(view)).filter((r) => r.offset >= offset));
      offset = view.lastOffset + 1;
    }
    if (offset === before) throw new Error(`fetch of ${topic}-${partition}@${offset} below ${highWatermark} is empty`);
  }
}

/** The records of a batch with their offsets, values and the batch's leader epoch. */
export async function recordsOf(view: RecordBatchView): Promise<ReadRecord[]> {
  return (await decodeBatch(view)).map((r) => ({
    offset: r.offset,
    leaderEpoch: view.partitionLeaderEpoch,
    value: r.value === null ? null : r.value.toString(),
  }));
}

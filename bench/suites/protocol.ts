import { createRequire } from 'node:module';
import crc32cJs from 'crc-32/crc32c';
import {
  batchViews,
  buildRecordBatch,
  decodeBatch,
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  Fetch,
  Produce,
  toBuffer,
  type RecordInput,
} from '../../protocol/index.js';
import { crc32c, crc32cImplementation } from '../../protocol/records/index.js';
import { compare, opsPerSecond, row, type BenchResult } from '../harness.js';

/**
 * Protocol codec throughput, ours vs kafkajs 2.2.4 in the same run (goal: ours ≥ 5× on both):
 * - Produce v7 request encode: 1 MiB of 100-byte records → request bytes (record batch built included).
 * - Fetch v11 response decode: a 1 MiB response (16 batches of 64 KiB) → records (record decode included).
 * Also ours alone on the broker-side directions (Produce request decode with CRC validation, Fetch response
 * encode) and CRC-32C throughput of crc-32 vs ours (protocol/native/crc32c).
 */
const require = createRequire(import.meta.url);
const RECORD_BYTES = 100;
const TOTAL_BYTES = 1 << 20;
const COUNT = Math.floor(TOTAL_BYTES / RECORD_BYTES);
const NOW = Date.now();

const values = Array.from({ length: COUNT }, (_, i) => Buffer.alloc(RECORD_BYTES, i & 0xff));
const ourRecords: RecordInput[] = values.map((value) => ({ value, timestamp: NOW }));

type KafkajsRequest = (a: object) => { encode(): Promise<{ buffer: Buffer }> };
const kafkajsProduce = require('kafkajs/src/protocol/requests/produce/v7/request') as KafkajsRequest;
const kafkajsFetchResponse = require('kafkajs/src/protocol/requests/fetch/v11/response') as {
  decode(b: Buffer): Promise<unknown>;
};
const kafkajsMessages = values.map((value) => ({ value, timestamp: NOW }));

/** Our side of the produce benchmark: build the batch from the records, then encode the request around it. */
function ourProduceRequest(): Buffer[] {
  return encodeRequest(
    Produce,
    { apiVersion: 7, correlationId: 1, clientId: 'bench' },
    {
      acks: -1,
      timeoutMs: 30_000,
      topicData: [{ name: 'bench', partitionData: [{ index: 0, records: buildRecordBatch(ourRecords) }] }],
    },
  );
}

async function produceEncode(): Promise<BenchResult[]> {
  const ours = () => ourProduceRequest();
  const kafkajs = () =>
    kafkajsProduce({
      acks: -1,
      timeout: 30_000,
      topicData: [{ topic: 'bench', partitions: [{ partition: 0, messages: kafkajsMessages }] }],
    }).encode();
  const { ours: o, reference: r } = await compare(ours, kafkajs);
  return [row('produce request encode, 1 MiB of 100 B records (ops/s)', o, 'ops/s', r)];
}

function fetchResponseBytes(): Buffer {
  const perBatch = Math.floor(COUNT / 16);
  const batches: Buffer[] = [];
  for (let b = 0; b < 16; b++) {
    batches.push(buildRecordBatch(ourRecords.slice(b * perBatch, (b + 1) * perBatch), { baseOffset: b * perBatch }));
  }
  const frame = toBuffer(
    encodeResponse(Fetch, 11, 1, {
      responses: [
        {
          topic: 'bench',
          partitions: [
            {
              partitionIndex: 0,
              errorCode: 0,
              highWatermark: COUNT,
              lastStableOffset: COUNT,
              logStartOffset: 0,
              abortedTransactions: [],
              records: Buffer.concat(batches),
            },
          ],
        },
      ],
    }),
  );
  return frame.subarray(4);
}

async function fetchDecode(frame: Buffer): Promise<BenchResult[]> {
  const body = frame.subarray(4); // kafkajs decodes what follows the correlation id
  const ours = async () => {
    const { body: res } = decodeResponse(Fetch, 11, frame);
    let n = 0;
    for (const t of res.responses) {
      for (const p of t.partitions) {
        for (const view of batchViews(p.records!)) n += (await decodeBatch(view)).length;
      }
    }
    return n;
  };
  const kafkajs = () => kafkajsFetchResponse.decode(body);
  const { ours: o, reference: r } = await compare(ours, kafkajs);
  return [row('fetch response decode, 1 MiB of 100 B records (ops/s)', o, 'ops/s', r)];
}

async function brokerSide(fetchFrame: Buffer): Promise<BenchResult[]> {
  const produceFrame = toBuffer(ourProduceRequest()).subarray(4);
  const decodeAndValidate = () => {
    const { body } = decodeRequest(produceFrame) as { body: { topicData: { partitionData: { records: Buffer }[] }[] } };
    for (const view of batchViews(body.topicData[0]!.partitionData[0]!.records)) view.validate();
  };
  const { body: fetchBody } = decodeResponse(Fetch, 11, fetchFrame);
  const encodeFetch = () => encodeResponse(Fetch, 11, 1, fetchBody);
  const mb = TOTAL_BYTES / 1e6;
  return [
    row(
      'produce request decode + CRC validate, 1 MiB (MB/s, ours)',
      (await opsPerSecond(decodeAndValidate)) * mb,
      'MB/s',
    ),
    row(
      'fetch response encode, 1 MiB of records passed by reference (ops/s, ours)',
      await opsPerSecond(encodeFetch),
      'ops/s',
    ),
  ];
}

async function crc(): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  for (const size of [100, 16 << 10, 1 << 20]) {
    const buf = Buffer.alloc(size, 3);
    const js = () => crc32cJs.buf(buf);
    if (crc32cImplementation !== 'native') {
      out.push(
        row(
          `crc32c ${size} B, crc-32 (MB/s); the native addon is not built`,
          (await opsPerSecond(js)) * (size / 1e6),
          'MB/s',
        ),
      );
      continue;
    }
    const { ours, reference } = await compare(() => crc32c(buf), js, 2, 500);
    out.push(
      row(`crc32c ${size} B, ours (native) vs crc-32 (MB/s)`, ours * (size / 1e6), 'MB/s', reference * (size / 1e6)),
    );
  }
  return out;
}

export async function run(): Promise<BenchResult[]> {
  const fetchFrame = fetchResponseBytes();
  return [
    ...(await produceEncode()),
    ...(await fetchDecode(fetchFrame)),
    ...(await brokerSide(fetchFrame)),
    ...(await crc()),
  ];
}

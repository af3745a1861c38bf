import { Reader as PlatReader, produceV7, produceV8, produceV9, produceV10, produceV11 } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { Produce } from '../../../../protocol/messages/produce.js';
import type { Record } from '../../../../protocol/records/index.js';
import {
  batchViews,
  buildRecordBatch,
  CompressionType,
  decodeBatch,
  decodeMessageSet,
  NO_TIMESTAMP,
} from '../../../../protocol/records/index.js';
import { messageCodec } from '../../../../protocol/schema/compile.js';
import type { RequestInput, ResponseInput } from '../../../../protocol/schema/dsl.js';
import { kafkajsDecodeResponse, kafkajsRequestBody } from '../../../helpers/kafkajs-oracle.js';

const hex = (chunks: Buffer[]): string => Buffer.concat(chunks).toString('hex');
const encodeResponse = (version: number, value: ResponseInput<typeof Produce>): Buffer =>
  Buffer.concat(messageCodec(Produce, version, 'response').encode(value));
const decodeRequest = (version: number, body: Buffer) => messageCodec(Produce, version, 'request').decode(body);

const T = 1_700_000_000_000;

/** The v2 batches of a records field: every byte must belong to a complete batch. */
function batchesOf(records: Buffer | null) {
  expect(records).not.toBeNull();
  const views = [...batchViews(records!)];
  const last = views.at(-1)!;
  expect(last.position + last.sizeInBytes).toBe(records!.length);
  for (const v of views) expect(v.magic).toBe(2);
  return views;
}

/** All records of a records field holding v2 batches. */
async function batchRecords(records: Buffer | null): Promise<Record[]> {
  const out: Record[] = [];
  for (const view of batchesOf(records)) out.push(...(await decodeBatch(view)));
  return out;
}

const keyValue = (r: Record): [string | null, string | null] => [
  r.key === null ? null : r.key.toString(),
  r.value === null ? null : r.value.toString(),
];

interface KafkajsProducePartition {
  partition: number;
  errorCode: number;
  offset?: string;
  baseOffset?: string;
  timestamp?: string;
  logAppendTime?: string;
  logStartOffset?: string;
}
interface KafkajsProduceResponse {
  topics: { topicName: string; partitions: KafkajsProducePartition[] }[];
  throttleTime?: number;
  clientSideThrottleTime?: number;
}

describe('Produce declaration', () => {
  it('covers Kafka 3.9: versions 0-11, flexible from 9', () => {
    expect(Produce.key).toBe(0);
    expect([Produce.minVersion, Produce.maxVersion, Produce.flexibleSince]).toEqual([0, 11, 9]);
  });
});

describe('Produce vs kafkajs (v0-7)', () => {
  const topicData = (compression: boolean) => [
    {
      topic: 'orders',
      partitions: [
        {
          partition: 2,
          firstSequence: 5,
          messages: [
            { key: 'k1', value: 'v1', timestamp: T, headers: { h: 'x' } },
            { key: null, value: 'v2', timestamp: T + 5 },
          ],
        },
        // kafkajs' legacy gzip wrapper takes its timestamp from the first message.
        { partition: 3, messages: [{ key: 'k3', value: 'v3', timestamp: compression ? T : T + 9 }] },
      ],
    },
    { topic: 'audit', partitions: [{ partition: 0, messages: [{ key: 'a', value: 'b', timestamp: T }] }] },
  ];

  for (let version = 0; version <= 7; version++) {
    for (const compression of [CompressionType.None, CompressionType.Gzip]) {
      // kafkajs only compresses from v2 (message set v1) on.
      if (compression !== CompressionType.None && version < 2) continue;
      const label = compression === CompressionType.None ? '' : ', gzip';
      it(`v${version} request${label}: kafkajs encodes, we decode (records included)`, async () => {
        const body = await kafkajsRequestBody('produce', version, {
          acks: -1,
          timeout: 30_000,
          transactionalId: 'tx-1',
          producerId: 1000,
          producerEpoch: 3,
          compression,
          topicData: topicData(compression !== CompressionType.None),
        });
        const decoded = decodeRequest(version, body);
        expect(decoded.transactionalId).toBe(version >= 3 ? 'tx-1' : null);
        expect([decoded.acks, decoded.timeoutMs]).toEqual([-1, 30_000]);
        expect(decoded.topicData.map((t) => [t.name, t.partitionData.map((p) => p.index)])).toEqual([
          ['orders', [2, 3]],
          ['audit', [0]],
        ]);
        const [p2, p3] = decoded.topicData[0]!.partitionData;
        const p0 = decoded.topicData[1]!.partitionData[0]!;

        if (version >= 3) {
          const [batch] = batchesOf(p2!.records);
          expect(batch!.compression).toBe(compression);
          expect(batch!.isTransactional).toBe(true);
          expect([batch!.producerId, batch!.producerEpoch, batch!.baseSequence]).toEqual([1000, 3, 5]);
          expect([batch!.recordsCount, batch!.lastOffsetDelta]).toEqual([2, 1]);
          expect([batch!.baseTimestamp, batch!.maxTimestamp]).toEqual([T, T + 5]);
          const records = await batchRecords(p2!.records);
          expect(records).toEqual([
            {
              offset: 0,
              timestamp: T,
              key: Buffer.from('k1'),
              value: Buffer.from('v1'),
              headers: [{ key: 'h', value: Buffer.from('x') }],
            },
            { offset: 1, timestamp: T + 5, key: null, value: Buffer.from('v2'), headers: [] },
          ]);
          expect((await batchRecords(p3!.records)).map(keyValue)).toEqual([['k3', 'v3']]);
          expect((await batchRecords(p0.records)).map(keyValue)).toEqual([['a', 'b']]);
        } else {
          // v0-1 carry magic 0 messages (no timestamp), v2 magic 1.
          const entries = [...batchViews(p2!.records!)];
          for (const e of entries) expect(e.magic).toBe(version === 2 ? 1 : 0);
          expect(entries).toHaveLength(compression === CompressionType.None ? 2 : 1);
          const records = await decodeMessageSet(p2!.records!);
          expect(records.map(keyValue)).toEqual([
            ['k1', 'v1'],
            [null, 'v2'],
          ]);
          expect(records.map((r) => r.timestamp)).toEqual(version === 2 ? [T, T + 5] : [NO_TIMESTAMP, NO_TIMESTAMP]);
          expect((await decodeMessageSet(p3!.records!)).map(keyValue)).toEqual([['k3', 'v3']]);
          expect((await decodeMessageSet(p0.records!)).map(keyValue)).toEqual([['a', 'b']]);
        }
      });
    }

    it(`v${version} response: we encode, kafkajs decodes`, async () => {
      const body = encodeResponse(version, {
        responses: [
          {
            name: 'orders',
            partitionResponses: [
              { index: 2, errorCode: 0, baseOffset: 42, logAppendTimeMs: T, logStartOffset: 10 },
              { index: 3, errorCode: 0, baseOffset: 7, logAppendTimeMs: -1, logStartOffset: 0 },
            ],
          },
          { name: 'audit', partitionResponses: [{ index: 0, errorCode: 0, baseOffset: 0 }] },
        ],
        throttleTimeMs: 25,
      });
      const got = (await kafkajsDecodeResponse('produce', version, body)) as KafkajsProduceResponse;
      const expected = (partition: number, offset: string, logAppendTime: string, logStartOffset: string) => ({
        partition,
        errorCode: 0,
        ...(version >= 3 ? { baseOffset: offset } : { offset }),
        ...(version === 2 ? { timestamp: logAppendTime } : {}),
        ...(version >= 3 ? { logAppendTime } : {}),
        ...(version >= 5 ? { logStartOffset } : {}),
      });
      expect(got.topics).toEqual([
        {
          topicName: 'orders',
          partitions: [expected(2, '42', String(T), '10'), expected(3, '7', '-1', '0')],
        },
        // Omitted fields take Kafka's defaults: LogAppendTimeMs and LogStartOffset -1.
        { topicName: 'audit', partitions: [expected(0, '0', '-1', '-1')] },
      ]);
      if (version === 0) expect(got.throttleTime).toBeUndefined();
      else if (version <= 5) expect(got.throttleTime).toBe(25);
      else expect([got.throttleTime, got.clientSideThrottleTime]).toEqual([0, 25]);
    });
  }
});

describe('Produce vs @platformatic/kafka (v7-11)', () => {
  const plat = { 7: produceV7, 8: produceV8, 9: produceV9, 10: produceV10, 11: produceV11 } as const;
  for (const version of [7, 8, 9, 10, 11] as const) {
    it(`v${version} request: platformatic encodes, we decode (records included)`, async () => {
      const writer = plat[version].createRequest(
        -1,
        5000,
        [
          {
            topic: 'orders',
            partition: 2,
            key: Buffer.from('k1'),
            value: Buffer.from('v1'),
            timestamp: BigInt(T),
            headers: new Map([[Buffer.from('h'), Buffer.from('x')]]),
          },
          { topic: 'orders', partition: 3, key: Buffer.from('k3'), value: Buffer.from('v3'), timestamp: BigInt(T) },
          { topic: 'orders', partition: 2, value: Buffer.from('v2'), timestamp: BigInt(T + 7) },
          { topic: 'audit', partition: 0, key: Buffer.from('a'), value: Buffer.from('b'), timestamp: BigInt(T) },
        ],
        { transactionalId: 'tx-1', producerId: 1000n, producerEpoch: 3 },
      );
      const decoded = decodeRequest(version, writer.buffer);
      expect(decoded.transactionalId).toBe('tx-1');
      expect([decoded.acks, decoded.timeoutMs]).toEqual([-1, 5000]);
      expect(decoded.topicData.map((t) => [t.name, t.partitionData.map((p) => p.index)])).toEqual([
        ['orders', [2, 3]],
        ['audit', [0]],
      ]);
      const [p2, p3] = decoded.topicData[0]!.partitionData;
      const [batch] = batchesOf(p2!.records);
      expect(batch!.isTransactional).toBe(true);
      expect([batch!.producerId, batch!.producerEpoch, batch!.recordsCount]).toEqual([1000, 3, 2]);
      expect(await batchRecords(p2!.records)).toEqual([
        {
          offset: 0,
          timestamp: T,
          key: Buffer.from('k1'),
          value: Buffer.from('v1'),
          headers: [{ key: 'h', value: Buffer.from('x') }],
        },
        // platformatic writes an absent key as null.
        { offset: 1, timestamp: T + 7, key: null, value: Buffer.from('v2'), headers: [] },
      ]);
      expect((await batchRecords(p3!.records)).map(keyValue)).toEqual([['k3', 'v3']]);
      expect((await batchRecords(decoded.topicData[1]!.partitionData[0]!.records)).map(keyValue)).toEqual([['a', 'b']]);
    });

    it(`v${version} response: we encode, platformatic decodes`, () => {
      // Default CurrentLeader and no NodeEndpoints, so no tagged fields are written: platformatic 1.35 reads a
      // tag section as "one varint length, skip that many bytes", which only works for an empty section.
      const body = encodeResponse(version, {
        responses: [
          {
            name: 'orders',
            partitionResponses: [
              {
                index: 2,
                errorCode: 0,
                baseOffset: 42,
                logAppendTimeMs: T,
                logStartOffset: 10,
                recordErrors: [{ batchIndex: 1, batchIndexErrorMessage: null }],
                errorMessage: null,
              },
            ],
          },
        ],
        throttleTimeMs: 25,
      });
      const got = plat[version].parseResponse(1, 0, version, PlatReader.from(body));
      expect(got).toEqual({
        responses: [
          {
            name: 'orders',
            partitionResponses: [
              {
                index: 2,
                errorCode: 0,
                baseOffset: 42n,
                logAppendTimeMs: BigInt(T),
                logStartOffset: 10n,
                recordErrors: version >= 8 ? [{ batchIndex: 1, batchIndexErrorMessage: null }] : [],
                errorMessage: null,
              },
            ],
          },
        ],
        throttleTimeMs: 25,
      });
    });
  }

  for (const version of [8, 9, 11] as const) {
    it(`v${version} error response: platformatic reads our record errors and error message`, () => {
      const body = encodeResponse(version, {
        responses: [
          {
            name: 'orders',
            partitionResponses: [
              {
                index: 2,
                errorCode: 87, // INVALID_RECORD
                baseOffset: -1,
                recordErrors: [{ batchIndex: 0, batchIndexErrorMessage: 'bad key' }],
                errorMessage: 'one record was invalid',
              },
            ],
          },
        ],
      });
      let response: unknown;
      try {
        plat[version].parseResponse(1, 0, version, PlatReader.from(body));
      } catch (err) {
        response = (err as { response?: unknown }).response;
      }
      expect(response).toEqual({
        responses: [
          {
            name: 'orders',
            partitionResponses: [
              {
                index: 2,
                errorCode: 87,
                baseOffset: -1n,
                logAppendTimeMs: -1n,
                logStartOffset: -1n,
                recordErrors: [{ batchIndex: 0, batchIndexErrorMessage: 'bad key' }],
                errorMessage: 'one record was invalid',
              },
            ],
          },
        ],
        throttleTimeMs: 0,
      });
    });
  }
});

describe('Produce golden bytes', () => {
  /** One record k=v at timestamp T: 61 bytes of batch overhead + a 9-byte record = 70 (0x46) bytes. */
  const batch = buildRecordBatch([{ key: 'k', value: 'v', timestamp: T }]);

  it('the payload batch is the expected 70 bytes', () => {
    expect(batch.length).toBe(0x46);
    // The record itself, at the end: length 8, attributes, timestampDelta 0, offsetDelta 0, key "k", value "v",
    // no headers (varints zigzag-encoded).
    expect(batch.subarray(61).toString('hex')).toBe('10' + '00' + '00' + '00' + '026b' + '0276' + '00');
  });

  it('v3 request, derived from the BNF', () => {
    const request: RequestInput<typeof Produce> = {
      transactionalId: null,
      acks: -1,
      timeoutMs: 1000,
      topicData: [
        {
          name: 't',
          partitionData: [
            { index: 0, records: batch },
            { index: 1, records: null },
          ],
        },
      ],
    };
    const bytes =
      'ffff' + // transactional_id null
      'ffff' + // acks -1
      '000003e8' + // timeout_ms 1000
      '00000001' + // [topic_data] 1
      '000174' + // name "t"
      '00000002' + // [partition_data] 2
      '00000000' + // index 0
      '00000046' + // records: int32 length 70
      batch.toString('hex') +
      '00000001' + // index 1
      'ffffffff'; // records null
    expect(hex(messageCodec(Produce, 3, 'request').encode(request))).toBe(bytes);
    expect(decodeRequest(3, Buffer.from(bytes, 'hex'))).toEqual(request);
  });

  it('v9 request (flexible), derived from the BNF', () => {
    const request: RequestInput<typeof Produce> = {
      transactionalId: 'tx',
      acks: 1,
      timeoutMs: 1000,
      topicData: [
        {
          name: 't',
          partitionData: [
            { index: 0, records: batch },
            { index: 1, records: null },
          ],
        },
      ],
    };
    const bytes =
      '03' + // transactional_id: compact length 2+1
      '7478' + // "tx"
      '0001' + // acks 1
      '000003e8' + // timeout_ms 1000
      '02' + // compact [topic_data] 1
      '0274' + // name "t"
      '03' + // compact [partition_data] 2
      '00000000' + // index 0
      '47' + // compact records length 70+1
      batch.toString('hex') +
      '00' + // partition tagged fields
      '00000001' + // index 1
      '00' + // compact records null
      '00' + // partition tagged fields
      '00' + // topic tagged fields
      '00'; // top-level tagged fields
    expect(hex(messageCodec(Produce, 9, 'request').encode(request))).toBe(bytes);
    expect(decodeRequest(9, Buffer.from(bytes, 'hex'))).toEqual(request);
  });

  it('v10 response with a tagged CurrentLeader (tag 0) and NodeEndpoints (tag 0)', () => {
    const response: ResponseInput<typeof Produce> = {
      responses: [
        {
          name: 't',
          partitionResponses: [
            {
              index: 0,
              errorCode: 6, // NOT_LEADER_OR_FOLLOWER
              baseOffset: -1,
              currentLeader: { leaderId: 2, leaderEpoch: 5 },
            },
          ],
        },
      ],
      throttleTimeMs: 0,
      nodeEndpoints: [{ nodeId: 2, host: 'b2', port: 9092, rack: null }],
    };
    const bytes =
      '02' + // compact [responses] 1
      '0274' + // name "t"
      '02' + // compact [partition_responses] 1
      '00000000' + // index 0
      '0006' + // error_code
      'ffffffffffffffff' + // base_offset -1
      'ffffffffffffffff' + // log_append_time_ms -1 (default)
      'ffffffffffffffff' + // log_start_offset -1 (default)
      '01' + // compact [record_errors] empty
      '00' + // error_message null
      '01' + // partition tagged fields: 1
      '00' + // tag 0 CurrentLeader
      '09' + // 9 bytes: leader_id + leader_epoch + empty tag section
      '00000002' +
      '00000005' +
      '00' +
      '00' + // topic tagged fields
      '00000000' + // throttle_time_ms
      '01' + // top-level tagged fields: 1
      '00' + // tag 0 NodeEndpoints
      '0e' + // 14 bytes:
      '02' + //   compact [node_endpoints] 1
      '00000002' + //   node_id 2
      '036232' + //   host "b2"
      '00002384' + //   port 9092
      '00' + //   rack null
      '00'; //   endpoint tagged fields
    expect(hex(messageCodec(Produce, 10, 'response').encode(response))).toBe(bytes);
    expect(messageCodec(Produce, 10, 'response').decode(Buffer.from(bytes, 'hex'))).toEqual({
      responses: [
        {
          name: 't',
          partitionResponses: [
            {
              index: 0,
              errorCode: 6,
              baseOffset: -1,
              logAppendTimeMs: -1,
              logStartOffset: -1,
              recordErrors: [],
              errorMessage: null,
              currentLeader: { leaderId: 2, leaderEpoch: 5 },
            },
          ],
        },
      ],
      throttleTimeMs: 0,
      nodeEndpoints: [{ nodeId: 2, host: 'b2', port: 9092, rack: null }],
    });
  });

  it('v11 response leaves a default CurrentLeader and empty NodeEndpoints out of the tag sections', () => {
    const response: ResponseInput<typeof Produce> = {
      responses: [{ name: 't', partitionResponses: [{ index: 0, errorCode: 0, baseOffset: 3 }] }],
      throttleTimeMs: 0,
    };
    const bytes =
      '02' + // compact [responses] 1
      '0274' + // name "t"
      '02' + // compact [partition_responses] 1
      '00000000' + // index
      '0000' + // error_code
      '0000000000000003' + // base_offset 3
      'ffffffffffffffff' + // log_append_time_ms -1
      'ffffffffffffffff' + // log_start_offset -1
      '01' + // [record_errors] empty
      '00' + // error_message null
      '00' + // partition tagged fields: none (CurrentLeader -1/-1 is the default)
      '00' + // topic tagged fields
      '00000000' + // throttle_time_ms
      '00'; // top-level tagged fields: none
    expect(hex(messageCodec(Produce, 11, 'response').encode(response))).toBe(bytes);
    const decoded = messageCodec(Produce, 11, 'response').decode(Buffer.from(bytes, 'hex'));
    expect(decoded.responses[0]!.partitionResponses[0]!.currentLeader).toEqual({ leaderId: -1, leaderEpoch: -1 });
    expect(decoded.nodeEndpoints).toEqual([]);
  });

  it('v2 response: throttle time after the topics, log append time per partition', () => {
    const bytes =
      '00000001' + // [responses] 1
      '000174' + // name "t"
      '00000001' + // [partition_responses] 1
      '00000004' + // index 4
      '0000' + // error_code
      '000000000000000a' + // base_offset 10
      '0000018bcfe56800' + // log_append_time_ms T
      '00000019'; // throttle_time_ms 25
    const response: ResponseInput<typeof Produce> = {
      responses: [{ name: 't', partitionResponses: [{ index: 4, errorCode: 0, baseOffset: 10, logAppendTimeMs: T }] }],
      throttleTimeMs: 25,
    };
    expect(hex(messageCodec(Produce, 2, 'response').encode(response))).toBe(bytes);
  });

  it('skips an unknown tagged field in a flexible version', () => {
    // v9 request, one partition with null records; the partition carries an unknown tag 5 (2 bytes) and the
    // top level an unknown tag 1 (1 byte).
    const bytes =
      '00' + // transactional_id null
      'ffff' + // acks -1
      '00000064' + // timeout_ms 100
      '02' + // [topic_data] 1
      '0274' + // "t"
      '02' + // [partition_data] 1
      '00000007' + // index 7
      '00' + // records null
      '01' + // one tagged field
      '05' + // tag 5 (unknown)
      '02' + // 2 bytes
      'beef' +
      '00' + // topic tagged fields
      '01' + // one tagged field
      '01' + // tag 1 (unknown)
      '01' + // 1 byte
      '2a';
    expect(decodeRequest(9, Buffer.from(bytes, 'hex'))).toEqual({
      transactionalId: null,
      acks: -1,
      timeoutMs: 100,
      topicData: [{ name: 't', partitionData: [{ index: 7, records: null }] }],
    });

    // v10 response: an unknown tag 3 in the partition next to CurrentLeader (tag 0).
    const response =
      '02' + // [responses] 1
      '0274' + // "t"
      '02' + // [partition_responses] 1
      '00000000' +
      '0000' +
      '0000000000000001' +
      'ffffffffffffffff' +
      'ffffffffffffffff' +
      '01' + // [record_errors] empty
      '00' + // error_message null
      '02' + // two tagged fields
      '00' + // tag 0 CurrentLeader
      '09' +
      '00000001' +
      '00000002' +
      '00' +
      '03' + // tag 3 (unknown)
      '03' +
      'aabbcc' +
      '00' + // topic tagged fields
      '00000000' + // throttle_time_ms
      '00';
    const decoded = messageCodec(Produce, 10, 'response').decode(Buffer.from(response, 'hex'));
    expect(decoded.responses[0]!.partitionResponses[0]).toMatchObject({
      baseOffset: 1,
      currentLeader: { leaderId: 1, leaderEpoch: 2 },
    });
  });
});

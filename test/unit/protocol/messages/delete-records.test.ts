import { deleteRecordsV2 } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { DeleteRecords } from '../../../../protocol/messages/delete-records.js';
import type { RequestInput, ResponseInput } from '../../../../protocol/schema/dsl.js';
import { kafkajsDecodeResponse, kafkajsRequestBody } from '../../../helpers/kafkajs-oracle.js';
import { codecs } from '../../../helpers/message-codec.js';
import { platformaticParse } from '../../../helpers/platformatic-oracle.js';

const { encodeRequest, encodeResponse, decodeRequest } = codecs(DeleteRecords);

interface KafkajsDeleteRecordsResponse {
  throttleTime: number;
  clientSideThrottleTime?: number;
  topics: {
    topic: string;
    partitions: { partition: number; lowWatermark: { toString(): string }; errorCode: number }[];
  }[];
}

describe('DeleteRecords declaration', () => {
  it('covers Kafka 3.9: versions 0-2, flexible from 2', () => {
    expect(DeleteRecords.key).toBe(21);
    expect([DeleteRecords.minVersion, DeleteRecords.maxVersion, DeleteRecords.flexibleSince]).toEqual([0, 2, 2]);
  });
});

describe('DeleteRecords vs kafkajs (v0-1)', () => {
  for (let version = 0; version <= 1; version++) {
    it(`v${version} request: kafkajs encodes, we decode`, async () => {
      const body = await kafkajsRequestBody('deleteRecords', version, {
        topics: [
          {
            topic: 'orders',
            partitions: [
              { partition: 0, offset: '100' },
              { partition: 1, offset: '-1' },
            ],
          },
        ],
        timeout: 30_000,
      });
      expect(decodeRequest(version, body)).toEqual({
        topics: [
          {
            name: 'orders',
            partitions: [
              { partitionIndex: 0, offset: 100 },
              { partitionIndex: 1, offset: -1 },
            ],
          },
        ],
        timeoutMs: 30_000,
      });
    });

    it(`v${version} response: we encode, kafkajs decodes`, async () => {
      const response: ResponseInput<typeof DeleteRecords> = {
        throttleTimeMs: 6,
        topics: [
          {
            name: 'orders',
            partitions: [
              { partitionIndex: 0, lowWatermark: 100, errorCode: 0 },
              { partitionIndex: 1, lowWatermark: -1, errorCode: 1 },
            ],
          },
        ],
      };
      const got = (await kafkajsDecodeResponse(
        'deleteRecords',
        version,
        encodeResponse(version, response),
      )) as KafkajsDeleteRecordsResponse;
      expect(version === 0 ? got.throttleTime : got.clientSideThrottleTime).toBe(6);
      expect(got.topics).toHaveLength(1);
      expect(got.topics[0]!.topic).toBe('orders');
      expect(got.topics[0]!.partitions.map((p) => [p.partition, p.lowWatermark.toString(), p.errorCode])).toEqual([
        [0, '100', 0],
        [1, '-1', 1],
      ]);
    });
  }
});

describe('DeleteRecords vs @platformatic/kafka (v2)', () => {
  it('v2 request: platformatic encodes, we decode', () => {
    const writer = deleteRecordsV2.createRequest(
      [{ name: 'orders', partitions: [{ partitionIndex: 2, offset: 55n }] }],
      10_000,
    );
    expect(decodeRequest(2, writer.buffer)).toEqual({
      topics: [{ name: 'orders', partitions: [{ partitionIndex: 2, offset: 55 }] }],
      timeoutMs: 10_000,
    });
  });

  it('v2 response: we encode, platformatic decodes', () => {
    const body = encodeResponse(2, {
      throttleTimeMs: 0,
      topics: [{ name: 'orders', partitions: [{ partitionIndex: 2, lowWatermark: 55, errorCode: 0 }] }],
    });
    expect(platformaticParse(deleteRecordsV2, body)).toEqual({
      throttleTimeMs: 0,
      topics: [{ name: 'orders', partitions: [{ partitionIndex: 2, lowWatermark: 55n, errorCode: 0 }] }],
    });
  });
});

describe('DeleteRecords golden bytes', () => {
  it('v0 request, derived from the BNF', () => {
    const request: RequestInput<typeof DeleteRecords> = {
      topics: [{ name: 't', partitions: [{ partitionIndex: 0, offset: 9 }] }],
      timeoutMs: 1000,
    };
    expect(encodeRequest(0, request).toString('hex')).toBe(
      '00000001' + // [topics] 1
        '000174' + // name "t"
        '00000001' + // [partitions] 1
        '00000000' + // partition_index
        '0000000000000009' + // offset
        '000003e8', // timeout_ms 1000
    );
  });

  it('v2 (flexible) response, derived from the BNF', () => {
    const response: ResponseInput<typeof DeleteRecords> = {
      throttleTimeMs: 0,
      topics: [{ name: 't', partitions: [{ partitionIndex: 0, lowWatermark: 9, errorCode: 0 }] }],
    };
    expect(encodeResponse(2, response).toString('hex')).toBe(
      '00000000' + // throttle_time_ms
        '02' + // compact [topics] 1
        '0274' + // name "t"
        '02' + // compact [partitions] 1
        '00000000' + // partition_index
        '0000000000000009' + // low_watermark
        '0000' + // error_code
        '00' + // partition tags
        '00' + // topic tags
        '00', // tags
    );
  });

  it('skips an unknown tagged field in a flexible version', () => {
    const bytes =
      '02' + // compact [topics] 1
      '0274' + // name "t"
      '02' + // compact [partitions] 1
      '00000001' + // partition_index
      'ffffffffffffffff' + // offset -1 (high watermark)
      '00' + // partition tags
      '01' + // one topic tagged field
      '0c' + // tag 12 (unknown)
      '03' + // 3 bytes
      '010203' +
      '00001388' + // timeout_ms 5000
      '00'; // tags
    expect(decodeRequest(2, Buffer.from(bytes, 'hex'))).toEqual({
      topics: [{ name: 't', partitions: [{ partitionIndex: 1, offset: -1 }] }],
      timeoutMs: 5000,
    });
  });
});

import { listOffsetsV5, listOffsetsV6, listOffsetsV7, listOffsetsV8, listOffsetsV9 } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { ListOffsets } from '../../../../protocol/messages/list-offsets.js';
import type { RequestInput, ResponseInput } from '../../../../protocol/schema/dsl.js';
import { kafkajsDecodeResponse, kafkajsRequestBody } from '../../../helpers/kafkajs-oracle.js';
import { codecs } from '../../../helpers/message-codec.js';
import { platformaticParse } from '../../../helpers/platformatic-oracle.js';

const { encodeRequest, encodeResponse, decodeRequest, decodeResponse } = codecs(ListOffsets);

interface KafkajsListOffsetsResponse {
  throttleTime?: number;
  clientSideThrottleTime?: number;
  responses: {
    topic: string;
    partitions: { partition: number; errorCode: number; offsets?: string[]; timestamp?: string; offset?: string }[];
  }[];
}

describe('ListOffsets declaration', () => {
  it('covers Kafka 3.9: versions 0-9, flexible from 6', () => {
    expect(ListOffsets.key).toBe(2);
    expect([ListOffsets.minVersion, ListOffsets.maxVersion, ListOffsets.flexibleSince]).toEqual([0, 9, 6]);
  });
});

describe('ListOffsets vs kafkajs (v0-3)', () => {
  for (let version = 0; version <= 3; version++) {
    it(`v${version} request: kafkajs encodes, we decode`, async () => {
      const body = await kafkajsRequestBody('listOffsets', version, {
        replicaId: -1,
        isolationLevel: 1,
        topics: [
          {
            topic: 'orders',
            partitions: [
              { partition: 0, timestamp: -2, maxNumOffsets: 1 },
              { partition: 3, timestamp: 1_700_000_000_000, maxNumOffsets: 5 },
            ],
          },
        ],
      });
      expect(decodeRequest(version, body)).toEqual({
        replicaId: -1,
        isolationLevel: version >= 2 ? 1 : 0,
        topics: [
          {
            name: 'orders',
            partitions: [
              { partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -2, maxNumOffsets: 1 },
              {
                partitionIndex: 3,
                currentLeaderEpoch: -1,
                timestamp: 1_700_000_000_000,
                maxNumOffsets: version === 0 ? 5 : 1,
              },
            ],
          },
        ],
      });
    });

    it(`v${version} response: we encode, kafkajs decodes`, async () => {
      const response: ResponseInput<typeof ListOffsets> = {
        throttleTimeMs: 15,
        topics: [
          {
            name: 'orders',
            partitions: [
              { partitionIndex: 0, errorCode: 0, oldStyleOffsets: [120, 0], timestamp: -1, offset: 120 },
              { partitionIndex: 3, errorCode: 0, oldStyleOffsets: [7], timestamp: 1_700_000_000_123, offset: 7 },
            ],
          },
        ],
      };
      const got = (await kafkajsDecodeResponse(
        'listOffsets',
        version,
        encodeResponse(version, response),
      )) as KafkajsListOffsetsResponse;
      if (version === 3) expect(got.clientSideThrottleTime).toBe(15);
      if (version === 2) expect(got.throttleTime).toBe(15);
      expect(got.responses[0]!.topic).toBe('orders');
      const [p0, p3] = got.responses[0]!.partitions;
      if (version === 0) {
        expect(p0).toEqual({ partition: 0, errorCode: 0, offsets: ['120', '0'] });
        expect(p3).toEqual({ partition: 3, errorCode: 0, offsets: ['7'] });
      } else {
        expect(p0).toEqual({ partition: 0, errorCode: 0, timestamp: '-1', offset: '120' });
        expect(p3).toEqual({ partition: 3, errorCode: 0, timestamp: '1700000000123', offset: '7' });
      }
    });
  }
});

describe('ListOffsets vs @platformatic/kafka (v5-9)', () => {
  const plat = { 5: listOffsetsV5, 6: listOffsetsV6, 7: listOffsetsV7, 8: listOffsetsV8, 9: listOffsetsV9 } as const;
  for (const version of [5, 6, 7, 8, 9] as const) {
    it(`v${version} request: platformatic encodes, we decode`, () => {
      const writer = plat[version].createRequest(-1, 1, [
        {
          name: 'orders',
          partitions: [
            { partitionIndex: 0, currentLeaderEpoch: 4, timestamp: -1n },
            { partitionIndex: 1, currentLeaderEpoch: -1, timestamp: -3n },
          ],
        },
      ]);
      expect(decodeRequest(version, writer.buffer)).toEqual({
        replicaId: -1,
        isolationLevel: 1,
        topics: [
          {
            name: 'orders',
            partitions: [
              { partitionIndex: 0, currentLeaderEpoch: 4, timestamp: -1, maxNumOffsets: 1 },
              { partitionIndex: 1, currentLeaderEpoch: -1, timestamp: -3, maxNumOffsets: 1 },
            ],
          },
        ],
      });
    });

    it(`v${version} response: we encode, platformatic decodes`, () => {
      const body = encodeResponse(version, {
        throttleTimeMs: 3,
        topics: [
          {
            name: 'orders',
            partitions: [
              { partitionIndex: 0, errorCode: 0, timestamp: -1, offset: 99, leaderEpoch: 4 },
              { partitionIndex: 1, errorCode: 0, timestamp: 1_700_000_000_000, offset: 12 },
            ],
          },
        ],
      });
      expect(platformaticParse(plat[version], body)).toEqual({
        throttleTimeMs: 3,
        topics: [
          {
            name: 'orders',
            partitions: [
              { partitionIndex: 0, errorCode: 0, timestamp: -1n, offset: 99n, leaderEpoch: 4 },
              { partitionIndex: 1, errorCode: 0, timestamp: 1_700_000_000_000n, offset: 12n, leaderEpoch: -1 },
            ],
          },
        ],
      });
    });
  }
});

describe('ListOffsets golden bytes', () => {
  it('v0 request with MaxNumOffsets, derived from the BNF', () => {
    const request: RequestInput<typeof ListOffsets> = {
      replicaId: -1,
      topics: [{ name: 't', partitions: [{ partitionIndex: 1, timestamp: -1 }] }],
    };
    expect(encodeRequest(0, request).toString('hex')).toBe(
      'ffffffff' + // replica_id
        '00000001' + // [topics] 1
        '000174' + // name "t"
        '00000001' + // [partitions] 1
        '00000001' + // partition_index 1
        'ffffffffffffffff' + // timestamp -1 (latest)
        '00000001', // max_num_offsets 1 (default)
    );
  });

  it('v6 (flexible) response, derived from the BNF', () => {
    const bytes =
      '00000000' + // throttle_time_ms
      '02' + // compact [topics] 1
      '0274' + // name "t"
      '02' + // compact [partitions] 1
      '00000001' + // partition_index
      '0000' + // error_code
      'ffffffffffffffff' + // timestamp -1
      '000000000000002a' + // offset 42
      '00000003' + // leader_epoch 3
      '00' + // partition tags
      '00' + // topic tags
      '00'; // top-level tags
    const response: ResponseInput<typeof ListOffsets> = {
      throttleTimeMs: 0,
      topics: [{ name: 't', partitions: [{ partitionIndex: 1, errorCode: 0, offset: 42, leaderEpoch: 3 }] }],
    };
    expect(encodeResponse(6, response).toString('hex')).toBe(bytes);
    expect(decodeResponse(6, Buffer.from(bytes, 'hex')).topics[0]!.partitions).toEqual([
      { partitionIndex: 1, errorCode: 0, oldStyleOffsets: [], timestamp: -1, offset: 42, leaderEpoch: 3 },
    ]);
  });

  it('skips an unknown tagged field in a flexible version', () => {
    const bytes =
      'ffffffff' + // replica_id
      '00' + // isolation_level
      '02' + // [topics] 1
      '0274' + // "t"
      '02' + // [partitions] 1
      '00000000' + // partition_index
      'ffffffff' + // current_leader_epoch
      'fffffffffffffffe' + // timestamp -2
      '00' + // partition tags
      '00' + // topic tags
      '02' + // two tagged fields, both unknown
      '05' + // tag 5
      '01' + // 1 byte
      'ff' +
      '0a' + // tag 10
      '00'; // 0 bytes
    expect(decodeRequest(9, Buffer.from(bytes, 'hex'))).toEqual({
      replicaId: -1,
      isolationLevel: 0,
      topics: [
        { name: 't', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -2, maxNumOffsets: 1 }] },
      ],
    });
  });
});

import { offsetFetchV8, offsetFetchV9 } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { OffsetFetch } from '../../../../protocol/messages/offset-fetch.js';
import type { RequestInput, ResponseInput } from '../../../../protocol/schema/dsl.js';
import { kafkajsDecodeResponse, kafkajsRequestBody } from '../../../helpers/kafkajs-oracle.js';
import { codecs } from '../../../helpers/message-codec.js';
import { platformaticParse } from '../../../helpers/platformatic-oracle.js';

const { encodeRequest, encodeResponse, decodeRequest, decodeResponse } = codecs(OffsetFetch);

interface KafkajsOffsetFetchResponse {
  throttleTime?: number;
  clientSideThrottleTime?: number;
  errorCode?: number;
  responses: {
    topic: string;
    partitions: { partition: number; offset: string; metadata: string | null; errorCode: number }[];
  }[];
}

describe('OffsetFetch declaration', () => {
  it('covers Kafka 3.9: versions 0-9, flexible from 6', () => {
    expect(OffsetFetch.key).toBe(9);
    expect([OffsetFetch.minVersion, OffsetFetch.maxVersion, OffsetFetch.flexibleSince]).toEqual([0, 9, 6]);
  });
});

describe('OffsetFetch vs kafkajs (v1-4)', () => {
  for (let version = 1; version <= 4; version++) {
    it(`v${version} request: kafkajs encodes, we decode`, async () => {
      const body = await kafkajsRequestBody('offsetFetch', version, {
        groupId: 'group-1',
        topics: [{ topic: 'orders', partitions: [{ partition: 0 }, { partition: 1 }] }],
      });
      expect(decodeRequest(version, body)).toEqual({
        groupId: 'group-1',
        topics: [{ name: 'orders', partitionIndexes: [0, 1] }],
        groups: [],
        requireStable: false,
      });
    });

    it(`v${version} request for all topics`, async () => {
      // kafkajs writes an empty list in v1-2 and null (all topics) in v3-4.
      const body = await kafkajsRequestBody('offsetFetch', version, { groupId: 'group-1', topics: [] });
      expect(decodeRequest(version, body).topics).toEqual(version >= 3 ? null : []);
    });

    it(`v${version} response: we encode, kafkajs decodes`, async () => {
      const response: ResponseInput<typeof OffsetFetch> = {
        throttleTimeMs: 5,
        topics: [
          {
            name: 'orders',
            partitions: [
              { partitionIndex: 0, committedOffset: 100, metadata: 'm', errorCode: 0 },
              { partitionIndex: 1, committedOffset: -1, metadata: null, errorCode: 0 },
            ],
          },
        ],
        errorCode: 0,
      };
      const got = (await kafkajsDecodeResponse(
        'offsetFetch',
        version,
        encodeResponse(version, response),
      )) as KafkajsOffsetFetchResponse;
      if (version === 3) expect(got.throttleTime).toBe(5);
      if (version === 4) expect(got.clientSideThrottleTime).toBe(5);
      if (version >= 2) expect(got.errorCode).toBe(0);
      expect(got.responses).toEqual([
        {
          topic: 'orders',
          partitions: [
            { partition: 0, offset: '100', metadata: 'm', errorCode: 0 },
            { partition: 1, offset: '-1', metadata: null, errorCode: 0 },
          ],
        },
      ]);
    });
  }
});

describe('OffsetFetch vs @platformatic/kafka (v8-9, batched groups)', () => {
  for (const [version, plat] of [
    [8, offsetFetchV8],
    [9, offsetFetchV9],
  ] as const) {
    it(`v${version} request: platformatic encodes, we decode`, () => {
      const writer = plat.createRequest(
        [
          {
            groupId: 'group-1',
            memberId: 'member-1',
            memberEpoch: 3,
            topics: [{ name: 'orders', partitionIndexes: [0, 1] }],
          },
          { groupId: 'group-2', memberEpoch: -1, topics: null },
        ],
        true,
      );
      expect(decodeRequest(version, writer.buffer)).toEqual({
        groupId: '',
        topics: [],
        groups: [
          {
            groupId: 'group-1',
            memberId: version >= 9 ? 'member-1' : null,
            memberEpoch: version >= 9 ? 3 : -1,
            topics: [{ name: 'orders', partitionIndexes: [0, 1] }],
          },
          { groupId: 'group-2', memberId: null, memberEpoch: -1, topics: null },
        ],
        requireStable: true,
      });
    });

    it(`v${version} response: we encode, platformatic decodes`, () => {
      const body = encodeResponse(version, {
        throttleTimeMs: 1,
        groups: [
          {
            groupId: 'group-1',
            topics: [
              {
                name: 'orders',
                partitions: [
                  { partitionIndex: 0, committedOffset: 100, committedLeaderEpoch: 2, metadata: '', errorCode: 0 },
                  { partitionIndex: 1, committedOffset: -1, metadata: null, errorCode: 0 },
                ],
              },
            ],
            errorCode: 0,
          },
        ],
      });
      expect(platformaticParse(plat, body)).toEqual({
        throttleTimeMs: 1,
        groups: [
          {
            groupId: 'group-1',
            topics: [
              {
                name: 'orders',
                partitions: [
                  { partitionIndex: 0, committedOffset: 100n, committedLeaderEpoch: 2, metadata: '', errorCode: 0 },
                  { partitionIndex: 1, committedOffset: -1n, committedLeaderEpoch: -1, metadata: null, errorCode: 0 },
                ],
              },
            ],
            errorCode: 0,
          },
        ],
      });
    });
  }
});

describe('OffsetFetch golden bytes', () => {
  it('v0 request, derived from the BNF', () => {
    const request: RequestInput<typeof OffsetFetch> = {
      groupId: 'g',
      topics: [{ name: 't', partitionIndexes: [0, 2] }],
    };
    expect(encodeRequest(0, request).toString('hex')).toBe(
      '000167' + // group_id "g"
        '00000001' + // [topics] 1
        '000174' + // name "t"
        '00000002' + // [partition_indexes] 2
        '00000000' +
        '00000002',
    );
  });

  it('v7 (flexible, non-batched) request for all topics', () => {
    const request: RequestInput<typeof OffsetFetch> = { groupId: 'g', topics: null, requireStable: true };
    expect(encodeRequest(7, request).toString('hex')).toBe(
      '0267' + // group_id "g"
        '00' + // topics null
        '01' + // require_stable
        '00', // tags
    );
  });

  it('v9 batched request, derived from the BNF', () => {
    const request: RequestInput<typeof OffsetFetch> = {
      groups: [{ groupId: 'g', memberId: 'm', memberEpoch: 5, topics: null }],
    };
    expect(encodeRequest(9, request).toString('hex')).toBe(
      '02' + // compact [groups] 1
        '0267' + // group_id "g"
        '026d' + // member_id "m"
        '00000005' + // member_epoch
        '00' + // topics null (all)
        '00' + // group tags
        '00' + // require_stable false
        '00', // tags
    );
  });

  it('v8 response, derived from the BNF', () => {
    const bytes =
      '00000000' + // throttle_time_ms
      '02' + // compact [groups] 1
      '0267' + // group_id "g"
      '01' + // compact [topics] empty
      '0010' + // error_code 16 NOT_COORDINATOR
      '00' + // group tags
      '00'; // tags
    const response: ResponseInput<typeof OffsetFetch> = {
      throttleTimeMs: 0,
      groups: [{ groupId: 'g', topics: [], errorCode: 16 }],
    };
    expect(encodeResponse(8, response).toString('hex')).toBe(bytes);
    expect(decodeResponse(8, Buffer.from(bytes, 'hex'))).toEqual({
      throttleTimeMs: 0,
      topics: [],
      errorCode: 0,
      groups: [{ groupId: 'g', topics: [], errorCode: 16 }],
    });
  });

  it('skips an unknown tagged field in a flexible version', () => {
    const bytes =
      '00000000' + // throttle_time_ms
      '02' + // compact [topics] 1
      '0274' + // "t"
      '02' + // compact [partitions] 1
      '00000000' + // partition_index
      '0000000000000007' + // committed_offset
      'ffffffff' + // committed_leader_epoch
      '00' + // metadata null
      '0000' + // error_code
      '01' + // one partition tagged field
      '7f' + // tag 127 (unknown)
      '01' + // 1 byte
      '00' +
      '00' + // topic tags
      '0000' + // error_code
      '00'; // tags
    expect(decodeResponse(6, Buffer.from(bytes, 'hex'))).toEqual({
      throttleTimeMs: 0,
      topics: [
        {
          name: 't',
          partitions: [
            { partitionIndex: 0, committedOffset: 7, committedLeaderEpoch: -1, metadata: null, errorCode: 0 },
          ],
        },
      ],
      errorCode: 0,
      groups: [],
    });
  });
});

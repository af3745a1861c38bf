import { offsetCommitV8, offsetCommitV9 } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { OffsetCommit } from '../../../../protocol/messages/offset-commit.js';
import type { RequestInput, ResponseInput } from '../../../../protocol/schema/dsl.js';
import { kafkajsDecodeResponse, kafkajsRequestBody } from '../../../helpers/kafkajs-oracle.js';
import { codecs } from '../../../helpers/message-codec.js';
import { platformaticParse } from '../../../helpers/platformatic-oracle.js';

const { encodeRequest, encodeResponse, decodeRequest, decodeResponse } = codecs(OffsetCommit);

interface KafkajsOffsetCommitResponse {
  throttleTime?: number;
  clientSideThrottleTime?: number;
  responses: { topic: string; partitions: { partition: number; errorCode: number }[] }[];
}

describe('OffsetCommit declaration', () => {
  it('covers Kafka 3.9: versions 0-9, flexible from 8', () => {
    expect(OffsetCommit.key).toBe(8);
    expect([OffsetCommit.minVersion, OffsetCommit.maxVersion, OffsetCommit.flexibleSince]).toEqual([0, 9, 8]);
  });
});

describe('OffsetCommit vs kafkajs (v0-5)', () => {
  for (let version = 0; version <= 5; version++) {
    it(`v${version} request: kafkajs encodes, we decode`, async () => {
      const body = await kafkajsRequestBody('offsetCommit', version, {
        groupId: 'group-1',
        groupGenerationId: 4,
        memberId: 'member-1',
        retentionTime: 86_400_000,
        topics: [
          {
            topic: 'orders',
            partitions: [
              { partition: 0, offset: '100', timestamp: 1_700_000_000_000, metadata: null },
              { partition: 1, offset: '5', timestamp: 1_700_000_000_001, metadata: 'meta' },
            ],
          },
        ],
      });
      expect(decodeRequest(version, body)).toEqual({
        groupId: 'group-1',
        generationIdOrMemberEpoch: version >= 1 ? 4 : -1,
        memberId: version >= 1 ? 'member-1' : '',
        groupInstanceId: null,
        retentionTimeMs: version >= 2 && version <= 4 ? 86_400_000 : -1,
        topics: [
          {
            name: 'orders',
            partitions: [
              {
                partitionIndex: 0,
                committedOffset: 100,
                committedLeaderEpoch: -1,
                commitTimestamp: version === 1 ? 1_700_000_000_000 : -1,
                committedMetadata: null,
              },
              {
                partitionIndex: 1,
                committedOffset: 5,
                committedLeaderEpoch: -1,
                commitTimestamp: version === 1 ? 1_700_000_000_001 : -1,
                committedMetadata: 'meta',
              },
            ],
          },
        ],
      });
    });

    it(`v${version} response: we encode, kafkajs decodes`, async () => {
      const response: ResponseInput<typeof OffsetCommit> = {
        throttleTimeMs: 9,
        topics: [
          {
            name: 'orders',
            partitions: [
              { partitionIndex: 0, errorCode: 0 },
              { partitionIndex: 1, errorCode: 0 },
            ],
          },
        ],
      };
      const got = (await kafkajsDecodeResponse(
        'offsetCommit',
        version,
        encodeResponse(version, response),
      )) as KafkajsOffsetCommitResponse;
      if (version === 3) expect(got.throttleTime).toBe(9);
      if (version >= 4) expect(got.clientSideThrottleTime).toBe(9);
      expect(got.responses).toEqual([
        {
          topic: 'orders',
          partitions: [
            { partition: 0, errorCode: 0 },
            { partition: 1, errorCode: 0 },
          ],
        },
      ]);
    });
  }
});

describe('OffsetCommit vs @platformatic/kafka (v8-9)', () => {
  for (const [version, plat] of [
    [8, offsetCommitV8],
    [9, offsetCommitV9],
  ] as const) {
    it(`v${version} request: platformatic encodes, we decode`, () => {
      const writer = plat.createRequest('group-1', 7, 'member-1', 'instance-1', [
        {
          name: 'orders',
          partitions: [
            { partitionIndex: 0, committedOffset: 100n, committedLeaderEpoch: 3, committedMetadata: null },
            { partitionIndex: 2, committedOffset: 0n, committedLeaderEpoch: -1, committedMetadata: 'm' },
          ],
        },
      ]);
      expect(decodeRequest(version, writer.buffer)).toEqual({
        groupId: 'group-1',
        generationIdOrMemberEpoch: 7,
        memberId: 'member-1',
        groupInstanceId: 'instance-1',
        retentionTimeMs: -1,
        topics: [
          {
            name: 'orders',
            partitions: [
              {
                partitionIndex: 0,
                committedOffset: 100,
                committedLeaderEpoch: 3,
                commitTimestamp: -1,
                committedMetadata: null,
              },
              {
                partitionIndex: 2,
                committedOffset: 0,
                committedLeaderEpoch: -1,
                commitTimestamp: -1,
                committedMetadata: 'm',
              },
            ],
          },
        ],
      });
    });

    it(`v${version} response: we encode, platformatic decodes`, () => {
      const body = encodeResponse(version, {
        throttleTimeMs: 2,
        topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, errorCode: 0 }] }],
      });
      expect(platformaticParse(plat, body)).toEqual({
        throttleTimeMs: 2,
        topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, errorCode: 0 }] }],
      });
    });
  }
});

describe('OffsetCommit golden bytes', () => {
  it('v2 request with the retention time, derived from the BNF', () => {
    const request: RequestInput<typeof OffsetCommit> = {
      groupId: 'g',
      generationIdOrMemberEpoch: 1,
      memberId: 'm',
      retentionTimeMs: -1,
      topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 10, committedMetadata: null }] }],
    };
    expect(encodeRequest(2, request).toString('hex')).toBe(
      '000167' + // group_id "g"
        '00000001' + // generation_id
        '00016d' + // member_id "m"
        'ffffffffffffffff' + // retention_time_ms -1
        '00000001' + // [topics] 1
        '000174' + // name "t"
        '00000001' + // [partitions] 1
        '00000000' + // partition_index
        '000000000000000a' + // committed_offset 10
        'ffff', // committed_metadata null
    );
  });

  it('v8 (flexible) request, derived from the BNF', () => {
    const request: RequestInput<typeof OffsetCommit> = {
      groupId: 'g',
      generationIdOrMemberEpoch: -1,
      memberId: '',
      topics: [{ name: 't', partitions: [{ partitionIndex: 1, committedOffset: 2, committedMetadata: '' }] }],
    };
    expect(encodeRequest(8, request).toString('hex')).toBe(
      '0267' + // group_id "g"
        'ffffffff' + // generation_id_or_member_epoch -1
        '01' + // member_id ""
        '00' + // group_instance_id null (default)
        '02' + // compact [topics] 1
        '0274' + // name "t"
        '02' + // compact [partitions] 1
        '00000001' + // partition_index
        '0000000000000002' + // committed_offset
        'ffffffff' + // committed_leader_epoch -1 (default)
        '01' + // committed_metadata ""
        '00' + // partition tags
        '00' + // topic tags
        '00', // tags
    );
  });

  it('skips an unknown tagged field in a flexible version', () => {
    const bytes =
      '00000000' + // throttle_time_ms
      '02' + // [topics] 1
      '0274' + // "t"
      '02' + // [partitions] 1
      '00000000' + // partition_index
      '0019' + // error_code 25 UNKNOWN_MEMBER_ID
      '00' + // partition tags
      '00' + // topic tags
      '01' + // one top-level tagged field
      '03' + // tag 3 (unknown)
      '04' + // 4 bytes
      '01020304';
    expect(decodeResponse(9, Buffer.from(bytes, 'hex'))).toEqual({
      throttleTimeMs: 0,
      topics: [{ name: 't', partitions: [{ partitionIndex: 0, errorCode: 25 }] }],
    });
  });
});

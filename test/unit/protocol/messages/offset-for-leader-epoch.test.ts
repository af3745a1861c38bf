import { offsetForLeaderEpochV4 } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { OffsetForLeaderEpoch } from '../../../../protocol/messages/offset-for-leader-epoch.js';
import type { RequestInput, ResponseInput } from '../../../../protocol/schema/dsl.js';
import { codecs } from '../../../helpers/message-codec.js';
import { platformaticParse } from '../../../helpers/platformatic-oracle.js';

// kafkajs does not implement OffsetForLeaderEpoch.

const { encodeRequest, encodeResponse, decodeRequest, decodeResponse } = codecs(OffsetForLeaderEpoch);

describe('OffsetForLeaderEpoch declaration', () => {
  it('covers Kafka 3.9: versions 0-4, flexible from 4', () => {
    expect(OffsetForLeaderEpoch.key).toBe(23);
    expect([
      OffsetForLeaderEpoch.minVersion,
      OffsetForLeaderEpoch.maxVersion,
      OffsetForLeaderEpoch.flexibleSince,
    ]).toEqual([0, 4, 4]);
  });
});

describe('OffsetForLeaderEpoch vs @platformatic/kafka (v4)', () => {
  it('v4 request: platformatic encodes, we decode', () => {
    const writer = offsetForLeaderEpochV4.createRequest(-1, [
      {
        name: 'orders',
        partitions: [
          { partitionIndex: 0, currentLeaderEpoch: 5, leaderEpoch: 4 },
          { partitionIndex: 3, currentLeaderEpoch: -1, leaderEpoch: 0 },
        ],
      },
    ]);
    expect(decodeRequest(4, writer.buffer)).toEqual({
      replicaId: -1,
      topics: [
        {
          topic: 'orders',
          partitions: [
            { partition: 0, currentLeaderEpoch: 5, leaderEpoch: 4 },
            { partition: 3, currentLeaderEpoch: -1, leaderEpoch: 0 },
          ],
        },
      ],
    });
  });

  it('v4 response: we encode, platformatic decodes (partition 0, no error)', () => {
    const body = encodeResponse(4, {
      throttleTimeMs: 0,
      topics: [{ topic: 'orders', partitions: [{ errorCode: 0, partition: 0, leaderEpoch: 4, endOffset: 120 }] }],
    });
    expect(platformaticParse(offsetForLeaderEpochV4, body)).toEqual({
      throttleTimeMs: 0,
      topics: [{ topic: 'orders', partitions: [{ partition: 0, errorCode: 0, leaderEpoch: 4, endOffset: 120n }] }],
    });
  });

  it('v4 response: platformatic 1.35 reads partition before error code, Kafka writes error code first', () => {
    // Kafka's EpochEndOffset is ErrorCode (int16), Partition (int32). platformatic reads int32 then int16, so for
    // any partition but 0 it misreads the bytes: here partition 1 comes out as partition 0 with error code 1.
    const body = encodeResponse(4, {
      throttleTimeMs: 0,
      topics: [{ topic: 'orders', partitions: [{ errorCode: 0, partition: 1, leaderEpoch: 4, endOffset: 120 }] }],
    });
    expect(body.subarray(4 + 1 + 7 + 1, 4 + 1 + 7 + 1 + 6).toString('hex')).toBe('0000' + '00000001');
    expect(() => platformaticParse(offsetForLeaderEpochV4, body)).toThrow();
  });
});

describe('OffsetForLeaderEpoch golden bytes', () => {
  it('v0 request, derived from the BNF', () => {
    const request: RequestInput<typeof OffsetForLeaderEpoch> = {
      topics: [{ topic: 't', partitions: [{ partition: 2, leaderEpoch: 7 }] }],
    };
    expect(encodeRequest(0, request).toString('hex')).toBe(
      '00000001' + // [topics] 1
        '000174' + // topic "t"
        '00000001' + // [partitions] 1
        '00000002' + // partition
        '00000007', // leader_epoch
    );
  });

  it('v3 request carries the replica id (default -2) and the current leader epoch', () => {
    const request: RequestInput<typeof OffsetForLeaderEpoch> = {
      topics: [{ topic: 't', partitions: [{ partition: 0, leaderEpoch: 1 }] }],
    };
    expect(encodeRequest(3, request).toString('hex')).toBe(
      'fffffffe' + // replica_id -2 (default: debug consumer)
        '00000001' + // [topics] 1
        '000174' + // topic "t"
        '00000001' + // [partitions] 1
        '00000000' + // partition
        'ffffffff' + // current_leader_epoch -1 (default)
        '00000001', // leader_epoch
    );
  });

  it('v1 response, derived from the BNF', () => {
    const response: ResponseInput<typeof OffsetForLeaderEpoch> = {
      topics: [{ topic: 't', partitions: [{ errorCode: 0, partition: 1, leaderEpoch: 3, endOffset: 500 }] }],
    };
    expect(encodeResponse(1, response).toString('hex')).toBe(
      '00000001' + // [topics] 1
        '000174' + // topic "t"
        '00000001' + // [partitions] 1
        '0000' + // error_code
        '00000001' + // partition
        '00000003' + // leader_epoch
        '00000000000001f4', // end_offset 500
    );
  });

  it('v4 (flexible) response, and an unknown tagged field is skipped', () => {
    const bytes =
      '00000000' + // throttle_time_ms
      '02' + // compact [topics] 1
      '0274' + // topic "t"
      '02' + // compact [partitions] 1
      '004b' + // error_code 75 UNKNOWN_LEADER_EPOCH
      '00000000' + // partition
      'ffffffff' + // leader_epoch -1
      'ffffffffffffffff' + // end_offset -1
      '00' + // partition tags
      '00' + // topic tags
      '00'; // tags
    const response: ResponseInput<typeof OffsetForLeaderEpoch> = {
      throttleTimeMs: 0,
      topics: [{ topic: 't', partitions: [{ errorCode: 75, partition: 0 }] }],
    };
    expect(encodeResponse(4, response).toString('hex')).toBe(bytes);
    const withUnknownTag = bytes.slice(0, -6) + '01' + '02' + '02' + 'ffff' + '00' + '00';
    expect(decodeResponse(4, Buffer.from(withUnknownTag, 'hex'))).toEqual({
      throttleTimeMs: 0,
      topics: [{ topic: 't', partitions: [{ errorCode: 75, partition: 0, leaderEpoch: -1, endOffset: -1 }] }],
    });
  });
});

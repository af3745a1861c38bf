import { txnOffsetCommitV3, txnOffsetCommitV4 } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { TxnOffsetCommit } from '../../../../protocol/messages/txn-offset-commit.js';
import { kafkajsDecodeResponse, kafkajsRequestBody } from '../../../helpers/kafkajs-oracle.js';
import { codecs } from '../../../helpers/message-codec.js';
import { platformaticParse } from '../../../helpers/platformatic-oracle.js';

const { encodeRequest, encodeResponse, decodeRequest, decodeResponse } = codecs(TxnOffsetCommit);

describe('TxnOffsetCommit against kafkajs (v0-1)', () => {
  for (const version of [0, 1]) {
    it(`v${version}: decodes the request kafkajs encodes`, async () => {
      const body = await kafkajsRequestBody('txnOffsetCommit', version, {
        transactionalId: 'tx-orders',
        groupId: 'billing',
        producerId: 1000,
        producerEpoch: 2,
        topics: [
          {
            topic: 'orders',
            partitions: [
              { partition: 0, offset: '123456789012', metadata: null },
              { partition: 1, offset: '42', metadata: 'batch-7' },
            ],
          },
        ],
      });
      expect(decodeRequest(version, body)).toEqual({
        transactionalId: 'tx-orders',
        groupId: 'billing',
        producerId: 1000,
        producerEpoch: 2,
        generationId: -1,
        memberId: '',
        groupInstanceId: null,
        topics: [
          {
            name: 'orders',
            partitions: [
              { partitionIndex: 0, committedOffset: 123456789012, committedLeaderEpoch: -1, committedMetadata: null },
              { partitionIndex: 1, committedOffset: 42, committedLeaderEpoch: -1, committedMetadata: 'batch-7' },
            ],
          },
        ],
      });
    });

    it(`v${version}: kafkajs decodes the response we encode`, async () => {
      const body = encodeResponse(version, {
        throttleTimeMs: 6,
        topics: [
          {
            name: 'orders',
            partitions: [
              { partitionIndex: 0, errorCode: 0 },
              { partitionIndex: 1, errorCode: 0 },
            ],
          },
        ],
      });
      const decoded = await kafkajsDecodeResponse('txnOffsetCommit', version, body);
      expect(decoded).toMatchObject({
        topics: [
          {
            topic: 'orders',
            partitions: [
              { partition: 0, errorCode: 0 },
              { partition: 1, errorCode: 0 },
            ],
          },
        ],
      });
      if (version === 0) expect(decoded).toMatchObject({ throttleTime: 6 });
      else expect(decoded).toMatchObject({ throttleTime: 0, clientSideThrottleTime: 6 });
    });
  }
});

describe('TxnOffsetCommit against @platformatic/kafka (flexible v3-4)', () => {
  const platformatic = { 3: txnOffsetCommitV3, 4: txnOffsetCommitV4 } as const;
  for (const version of [3, 4] as const) {
    const plt = platformatic[version];

    it(`v${version}: decodes the request platformatic encodes`, () => {
      const body = plt.createRequest('tx-orders', 'billing', 1000n, 2, 11, 'member-1', 'instance-1', [
        {
          name: 'orders',
          partitions: [
            { partitionIndex: 3, committedOffset: 99n, committedLeaderEpoch: 4, committedMetadata: null },
            { partitionIndex: 4, committedOffset: 100n, committedLeaderEpoch: -1, committedMetadata: '' },
          ],
        },
      ]).buffer;
      expect(decodeRequest(version, body)).toEqual({
        transactionalId: 'tx-orders',
        groupId: 'billing',
        producerId: 1000,
        producerEpoch: 2,
        generationId: 11,
        memberId: 'member-1',
        groupInstanceId: 'instance-1',
        topics: [
          {
            name: 'orders',
            partitions: [
              { partitionIndex: 3, committedOffset: 99, committedLeaderEpoch: 4, committedMetadata: null },
              { partitionIndex: 4, committedOffset: 100, committedLeaderEpoch: -1, committedMetadata: '' },
            ],
          },
        ],
      });
    });

    it(`v${version}: platformatic parses the response we encode`, () => {
      const topics = [{ name: 'orders', partitions: [{ partitionIndex: 3, errorCode: 0 }] }];
      const body = encodeResponse(version, { throttleTimeMs: 0, topics });
      expect(platformaticParse(plt, body)).toEqual({ throttleTimeMs: 0, topics });
    });
  }
});

describe('TxnOffsetCommit golden bytes', () => {
  it('v2 request (adds the committed leader epoch), derived by hand', () => {
    const hex = [
      '00027478', // transactionalId "tx"
      '000167', // groupId "g"
      '0000000000000005', // producerId 5
      '0001', // producerEpoch 1
      '00000001', // topics: one
      '000174', // name "t"
      '00000001', // partitions: one
      '00000000', // partitionIndex 0
      '000000000000000a', // committedOffset 10
      '00000003', // committedLeaderEpoch 3
      'ffff', // committedMetadata null
    ].join('');
    const value = {
      transactionalId: 'tx',
      groupId: 'g',
      producerId: 5,
      producerEpoch: 1,
      generationId: -1,
      memberId: '',
      groupInstanceId: null,
      topics: [
        {
          name: 't',
          partitions: [{ partitionIndex: 0, committedOffset: 10, committedLeaderEpoch: 3, committedMetadata: null }],
        },
      ],
    };
    expect(encodeRequest(2, value).toString('hex')).toBe(hex);
    expect(decodeRequest(2, Buffer.from(hex, 'hex'))).toEqual(value);
  });

  it('v3 request (flexible, group membership), derived by hand', () => {
    const hex = [
      '037478', // transactionalId "tx"
      '0267', // groupId "g"
      '0000000000000005', // producerId 5
      '0001', // producerEpoch 1
      'ffffffff', // generationId -1
      '01', // memberId ""
      '00', // groupInstanceId null
      '01', // topics: empty compact array
      '00', // top-level tag section
    ].join('');
    const value = { transactionalId: 'tx', groupId: 'g', producerId: 5, producerEpoch: 1, topics: [] };
    expect(encodeRequest(3, value).toString('hex')).toBe(hex);
    expect(decodeRequest(3, Buffer.from(hex, 'hex'))).toEqual({
      ...value,
      generationId: -1,
      memberId: '',
      groupInstanceId: null,
    });
  });

  it('v3 response, derived by hand', () => {
    const hex = [
      '00000000', // throttleTimeMs 0
      '02', // topics: one
      '0274', // name "t"
      '02', // partitions: one
      '00000002', // partitionIndex 2
      '001b', // errorCode 27 (REBALANCE_IN_PROGRESS)
      '00', // partition's tag section
      '00', // topic's tag section
      '00', // top-level tag section
    ].join('');
    const value = { throttleTimeMs: 0, topics: [{ name: 't', partitions: [{ partitionIndex: 2, errorCode: 27 }] }] };
    expect(encodeResponse(3, value).toString('hex')).toBe(hex);
    expect(decodeResponse(3, Buffer.from(hex, 'hex'))).toEqual(value);
  });

  it('skips an unknown tagged field inside a nested struct (v4 response)', () => {
    const value = { throttleTimeMs: 0, topics: [{ name: 't', partitions: [{ partitionIndex: 2, errorCode: 0 }] }] };
    const hex = encodeResponse(4, value).toString('hex');
    // the partition's empty tag section is the 3rd-from-last byte; give it one unknown tag 3 of one byte
    const tagged = Buffer.from(hex.slice(0, -6) + '01030107' + '0000', 'hex');
    expect(decodeResponse(4, tagged)).toEqual(value);
  });
});

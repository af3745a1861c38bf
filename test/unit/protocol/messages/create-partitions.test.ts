import { createPartitionsV1, createPartitionsV2, createPartitionsV3 } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { CreatePartitions } from '../../../../protocol/messages/create-partitions.js';
import { kafkajsDecodeResponse, kafkajsRequestBody } from '../../../helpers/kafkajs-oracle.js';
import { codecs } from '../../../helpers/message-codec.js';
import { platformaticParse } from '../../../helpers/platformatic-oracle.js';

const { encodeRequest, encodeResponse, decodeRequest, decodeResponse } = codecs(CreatePartitions);

describe('CreatePartitions against kafkajs (v0-1)', () => {
  for (let version = 0; version <= 1; version++) {
    it(`v${version}: decodes the request kafkajs encodes`, async () => {
      const body = await kafkajsRequestBody('createPartitions', version, {
        topicPartitions: [
          { topic: 'orders', count: 8 },
          {
            topic: 'payments',
            count: 4,
            assignments: [
              [1, 2],
              [2, 3],
            ],
          },
        ],
        validateOnly: true,
        timeout: 10000,
      });
      expect(decodeRequest(version, body)).toEqual({
        topics: [
          // kafkajs writes an empty list as null ("let the broker assign")
          { name: 'orders', count: 8, assignments: null },
          { name: 'payments', count: 4, assignments: [{ brokerIds: [1, 2] }, { brokerIds: [2, 3] }] },
        ],
        timeoutMs: 10000,
        validateOnly: true,
      });
    });

    it(`v${version}: kafkajs decodes the response we encode`, async () => {
      const body = encodeResponse(version, {
        throttleTimeMs: 30,
        results: [
          { name: 'payments', errorCode: 37, errorMessage: 'Topic currently has 4 partitions' },
          { name: 'orders', errorCode: 0, errorMessage: null },
        ],
      });
      const decoded = await kafkajsDecodeResponse('createPartitions', version, body);
      const topicErrors = [
        { topic: 'orders', errorCode: 0, errorMessage: null },
        { topic: 'payments', errorCode: 37, errorMessage: 'Topic currently has 4 partitions' },
      ];
      if (version === 0) expect(decoded).toEqual({ throttleTime: 30, topicErrors });
      if (version === 1) expect(decoded).toEqual({ throttleTime: 0, clientSideThrottleTime: 30, topicErrors });
    });
  }
});

describe('CreatePartitions against @platformatic/kafka (v1, flexible v2-3)', () => {
  for (const [version, plt] of [
    [1, createPartitionsV1],
    [2, createPartitionsV2],
    [3, createPartitionsV3],
  ] as const) {
    it(`v${version}: decodes the request platformatic encodes`, () => {
      const body = plt.createRequest(
        [
          { name: 'orders', count: 6, assignments: [{ brokerIds: [1] }, { brokerIds: [2] }] },
          { name: 'payments', count: 2, assignments: [] },
        ],
        20000,
        false,
      ).buffer;
      expect(decodeRequest(version, body)).toEqual({
        topics: [
          { name: 'orders', count: 6, assignments: [{ brokerIds: [1] }, { brokerIds: [2] }] },
          { name: 'payments', count: 2, assignments: [] },
        ],
        timeoutMs: 20000,
        validateOnly: false,
      });
    });

    it(`v${version}: platformatic parses the response we encode`, () => {
      const results = [
        { name: 'orders', errorCode: 0, errorMessage: null },
        { name: 'payments', errorCode: 0, errorMessage: null },
      ];
      const body = encodeResponse(version, { throttleTimeMs: 4, results });
      expect(platformaticParse(plt, body)).toEqual({ throttleTimeMs: 4, results });
    });
  }

  it('v3: a null assignment list from platformatic decodes as null', () => {
    const body = createPartitionsV3.createRequest(
      [{ name: 'orders', count: 6, assignments: null }],
      20000,
      true,
    ).buffer;
    expect(decodeRequest(3, body).topics[0]!.assignments).toBeNull();
  });
});

describe('CreatePartitions golden bytes', () => {
  it('v0 request, derived by hand', () => {
    const hex = [
      '00000001', // topics: one
      '000174', // name "t"
      '00000003', // count 3
      'ffffffff', // assignments null
      '00001388', // timeoutMs 5000
      '00', // validateOnly false
    ].join('');
    const value = { topics: [{ name: 't', count: 3, assignments: null }], timeoutMs: 5000, validateOnly: false };
    expect(encodeRequest(0, value).toString('hex')).toBe(hex);
    expect(decodeRequest(0, Buffer.from(hex, 'hex'))).toEqual(value);
  });

  it('v2 request (flexible), derived by hand', () => {
    const hex = [
      '02', // topics: one
      '0274', // name "t"
      '00000003', // count 3
      '02', // assignments: one
      '03' + '00000001' + '00000002', // brokerIds [1, 2]
      '00', // assignment tag section
      '00', // topic tag section
      '00001388', // timeoutMs 5000
      '01', // validateOnly true
      '00', // top-level tag section
    ].join('');
    const value = {
      topics: [{ name: 't', count: 3, assignments: [{ brokerIds: [1, 2] }] }],
      timeoutMs: 5000,
      validateOnly: true,
    };
    expect(encodeRequest(2, value).toString('hex')).toBe(hex);
    expect(decodeRequest(2, Buffer.from(hex, 'hex'))).toEqual(value);
  });

  it('v0 response, derived by hand', () => {
    const hex = '00000000' + '00000001' + '000174' + '0000' + 'ffff'; // throttle 0, [{ "t", 0, null }]
    const value = { throttleTimeMs: 0, results: [{ name: 't', errorCode: 0, errorMessage: null }] };
    expect(encodeResponse(0, { throttleTimeMs: 0, results: [{ name: 't', errorCode: 0 }] }).toString('hex')).toBe(hex);
    expect(decodeResponse(0, Buffer.from(hex, 'hex'))).toEqual(value);
  });

  it('skips an unknown tagged field (v3 response)', () => {
    const hex = '00000000' + '02' + '0274' + '0000' + '00' + '00' + '01' + '0702' + 'ffff'; // top-level tag 7
    expect(decodeResponse(3, Buffer.from(hex, 'hex'))).toEqual({
      throttleTimeMs: 0,
      results: [{ name: 't', errorCode: 0, errorMessage: null }],
    });
  });
});

import { deleteTopicsV6 } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { DeleteTopics } from '../../../../protocol/messages/delete-topics.js';
import { ZERO_UUID } from '../../../../protocol/primitives/reader.js';
import { kafkajsDecodeResponse, kafkajsRequestBody } from '../../../helpers/kafkajs-oracle.js';
import { codecs } from '../../../helpers/message-codec.js';
import { dashedUuid, platformaticParse } from '../../../helpers/platformatic-oracle.js';

const { encodeRequest, encodeResponse, decodeRequest, decodeResponse } = codecs(DeleteTopics);

const topicIdHex = '00112233445566778899aabbccddeeff';
const topicId = Buffer.from(topicIdHex, 'hex').toString('base64url');

describe('DeleteTopics against kafkajs (v0-1)', () => {
  for (let version = 0; version <= 1; version++) {
    it(`v${version}: decodes the request kafkajs encodes`, async () => {
      const body = await kafkajsRequestBody('deleteTopics', version, {
        topics: ['orders', 'payments'],
        timeout: 15000,
      });
      expect(decodeRequest(version, body)).toEqual({
        topics: [],
        topicNames: ['orders', 'payments'],
        timeoutMs: 15000,
      });
    });

    it(`v${version}: kafkajs decodes the response we encode`, async () => {
      const body = encodeResponse(version, {
        throttleTimeMs: 20,
        responses: [
          { name: 'payments', errorCode: 3 },
          { name: 'orders', errorCode: 0 },
        ],
      });
      const decoded = await kafkajsDecodeResponse('deleteTopics', version, body);
      const topicErrors = [
        { topic: 'orders', errorCode: 0 },
        { topic: 'payments', errorCode: 3 },
      ];
      if (version === 0) expect(decoded).toEqual({ topicErrors });
      if (version === 1) expect(decoded).toEqual({ throttleTime: 0, clientSideThrottleTime: 20, topicErrors });
    });
  }
});

describe('DeleteTopics against @platformatic/kafka (flexible v6)', () => {
  it('v6: decodes the request platformatic encodes (by name and by id)', () => {
    // platformatic types the name as a string, but writes it as the compact nullable string it is on the wire
    const body = deleteTopicsV6.createRequest(
      [
        { name: 'orders', topicId: null },
        { name: null, topicId: dashedUuid(topicIdHex) },
      ] as never,
      30000,
    ).buffer;
    expect(decodeRequest(6, body)).toEqual({
      topics: [
        { name: 'orders', topicId: ZERO_UUID },
        { name: null, topicId },
      ],
      topicNames: [],
      timeoutMs: 30000,
    });
  });

  it('v6: platformatic parses the response we encode', () => {
    const body = encodeResponse(6, {
      throttleTimeMs: 1,
      responses: [
        { name: 'orders', topicId, errorCode: 0, errorMessage: null },
        { name: null, topicId: ZERO_UUID, errorCode: 0 },
      ],
    });
    expect(platformaticParse(deleteTopicsV6, body)).toEqual({
      throttleTimeMs: 1,
      responses: [
        { name: 'orders', topicId: dashedUuid(topicIdHex), errorCode: 0, errorMessage: null },
        { name: null, topicId: dashedUuid('0'.repeat(32)), errorCode: 0, errorMessage: null },
      ],
    });
  });
});

describe('DeleteTopics golden bytes', () => {
  it('v0 request, derived by hand', () => {
    const hex = '00000001' + '000174' + '00001388'; // topicNames ["t"], timeoutMs 5000
    expect(encodeRequest(0, { topicNames: ['t'], timeoutMs: 5000 }).toString('hex')).toBe(hex);
    expect(decodeRequest(0, Buffer.from(hex, 'hex'))).toEqual({ topics: [], topicNames: ['t'], timeoutMs: 5000 });
  });

  it('v6 request (flexible), derived by hand', () => {
    const hex = [
      '02', // topics: one
      '00', // name null
      topicIdHex, // topicId
      '00', // topic tag section
      '00001388', // timeoutMs 5000
      '00', // top-level tag section
    ].join('');
    const value = { topics: [{ name: null, topicId }], timeoutMs: 5000 };
    expect(encodeRequest(6, value).toString('hex')).toBe(hex);
    expect(decodeRequest(6, Buffer.from(hex, 'hex'))).toEqual({ ...value, topicNames: [] });
  });

  it('v5 response (flexible), derived by hand', () => {
    const hex = [
      '00000000', // throttleTimeMs
      '02', // responses: one
      '0274', // name "t"
      '0003', // errorCode 3 (UNKNOWN_TOPIC_OR_PARTITION)
      '036e6f', // errorMessage "no"
      '00', // response tag section
      '00', // top-level tag section
    ].join('');
    const value = { throttleTimeMs: 0, responses: [{ name: 't', errorCode: 3, errorMessage: 'no' }] };
    expect(encodeResponse(5, value).toString('hex')).toBe(hex);
    expect(decodeResponse(5, Buffer.from(hex, 'hex'))).toEqual({
      throttleTimeMs: 0,
      responses: [{ name: 't', topicId: ZERO_UUID, errorCode: 3, errorMessage: 'no' }],
    });
  });

  it('a null topic name in the response is allowed from v6 only', () => {
    expect(() => encodeResponse(5, { responses: [{ name: null, errorCode: 0 }] })).toThrow();
    expect(
      decodeResponse(6, encodeResponse(6, { responses: [{ name: null, errorCode: 0 }] })).responses[0]!.name,
    ).toBeNull();
  });

  it('skips an unknown tagged field (v4 request)', () => {
    const hex = '02' + '0274' + '00001388' + '01' + '0001' + '2a'; // ["t"], 5000, tag 0 of one byte
    expect(decodeRequest(4, Buffer.from(hex, 'hex'))).toEqual({ topics: [], topicNames: ['t'], timeoutMs: 5000 });
  });
});

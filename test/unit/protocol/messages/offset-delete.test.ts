import { offsetDeleteV0 } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { OffsetDelete } from '../../../../protocol/messages/offset-delete.js';
import { codecs } from '../../../helpers/message-codec.js';
import { platformaticParse } from '../../../helpers/platformatic-oracle.js';

const { encodeRequest, encodeResponse, decodeRequest, decodeResponse } = codecs(OffsetDelete);

// kafkajs does not implement OffsetDelete; @platformatic/kafka implements v0, the only version.
describe('OffsetDelete against @platformatic/kafka (v0)', () => {
  it('v0: decodes the request platformatic encodes', () => {
    const topics = [
      { name: 'orders', partitions: [{ partitionIndex: 0 }, { partitionIndex: 3 }] },
      { name: 'payments', partitions: [{ partitionIndex: 1 }] },
    ];
    const body = offsetDeleteV0.createRequest('my-group', topics).buffer;
    expect(decodeRequest(0, body)).toEqual({ groupId: 'my-group', topics });
  });

  it('v0: platformatic parses the response we encode', () => {
    const topics = [
      {
        name: 'orders',
        partitions: [
          { partitionIndex: 0, errorCode: 0 },
          { partitionIndex: 3, errorCode: 0 },
        ],
      },
    ];
    const body = encodeResponse(0, { errorCode: 0, throttleTimeMs: 7, topics });
    expect(platformaticParse(offsetDeleteV0, body)).toEqual({
      errorCode: 0,
      throttleTimeMs: 7,
      topics,
    });
  });
});

describe('OffsetDelete golden bytes', () => {
  it('v0 request, derived by hand', () => {
    const hex = [
      '000167', // groupId "g"
      '00000001', // topics: one
      '000174', // name "t"
      '00000001', // partitions: one
      '00000002', // partitionIndex 2
    ].join('');
    const value = { groupId: 'g', topics: [{ name: 't', partitions: [{ partitionIndex: 2 }] }] };
    expect(encodeRequest(0, value).toString('hex')).toBe(hex);
    expect(decodeRequest(0, Buffer.from(hex, 'hex'))).toEqual(value);
  });

  it('v0 response, derived by hand', () => {
    const hex = [
      '0000', // errorCode
      '00000000', // throttleTimeMs
      '00000001', // topics: one
      '000174', // name "t"
      '00000001', // partitions: one
      '00000002', // partitionIndex 2
      '0056', // errorCode 86 (GROUP_SUBSCRIBED_TO_TOPIC)
    ].join('');
    const value = {
      errorCode: 0,
      throttleTimeMs: 0,
      topics: [{ name: 't', partitions: [{ partitionIndex: 2, errorCode: 86 }] }],
    };
    expect(encodeResponse(0, value).toString('hex')).toBe(hex);
    expect(decodeResponse(0, Buffer.from(hex, 'hex'))).toEqual(value);
  });

  it('is not flexible: no tag section, so a trailing byte is an error', () => {
    expect(OffsetDelete.flexibleSince).toBeNull();
    expect(() => decodeRequest(0, Buffer.from('000167' + '00000000' + '00', 'hex'))).toThrow();
  });
});

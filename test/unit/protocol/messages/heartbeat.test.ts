import { heartbeatV4 } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { Heartbeat } from '../../../../protocol/messages/heartbeat.js';
import { kafkajsDecodeResponse, kafkajsRequestBody } from '../../../helpers/kafkajs-oracle.js';
import { codecs } from '../../../helpers/message-codec.js';
import { platformaticParse } from '../../../helpers/platformatic-oracle.js';

const { encodeRequest, encodeResponse, decodeRequest, decodeResponse } = codecs(Heartbeat);

describe('Heartbeat against kafkajs (v0-3)', () => {
  for (let version = 0; version <= 3; version++) {
    it(`v${version}: decodes the request kafkajs encodes`, async () => {
      const body = await kafkajsRequestBody('heartbeat', version, {
        groupId: 'my-group',
        groupGenerationId: 42,
        memberId: 'consumer-1-abc',
        groupInstanceId: 'instance-1',
      });
      expect(decodeRequest(version, body)).toEqual({
        groupId: 'my-group',
        generationId: 42,
        memberId: 'consumer-1-abc',
        groupInstanceId: version >= 3 ? 'instance-1' : null,
      });
    });

    it(`v${version}: kafkajs decodes the response we encode`, async () => {
      const body = encodeResponse(version, { throttleTimeMs: 10, errorCode: 27 });
      const decoded = await kafkajsDecodeResponse('heartbeat', version, body);
      if (version === 0) expect(decoded).toEqual({ errorCode: 27 });
      if (version === 1) expect(decoded).toEqual({ throttleTime: 10, errorCode: 27 });
      if (version >= 2) expect(decoded).toEqual({ throttleTime: 0, clientSideThrottleTime: 10, errorCode: 27 });
    });
  }

  it('v3: a null group instance id from kafkajs decodes as null', async () => {
    const body = await kafkajsRequestBody('heartbeat', 3, {
      groupId: 'g',
      groupGenerationId: 1,
      memberId: 'm',
      groupInstanceId: null,
    });
    expect(decodeRequest(3, body).groupInstanceId).toBeNull();
  });
});

describe('Heartbeat against @platformatic/kafka (flexible v4)', () => {
  it('v4: decodes the request platformatic encodes', () => {
    const body = heartbeatV4.createRequest('my-group', 9, 'member-9', 'instance-9').buffer;
    expect(decodeRequest(4, body)).toEqual({
      groupId: 'my-group',
      generationId: 9,
      memberId: 'member-9',
      groupInstanceId: 'instance-9',
    });
    const noInstance = heartbeatV4.createRequest('my-group', 9, 'member-9', null).buffer;
    expect(decodeRequest(4, noInstance).groupInstanceId).toBeNull();
  });

  it('v4: platformatic parses the response we encode', () => {
    const body = encodeResponse(4, { throttleTimeMs: 5, errorCode: 0 });
    expect(platformaticParse(heartbeatV4, body)).toEqual({ throttleTimeMs: 5, errorCode: 0 });
  });
});

describe('Heartbeat golden bytes', () => {
  it('v0 request, derived by hand', () => {
    const hex = [
      '000167', // groupId "g"
      '0000002a', // generationId 42
      '00016d', // memberId "m"
    ].join('');
    const value = { groupId: 'g', generationId: 42, memberId: 'm' };
    expect(encodeRequest(0, value).toString('hex')).toBe(hex);
    expect(decodeRequest(0, Buffer.from(hex, 'hex'))).toEqual({ ...value, groupInstanceId: null });
  });

  it('v4 request (flexible), derived by hand', () => {
    const hex = [
      '0267', // groupId: compact "g"
      '0000002a', // generationId 42
      '026d', // memberId: compact "m"
      '0269', // groupInstanceId: compact nullable "i"
      '00', // tag section: empty
    ].join('');
    const value = { groupId: 'g', generationId: 42, memberId: 'm', groupInstanceId: 'i' };
    expect(encodeRequest(4, value).toString('hex')).toBe(hex);
    expect(decodeRequest(4, Buffer.from(hex, 'hex'))).toEqual(value);
  });

  it('v1 response, derived by hand', () => {
    expect(encodeResponse(1, { throttleTimeMs: 1, errorCode: 25 }).toString('hex')).toBe('00000001' + '0019');
    expect(decodeResponse(1, Buffer.from('000000010019', 'hex'))).toEqual({ throttleTimeMs: 1, errorCode: 25 });
  });

  it('skips an unknown tagged field (v4 request and response)', () => {
    // tag section: one field, tag 3, two bytes
    const request = Buffer.from('0267' + '0000002a' + '026d' + '00' + '010302abcd', 'hex');
    expect(decodeRequest(4, request)).toEqual({ groupId: 'g', generationId: 42, memberId: 'm', groupInstanceId: null });
    const response = Buffer.from('00000000' + '0000' + '01' + '1d03' + 'ffffff', 'hex'); // tag 29, 3 bytes
    expect(decodeResponse(4, response)).toEqual({ throttleTimeMs: 0, errorCode: 0 });
  });
});

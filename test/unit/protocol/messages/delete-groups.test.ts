import { deleteGroupsV2 } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { DeleteGroups } from '../../../../protocol/messages/delete-groups.js';
import { kafkajsDecodeResponse, kafkajsRequestBody } from '../../../helpers/kafkajs-oracle.js';
import { codecs } from '../../../helpers/message-codec.js';
import { platformaticParse } from '../../../helpers/platformatic-oracle.js';

const { encodeRequest, encodeResponse, decodeRequest, decodeResponse } = codecs(DeleteGroups);

describe('DeleteGroups against kafkajs (v0-1)', () => {
  for (let version = 0; version <= 1; version++) {
    it(`v${version}: decodes the request kafkajs encodes`, async () => {
      // kafkajs' DeleteGroups request takes the bare array of group ids
      const body = await kafkajsRequestBody('deleteGroups', version, ['group-a', 'group-b']);
      expect(decodeRequest(version, body)).toEqual({ groupsNames: ['group-a', 'group-b'] });
    });

    it(`v${version}: kafkajs decodes the response we encode`, async () => {
      const body = encodeResponse(version, {
        throttleTimeMs: 12,
        results: [
          { groupId: 'group-a', errorCode: 0 },
          { groupId: 'group-b', errorCode: 68 }, // NON_EMPTY_GROUP
        ],
      });
      const decoded = await kafkajsDecodeResponse('deleteGroups', version, body);
      expect(decoded).toMatchObject({
        throttleTimeMs: 12,
        results: [
          { groupId: 'group-a', errorCode: 0 },
          { groupId: 'group-b', errorCode: 68, error: { type: 'NON_EMPTY_GROUP' } },
        ],
      });
    });
  }
});

describe('DeleteGroups against @platformatic/kafka (flexible v2)', () => {
  it('v2: decodes the request platformatic encodes', () => {
    const body = deleteGroupsV2.createRequest(['group-a', 'group-b']).buffer;
    expect(decodeRequest(2, body)).toEqual({ groupsNames: ['group-a', 'group-b'] });
  });

  it('v2: platformatic parses the response we encode', () => {
    const results = [
      { groupId: 'group-a', errorCode: 0 },
      { groupId: 'group-b', errorCode: 0 },
    ];
    const body = encodeResponse(2, { throttleTimeMs: 3, results });
    expect(platformaticParse(deleteGroupsV2, body)).toEqual({ throttleTimeMs: 3, results });
  });
});

describe('DeleteGroups golden bytes', () => {
  it('v0 request and response, derived by hand', () => {
    const request = '00000001' + '000167'; // groupsNames: ["g"]
    expect(encodeRequest(0, { groupsNames: ['g'] }).toString('hex')).toBe(request);
    expect(decodeRequest(0, Buffer.from(request, 'hex'))).toEqual({ groupsNames: ['g'] });
    const response = [
      '00000000', // throttleTimeMs
      '00000001', // results: one
      '000167', // groupId "g"
      '0045', // errorCode 69 (GROUP_ID_NOT_FOUND)
    ].join('');
    const value = { throttleTimeMs: 0, results: [{ groupId: 'g', errorCode: 69 }] };
    expect(encodeResponse(0, value).toString('hex')).toBe(response);
    expect(decodeResponse(0, Buffer.from(response, 'hex'))).toEqual(value);
  });

  it('v2 response (flexible), derived by hand', () => {
    const hex = [
      '00000005', // throttleTimeMs 5
      '02', // results: one
      '0267', // groupId "g"
      '0000', // errorCode
      '00', // result tag section
      '00', // top-level tag section
    ].join('');
    const value = { throttleTimeMs: 5, results: [{ groupId: 'g', errorCode: 0 }] };
    expect(encodeResponse(2, value).toString('hex')).toBe(hex);
    expect(decodeResponse(2, Buffer.from(hex, 'hex'))).toEqual(value);
  });

  it('skips an unknown tagged field (v2 request)', () => {
    const hex = '02' + '0267' + '01' + '6402' + 'beef'; // ["g"], then tag 100 with two bytes
    expect(decodeRequest(2, Buffer.from(hex, 'hex'))).toEqual({ groupsNames: ['g'] });
  });
});

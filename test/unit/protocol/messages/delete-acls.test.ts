import { deleteAclsV2, deleteAclsV3 } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { DeleteAcls } from '../../../../protocol/messages/delete-acls.js';
import { kafkajsDecodeResponse, kafkajsRequestBody } from '../../../helpers/kafkajs-oracle.js';
import { codecs } from '../../../helpers/message-codec.js';
import { platformaticParse } from '../../../helpers/platformatic-oracle.js';

const { encodeRequest, encodeResponse, decodeRequest, decodeResponse } = codecs(DeleteAcls);

const matching = {
  errorCode: 0,
  errorMessage: null,
  resourceType: 2,
  resourceName: 'orders',
  patternType: 4,
  principal: 'User:alice',
  host: '*',
  operation: 3,
  permissionType: 3,
};

describe('DeleteAcls against kafkajs (v0-1)', () => {
  for (const version of [0, 1]) {
    it(`v${version}: decodes the request kafkajs encodes`, async () => {
      const body = await kafkajsRequestBody('deleteAcls', version, {
        filters: [
          {
            resourceType: 2,
            resourceName: 'orders',
            resourcePatternType: 4,
            principal: 'User:alice',
            host: null,
            operation: 3,
            permissionType: 3,
          },
          {
            resourceType: 1,
            resourceName: null,
            resourcePatternType: 1,
            principal: null,
            host: null,
            operation: 1,
            permissionType: 1,
          },
        ],
      });
      expect(decodeRequest(version, body)).toEqual({
        filters: [
          {
            resourceTypeFilter: 2,
            resourceNameFilter: 'orders',
            patternTypeFilter: version >= 1 ? 4 : 3,
            principalFilter: 'User:alice',
            hostFilter: null,
            operation: 3,
            permissionType: 3,
          },
          {
            resourceTypeFilter: 1,
            resourceNameFilter: null,
            patternTypeFilter: version >= 1 ? 1 : 3,
            principalFilter: null,
            hostFilter: null,
            operation: 1,
            permissionType: 1,
          },
        ],
      });
    });

    it(`v${version}: kafkajs decodes the response we encode`, async () => {
      const body = encodeResponse(version, {
        throttleTimeMs: 4,
        filterResults: [{ errorCode: 0, errorMessage: null, matchingAcls: [matching] }],
      });
      const decoded = await kafkajsDecodeResponse('deleteAcls', version, body);
      const { patternType, ...rest } = matching;
      expect(decoded).toMatchObject({
        filterResponses: [
          {
            errorCode: 0,
            errorMessage: null,
            matchingAcls: [version >= 1 ? { ...rest, resourcePatternType: patternType } : rest],
          },
        ],
      });
      if (version === 0) expect(decoded).toMatchObject({ throttleTime: 4 });
      else expect(decoded).toMatchObject({ throttleTime: 0, clientSideThrottleTime: 4 });
    });
  }
});

describe('DeleteAcls against @platformatic/kafka (flexible v2-3)', () => {
  const platformatic = { 2: deleteAclsV2, 3: deleteAclsV3 } as const;
  for (const version of [2, 3] as const) {
    const plt = platformatic[version];

    it(`v${version}: decodes the request platformatic encodes`, () => {
      const body = plt.createRequest([
        {
          resourceType: 2,
          resourceName: 'orders',
          resourcePatternType: 3,
          principal: null,
          host: '*',
          operation: 2,
          permissionType: 2,
        },
      ]).buffer;
      expect(decodeRequest(version, body)).toEqual({
        filters: [
          {
            resourceTypeFilter: 2,
            resourceNameFilter: 'orders',
            patternTypeFilter: 3,
            principalFilter: null,
            hostFilter: '*',
            operation: 2,
            permissionType: 2,
          },
        ],
      });
    });

    it(`v${version}: platformatic parses the response we encode`, () => {
      const body = encodeResponse(version, {
        throttleTimeMs: 0,
        filterResults: [{ errorCode: 0, errorMessage: null, matchingAcls: [matching] }],
      });
      const { patternType, ...rest } = matching;
      expect(platformaticParse(plt, body)).toEqual({
        throttleTimeMs: 0,
        filterResults: [
          { errorCode: 0, errorMessage: null, matchingAcls: [{ ...rest, resourcePatternType: patternType }] },
        ],
      });
    });
  }
});

describe('DeleteAcls golden bytes', () => {
  const filter = {
    resourceTypeFilter: 2,
    resourceNameFilter: 't',
    patternTypeFilter: 3,
    principalFilter: null,
    hostFilter: null,
    operation: 1,
    permissionType: 1,
  };

  it('v0 request, derived by hand (no pattern type before v1)', () => {
    const hex = ['00000001', '02', '000174', 'ffff', 'ffff', '01', '01'].join('');
    // one filter: TOPIC, name "t", principal null, host null, ANY, ANY
    expect(encodeRequest(0, { filters: [filter] }).toString('hex')).toBe(hex);
    expect(decodeRequest(0, Buffer.from(hex, 'hex'))).toEqual({ filters: [filter] });
  });

  it('v2 request (flexible), derived by hand', () => {
    const hex = ['02', '02', '0274', '03', '00', '00', '01', '01', '00', '00'].join('');
    // one filter: TOPIC, "t", LITERAL, null, null, ANY, ANY, filter tags, top-level tags
    expect(encodeRequest(2, { filters: [filter] }).toString('hex')).toBe(hex);
    expect(decodeRequest(2, Buffer.from(hex, 'hex'))).toEqual({ filters: [filter] });
  });

  it('v2 response (flexible), derived by hand', () => {
    const hex = [
      '00000000', // throttleTimeMs 0
      '02', // filterResults: one
      '0000', // errorCode 0
      '00', // errorMessage null
      '02', // matchingAcls: one
      '0000', // errorCode 0
      '00', // errorMessage null
      '02', // resourceType TOPIC
      '0274', // resourceName "t"
      '03', // patternType LITERAL
      '07557365723a61', // principal "User:a"
      '022a', // host "*"
      '03', // operation READ
      '03', // permissionType ALLOW
      '00', // matching ACL's tag section
      '00', // filter result's tag section
      '00', // top-level tag section
    ].join('');
    const value = {
      throttleTimeMs: 0,
      filterResults: [
        {
          errorCode: 0,
          errorMessage: null,
          matchingAcls: [
            {
              errorCode: 0,
              errorMessage: null,
              resourceType: 2,
              resourceName: 't',
              patternType: 3,
              principal: 'User:a',
              host: '*',
              operation: 3,
              permissionType: 3,
            },
          ],
        },
      ],
    };
    expect(encodeResponse(2, value).toString('hex')).toBe(hex);
    expect(decodeResponse(2, Buffer.from(hex, 'hex'))).toEqual(value);
  });

  it('skips an unknown tagged field (v3 response)', () => {
    const value = { throttleTimeMs: 0, filterResults: [] };
    const tagged = Buffer.from('00000000' + '01' + '01' + '0f0200ff', 'hex');
    expect(decodeResponse(3, tagged)).toEqual(value);
  });
});

import { createAclsV2, createAclsV3 } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { CreateAcls } from '../../../../protocol/messages/create-acls.js';
import { kafkajsDecodeResponse, kafkajsRequestBody } from '../../../helpers/kafkajs-oracle.js';
import { codecs } from '../../../helpers/message-codec.js';
import { platformaticParse } from '../../../helpers/platformatic-oracle.js';

const { encodeRequest, encodeResponse, decodeRequest, decodeResponse } = codecs(CreateAcls);

const creation = {
  resourceType: 2,
  resourceName: 'orders',
  resourcePatternType: 4,
  principal: 'User:alice',
  host: '*',
  operation: 3,
  permissionType: 3,
} as const;

describe('CreateAcls against kafkajs (v0-1)', () => {
  for (const version of [0, 1]) {
    it(`v${version}: decodes the request kafkajs encodes`, async () => {
      const body = await kafkajsRequestBody('createAcls', version, {
        creations: [creation, { ...creation, resourceType: 3, resourceName: 'billing', operation: 4 }],
      });
      const patternType = version >= 1 ? 4 : 3;
      expect(decodeRequest(version, body)).toEqual({
        creations: [
          { ...creation, resourcePatternType: patternType },
          { ...creation, resourceType: 3, resourceName: 'billing', operation: 4, resourcePatternType: patternType },
        ],
      });
    });

    it(`v${version}: kafkajs decodes the response we encode`, async () => {
      const body = encodeResponse(version, {
        throttleTimeMs: 3,
        results: [
          { errorCode: 0, errorMessage: null },
          { errorCode: 0, errorMessage: '' },
        ],
      });
      const decoded = await kafkajsDecodeResponse('createAcls', version, body);
      expect(decoded).toMatchObject({
        creationResponses: [
          { errorCode: 0, errorMessage: null },
          { errorCode: 0, errorMessage: '' },
        ],
      });
      if (version === 0) expect(decoded).toMatchObject({ throttleTime: 3 });
      else expect(decoded).toMatchObject({ throttleTime: 0, clientSideThrottleTime: 3 });
    });
  }
});

describe('CreateAcls against @platformatic/kafka (flexible v2-3)', () => {
  const platformatic = { 2: createAclsV2, 3: createAclsV3 } as const;
  for (const version of [2, 3] as const) {
    const plt = platformatic[version];

    it(`v${version}: decodes the request platformatic encodes`, () => {
      expect(decodeRequest(version, plt.createRequest([creation]).buffer)).toEqual({ creations: [creation] });
    });

    it(`v${version}: platformatic parses the response we encode`, () => {
      const body = encodeResponse(version, { throttleTimeMs: 1, results: [{ errorCode: 0, errorMessage: null }] });
      expect(platformaticParse(plt, body)).toEqual({
        throttleTimeMs: 1,
        results: [{ errorCode: 0, errorMessage: null }],
      });
    });
  }
});

describe('CreateAcls golden bytes', () => {
  const small = {
    resourceType: 2,
    resourceName: 't',
    resourcePatternType: 3,
    principal: 'User:a',
    host: '*',
    operation: 3,
    permissionType: 3,
  };

  it('v1 request, derived by hand', () => {
    const hex = [
      '00000001', // creations: one
      '02', // resourceType TOPIC
      '000174', // resourceName "t"
      '03', // resourcePatternType LITERAL
      '0006557365723a61', // principal "User:a"
      '00012a', // host "*"
      '03', // operation READ
      '03', // permissionType ALLOW
    ].join('');
    expect(encodeRequest(1, { creations: [small] }).toString('hex')).toBe(hex);
    expect(decodeRequest(1, Buffer.from(hex, 'hex'))).toEqual({ creations: [small] });
  });

  it('v2 request (flexible), derived by hand', () => {
    const hex = ['02', '02', '0274', '03', '07557365723a61', '022a', '03', '03', '00', '00'].join('');
    // one creation: TOPIC "t" LITERAL "User:a" "*" READ ALLOW, creation tags, top-level tags
    expect(encodeRequest(2, { creations: [small] }).toString('hex')).toBe(hex);
    expect(decodeRequest(2, Buffer.from(hex, 'hex'))).toEqual({ creations: [small] });
  });

  it('v0 response, derived by hand', () => {
    const hex = [
      '00000000', // throttleTimeMs 0
      '00000001', // results: one
      '0031', // errorCode 49 (SECURITY_DISABLED)
      '0002', // errorMessage length 2
      '6e6f', // "no"
    ].join('');
    const value = { throttleTimeMs: 0, results: [{ errorCode: 49, errorMessage: 'no' }] };
    expect(encodeResponse(0, value).toString('hex')).toBe(hex);
    expect(decodeResponse(0, Buffer.from(hex, 'hex'))).toEqual(value);
  });

  it('skips an unknown tagged field (v3 request, inside a creation)', () => {
    const plain = encodeRequest(3, { creations: [small] }).toString('hex');
    // replace the creation's empty tag section (2nd-from-last byte) with one unknown tag 2 of one byte
    const tagged = Buffer.from(plain.slice(0, -4) + '01020105' + '00', 'hex');
    expect(decodeRequest(3, tagged)).toEqual({ creations: [small] });
  });
});

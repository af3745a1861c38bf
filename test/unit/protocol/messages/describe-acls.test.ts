import { describeAclsV2, describeAclsV3 } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { DescribeAcls } from '../../../../protocol/messages/describe-acls.js';
import { kafkajsDecodeResponse, kafkajsRequestBody } from '../../../helpers/kafkajs-oracle.js';
import { codecs, withTopLevelTags } from '../../../helpers/message-codec.js';
import { platformaticParse } from '../../../helpers/platformatic-oracle.js';

const { encodeRequest, encodeResponse, decodeRequest, decodeResponse } = codecs(DescribeAcls);

// resource type 2 = TOPIC, pattern type 3 = LITERAL / 4 = PREFIXED, operation 3 = READ, permission 3 = ALLOW
const acl = { principal: 'User:alice', host: '*', operation: 3, permissionType: 3 };

describe('DescribeAcls against kafkajs (v0-1)', () => {
  for (const version of [0, 1]) {
    it(`v${version}: decodes the request kafkajs encodes`, async () => {
      const body = await kafkajsRequestBody('describeAcls', version, {
        resourceType: 2,
        resourceName: 'orders',
        resourcePatternType: 4,
        principal: null,
        host: '*',
        operation: 1,
        permissionType: 1,
      });
      expect(decodeRequest(version, body)).toEqual({
        resourceTypeFilter: 2,
        resourceNameFilter: 'orders',
        patternTypeFilter: version >= 1 ? 4 : 3,
        principalFilter: null,
        hostFilter: '*',
        operation: 1,
        permissionType: 1,
      });
    });

    it(`v${version}: kafkajs decodes the response we encode`, async () => {
      const body = encodeResponse(version, {
        throttleTimeMs: 8,
        errorCode: 0,
        errorMessage: null,
        resources: [{ resourceType: 2, resourceName: 'orders', patternType: 4, acls: [acl] }],
      });
      const decoded = await kafkajsDecodeResponse('describeAcls', version, body);
      expect(decoded).toMatchObject({
        errorCode: 0,
        errorMessage: null,
        resources: [
          { resourceType: 2, resourceName: 'orders', acls: [acl], ...(version >= 1 ? { resourcePatternType: 4 } : {}) },
        ],
      });
      if (version === 0) expect(decoded).toMatchObject({ throttleTime: 8 });
      else expect(decoded).toMatchObject({ throttleTime: 0, clientSideThrottleTime: 8 });
    });
  }
});

describe('DescribeAcls against @platformatic/kafka (flexible v2-3)', () => {
  const platformatic = { 2: describeAclsV2, 3: describeAclsV3 } as const;
  for (const version of [2, 3] as const) {
    const plt = platformatic[version];

    it(`v${version}: decodes the request platformatic encodes`, () => {
      const body = plt.createRequest({
        resourceType: 1,
        resourceName: null,
        resourcePatternType: 1,
        principal: 'User:bob',
        host: null,
        operation: 1,
        permissionType: 1,
      }).buffer;
      expect(decodeRequest(version, body)).toEqual({
        resourceTypeFilter: 1,
        resourceNameFilter: null,
        patternTypeFilter: 1,
        principalFilter: 'User:bob',
        hostFilter: null,
        operation: 1,
        permissionType: 1,
      });
    });

    it(`v${version}: platformatic parses the response we encode`, () => {
      const body = encodeResponse(version, {
        throttleTimeMs: 0,
        errorCode: 0,
        errorMessage: null,
        resources: [{ resourceType: 2, resourceName: 'orders', patternType: 3, acls: [acl] }],
      });
      expect(platformaticParse(plt, body)).toEqual({
        throttleTimeMs: 0,
        errorCode: 0,
        errorMessage: null,
        resources: [{ resourceType: 2, resourceName: 'orders', resourcePatternType: 3, acls: [acl] }],
      });
    });
  }
});

describe('DescribeAcls golden bytes', () => {
  it('v0 request, derived by hand (no pattern type before v1)', () => {
    const hex = [
      '02', // resourceTypeFilter 2 (TOPIC)
      'ffff', // resourceNameFilter null
      'ffff', // principalFilter null
      '00012a', // hostFilter "*"
      '01', // operation 1 (ANY)
      '01', // permissionType 1 (ANY)
    ].join('');
    const value = {
      resourceTypeFilter: 2,
      resourceNameFilter: null,
      patternTypeFilter: 3,
      principalFilter: null,
      hostFilter: '*',
      operation: 1,
      permissionType: 1,
    };
    expect(encodeRequest(0, value).toString('hex')).toBe(hex);
    expect(decodeRequest(0, Buffer.from(hex, 'hex'))).toEqual(value);
  });

  it('v2 request (flexible), derived by hand', () => {
    const hex = ['02', '0274', '03', '00', '022a', '01', '01', '00'].join('');
    // TOPIC, name "t", LITERAL, principal null, host "*", ANY, ANY, empty tags
    const value = {
      resourceTypeFilter: 2,
      resourceNameFilter: 't',
      patternTypeFilter: 3,
      principalFilter: null,
      hostFilter: '*',
      operation: 1,
      permissionType: 1,
    };
    expect(encodeRequest(2, value).toString('hex')).toBe(hex);
    expect(decodeRequest(2, Buffer.from(hex, 'hex'))).toEqual(value);
  });

  it('v1 response, derived by hand', () => {
    const hex = [
      '00000000', // throttleTimeMs 0
      '0000', // errorCode 0
      'ffff', // errorMessage null
      '00000001', // resources: one
      '02', // resourceType TOPIC
      '000174', // resourceName "t"
      '04', // patternType PREFIXED
      '00000001', // acls: one
      '0006557365723a61', // principal "User:a"
      '00012a', // host "*"
      '03', // operation READ
      '03', // permissionType ALLOW
    ].join('');
    const value = {
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: null,
      resources: [
        {
          resourceType: 2,
          resourceName: 't',
          patternType: 4,
          acls: [{ principal: 'User:a', host: '*', operation: 3, permissionType: 3 }],
        },
      ],
    };
    expect(encodeResponse(1, value).toString('hex')).toBe(hex);
    expect(decodeResponse(1, Buffer.from(hex, 'hex'))).toEqual(value);
  });

  it('skips an unknown tagged field (v3 response)', () => {
    const value = { throttleTimeMs: 0, errorCode: 31, errorMessage: 'denied', resources: [] };
    const plain = encodeResponse(3, value);
    const tagged = withTopLevelTags(plain, '01010100');
    expect(decodeResponse(3, tagged)).toEqual(value);
  });
});

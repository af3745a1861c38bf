import { syncGroupV4, syncGroupV5 } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { SyncGroup } from '../../../../protocol/messages/sync-group.js';
import { kafkajsDecodeResponse, kafkajsRequestBody } from '../../../helpers/kafkajs-oracle.js';
import { codecs } from '../../../helpers/message-codec.js';
import { platformaticParse } from '../../../helpers/platformatic-oracle.js';

const { encodeRequest, encodeResponse, decodeRequest, decodeResponse } = codecs(SyncGroup);

const assignment = Buffer.from('00000000000100017400000001000000000000', 'hex');

describe('SyncGroup against kafkajs (v0-3)', () => {
  for (let version = 0; version <= 3; version++) {
    it(`v${version}: decodes the request kafkajs encodes`, async () => {
      const body = await kafkajsRequestBody('syncGroup', version, {
        groupId: 'my-group',
        generationId: 3,
        memberId: 'leader-1',
        groupInstanceId: 'instance-1',
        groupAssignment: [
          { memberId: 'leader-1', memberAssignment: assignment },
          { memberId: 'member-2', memberAssignment: Buffer.alloc(0) },
        ],
      });
      expect(decodeRequest(version, body)).toEqual({
        groupId: 'my-group',
        generationId: 3,
        memberId: 'leader-1',
        groupInstanceId: version >= 3 ? 'instance-1' : null,
        protocolType: null,
        protocolName: null,
        assignments: [
          { memberId: 'leader-1', assignment },
          { memberId: 'member-2', assignment: Buffer.alloc(0) },
        ],
      });
    });

    it(`v${version}: kafkajs decodes the response we encode`, async () => {
      const body = encodeResponse(version, { throttleTimeMs: 6, errorCode: 0, assignment });
      const decoded = await kafkajsDecodeResponse('syncGroup', version, body);
      if (version === 0) expect(decoded).toEqual({ errorCode: 0, memberAssignment: assignment });
      if (version === 1) expect(decoded).toEqual({ throttleTime: 6, errorCode: 0, memberAssignment: assignment });
      if (version >= 2) {
        expect(decoded).toEqual({
          throttleTime: 0,
          clientSideThrottleTime: 6,
          errorCode: 0,
          memberAssignment: assignment,
        });
      }
    });
  }
});

describe('SyncGroup against @platformatic/kafka (flexible v4-5)', () => {
  for (const [version, plt] of [
    [4, syncGroupV4],
    [5, syncGroupV5],
  ] as const) {
    it(`v${version}: decodes the request platformatic encodes`, () => {
      const body = plt.createRequest('my-group', 3, 'leader-1', null, 'consumer', 'range', [
        { memberId: 'leader-1', assignment },
      ]).buffer;
      expect(decodeRequest(version, body)).toEqual({
        groupId: 'my-group',
        generationId: 3,
        memberId: 'leader-1',
        groupInstanceId: null,
        protocolType: version >= 5 ? 'consumer' : null,
        protocolName: version >= 5 ? 'range' : null,
        assignments: [{ memberId: 'leader-1', assignment }],
      });
    });

    it(`v${version}: platformatic parses the response we encode`, () => {
      const body = encodeResponse(version, {
        throttleTimeMs: 2,
        errorCode: 0,
        protocolType: 'consumer',
        protocolName: 'range',
        assignment,
      });
      expect(platformaticParse(plt, body)).toEqual({
        throttleTimeMs: 2,
        errorCode: 0,
        protocolType: version >= 5 ? 'consumer' : null,
        protocolName: version >= 5 ? 'range' : null,
        assignment,
      });
    });
  }
});

describe('SyncGroup golden bytes', () => {
  it('v0 request, derived by hand', () => {
    const hex = [
      '000167', // groupId "g"
      '00000001', // generationId 1
      '00016d', // memberId "m"
      '00000001', // assignments: one
      '00016d', // memberId "m"
      '00000002' + 'abcd', // assignment: two bytes
    ].join('');
    const value = {
      groupId: 'g',
      generationId: 1,
      memberId: 'm',
      assignments: [{ memberId: 'm', assignment: Buffer.from('abcd', 'hex') }],
    };
    expect(encodeRequest(0, value).toString('hex')).toBe(hex);
    expect(decodeRequest(0, Buffer.from(hex, 'hex'))).toEqual({
      ...value,
      groupInstanceId: null,
      protocolType: null,
      protocolName: null,
    });
  });

  it('v5 response (flexible), derived by hand', () => {
    const hex = [
      '00000000', // throttleTimeMs
      '0000', // errorCode
      '09636f6e73756d6572', // protocolType "consumer"
      '00', // protocolName null
      '03abcd', // assignment: compact bytes, two
      '00', // tag section: empty
    ].join('');
    const value = {
      throttleTimeMs: 0,
      errorCode: 0,
      protocolType: 'consumer',
      protocolName: null,
      assignment: Buffer.from('abcd', 'hex'),
    };
    expect(encodeResponse(5, value).toString('hex')).toBe(hex);
    expect(decodeResponse(5, Buffer.from(hex, 'hex'))).toEqual(value);
  });

  it('skips an unknown tagged field (v4 response)', () => {
    const hex = [
      '00000000', // throttleTimeMs
      '0000', // errorCode
      '01', // assignment: empty compact bytes
      '01' + '0b02' + 'abcd', // tag section: tag 11, two bytes
    ].join('');
    expect(decodeResponse(4, Buffer.from(hex, 'hex'))).toEqual({
      throttleTimeMs: 0,
      errorCode: 0,
      protocolType: null,
      protocolName: null,
      assignment: Buffer.alloc(0),
    });
  });
});

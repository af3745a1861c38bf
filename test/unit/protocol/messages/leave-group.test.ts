import { leaveGroupV4, leaveGroupV5 } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { LeaveGroup } from '../../../../protocol/messages/leave-group.js';
import { kafkajsDecodeResponse, kafkajsRequestBody } from '../../../helpers/kafkajs-oracle.js';
import { codecs } from '../../../helpers/message-codec.js';
import { platformaticParse } from '../../../helpers/platformatic-oracle.js';

const { encodeRequest, encodeResponse, decodeRequest, decodeResponse } = codecs(LeaveGroup);

describe('LeaveGroup against kafkajs (v0-3)', () => {
  for (let version = 0; version <= 2; version++) {
    it(`v${version}: decodes the request kafkajs encodes`, async () => {
      const body = await kafkajsRequestBody('leaveGroup', version, { groupId: 'my-group', memberId: 'member-1' });
      expect(decodeRequest(version, body)).toEqual({ groupId: 'my-group', memberId: 'member-1', members: [] });
    });

    it(`v${version}: kafkajs decodes the response we encode`, async () => {
      const body = encodeResponse(version, { throttleTimeMs: 4, errorCode: 25 });
      const decoded = await kafkajsDecodeResponse('leaveGroup', version, body);
      if (version === 0) expect(decoded).toEqual({ errorCode: 25 });
      if (version === 1) expect(decoded).toEqual({ throttleTime: 4, errorCode: 25 });
      if (version === 2) expect(decoded).toEqual({ throttleTime: 0, clientSideThrottleTime: 4, errorCode: 25 });
    });
  }

  it('v3: decodes the batched request kafkajs encodes', async () => {
    const body = await kafkajsRequestBody('leaveGroup', 3, {
      groupId: 'my-group',
      members: [{ memberId: 'member-1', groupInstanceId: 'instance-1' }, { memberId: 'member-2' }],
    });
    expect(decodeRequest(3, body)).toEqual({
      groupId: 'my-group',
      memberId: '',
      members: [
        { memberId: 'member-1', groupInstanceId: 'instance-1', reason: null },
        { memberId: 'member-2', groupInstanceId: null, reason: null },
      ],
    });
  });

  it('v3: kafkajs decodes the batched response we encode', async () => {
    const body = encodeResponse(3, {
      throttleTimeMs: 4,
      errorCode: 0,
      members: [
        { memberId: 'member-1', groupInstanceId: 'instance-1', errorCode: 0 },
        { memberId: 'member-2', groupInstanceId: null, errorCode: 25 },
      ],
    });
    expect(await kafkajsDecodeResponse('leaveGroup', 3, body)).toEqual({
      throttleTime: 0,
      clientSideThrottleTime: 4,
      errorCode: 0,
      members: [
        { memberId: 'member-1', groupInstanceId: 'instance-1', errorCode: 0 },
        { memberId: 'member-2', groupInstanceId: null, errorCode: 25 },
      ],
    });
  });
});

describe('LeaveGroup against @platformatic/kafka (flexible v4-5)', () => {
  it('v4: decodes the request platformatic encodes', () => {
    const body = leaveGroupV4.createRequest('my-group', [
      { memberId: 'member-1', groupInstanceId: 'instance-1' },
      { memberId: 'member-2', groupInstanceId: null },
    ]).buffer;
    expect(decodeRequest(4, body)).toEqual({
      groupId: 'my-group',
      memberId: '',
      members: [
        { memberId: 'member-1', groupInstanceId: 'instance-1', reason: null },
        { memberId: 'member-2', groupInstanceId: null, reason: null },
      ],
    });
  });

  it('v5: decodes the request platformatic encodes, with reasons', () => {
    const body = leaveGroupV5.createRequest('my-group', [
      { memberId: 'member-1', groupInstanceId: null, reason: 'shutting down' },
    ]).buffer;
    expect(decodeRequest(5, body)).toEqual({
      groupId: 'my-group',
      memberId: '',
      members: [{ memberId: 'member-1', groupInstanceId: null, reason: 'shutting down' }],
    });
  });

  for (const [version, plt] of [
    [4, leaveGroupV4],
    [5, leaveGroupV5],
  ] as const) {
    it(`v${version}: platformatic parses the response we encode`, () => {
      const members = [
        { memberId: 'member-1', groupInstanceId: 'instance-1', errorCode: 0 },
        { memberId: 'member-2', groupInstanceId: null, errorCode: 0 },
      ];
      const body = encodeResponse(version, { throttleTimeMs: 8, errorCode: 0, members });
      expect(platformaticParse(plt, body)).toEqual({
        throttleTimeMs: 8,
        errorCode: 0,
        members,
      });
    });
  }
});

describe('LeaveGroup golden bytes', () => {
  it('v0 request, derived by hand', () => {
    const hex = '000167' + '00016d'; // groupId "g", memberId "m"
    expect(encodeRequest(0, { groupId: 'g', memberId: 'm' }).toString('hex')).toBe(hex);
    expect(decodeRequest(0, Buffer.from(hex, 'hex'))).toEqual({ groupId: 'g', memberId: 'm', members: [] });
  });

  it('v5 request (flexible), derived by hand', () => {
    const hex = [
      '0267', // groupId: compact "g"
      '02', // members: compact array of one
      '026d', // memberId "m"
      '00', // groupInstanceId null
      '037879', // reason "xy"
      '00', // member tag section: empty
      '00', // top-level tag section: empty
    ].join('');
    const value = { groupId: 'g', members: [{ memberId: 'm', groupInstanceId: null, reason: 'xy' }] };
    expect(encodeRequest(5, value).toString('hex')).toBe(hex);
    expect(decodeRequest(5, Buffer.from(hex, 'hex'))).toEqual({ ...value, memberId: '' });
  });

  it('v3 response, derived by hand', () => {
    const hex = [
      '00000000', // throttleTimeMs
      '0000', // errorCode
      '00000001', // members: one
      '00016d', // memberId "m"
      'ffff', // groupInstanceId null
      '0019', // errorCode 25
    ].join('');
    const value = {
      throttleTimeMs: 0,
      errorCode: 0,
      members: [{ memberId: 'm', groupInstanceId: null, errorCode: 25 }],
    };
    expect(encodeResponse(3, value).toString('hex')).toBe(hex);
    expect(decodeResponse(3, Buffer.from(hex, 'hex'))).toEqual(value);
  });

  it('skips an unknown tagged field inside a member (v4 response)', () => {
    const hex = [
      '00000000', // throttleTimeMs
      '0000', // errorCode
      '02', // members: one
      '026d', // memberId "m"
      '00', // groupInstanceId null
      '0000', // errorCode
      '01' + '0a01' + 'ff', // member tag section: tag 10, one byte
      '00', // top-level tag section: empty
    ].join('');
    expect(decodeResponse(4, Buffer.from(hex, 'hex'))).toEqual({
      throttleTimeMs: 0,
      errorCode: 0,
      members: [{ memberId: 'm', groupInstanceId: null, errorCode: 0 }],
    });
  });
});

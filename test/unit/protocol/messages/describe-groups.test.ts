import { describeGroupsV5 } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { DescribeGroups } from '../../../../protocol/messages/describe-groups.js';
import { kafkajsDecodeResponse, kafkajsRequestBody } from '../../../helpers/kafkajs-oracle.js';
import { codecs } from '../../../helpers/message-codec.js';
import { platformaticParse } from '../../../helpers/platformatic-oracle.js';

const { encodeRequest, encodeResponse, decodeRequest, decodeResponse } = codecs(DescribeGroups);

const memberMetadata = Buffer.from('0001000000017400000000', 'hex');
const memberAssignment = Buffer.from('000000000001000174000000010000000000000000', 'hex');

const stableGroup = {
  errorCode: 0,
  groupId: 'my-group',
  groupState: 'Stable',
  protocolType: 'consumer',
  protocolData: 'range',
  members: [
    {
      memberId: 'member-1',
      groupInstanceId: 'instance-1',
      clientId: 'client-1',
      clientHost: '/127.0.0.1',
      memberMetadata,
      memberAssignment,
    },
  ],
  authorizedOperations: 0x0f,
};

describe('DescribeGroups against kafkajs (v0-2)', () => {
  for (let version = 0; version <= 2; version++) {
    it(`v${version}: decodes the request kafkajs encodes`, async () => {
      const body = await kafkajsRequestBody('describeGroups', version, { groupIds: ['group-a', 'group-b'] });
      expect(decodeRequest(version, body)).toEqual({
        groups: ['group-a', 'group-b'],
        includeAuthorizedOperations: false,
      });
    });

    it(`v${version}: kafkajs decodes the response we encode`, async () => {
      const body = encodeResponse(version, {
        throttleTimeMs: 9,
        groups: [stableGroup, { ...stableGroup, errorCode: 0, groupId: 'empty', groupState: 'Empty', members: [] }],
      });
      const decoded = await kafkajsDecodeResponse('describeGroups', version, body);
      const member = {
        memberId: 'member-1',
        clientId: 'client-1',
        clientHost: '/127.0.0.1',
        memberMetadata,
        memberAssignment,
      };
      const groups = [
        {
          errorCode: 0,
          groupId: 'my-group',
          state: 'Stable',
          protocolType: 'consumer',
          protocol: 'range',
          members: [member],
        },
        { errorCode: 0, groupId: 'empty', state: 'Empty', protocolType: 'consumer', protocol: 'range', members: [] },
      ];
      if (version === 0) expect(decoded).toEqual({ groups });
      if (version === 1) expect(decoded).toEqual({ throttleTime: 9, groups });
      if (version === 2) expect(decoded).toEqual({ throttleTime: 0, clientSideThrottleTime: 9, groups });
    });
  }
});

describe('DescribeGroups against @platformatic/kafka (flexible v5)', () => {
  it('v5: decodes the request platformatic encodes', () => {
    const body = describeGroupsV5.createRequest(['group-a'], true).buffer;
    expect(decodeRequest(5, body)).toEqual({ groups: ['group-a'], includeAuthorizedOperations: true });
  });

  it('v5: platformatic parses the response we encode', () => {
    const body = encodeResponse(5, { throttleTimeMs: 1, groups: [stableGroup] });
    expect(platformaticParse(describeGroupsV5, body)).toEqual({
      throttleTimeMs: 1,
      groups: [stableGroup],
    });
  });
});

describe('DescribeGroups golden bytes', () => {
  it('v0 request, derived by hand', () => {
    const hex = '00000001' + '000167'; // groups: one, "g"
    expect(encodeRequest(0, { groups: ['g'] }).toString('hex')).toBe(hex);
    expect(decodeRequest(0, Buffer.from(hex, 'hex'))).toEqual({ groups: ['g'], includeAuthorizedOperations: false });
  });

  it('v5 response (flexible), derived by hand', () => {
    const hex = [
      '00000000', // throttleTimeMs
      '02', // groups: one
      '0010', // errorCode 16 (NOT_COORDINATOR)
      '0267', // groupId "g"
      '01', // groupState ''
      '01', // protocolType ''
      '01', // protocolData ''
      '01', // members: none
      '80000000', // authorizedOperations: INT32_MIN (not requested)
      '00', // group tag section
      '00', // top-level tag section
    ].join('');
    const value = {
      throttleTimeMs: 0,
      groups: [
        {
          errorCode: 16,
          groupId: 'g',
          groupState: '',
          protocolType: '',
          protocolData: '',
          members: [],
          authorizedOperations: -2147483648,
        },
      ],
    };
    const input = {
      groups: [{ errorCode: 16, groupId: 'g', groupState: '', protocolType: '', protocolData: '', members: [] }],
    };
    expect(encodeResponse(5, input).toString('hex')).toBe(hex);
    expect(decodeResponse(5, Buffer.from(hex, 'hex'))).toEqual(value);
  });

  it('defaults authorizedOperations and groupInstanceId in versions without them', () => {
    const decoded = decodeResponse(2, encodeResponse(2, { throttleTimeMs: 0, groups: [stableGroup] }));
    expect(decoded.groups[0]!.authorizedOperations).toBe(-2147483648);
    expect(decoded.groups[0]!.members[0]!.groupInstanceId).toBeNull();
  });

  it('skips an unknown tagged field (v5 request)', () => {
    const hex = '02' + '0267' + '00' + '01' + '0004' + '00000000'; // groups ["g"], false, tag 0 with four bytes
    expect(decodeRequest(5, Buffer.from(hex, 'hex'))).toEqual({ groups: ['g'], includeAuthorizedOperations: false });
  });
});

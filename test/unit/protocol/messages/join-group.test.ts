import { joinGroupV6, joinGroupV7, joinGroupV8, joinGroupV9 } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { JoinGroup } from '../../../../protocol/messages/join-group.js';
import { kafkajsDecodeResponse, kafkajsRequestBody } from '../../../helpers/kafkajs-oracle.js';
import { codecs, withTopLevelTags } from '../../../helpers/message-codec.js';
import { platformaticParse } from '../../../helpers/platformatic-oracle.js';

const { encodeRequest, encodeResponse, decodeRequest, decodeResponse } = codecs(JoinGroup);

const metadata = Buffer.from('0001000000017400000000', 'hex');

describe('JoinGroup against kafkajs (v0-5)', () => {
  for (let version = 0; version <= 5; version++) {
    it(`v${version}: decodes the request kafkajs encodes`, async () => {
      const body = await kafkajsRequestBody('joinGroup', version, {
        groupId: 'my-group',
        sessionTimeout: 30000,
        rebalanceTimeout: 60000,
        memberId: 'member-1',
        groupInstanceId: 'instance-1',
        protocolType: 'consumer',
        groupProtocols: [
          { name: 'RoundRobinAssigner', metadata },
          { name: 'range', metadata: Buffer.alloc(0) },
        ],
      });
      expect(decodeRequest(version, body)).toEqual({
        groupId: 'my-group',
        sessionTimeoutMs: 30000,
        rebalanceTimeoutMs: version >= 1 ? 60000 : -1,
        memberId: 'member-1',
        groupInstanceId: version >= 5 ? 'instance-1' : null,
        protocolType: 'consumer',
        protocols: [
          { name: 'RoundRobinAssigner', metadata },
          { name: 'range', metadata: Buffer.alloc(0) },
        ],
        reason: null,
      });
    });

    it(`v${version}: kafkajs decodes the response we encode`, async () => {
      const body = encodeResponse(version, {
        throttleTimeMs: 25,
        errorCode: 0,
        generationId: 7,
        protocolName: 'RoundRobinAssigner',
        leader: 'member-1',
        memberId: 'member-2',
        members: [
          { memberId: 'member-1', groupInstanceId: 'instance-1', metadata },
          { memberId: 'member-2', groupInstanceId: null, metadata: Buffer.alloc(0) },
        ],
      });
      const decoded = await kafkajsDecodeResponse('joinGroup', version, body);
      expect(decoded).toMatchObject({
        errorCode: 0,
        generationId: 7,
        groupProtocol: 'RoundRobinAssigner',
        leaderId: 'member-1',
        memberId: 'member-2',
        members: [
          {
            memberId: 'member-1',
            memberMetadata: metadata,
            ...(version >= 5 ? { groupInstanceId: 'instance-1' } : {}),
          },
          { memberId: 'member-2', memberMetadata: Buffer.alloc(0), ...(version >= 5 ? { groupInstanceId: null } : {}) },
        ],
      });
      if (version === 2) expect(decoded).toMatchObject({ throttleTime: 25 });
      if (version >= 3) expect(decoded).toMatchObject({ throttleTime: 0, clientSideThrottleTime: 25 });
    });
  }
});

describe('JoinGroup against @platformatic/kafka (flexible v6-9)', () => {
  const platformatic = { 6: joinGroupV6, 7: joinGroupV7, 8: joinGroupV8, 9: joinGroupV9 } as const;
  for (const version of [6, 7, 8, 9] as const) {
    const plt = platformatic[version];

    it(`v${version}: decodes the request platformatic encodes`, () => {
      const body = plt.createRequest(
        'my-group',
        45000,
        300000,
        '',
        'instance-1',
        'consumer',
        [{ name: 'cooperative-sticky', metadata }],
        'rejoin',
      ).buffer;
      expect(decodeRequest(version, body)).toEqual({
        groupId: 'my-group',
        sessionTimeoutMs: 45000,
        rebalanceTimeoutMs: 300000,
        memberId: '',
        groupInstanceId: 'instance-1',
        protocolType: 'consumer',
        protocols: [{ name: 'cooperative-sticky', metadata }],
        reason: version >= 8 ? 'rejoin' : null,
      });
    });

    it(`v${version}: platformatic parses the response we encode`, () => {
      const body = encodeResponse(version, {
        throttleTimeMs: 3,
        errorCode: 0,
        generationId: 12,
        protocolType: 'consumer',
        protocolName: 'cooperative-sticky',
        leader: 'leader-1',
        skipAssignment: true,
        memberId: 'leader-1',
        members: [{ memberId: 'leader-1', groupInstanceId: 'instance-1', metadata }],
      });
      const parsed = platformaticParse(plt, body);
      expect(parsed).toMatchObject({
        throttleTimeMs: 3,
        errorCode: 0,
        generationId: 12,
        protocolName: 'cooperative-sticky',
        leader: 'leader-1',
        memberId: 'leader-1',
        members: [{ memberId: 'leader-1', groupInstanceId: 'instance-1', metadata }],
      });
      // platformatic reads ProtocolType from v7 and SkipAssignment from v9 only, as Kafka declares them
      if (version >= 7) expect(parsed.protocolType).toBe('consumer');
      if (version === 9) expect(parsed.skipAssignment).toBe(true);
    });
  }
});

describe('JoinGroup golden bytes', () => {
  it('v6 request (flexible), derived by hand', () => {
    const hex = [
      '096d792d67726f7570', // groupId: compact string "my-group" (length + 1 = 9)
      '00007530', // sessionTimeoutMs 30000
      '0000ea60', // rebalanceTimeoutMs 60000
      '01', // memberId ''
      '00', // groupInstanceId null
      '09636f6e73756d6572', // protocolType "consumer"
      '02', // protocols: compact array of one
      '0672616e6765', // name "range"
      '030102', // metadata: compact bytes 0x0102
      '00', // protocol's tag section: empty
      '00', // top-level tag section: empty
    ].join('');
    const value = {
      groupId: 'my-group',
      sessionTimeoutMs: 30000,
      rebalanceTimeoutMs: 60000,
      memberId: '',
      groupInstanceId: null,
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: Buffer.from([1, 2]) }],
      reason: null,
    };
    expect(encodeRequest(6, value).toString('hex')).toBe(hex);
    expect(decodeRequest(6, Buffer.from(hex, 'hex'))).toEqual(value);
  });

  it('v0 response, derived by hand', () => {
    const hex = [
      '0000', // errorCode
      '00000001', // generationId
      '000572616e6765', // protocolName "range"
      '000161', // leader "a"
      '000161', // memberId "a"
      '00000001', // members: one
      '000161', // memberId "a"
      '00000000', // metadata: empty bytes
    ].join('');
    const body = encodeResponse(0, {
      errorCode: 0,
      generationId: 1,
      protocolName: 'range',
      leader: 'a',
      memberId: 'a',
      members: [{ memberId: 'a', metadata: Buffer.alloc(0) }],
    });
    expect(body.toString('hex')).toBe(hex);
    expect(decodeResponse(0, body)).toEqual({
      throttleTimeMs: 0,
      errorCode: 0,
      generationId: 1,
      protocolType: null,
      protocolName: 'range',
      leader: 'a',
      skipAssignment: false,
      memberId: 'a',
      members: [{ memberId: 'a', groupInstanceId: null, metadata: Buffer.alloc(0) }],
    });
  });

  it('v7 response: a null protocol name is allowed from v7 only', () => {
    const value = { errorCode: 0, protocolName: null, leader: '', memberId: '', members: [] };
    expect(decodeResponse(7, encodeResponse(7, value)).protocolName).toBeNull();
    expect(() => encodeResponse(6, value)).toThrow();
  });

  it('skips an unknown tagged field (v9 response)', () => {
    const plain = encodeResponse(9, { errorCode: 0, protocolName: 'range', leader: 'a', memberId: 'a', members: [] });
    // replace the empty top-level tag section (last byte) with one unknown tag 7 of two bytes
    const tagged = withTopLevelTags(plain, '010702abcd');
    expect(decodeResponse(9, tagged)).toEqual(decodeResponse(9, plain));
  });
});

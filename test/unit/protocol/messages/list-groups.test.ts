import { listGroupsV4, listGroupsV5 } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { ListGroups } from '../../../../protocol/messages/list-groups.js';
import { kafkajsDecodeResponse, kafkajsRequestBody } from '../../../helpers/kafkajs-oracle.js';
import { codecs } from '../../../helpers/message-codec.js';
import { platformaticParse } from '../../../helpers/platformatic-oracle.js';

const { encodeRequest, encodeResponse, decodeRequest, decodeResponse } = codecs(ListGroups);

describe('ListGroups against kafkajs (v0-2)', () => {
  for (let version = 0; version <= 2; version++) {
    it(`v${version}: decodes the (empty) request kafkajs encodes`, async () => {
      const body = await kafkajsRequestBody('listGroups', version, {});
      expect(body.length).toBe(0);
      expect(decodeRequest(version, body)).toEqual({ statesFilter: [], typesFilter: [] });
    });

    it(`v${version}: kafkajs decodes the response we encode`, async () => {
      const body = encodeResponse(version, {
        throttleTimeMs: 11,
        errorCode: 0,
        groups: [
          { groupId: 'group-a', protocolType: 'consumer', groupState: 'Stable' },
          { groupId: 'connect-b', protocolType: 'connect' },
        ],
      });
      const decoded = await kafkajsDecodeResponse('listGroups', version, body);
      const groups = [
        { groupId: 'group-a', protocolType: 'consumer' },
        { groupId: 'connect-b', protocolType: 'connect' },
      ];
      if (version === 0) expect(decoded).toEqual({ errorCode: 0, groups });
      if (version === 1) expect(decoded).toEqual({ throttleTime: 11, errorCode: 0, groups });
      if (version === 2) expect(decoded).toEqual({ throttleTime: 0, clientSideThrottleTime: 11, errorCode: 0, groups });
    });
  }
});

describe('ListGroups against @platformatic/kafka (flexible v4-5)', () => {
  it('v4: decodes the request platformatic encodes', () => {
    // platformatic takes upper-case state names and writes v4 filters in Kafka's PascalCase
    const body = listGroupsV4.createRequest(['STABLE', 'EMPTY'], ['classic']).buffer;
    expect(decodeRequest(4, body)).toEqual({ statesFilter: ['Stable', 'Empty'], typesFilter: [] });
  });

  it('v5: decodes the request platformatic encodes', () => {
    // ... but writes v5 filters unchanged
    const body = listGroupsV5.createRequest(['STABLE'], ['classic', 'consumer']).buffer;
    expect(decodeRequest(5, body)).toEqual({ statesFilter: ['STABLE'], typesFilter: ['classic', 'consumer'] });
  });

  it('v4: platformatic parses the response we encode', () => {
    const body = encodeResponse(4, {
      throttleTimeMs: 0,
      errorCode: 0,
      groups: [{ groupId: 'group-a', protocolType: 'consumer', groupState: 'Stable', groupType: 'classic' }],
    });
    expect(platformaticParse(listGroupsV4, body)).toEqual({
      throttleTimeMs: 0,
      errorCode: 0,
      groups: [{ groupId: 'group-a', protocolType: 'consumer', groupState: 'Stable' }],
    });
  });

  it('v5: platformatic parses the response we encode', () => {
    const groups = [
      { groupId: 'group-a', protocolType: 'consumer', groupState: 'Stable', groupType: 'classic' },
      { groupId: 'group-b', protocolType: 'consumer', groupState: 'Empty', groupType: 'consumer' },
    ];
    const body = encodeResponse(5, { throttleTimeMs: 2, errorCode: 0, groups });
    expect(platformaticParse(listGroupsV5, body)).toEqual({
      throttleTimeMs: 2,
      errorCode: 0,
      groups,
    });
  });
});

describe('ListGroups golden bytes', () => {
  it('v0 response, derived by hand', () => {
    const hex = [
      '0000', // errorCode
      '00000001', // groups: one
      '000167', // groupId "g"
      '0008636f6e73756d6572', // protocolType "consumer"
    ].join('');
    const value = { errorCode: 0, groups: [{ groupId: 'g', protocolType: 'consumer' }] };
    expect(encodeResponse(0, value).toString('hex')).toBe(hex);
    expect(decodeResponse(0, Buffer.from(hex, 'hex'))).toEqual({
      throttleTimeMs: 0,
      errorCode: 0,
      groups: [{ groupId: 'g', protocolType: 'consumer', groupState: '', groupType: '' }],
    });
  });

  it('v3 request (flexible, no fields) and v5 request, derived by hand', () => {
    expect(encodeRequest(3, {}).toString('hex')).toBe('00'); // only the empty tag section
    const hex = [
      '02' + '07537461626c65', // statesFilter: ["Stable"]
      '01', // typesFilter: []
      '00', // tag section
    ].join('');
    expect(encodeRequest(5, { statesFilter: ['Stable'] }).toString('hex')).toBe(hex);
    expect(decodeRequest(5, Buffer.from(hex, 'hex'))).toEqual({ statesFilter: ['Stable'], typesFilter: [] });
  });

  it('skips an unknown tagged field (v3 request)', () => {
    expect(decodeRequest(3, Buffer.from('02' + '0001ff' + '0100', 'hex'))).toEqual({
      statesFilter: [],
      typesFilter: [],
    });
  });
});

import { describe, expect, it } from 'vitest';
import { UpdateMetadata } from '../../../../protocol/messages/update-metadata.js';
import { codecs } from '../../../helpers/message-codec.js';

// Inter-broker (ZooKeeper-mode controller to brokers): no client implements it, so these vectors are derived by
// hand from the protocol guide's BNF.
const { encodeRequest, encodeResponse, decodeRequest, decodeResponse } = codecs(UpdateMetadata);

const TOPIC_ID = 'AAECAwQFBgcICQoLDA0ODw'; // bytes 00 01 02 ... 0f
const TOPIC_ID_HEX = '000102030405060708090a0b0c0d0e0f';

const state = {
  partitionIndex: 0,
  controllerEpoch: 2,
  leader: 1,
  leaderEpoch: 4,
  isr: [1],
  zkVersion: 9,
  replicas: [1],
};

describe('UpdateMetadata golden bytes', () => {
  it('v0 request (single host/port per broker), derived by hand', () => {
    const hex = [
      '00000001', // controllerId 1
      '00000002', // controllerEpoch 2
      '00000001', // ungroupedPartitionStates: one
      '000174', // topicName "t"
      '00000000', // partitionIndex 0
      '00000002', // controllerEpoch 2
      '00000001', // leader 1
      '00000004', // leaderEpoch 4
      '00000001', // isr: one
      '00000001', // 1
      '00000009', // zkVersion 9
      '00000001', // replicas: one
      '00000001', // 1
      '00000001', // liveBrokers: one
      '00000001', // id 1
      '00026831', // v0Host "h1"
      '00002384', // v0Port 9092
    ].join('');
    const value = {
      controllerId: 1,
      controllerEpoch: 2,
      ungroupedPartitionStates: [{ ...state, topicName: 't' }],
      liveBrokers: [{ id: 1, v0Host: 'h1', v0Port: 9092 }],
    };
    expect(encodeRequest(0, value).toString('hex')).toBe(hex);
    const decoded = decodeRequest(0, Buffer.from(hex, 'hex'));
    expect(decoded).toMatchObject({ ...value, isKRaftController: false, type: 0, brokerEpoch: -1, topicStates: [] });
    expect(decoded.liveBrokers).toEqual([{ id: 1, v0Host: 'h1', v0Port: 9092, endpoints: [], rack: '' }]);
  });

  it('v3 request (endpoints with listener, nullable rack), derived by hand', () => {
    const hex = [
      '00000001', // controllerId 1
      '00000002', // controllerEpoch 2
      '00000000', // ungroupedPartitionStates: empty
      '00000001', // liveBrokers: one
      '00000001', // id 1
      '00000001', // endpoints: one
      '00002384', // port 9092
      '00026831', // host "h1"
      '0005504c41494e', // listener "PLAIN"
      '0000', // securityProtocol 0 (PLAINTEXT)
      'ffff', // rack null
    ].join('');
    const value = {
      controllerId: 1,
      controllerEpoch: 2,
      ungroupedPartitionStates: [],
      liveBrokers: [
        { id: 1, endpoints: [{ port: 9092, host: 'h1', listener: 'PLAIN', securityProtocol: 0 }], rack: null },
      ],
    };
    expect(encodeRequest(3, value).toString('hex')).toBe(hex);
    expect(decodeRequest(3, Buffer.from(hex, 'hex'))).toMatchObject(value);
  });

  it('v6 request (flexible, grouped by topic, offline replicas), derived by hand', () => {
    const hex = [
      '00000001', // controllerId 1
      '00000002', // controllerEpoch 2
      '0000000000000010', // brokerEpoch 16
      '02', // topicStates: one
      '0274', // topicName "t"
      '02', // partitionStates: one
      '00000000', // partitionIndex 0
      '00000002', // controllerEpoch 2
      '00000001', // leader 1
      '00000004', // leaderEpoch 4
      '02', // isr: one
      '00000001', // 1
      '00000009', // zkVersion 9
      '02', // replicas: one
      '00000001', // 1
      '01', // offlineReplicas: empty
      '00', // partition state's tag section
      '00', // topic state's tag section
      '02', // liveBrokers: one
      '00000001', // id 1
      '02', // endpoints: one
      '00002384', // port 9092
      '036831', // host "h1"
      '06504c41494e', // listener "PLAIN"
      '0000', // securityProtocol 0
      '00', // endpoint's tag section
      '037231', // rack "r1"
      '00', // broker's tag section
      '00', // top-level tag section
    ].join('');
    const value = {
      controllerId: 1,
      controllerEpoch: 2,
      brokerEpoch: 16,
      topicStates: [{ topicName: 't', partitionStates: [state] }],
      liveBrokers: [
        { id: 1, endpoints: [{ port: 9092, host: 'h1', listener: 'PLAIN', securityProtocol: 0 }], rack: 'r1' },
      ],
    };
    expect(encodeRequest(6, value).toString('hex')).toBe(hex);
    expect(decodeRequest(6, Buffer.from(hex, 'hex'))).toMatchObject(value);
  });

  it('v8 request with the tagged Type (tag 0), derived by hand', () => {
    const hex = [
      '00000001', // controllerId 1
      '01', // isKRaftController true
      '00000002', // controllerEpoch 2
      '0000000000000010', // brokerEpoch 16
      '02', // topicStates: one
      '0274', // topicName "t"
      TOPIC_ID_HEX, // topicId (v7+)
      '01', // partitionStates: empty
      '00', // topic state's tag section
      '01', // liveBrokers: empty
      '01', // top-level tag section: one field
      '00', // tag 0 (Type)
      '01', // size 1
      '02', // Type 2 (FULL)
    ].join('');
    const value = {
      controllerId: 1,
      isKRaftController: true,
      type: 2,
      controllerEpoch: 2,
      brokerEpoch: 16,
      topicStates: [{ topicName: 't', topicId: TOPIC_ID, partitionStates: [] }],
      liveBrokers: [],
    };
    expect(encodeRequest(8, value).toString('hex')).toBe(hex);
    expect(decodeRequest(8, Buffer.from(hex, 'hex'))).toMatchObject(value);
    // Type 0 is the default and is left out of the tag section
    expect(encodeRequest(8, { ...value, type: 0 }).toString('hex')).toBe(hex.slice(0, -8) + '00');
    // before v8 Type does not exist on the wire
    expect(decodeRequest(7, encodeRequest(7, value)).type).toBe(0);
  });

  it('responses: v0 and v6 (flexible), derived by hand', () => {
    expect(encodeResponse(0, { errorCode: 0 }).toString('hex')).toBe('0000');
    expect(encodeResponse(6, { errorCode: 7 }).toString('hex')).toBe('0007' + '00');
    expect(decodeResponse(8, Buffer.from('000000', 'hex'))).toEqual({ errorCode: 0 });
  });

  it('skips an unknown tagged field next to the known Type (v8 request)', () => {
    const value = { controllerId: 1, controllerEpoch: 2, topicStates: [], liveBrokers: [], type: 1 };
    const plain = encodeRequest(8, value).toString('hex');
    // replace "one field: tag 0 = 1" with "two fields: tag 0 = 1, tag 5 = 0xabcd"
    expect(plain.endsWith('01000101')).toBe(true);
    const tagged = Buffer.from(plain.slice(0, -8) + '02' + '000101' + '0502abcd', 'hex');
    expect(decodeRequest(8, tagged)).toEqual(decodeRequest(8, Buffer.from(plain, 'hex')));
  });
});

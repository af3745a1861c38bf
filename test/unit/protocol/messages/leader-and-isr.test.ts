import { describe, expect, it } from 'vitest';
import { LeaderAndIsr } from '../../../../protocol/messages/leader-and-isr.js';
import { ZERO_UUID } from '../../../../protocol/primitives/reader.js';
import { codecs } from '../../../helpers/message-codec.js';

// Inter-broker (ZooKeeper-mode controller to brokers): no client implements it, so these vectors are derived by
// hand from the protocol guide's BNF.
const { encodeRequest, encodeResponse, decodeRequest, decodeResponse } = codecs(LeaderAndIsr);

const TOPIC_ID = 'AAECAwQFBgcICQoLDA0ODw'; // bytes 00 01 02 ... 0f
const TOPIC_ID_HEX = '000102030405060708090a0b0c0d0e0f';

const state = {
  partitionIndex: 0,
  controllerEpoch: 2,
  leader: 1,
  leaderEpoch: 4,
  isr: [1],
  partitionEpoch: 9,
  replicas: [1, 2],
  isNew: true,
};
const liveLeaders = [{ brokerId: 1, hostName: 'h1', port: 9092 }];

describe('LeaderAndIsr golden bytes', () => {
  it('v0 request (ungrouped partition states), derived by hand', () => {
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
      '00000009', // partitionEpoch (zkVersion) 9
      '00000002', // replicas: two
      '00000001', // 1
      '00000002', // 2
      '00000001', // liveLeaders: one
      '00000001', // brokerId 1
      '00026831', // hostName "h1"
      '00002384', // port 9092
    ].join('');
    const value = {
      controllerId: 1,
      controllerEpoch: 2,
      ungroupedPartitionStates: [{ ...state, topicName: 't' }],
      liveLeaders,
    };
    expect(encodeRequest(0, value).toString('hex')).toBe(hex);
    const decoded = decodeRequest(0, Buffer.from(hex, 'hex'));
    expect(decoded).toMatchObject({
      controllerId: 1,
      isKRaftController: false,
      brokerEpoch: -1,
      type: 0,
      topicStates: [],
    });
    expect(decoded.ungroupedPartitionStates).toEqual([
      { ...state, topicName: 't', isNew: false, addingReplicas: [], removingReplicas: [], leaderRecoveryState: 0 },
    ]);
  });

  it('v1 request adds IsNew at the end of each partition state', () => {
    const value = {
      controllerId: 1,
      controllerEpoch: 2,
      ungroupedPartitionStates: [{ ...state, topicName: 't' }],
      liveLeaders: [],
    };
    const v0 = encodeRequest(0, value).toString('hex');
    const v1 = encodeRequest(1, value).toString('hex');
    // v0 minus its empty liveLeaders ('00000000'), then isNew true ('01'), then liveLeaders again
    expect(v1).toBe(v0.slice(0, -8) + '01' + '00000000');
  });

  it('v4 request (flexible, grouped by topic), derived by hand', () => {
    const hex = [
      '00000001', // controllerId 1
      '00000002', // controllerEpoch 2
      '0000000000000010', // brokerEpoch 16
      '02', // topicStates: compact array of one
      '0274', // topicName "t"
      '02', // partitionStates: one
      '00000000', // partitionIndex 0
      '00000002', // controllerEpoch 2
      '00000001', // leader 1
      '00000004', // leaderEpoch 4
      '02', // isr: one
      '00000001', // 1
      '00000009', // partitionEpoch 9
      '03', // replicas: two
      '00000001', // 1
      '00000002', // 2
      '02', // addingReplicas: one
      '00000002', // 2
      '01', // removingReplicas: empty
      '01', // isNew true
      '00', // partition state's tag section
      '00', // topic state's tag section
      '02', // liveLeaders: one
      '00000001', // brokerId 1
      '036831', // hostName "h1"
      '00002384', // port 9092
      '00', // live leader's tag section
      '00', // top-level tag section
    ].join('');
    const value = {
      controllerId: 1,
      controllerEpoch: 2,
      brokerEpoch: 16,
      topicStates: [{ topicName: 't', partitionStates: [{ ...state, addingReplicas: [2] }] }],
      liveLeaders,
    };
    expect(encodeRequest(4, value).toString('hex')).toBe(hex);
    expect(decodeRequest(4, Buffer.from(hex, 'hex'))).toEqual({
      controllerId: 1,
      isKRaftController: false,
      controllerEpoch: 2,
      brokerEpoch: 16,
      type: 0,
      ungroupedPartitionStates: [],
      topicStates: [
        {
          topicName: 't',
          topicId: ZERO_UUID,
          partitionStates: [
            { ...state, topicName: '', addingReplicas: [2], removingReplicas: [], leaderRecoveryState: 0 },
          ],
        },
      ],
      liveLeaders,
    });
  });

  it('v7 request (KRaft controller flag, type, topic id, leader recovery state), derived by hand', () => {
    const hex = [
      '00000bb8', // controllerId 3000
      '01', // isKRaftController true
      '00000002', // controllerEpoch 2
      '0000000000000010', // brokerEpoch 16
      '01', // type 1 (FULL)
      '02', // topicStates: one
      '0274', // topicName "t"
      TOPIC_ID_HEX, // topicId
      '02', // partitionStates: one
      '00000000', // partitionIndex 0
      '00000002', // controllerEpoch 2
      '00000001', // leader 1
      '00000004', // leaderEpoch 4
      '02', // isr: one
      '00000001', // 1
      '00000009', // partitionEpoch 9
      '03', // replicas: two
      '00000001', // 1
      '00000002', // 2
      '01', // addingReplicas: empty
      '01', // removingReplicas: empty
      '00', // isNew false
      '01', // leaderRecoveryState 1
      '00', // partition state's tag section
      '00', // topic state's tag section
      '01', // liveLeaders: empty
      '00', // top-level tag section
    ].join('');
    const value = {
      controllerId: 3000,
      isKRaftController: true,
      controllerEpoch: 2,
      brokerEpoch: 16,
      type: 1,
      topicStates: [
        { topicName: 't', topicId: TOPIC_ID, partitionStates: [{ ...state, isNew: false, leaderRecoveryState: 1 }] },
      ],
      liveLeaders: [],
    };
    expect(encodeRequest(7, value).toString('hex')).toBe(hex);
    expect(decodeRequest(7, Buffer.from(hex, 'hex'))).toMatchObject(value);
  });

  it('v0 response (flat partition errors), derived by hand', () => {
    const hex = [
      '0000', // errorCode 0
      '00000001', // partitionErrors: one
      '000174', // topicName "t"
      '00000000', // partitionIndex 0
      '0038', // errorCode 56 (KAFKA_STORAGE_ERROR)
    ].join('');
    const value = { errorCode: 0, partitionErrors: [{ topicName: 't', partitionIndex: 0, errorCode: 56 }] };
    expect(encodeResponse(0, value).toString('hex')).toBe(hex);
    expect(decodeResponse(0, Buffer.from(hex, 'hex'))).toEqual({ ...value, topics: [] });
  });

  it('v5 response (errors grouped by topic id), derived by hand', () => {
    const hex = [
      '0000', // errorCode 0
      '02', // topics: one
      TOPIC_ID_HEX, // topicId
      '02', // partitionErrors: one
      '00000000', // partitionIndex 0 (no topic name from v5)
      '0000', // errorCode 0
      '00', // partition error's tag section
      '00', // topic's tag section
      '00', // top-level tag section
    ].join('');
    const value = {
      errorCode: 0,
      topics: [{ topicId: TOPIC_ID, partitionErrors: [{ partitionIndex: 0, errorCode: 0 }] }],
    };
    expect(encodeResponse(5, value).toString('hex')).toBe(hex);
    expect(decodeResponse(5, Buffer.from(hex, 'hex'))).toEqual({
      errorCode: 0,
      partitionErrors: [],
      topics: [{ topicId: TOPIC_ID, partitionErrors: [{ topicName: '', partitionIndex: 0, errorCode: 0 }] }],
    });
  });

  it('v4 response (flexible, still flat with topic names)', () => {
    const value = { errorCode: 0, partitionErrors: [{ topicName: 't', partitionIndex: 1, errorCode: 0 }] };
    const hex = ['0000', '02', '0274', '00000001', '0000', '00', '00'].join('');
    expect(encodeResponse(4, value).toString('hex')).toBe(hex);
  });

  it('skips an unknown tagged field (v7 request, inside a live leader)', () => {
    const value = { controllerId: 1, controllerEpoch: 2, topicStates: [], liveLeaders };
    const plain = encodeRequest(7, value).toString('hex');
    // the live leader's empty tag section is the 2nd-from-last byte
    const tagged = Buffer.from(plain.slice(0, -4) + '0101020000' + '00', 'hex');
    expect(decodeRequest(7, tagged)).toEqual(decodeRequest(7, Buffer.from(plain, 'hex')));
  });
});

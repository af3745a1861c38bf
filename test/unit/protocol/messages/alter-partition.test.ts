import { describe, expect, it } from 'vitest';
import { AlterPartition } from '../../../../protocol/messages/alter-partition.js';
import { ZERO_UUID } from '../../../../protocol/primitives/reader.js';
import { codecs, withTopLevelTags } from '../../../helpers/message-codec.js';

// Inter-broker (leader to controller), no client oracle: @platformatic/kafka 1.35's alter-partition-v3 writes the
// topic id as a compact string and reads Isr as one int32, so it does not match Kafka's AlterPartition v3 and is not
// used here. These vectors are derived by hand from the protocol guide's BNF.
const { encodeRequest, encodeResponse, decodeRequest, decodeResponse } = codecs(AlterPartition);

const TOPIC_ID = 'AAECAwQFBgcICQoLDA0ODw'; // bytes 00 01 02 ... 0f
const TOPIC_ID_HEX = '000102030405060708090a0b0c0d0e0f';

describe('AlterPartition golden bytes', () => {
  it('v0 request (topic names, plain ISR), derived by hand', () => {
    const hex = [
      '00000001', // brokerId 1
      '0000000000000005', // brokerEpoch 5
      '02', // topics: compact array of one
      '0274', // topicName "t"
      '02', // partitions: one
      '00000000', // partitionIndex 0
      '00000003', // leaderEpoch 3
      '03', // newIsr: two
      '00000001', // 1
      '00000002', // 2
      '00000007', // partitionEpoch 7
      '00', // partition's tag section
      '00', // topic's tag section
      '00', // top-level tag section
    ].join('');
    const value = {
      brokerId: 1,
      brokerEpoch: 5,
      topics: [
        {
          topicName: 't',
          topicId: ZERO_UUID,
          partitions: [
            {
              partitionIndex: 0,
              leaderEpoch: 3,
              newIsr: [1, 2],
              newIsrWithEpochs: [],
              leaderRecoveryState: 0,
              partitionEpoch: 7,
            },
          ],
        },
      ],
    };
    expect(encodeRequest(0, value).toString('hex')).toBe(hex);
    expect(decodeRequest(0, Buffer.from(hex, 'hex'))).toEqual(value);
  });

  it('v3 request (topic ids, ISR with broker epochs), derived by hand', () => {
    const hex = [
      '00000001', // brokerId 1
      'ffffffffffffffff', // brokerEpoch -1
      '02', // topics: one
      TOPIC_ID_HEX, // topicId
      '02', // partitions: one
      '00000000', // partitionIndex 0
      '00000003', // leaderEpoch 3
      '03', // newIsrWithEpochs: two
      '00000001', // brokerId 1
      '000000000000000a', // brokerEpoch 10
      '00', // broker state's tag section
      '00000002', // brokerId 2
      'ffffffffffffffff', // brokerEpoch -1
      '00', // broker state's tag section
      '01', // leaderRecoveryState 1 (RECOVERING)
      '00000007', // partitionEpoch 7
      '00', // partition's tag section
      '00', // topic's tag section
      '00', // top-level tag section
    ].join('');
    const value = {
      brokerId: 1,
      topics: [
        {
          topicId: TOPIC_ID,
          partitions: [
            {
              partitionIndex: 0,
              leaderEpoch: 3,
              newIsrWithEpochs: [{ brokerId: 1, brokerEpoch: 10 }, { brokerId: 2 }],
              leaderRecoveryState: 1,
              partitionEpoch: 7,
            },
          ],
        },
      ],
    };
    expect(encodeRequest(3, value).toString('hex')).toBe(hex);
    const decoded = decodeRequest(3, Buffer.from(hex, 'hex'));
    expect(decoded.brokerEpoch).toBe(-1);
    expect(decoded.topics[0]).toMatchObject({ topicName: '', topicId: TOPIC_ID });
    expect(decoded.topics[0]!.partitions[0]).toEqual({
      partitionIndex: 0,
      leaderEpoch: 3,
      newIsr: [],
      newIsrWithEpochs: [
        { brokerId: 1, brokerEpoch: 10 },
        { brokerId: 2, brokerEpoch: -1 },
      ],
      leaderRecoveryState: 1,
      partitionEpoch: 7,
    });
  });

  it('v1 response (adds LeaderRecoveryState), derived by hand', () => {
    const hex = [
      '00000000', // throttleTimeMs 0
      '0000', // errorCode 0
      '02', // topics: one
      '0274', // topicName "t"
      '02', // partitions: one
      '00000000', // partitionIndex 0
      '0000', // errorCode 0
      '00000001', // leaderId 1
      '00000003', // leaderEpoch 3
      '02', // isr: one
      '00000001', // 1
      '00', // leaderRecoveryState 0 (RECOVERED)
      '00000008', // partitionEpoch 8
      '00', // partition's tag section
      '00', // topic's tag section
      '00', // top-level tag section
    ].join('');
    const partition = {
      partitionIndex: 0,
      errorCode: 0,
      leaderId: 1,
      leaderEpoch: 3,
      isr: [1],
      leaderRecoveryState: 0,
      partitionEpoch: 8,
    };
    const value = { throttleTimeMs: 0, errorCode: 0, topics: [{ topicName: 't', partitions: [partition] }] };
    expect(encodeResponse(1, value).toString('hex')).toBe(hex);
    expect(decodeResponse(1, Buffer.from(hex, 'hex'))).toEqual({
      ...value,
      topics: [{ topicName: 't', topicId: ZERO_UUID, partitions: [partition] }],
    });
  });

  it('v0 response has no LeaderRecoveryState and v2+ uses topic ids', () => {
    const partition = { partitionIndex: 0, errorCode: 0, leaderId: 1, leaderEpoch: 3, isr: [], partitionEpoch: 8 };
    const v0 = encodeResponse(0, {
      throttleTimeMs: 0,
      errorCode: 0,
      topics: [{ topicName: 't', partitions: [partition] }],
    });
    const v0Hex = [
      '00000000', // throttleTimeMs 0
      '0000', // errorCode 0
      '02', // topics: one
      '0274', // topicName "t"
      '02', // partitions: one
      '00000000', // partitionIndex 0
      '0000', // errorCode 0
      '00000001', // leaderId 1
      '00000003', // leaderEpoch 3
      '01', // isr: empty
      '00000008', // partitionEpoch 8 (no LeaderRecoveryState before v1)
      '000000', // partition, topic and top-level tag sections
    ].join('');
    expect(v0.toString('hex')).toBe(v0Hex);
    const v2 = encodeResponse(2, { throttleTimeMs: 0, errorCode: 0, topics: [{ topicId: TOPIC_ID, partitions: [] }] });
    expect(v2.toString('hex')).toBe('00000000' + '0000' + '02' + TOPIC_ID_HEX + '01' + '00' + '00');
  });

  it('skips an unknown tagged field (v3 response)', () => {
    const value = { throttleTimeMs: 0, errorCode: 0, topics: [] };
    const plain = encodeResponse(3, value);
    const tagged = withTopLevelTags(plain, '010a0100');
    expect(decodeResponse(3, tagged)).toEqual(value);
  });
});

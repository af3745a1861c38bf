import { describe, expect, it } from 'vitest';
import { StopReplica } from '../../../../protocol/messages/stop-replica.js';
import { codecs } from '../../../helpers/message-codec.js';

// Inter-broker (ZooKeeper-mode controller to brokers): no client implements it, so these vectors are derived by
// hand from the protocol guide's BNF.
const { encodeRequest, encodeResponse, decodeRequest, decodeResponse } = codecs(StopReplica);

describe('StopReplica golden bytes', () => {
  it('v0 request (ungrouped partitions), derived by hand', () => {
    const hex = [
      '00000001', // controllerId 1
      '00000002', // controllerEpoch 2
      '01', // deletePartitions true
      '00000001', // ungroupedPartitions: one
      '000174', // topicName "t"
      '00000003', // partitionIndex 3
    ].join('');
    const value = {
      controllerId: 1,
      controllerEpoch: 2,
      deletePartitions: true,
      ungroupedPartitions: [{ topicName: 't', partitionIndex: 3 }],
    };
    expect(encodeRequest(0, value).toString('hex')).toBe(hex);
    expect(decodeRequest(0, Buffer.from(hex, 'hex'))).toEqual({
      ...value,
      isKRaftController: false,
      brokerEpoch: -1,
      topics: [],
      topicStates: [],
    });
  });

  it('v1 request (broker epoch, grouped by topic), derived by hand', () => {
    const hex = [
      '00000001', // controllerId 1
      '00000002', // controllerEpoch 2
      '0000000000000010', // brokerEpoch 16
      '00', // deletePartitions false
      '00000001', // topics: one
      '000174', // name "t"
      '00000002', // partitionIndexes: two
      '00000000', // 0
      '00000001', // 1
    ].join('');
    const value = {
      controllerId: 1,
      controllerEpoch: 2,
      brokerEpoch: 16,
      deletePartitions: false,
      topics: [{ name: 't', partitionIndexes: [0, 1] }],
    };
    expect(encodeRequest(1, value).toString('hex')).toBe(hex);
    expect(decodeRequest(1, Buffer.from(hex, 'hex'))).toMatchObject(value);
  });

  it('v2 request (flexible), derived by hand', () => {
    const hex = ['00000001', '00000002', '0000000000000010', '00', '02', '0274', '02', '00000000', '00', '00'].join('');
    // ids, epochs, deletePartitions false, topics(1): "t", partitionIndexes(1): 0, topic tags, top-level tags
    const value = {
      controllerId: 1,
      controllerEpoch: 2,
      brokerEpoch: 16,
      deletePartitions: false,
      topics: [{ name: 't', partitionIndexes: [0] }],
    };
    expect(encodeRequest(2, value).toString('hex')).toBe(hex);
    expect(decodeRequest(2, Buffer.from(hex, 'hex'))).toMatchObject(value);
  });

  it('v3 request (per-partition leader epoch and delete flag), derived by hand', () => {
    const hex = [
      '00000001', // controllerId 1
      '00000002', // controllerEpoch 2
      '0000000000000010', // brokerEpoch 16
      '02', // topicStates: one
      '0274', // topicName "t"
      '03', // partitionStates: two
      '00000000', // partitionIndex 0
      '00000005', // leaderEpoch 5
      '01', // deletePartition true
      '00', // partition state's tag section
      '00000001', // partitionIndex 1
      'ffffffff', // leaderEpoch -1 (default)
      '00', // deletePartition false
      '00', // partition state's tag section
      '00', // topic state's tag section
      '00', // top-level tag section
    ].join('');
    const value = {
      controllerId: 1,
      controllerEpoch: 2,
      brokerEpoch: 16,
      topicStates: [
        {
          topicName: 't',
          partitionStates: [
            { partitionIndex: 0, leaderEpoch: 5, deletePartition: true },
            { partitionIndex: 1, deletePartition: false },
          ],
        },
      ],
    };
    expect(encodeRequest(3, value).toString('hex')).toBe(hex);
    const decoded = decodeRequest(3, Buffer.from(hex, 'hex'));
    expect(decoded.deletePartitions).toBe(false);
    expect(decoded.topicStates[0]!.partitionStates[1]).toEqual({
      partitionIndex: 1,
      leaderEpoch: -1,
      deletePartition: false,
    });
  });

  it('v4 request adds isKRaftController right after controllerId', () => {
    const value = { controllerId: 1, isKRaftController: true, controllerEpoch: 2, brokerEpoch: 16, topicStates: [] };
    const hex = ['00000001', '01', '00000002', '0000000000000010', '01', '00'].join('');
    expect(encodeRequest(4, value).toString('hex')).toBe(hex);
    expect(decodeRequest(4, Buffer.from(hex, 'hex'))).toMatchObject(value);
  });

  it('v0 and v2 (flexible) responses, derived by hand', () => {
    const value = { errorCode: 0, partitionErrors: [{ topicName: 't', partitionIndex: 3, errorCode: 0 }] };
    const v0 = ['0000', '00000001', '000174', '00000003', '0000'].join('');
    const v2 = ['0000', '02', '0274', '00000003', '0000', '00', '00'].join('');
    expect(encodeResponse(0, value).toString('hex')).toBe(v0);
    expect(encodeResponse(2, value).toString('hex')).toBe(v2);
    expect(decodeResponse(0, Buffer.from(v0, 'hex'))).toEqual(value);
    expect(decodeResponse(2, Buffer.from(v2, 'hex'))).toEqual(value);
  });

  it('skips an unknown tagged field (v3 response)', () => {
    const value = { errorCode: 0, partitionErrors: [] };
    expect(decodeResponse(3, Buffer.from('0000' + '01' + '01' + '1f0100', 'hex'))).toEqual(value);
  });
});

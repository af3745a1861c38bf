import { describe, expect, it } from 'vitest';
import { WriteTxnMarkers } from '../../../../protocol/messages/write-txn-markers.js';
import { codecs, withTopLevelTags } from '../../../helpers/message-codec.js';

// Inter-broker (coordinator to partition leaders): no client implements it, so these vectors are derived by hand
// from the protocol guide's BNF.
const { encodeRequest, encodeResponse, decodeRequest, decodeResponse } = codecs(WriteTxnMarkers);

const request = {
  markers: [
    {
      producerId: 4000,
      producerEpoch: 2,
      transactionResult: true,
      topics: [{ name: 't', partitionIndexes: [0, 1] }],
      coordinatorEpoch: 5,
    },
  ],
};
const response = {
  markers: [{ producerId: 4000, topics: [{ name: 't', partitions: [{ partitionIndex: 1, errorCode: 6 }] }] }],
};

describe('WriteTxnMarkers golden bytes', () => {
  it('v0 request, derived by hand', () => {
    const hex = [
      '00000001', // markers: one
      '0000000000000fa0', // producerId 4000
      '0002', // producerEpoch 2
      '01', // transactionResult true (COMMIT)
      '00000001', // topics: one
      '000174', // name "t"
      '00000002', // partitionIndexes: two
      '00000000', // 0
      '00000001', // 1
      '00000005', // coordinatorEpoch 5
    ].join('');
    expect(encodeRequest(0, request).toString('hex')).toBe(hex);
    expect(decodeRequest(0, Buffer.from(hex, 'hex'))).toEqual(request);
  });

  it('v1 request (flexible), derived by hand', () => {
    const hex = [
      '02', // markers: compact array of one
      '0000000000000fa0', // producerId 4000
      '0002', // producerEpoch 2
      '01', // transactionResult true
      '02', // topics: one
      '0274', // name "t"
      '03', // partitionIndexes: two
      '00000000', // 0
      '00000001', // 1
      '00', // topic's tag section
      '00000005', // coordinatorEpoch 5
      '00', // marker's tag section
      '00', // top-level tag section
    ].join('');
    expect(encodeRequest(1, request).toString('hex')).toBe(hex);
    expect(decodeRequest(1, Buffer.from(hex, 'hex'))).toEqual(request);
  });

  it('v0 response, derived by hand', () => {
    const hex = [
      '00000001', // markers: one
      '0000000000000fa0', // producerId 4000
      '00000001', // topics: one
      '000174', // name "t"
      '00000001', // partitions: one
      '00000001', // partitionIndex 1
      '0006', // errorCode 6 (NOT_LEADER_OR_FOLLOWER)
    ].join('');
    expect(encodeResponse(0, response).toString('hex')).toBe(hex);
    expect(decodeResponse(0, Buffer.from(hex, 'hex'))).toEqual(response);
  });

  it('v1 response (flexible), derived by hand', () => {
    const hex = [
      '02', // markers: one
      '0000000000000fa0', // producerId 4000
      '02', // topics: one
      '0274', // name "t"
      '02', // partitions: one
      '00000001', // partitionIndex 1
      '0006', // errorCode 6
      '00', // partition's tag section
      '00', // topic's tag section
      '00', // marker's tag section
      '00', // top-level tag section
    ].join('');
    expect(encodeResponse(1, response).toString('hex')).toBe(hex);
    expect(decodeResponse(1, Buffer.from(hex, 'hex'))).toEqual(response);
  });

  it('an abort marker round-trips in both versions', () => {
    const abort = { markers: [{ ...request.markers[0]!, transactionResult: false, topics: [] }] };
    for (const version of [0, 1]) expect(decodeRequest(version, encodeRequest(version, abort))).toEqual(abort);
  });

  it('skips an unknown tagged field (v1 request, top level)', () => {
    const plain = encodeRequest(1, request);
    const tagged = withTopLevelTags(plain, '01000401020304');
    expect(decodeRequest(1, tagged)).toEqual(request);
  });
});

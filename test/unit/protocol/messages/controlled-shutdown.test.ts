import { describe, expect, it } from 'vitest';
import { ControlledShutdown } from '../../../../protocol/messages/controlled-shutdown.js';
import { codecs } from '../../../helpers/message-codec.js';

// Inter-broker (broker to ZooKeeper-mode controller): no client implements it, so these vectors are derived by hand
// from the protocol guide's BNF. (v0's special request header is header.ts's concern, not the body's.)
const { encodeRequest, encodeResponse, decodeRequest, decodeResponse } = codecs(ControlledShutdown);

describe('ControlledShutdown golden bytes', () => {
  it('v0/v1 request: the broker id only', () => {
    for (const version of [0, 1]) {
      expect(encodeRequest(version, { brokerId: 2, brokerEpoch: 99 }).toString('hex')).toBe('00000002');
      expect(decodeRequest(version, Buffer.from('00000002', 'hex'))).toEqual({ brokerId: 2, brokerEpoch: -1 });
    }
  });

  it('v2 request (adds the broker epoch), derived by hand', () => {
    const hex = ['00000002', '0000000000000063'].join(''); // brokerId 2, brokerEpoch 99
    expect(encodeRequest(2, { brokerId: 2, brokerEpoch: 99 }).toString('hex')).toBe(hex);
    expect(decodeRequest(2, Buffer.from(hex, 'hex'))).toEqual({ brokerId: 2, brokerEpoch: 99 });
  });

  it('v3 request (flexible), derived by hand', () => {
    const hex = ['00000002', 'ffffffffffffffff', '00'].join(''); // brokerId 2, brokerEpoch -1 (default), empty tags
    expect(encodeRequest(3, { brokerId: 2 }).toString('hex')).toBe(hex);
    expect(decodeRequest(3, Buffer.from(hex, 'hex'))).toEqual({ brokerId: 2, brokerEpoch: -1 });
  });

  it('v0 response, derived by hand', () => {
    const hex = [
      '0000', // errorCode 0
      '00000002', // remainingPartitions: two
      '000174', // topicName "t"
      '00000000', // partitionIndex 0
      '000174', // topicName "t"
      '00000001', // partitionIndex 1
    ].join('');
    const value = {
      errorCode: 0,
      remainingPartitions: [
        { topicName: 't', partitionIndex: 0 },
        { topicName: 't', partitionIndex: 1 },
      ],
    };
    expect(encodeResponse(0, value).toString('hex')).toBe(hex);
    expect(decodeResponse(0, Buffer.from(hex, 'hex'))).toEqual(value);
  });

  it('v3 response (flexible), derived by hand', () => {
    const hex = ['0029', '02', '0274', '00000000', '00', '00'].join('');
    // errorCode 41 (NOT_CONTROLLER), remainingPartitions(1): "t" 0, entry tags, top-level tags
    const value = { errorCode: 41, remainingPartitions: [{ topicName: 't', partitionIndex: 0 }] };
    expect(encodeResponse(3, value).toString('hex')).toBe(hex);
    expect(decodeResponse(3, Buffer.from(hex, 'hex'))).toEqual(value);
  });

  it('skips an unknown tagged field (v3 request)', () => {
    const tagged = Buffer.from('00000002' + 'ffffffffffffffff' + '01' + '00' + '03' + '616263', 'hex');
    expect(decodeRequest(3, tagged)).toEqual({ brokerId: 2, brokerEpoch: -1 });
  });
});

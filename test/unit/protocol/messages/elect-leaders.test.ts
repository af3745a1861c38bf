import { describe, expect, it } from 'vitest';
import { ElectLeaders } from '../../../../protocol/messages/elect-leaders.js';
import { codecs, withTopLevelTags } from '../../../helpers/message-codec.js';

// Neither kafkajs nor @platformatic/kafka 1.35 implements ElectLeaders: these vectors are derived by hand from the
// protocol guide's BNF.
const { encodeRequest, encodeResponse, decodeRequest, decodeResponse } = codecs(ElectLeaders);

const request = { electionType: 1, topicPartitions: [{ topic: 't', partitions: [0] }], timeoutMs: 60000 };
const response = {
  throttleTimeMs: 0,
  errorCode: 0,
  replicaElectionResults: [{ topic: 't', partitionResult: [{ partitionId: 0, errorCode: 0, errorMessage: null }] }],
};

describe('ElectLeaders golden bytes', () => {
  it('v0 request (preferred election only), derived by hand', () => {
    const hex = [
      '00000001', // topicPartitions: one
      '000174', // topic "t"
      '00000001', // partitions: one
      '00000000', // 0
      '0000ea60', // timeoutMs 60000
    ].join('');
    expect(encodeRequest(0, request).toString('hex')).toBe(hex);
    expect(decodeRequest(0, Buffer.from(hex, 'hex'))).toEqual({ ...request, electionType: 0 });
  });

  it('v1 request (adds ElectionType), derived by hand', () => {
    const hex = ['01', '00000001', '000174', '00000001', '00000000', '0000ea60'].join(''); // UNCLEAN, then as v0
    expect(encodeRequest(1, request).toString('hex')).toBe(hex);
    expect(decodeRequest(1, Buffer.from(hex, 'hex'))).toEqual(request);
  });

  it('v2 request (flexible), derived by hand', () => {
    const hex = [
      '01', // electionType 1 (UNCLEAN)
      '02', // topicPartitions: compact array of one
      '0274', // topic "t"
      '02', // partitions: one
      '00000000', // 0
      '00', // topic's tag section
      '0000ea60', // timeoutMs 60000
      '00', // top-level tag section
    ].join('');
    expect(encodeRequest(2, request).toString('hex')).toBe(hex);
    expect(decodeRequest(2, Buffer.from(hex, 'hex'))).toEqual(request);
  });

  it('null topicPartitions (every partition) in old and flexible versions', () => {
    const all = { electionType: 0, topicPartitions: null, timeoutMs: 30000 };
    expect(encodeRequest(0, all).toString('hex')).toBe('ffffffff' + '00007530');
    expect(encodeRequest(2, all).toString('hex')).toBe('00' + '00' + '00007530' + '00');
    expect(decodeRequest(0, Buffer.from('ffffffff00007530', 'hex'))).toEqual(all);
    expect(decodeRequest(2, Buffer.from('000000007530' + '00', 'hex'))).toEqual(all);
  });

  it('v0 response, derived by hand (no top-level error code before v1)', () => {
    const hex = [
      '00000000', // throttleTimeMs 0
      '00000001', // replicaElectionResults: one
      '000174', // topic "t"
      '00000001', // partitionResult: one
      '00000000', // partitionId 0
      '0000', // errorCode 0
      'ffff', // errorMessage null
    ].join('');
    expect(encodeResponse(0, response).toString('hex')).toBe(hex);
    expect(decodeResponse(0, Buffer.from(hex, 'hex'))).toEqual(response);
  });

  it('v2 response (flexible), derived by hand', () => {
    const value = {
      throttleTimeMs: 0,
      errorCode: 0,
      replicaElectionResults: [{ topic: 't', partitionResult: [{ partitionId: 0, errorCode: 84, errorMessage: 'x' }] }],
    };
    const hex = [
      '00000000', // throttleTimeMs 0
      '0000', // errorCode 0
      '02', // replicaElectionResults: one
      '0274', // topic "t"
      '02', // partitionResult: one
      '00000000', // partitionId 0
      '0054', // errorCode 84 (ELECTION_NOT_NEEDED)
      '0278', // errorMessage "x"
      '00', // partition result's tag section
      '00', // topic's tag section
      '00', // top-level tag section
    ].join('');
    expect(encodeResponse(2, value).toString('hex')).toBe(hex);
    expect(decodeResponse(2, Buffer.from(hex, 'hex'))).toEqual(value);
  });

  it('skips an unknown tagged field (v2 request)', () => {
    const plain = encodeRequest(2, request);
    const tagged = withTopLevelTags(plain, '0105026869');
    expect(decodeRequest(2, tagged)).toEqual(request);
  });
});

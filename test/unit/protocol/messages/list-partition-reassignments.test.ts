import { listPartitionReassignmentsV0 } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { ListPartitionReassignments } from '../../../../protocol/messages/list-partition-reassignments.js';
import { kafkajsDecodeFlexibleResponse, kafkajsFlexibleRequestBody } from '../../../helpers/kafkajs-oracle.js';
import { codecs, withTopLevelTags } from '../../../helpers/message-codec.js';
import { platformaticParse } from '../../../helpers/platformatic-oracle.js';

const { encodeRequest, encodeResponse, decodeRequest, decodeResponse } = codecs(ListPartitionReassignments);

const ongoing = {
  name: 'orders',
  partitions: [{ partitionIndex: 0, replicas: [1, 2, 3, 4], addingReplicas: [4], removingReplicas: [1] }],
};

describe('ListPartitionReassignments against kafkajs (v0)', () => {
  it('decodes the request kafkajs encodes for given topics (after its leading header tag byte)', async () => {
    const body = await kafkajsFlexibleRequestBody('listPartitionReassignments', 0, {
      timeout: 5000,
      topics: [{ topic: 'orders', partitions: [0, 1] }],
    });
    expect(decodeRequest(0, body)).toEqual({
      timeoutMs: 5000,
      topics: [{ name: 'orders', partitionIndexes: [0, 1] }],
    });
  });

  it('decodes the "list everything" request kafkajs encodes (null topics)', async () => {
    const body = await kafkajsFlexibleRequestBody('listPartitionReassignments', 0, {});
    expect(decodeRequest(0, body)).toEqual({ timeoutMs: 5000, topics: null });
  });

  it('kafkajs decodes the response we encode (behind the response header tag byte it expects)', async () => {
    const body = encodeResponse(0, { throttleTimeMs: 2, errorCode: 0, errorMessage: null, topics: [ongoing] });
    const decoded = await kafkajsDecodeFlexibleResponse('listPartitionReassignments', 0, body);
    expect(decoded).toEqual({
      throttleTime: 2,
      errorCode: 0,
      topics: [
        {
          name: 'orders',
          partitions: [{ partition: 0, replicas: [1, 2, 3, 4], addingReplicas: [4], removingReplicas: [1] }],
        },
      ],
    });
  });
});

describe('ListPartitionReassignments against @platformatic/kafka (v0)', () => {
  it('decodes the request platformatic encodes', () => {
    const body = listPartitionReassignmentsV0.createRequest(1000, [{ name: 'orders', partitionIndexes: [7] }]).buffer;
    expect(decodeRequest(0, body)).toEqual({ timeoutMs: 1000, topics: [{ name: 'orders', partitionIndexes: [7] }] });
  });

  it('platformatic parses the response we encode', () => {
    const value = { throttleTimeMs: 0, errorCode: 0, errorMessage: null, topics: [ongoing] };
    expect(platformaticParse(listPartitionReassignmentsV0, encodeResponse(0, value))).toEqual(value);
  });
});

describe('ListPartitionReassignments golden bytes', () => {
  it('v0 request listing everything, derived by hand', () => {
    const hex = ['0000ea60', '00', '00'].join(''); // timeoutMs 60000, topics null, empty tags
    expect(encodeRequest(0, {}).toString('hex')).toBe(hex);
    expect(decodeRequest(0, Buffer.from(hex, 'hex'))).toEqual({ timeoutMs: 60000, topics: null });
  });

  it('v0 response, derived by hand', () => {
    const hex = [
      '00000000', // throttleTimeMs 0
      '0000', // errorCode 0
      '00', // errorMessage null
      '02', // topics: one
      '0274', // name "t"
      '02', // partitions: one
      '00000001', // partitionIndex 1
      '03', // replicas: two
      '00000001', // 1
      '00000002', // 2
      '02', // addingReplicas: one
      '00000002', // 2
      '01', // removingReplicas: empty
      '00', // partition's tag section
      '00', // topic's tag section
      '00', // top-level tag section
    ].join('');
    const value = {
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: null,
      topics: [
        { name: 't', partitions: [{ partitionIndex: 1, replicas: [1, 2], addingReplicas: [2], removingReplicas: [] }] },
      ],
    };
    expect(encodeResponse(0, value).toString('hex')).toBe(hex);
    expect(decodeResponse(0, Buffer.from(hex, 'hex'))).toEqual(value);
  });

  it('skips an unknown tagged field (v0 response)', () => {
    const value = { throttleTimeMs: 0, errorCode: 0, errorMessage: null, topics: [] };
    const plain = encodeResponse(0, value);
    const tagged = withTopLevelTags(plain, '01070100');
    expect(decodeResponse(0, tagged)).toEqual(value);
  });
});

import { Reader, listPartitionReassignmentsV0 } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { ListPartitionReassignments } from '../../../../protocol/messages/list-partition-reassignments.js';
import { messageCodec } from '../../../../protocol/schema/compile.js';
import type { RequestInput, ResponseInput } from '../../../../protocol/schema/dsl.js';
import { kafkajsDecodeResponse, kafkajsRequestBody } from '../../../helpers/kafkajs-oracle.js';

const encodeRequest = (value: RequestInput<typeof ListPartitionReassignments>): Buffer =>
  Buffer.concat(messageCodec(ListPartitionReassignments, 0, 'request').encode(value));
const encodeResponse = (value: ResponseInput<typeof ListPartitionReassignments>): Buffer =>
  Buffer.concat(messageCodec(ListPartitionReassignments, 0, 'response').encode(value));
const decodeRequest = (body: Buffer) => messageCodec(ListPartitionReassignments, 0, 'request').decode(body);
const decodeResponse = (body: Buffer) => messageCodec(ListPartitionReassignments, 0, 'response').decode(body);

/** kafkajs writes the request header's empty tag section (one 0x00 byte) at the start of the body. */
const HEADER_TAGS = Buffer.from([0]);

const ongoing = {
  name: 'orders',
  partitions: [{ partitionIndex: 0, replicas: [1, 2, 3, 4], addingReplicas: [4], removingReplicas: [1] }],
};

describe('ListPartitionReassignments against kafkajs (v0)', () => {
  it('decodes the request kafkajs encodes for given topics (after its leading header tag byte)', async () => {
    const body = await kafkajsRequestBody('listPartitionReassignments', 0, {
      timeout: 5000,
      topics: [{ topic: 'orders', partitions: [0, 1] }],
    });
    expect(body[0]).toBe(0);
    expect(decodeRequest(body.subarray(1))).toEqual({
      timeoutMs: 5000,
      topics: [{ name: 'orders', partitionIndexes: [0, 1] }],
    });
  });

  it('decodes the "list everything" request kafkajs encodes (null topics)', async () => {
    const body = await kafkajsRequestBody('listPartitionReassignments', 0, {});
    expect(decodeRequest(body.subarray(1))).toEqual({ timeoutMs: 5000, topics: null });
  });

  it('kafkajs decodes the response we encode (behind the response header tag byte it expects)', async () => {
    const body = encodeResponse({ throttleTimeMs: 2, errorCode: 0, errorMessage: null, topics: [ongoing] });
    const decoded = await kafkajsDecodeResponse('listPartitionReassignments', 0, Buffer.concat([HEADER_TAGS, body]));
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
    expect(decodeRequest(body)).toEqual({ timeoutMs: 1000, topics: [{ name: 'orders', partitionIndexes: [7] }] });
  });

  it('platformatic parses the response we encode', () => {
    const value = { throttleTimeMs: 0, errorCode: 0, errorMessage: null, topics: [ongoing] };
    expect(listPartitionReassignmentsV0.parseResponse(1, 46, 0, Reader.from(encodeResponse(value)))).toEqual(value);
  });
});

describe('ListPartitionReassignments golden bytes', () => {
  it('v0 request listing everything, derived by hand', () => {
    const hex = ['0000ea60', '00', '00'].join(''); // timeoutMs 60000, topics null, empty tags
    expect(encodeRequest({}).toString('hex')).toBe(hex);
    expect(decodeRequest(Buffer.from(hex, 'hex'))).toEqual({ timeoutMs: 60000, topics: null });
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
    expect(encodeResponse(value).toString('hex')).toBe(hex);
    expect(decodeResponse(Buffer.from(hex, 'hex'))).toEqual(value);
  });

  it('skips an unknown tagged field (v0 response)', () => {
    const value = { throttleTimeMs: 0, errorCode: 0, errorMessage: null, topics: [] };
    const plain = encodeResponse(value);
    const tagged = Buffer.concat([plain.subarray(0, plain.length - 1), Buffer.from('01070100', 'hex')]);
    expect(decodeResponse(tagged)).toEqual(value);
  });
});

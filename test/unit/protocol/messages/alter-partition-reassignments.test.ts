import { alterPartitionReassignmentsV0 } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { AlterPartitionReassignments } from '../../../../protocol/messages/alter-partition-reassignments.js';
import { kafkajsDecodeFlexibleResponse, kafkajsFlexibleRequestBody } from '../../../helpers/kafkajs-oracle.js';
import { codecs, withTopLevelTags } from '../../../helpers/message-codec.js';
import { platformaticParse } from '../../../helpers/platformatic-oracle.js';

const { encodeRequest, encodeResponse, decodeRequest, decodeResponse } = codecs(AlterPartitionReassignments);

describe('AlterPartitionReassignments against kafkajs (v0)', () => {
  it('decodes the request kafkajs encodes (after its leading header tag byte)', async () => {
    const body = await kafkajsFlexibleRequestBody('alterPartitionReassignments', 0, {
      timeout: 30000,
      topics: [
        {
          topic: 'orders',
          partitionAssignment: [
            { partition: 0, replicas: [1, 2, 3] },
            { partition: 1, replicas: [2, 3, 1] },
          ],
        },
      ],
    });
    expect(decodeRequest(0, body)).toEqual({
      timeoutMs: 30000,
      topics: [
        {
          name: 'orders',
          partitions: [
            { partitionIndex: 0, replicas: [1, 2, 3] },
            { partitionIndex: 1, replicas: [2, 3, 1] },
          ],
        },
      ],
    });
  });

  it('kafkajs decodes the response we encode (behind the response header tag byte it expects)', async () => {
    const body = encodeResponse(0, {
      throttleTimeMs: 11,
      errorCode: 0,
      errorMessage: null,
      responses: [
        {
          name: 'orders',
          partitions: [
            { partitionIndex: 0, errorCode: 0, errorMessage: null },
            { partitionIndex: 1, errorCode: 0, errorMessage: null },
          ],
        },
      ],
    });
    const decoded = await kafkajsDecodeFlexibleResponse('alterPartitionReassignments', 0, body);
    expect(decoded).toEqual({
      throttleTime: 11,
      errorCode: 0,
      responses: [
        {
          topic: 'orders',
          partitions: [
            { partition: 0, errorCode: 0 },
            { partition: 1, errorCode: 0 },
          ],
        },
      ],
    });
  });
});

describe('AlterPartitionReassignments against @platformatic/kafka (v0)', () => {
  it('decodes the request platformatic encodes', () => {
    const body = alterPartitionReassignmentsV0.createRequest(45000, true, [
      {
        name: 'orders',
        partitions: [
          { partitionIndex: 2, replicas: [4, 5] },
          // platformatic's types say number[], but its writer encodes null as a null compact array (cancel)
          { partitionIndex: 3, replicas: null as unknown as number[] },
        ],
      },
    ]).buffer;
    expect(decodeRequest(0, body)).toEqual({
      timeoutMs: 45000,
      topics: [
        {
          name: 'orders',
          partitions: [
            { partitionIndex: 2, replicas: [4, 5] },
            { partitionIndex: 3, replicas: null },
          ],
        },
      ],
    });
  });

  it('platformatic parses the response we encode', () => {
    const value = {
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: null,
      responses: [{ name: 'orders', partitions: [{ partitionIndex: 2, errorCode: 0, errorMessage: null }] }],
    };
    expect(platformaticParse(alterPartitionReassignmentsV0, encodeResponse(0, value))).toEqual(value);
  });
});

describe('AlterPartitionReassignments golden bytes', () => {
  it('v0 request cancelling one reassignment (null replicas), derived by hand', () => {
    const hex = [
      '0000ea60', // timeoutMs 60000
      '02', // topics: compact array of one
      '0274', // name "t"
      '03', // partitions: two
      '00000000', // partitionIndex 0
      '03', // replicas: two
      '00000001', // 1
      '00000002', // 2
      '00', // partition's tag section
      '00000001', // partitionIndex 1
      '00', // replicas: null (cancel)
      '00', // partition's tag section
      '00', // topic's tag section
      '00', // top-level tag section
    ].join('');
    const value = {
      timeoutMs: 60000,
      topics: [
        {
          name: 't',
          partitions: [
            { partitionIndex: 0, replicas: [1, 2] },
            { partitionIndex: 1, replicas: null },
          ],
        },
      ],
    };
    expect(encodeRequest(0, value).toString('hex')).toBe(hex);
    expect(decodeRequest(0, Buffer.from(hex, 'hex'))).toEqual(value);
  });

  it('defaults: timeout 60000 and replicas null', () => {
    const request = { topics: [{ name: 't', partitions: [{ partitionIndex: 0 }] }] };
    expect(decodeRequest(0, encodeRequest(0, request))).toEqual({
      timeoutMs: 60000,
      topics: [{ name: 't', partitions: [{ partitionIndex: 0, replicas: null }] }],
    });
  });

  it('v0 response, derived by hand', () => {
    const hex = [
      '00000000', // throttleTimeMs 0
      '0000', // errorCode 0
      '00', // errorMessage null
      '02', // responses: one
      '0274', // name "t"
      '02', // partitions: one
      '00000000', // partitionIndex 0
      '0055', // errorCode 85 (NO_REASSIGNMENT_IN_PROGRESS)
      '036e6f', // errorMessage "no"
      '00', // partition's tag section
      '00', // topic's tag section
      '00', // top-level tag section
    ].join('');
    const value = {
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: null,
      responses: [{ name: 't', partitions: [{ partitionIndex: 0, errorCode: 85, errorMessage: 'no' }] }],
    };
    expect(encodeResponse(0, value).toString('hex')).toBe(hex);
    expect(decodeResponse(0, Buffer.from(hex, 'hex'))).toEqual(value);
  });

  it('skips an unknown tagged field (v0 request)', () => {
    const plain = encodeRequest(0, { timeoutMs: 1, topics: [] });
    const tagged = withTopLevelTags(plain, '01040100');
    expect(decodeRequest(0, tagged)).toEqual({ timeoutMs: 1, topics: [] });
  });
});

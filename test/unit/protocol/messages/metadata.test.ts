import { metadataV9, metadataV10, metadataV11, metadataV12 } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { Metadata } from '../../../../protocol/messages/metadata.js';
import { ZERO_UUID } from '../../../../protocol/primitives/reader.js';
import type { RequestInput, ResponseInput } from '../../../../protocol/schema/dsl.js';
import { kafkajsDecodeResponse, kafkajsRequestBody } from '../../../helpers/kafkajs-oracle.js';
import { codecs } from '../../../helpers/message-codec.js';
import { platformaticParse, platformaticUuid } from '../../../helpers/platformatic-oracle.js';

const { encodeRequest, encodeResponse, decodeRequest, decodeResponse } = codecs(Metadata);

const TOPIC_ID = Buffer.from('00112233445566778899aabbccddeeff', 'hex').toString('base64url');

interface KafkajsMetadataResponse {
  throttleTime?: number;
  clientSideThrottleTime?: number;
  brokers: { nodeId: number; host: string; port: number; rack?: string | null }[];
  clusterId?: string | null;
  controllerId?: number;
  topicMetadata: {
    topicErrorCode: number;
    topic: string;
    isInternal?: boolean;
    partitionMetadata: {
      partitionErrorCode: number;
      partitionId: number;
      leader: number;
      replicas: number[];
      isr: number[];
      offlineReplicas?: number[];
    }[];
  }[];
}

const sampleResponse: ResponseInput<typeof Metadata> = {
  throttleTimeMs: 11,
  brokers: [
    { nodeId: 1, host: 'broker-1', port: 9092, rack: 'rack-a' },
    { nodeId: 2, host: 'broker-2', port: 9093, rack: null },
  ],
  clusterId: 'cluster-x',
  controllerId: 1,
  topics: [
    {
      errorCode: 0,
      name: 'orders',
      topicId: TOPIC_ID,
      isInternal: false,
      partitions: [
        {
          errorCode: 0,
          partitionIndex: 0,
          leaderId: 1,
          leaderEpoch: 3,
          replicaNodes: [1, 2],
          isrNodes: [1],
          offlineReplicas: [2],
        },
      ],
      topicAuthorizedOperations: 0x0ff8,
    },
  ],
};

describe('Metadata declaration', () => {
  it('covers Kafka 3.9: versions 0-12, flexible from 9', () => {
    expect(Metadata.key).toBe(3);
    expect([Metadata.minVersion, Metadata.maxVersion, Metadata.flexibleSince]).toEqual([0, 12, 9]);
  });
});

describe('Metadata vs kafkajs (v0-6)', () => {
  for (let version = 0; version <= 6; version++) {
    it(`v${version} request: kafkajs encodes, we decode`, async () => {
      const body = await kafkajsRequestBody('metadata', version, {
        topics: ['orders', 'users'],
        allowAutoTopicCreation: false,
      });
      expect(decodeRequest(version, body)).toEqual({
        topics: [
          { topicId: ZERO_UUID, name: 'orders' },
          { topicId: ZERO_UUID, name: 'users' },
        ],
        allowAutoTopicCreation: version >= 4 ? false : true,
        includeClusterAuthorizedOperations: false,
        includeTopicAuthorizedOperations: false,
      });
    });

    it(`v${version} request for all topics`, async () => {
      // kafkajs sends an empty array in v0 (all topics there) and null from v1 on.
      const body = await kafkajsRequestBody('metadata', version, { topics: [] });
      expect(decodeRequest(version, body).topics).toEqual(version === 0 ? [] : null);
    });

    it(`v${version} response: we encode, kafkajs decodes`, async () => {
      const got = (await kafkajsDecodeResponse(
        'metadata',
        version,
        encodeResponse(version, sampleResponse),
      )) as KafkajsMetadataResponse;
      expect(got.brokers).toEqual([
        { nodeId: 1, host: 'broker-1', port: 9092, ...(version >= 1 ? { rack: 'rack-a' } : {}) },
        { nodeId: 2, host: 'broker-2', port: 9093, ...(version >= 1 ? { rack: null } : {}) },
      ]);
      if (version >= 1) expect(got.controllerId).toBe(1);
      if (version >= 2) expect(got.clusterId).toBe('cluster-x');
      if (version >= 3 && version <= 5) expect(got.throttleTime).toBe(11);
      if (version === 6) expect(got.clientSideThrottleTime).toBe(11);
      expect(got.topicMetadata).toEqual([
        {
          topicErrorCode: 0,
          topic: 'orders',
          ...(version >= 1 ? { isInternal: false } : {}),
          partitionMetadata: [
            {
              partitionErrorCode: 0,
              partitionId: 0,
              leader: 1,
              replicas: [1, 2],
              isr: [1],
              ...(version >= 5 ? { offlineReplicas: [2] } : {}),
            },
          ],
        },
      ]);
    });
  }
});

describe('Metadata vs @platformatic/kafka (v9-12)', () => {
  for (const [version, plat] of [
    [9, metadataV9],
    [10, metadataV10],
    [12, metadataV12],
  ] as const) {
    it(`v${version} request: platformatic encodes, we decode`, () => {
      const named = plat.createRequest(['orders', 'users'], true, true);
      expect(decodeRequest(version, named.buffer)).toEqual({
        topics: [
          { topicId: ZERO_UUID, name: 'orders' },
          { topicId: ZERO_UUID, name: 'users' },
        ],
        allowAutoTopicCreation: true,
        includeClusterAuthorizedOperations: false,
        includeTopicAuthorizedOperations: true,
      });
      const all = plat.createRequest(null);
      expect(decodeRequest(version, all.buffer).topics).toBeNull();
    });
  }

  it('v11 request: platformatic 1.35 writes the IncludeClusterAuthorizedOperations byte removed in v11', () => {
    // Its v11 bytes are really v10's layout: one stray bool before IncludeTopicAuthorizedOperations. We decode
    // bodies strictly, so the v11 decode sees a leftover byte; the same bytes decode as v10.
    const writer = metadataV11.createRequest(['orders'], true, false);
    expect(() => decodeRequest(11, writer.buffer)).toThrow(/left after/);
    expect(decodeRequest(10, writer.buffer)).toEqual({
      topics: [{ topicId: ZERO_UUID, name: 'orders' }],
      allowAutoTopicCreation: true,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    });
  });

  for (const [version, plat] of [
    [9, metadataV9],
    [10, metadataV10],
    [11, metadataV11],
    [12, metadataV12],
  ] as const) {
    it(`v${version} response: we encode, platformatic decodes`, () => {
      const body = encodeResponse(version, sampleResponse);
      const got = platformaticParse(plat, body);
      expect(got).toEqual({
        throttleTimeMs: 11,
        brokers: [
          { nodeId: 1, host: 'broker-1', port: 9092, rack: 'rack-a' },
          { nodeId: 2, host: 'broker-2', port: 9093, rack: null },
        ],
        clusterId: 'cluster-x',
        controllerId: 1,
        topics: [
          {
            errorCode: 0,
            name: 'orders',
            // platformatic's v9 has no topic id and reuses the name
            topicId: version >= 10 ? platformaticUuid(TOPIC_ID) : 'orders',
            isInternal: false,
            partitions: [
              {
                errorCode: 0,
                partitionIndex: 0,
                leaderId: 1,
                leaderEpoch: 3,
                replicaNodes: [1, 2],
                isrNodes: [1],
                offlineReplicas: [2],
              },
            ],
            topicAuthorizedOperations: 0x0ff8,
          },
        ],
      });
    });
  }
});

describe('Metadata golden bytes', () => {
  it('v1 request for all topics is a null array', () => {
    expect(encodeRequest(1, { topics: null }).toString('hex')).toBe('ffffffff');
  });

  it('v10 request by topic id (null name), derived from the BNF', () => {
    const request: RequestInput<typeof Metadata> = {
      topics: [{ topicId: TOPIC_ID, name: null }],
      allowAutoTopicCreation: false,
    };
    expect(encodeRequest(10, request).toString('hex')).toBe(
      '02' + // compact [topics] 1
        '00112233445566778899aabbccddeeff' + // topic_id
        '00' + // name null (compact nullable string)
        '00' + // topic tags
        '00' + // allow_auto_topic_creation false
        '00' + // include_cluster_authorized_operations false
        '00' + // include_topic_authorized_operations false
        '00', // tags
    );
  });

  it('v12 response with a null topic name, derived from the BNF', () => {
    const response: ResponseInput<typeof Metadata> = {
      throttleTimeMs: 0,
      brokers: [{ nodeId: 1, host: 'h', port: 9092 }],
      clusterId: null,
      controllerId: 1,
      topics: [{ errorCode: 100, name: null, topicId: TOPIC_ID, partitions: [] }],
    };
    const bytes =
      '00000000' + // throttle_time_ms
      '02' + // compact [brokers] 1
      '00000001' + // node_id
      '0268' + // host "h"
      '00002384' + // port 9092
      '00' + // rack null
      '00' + // broker tags
      '00' + // cluster_id null
      '00000001' + // controller_id
      '02' + // compact [topics] 1
      '0064' + // error_code 100 UNKNOWN_TOPIC_ID
      '00' + // name null
      '00112233445566778899aabbccddeeff' + // topic_id
      '00' + // is_internal
      '01' + // compact [partitions] empty
      '80000000' + // topic_authorized_operations (default INT32_MIN)
      '00' + // topic tags
      '00'; // tags
    expect(encodeResponse(12, response).toString('hex')).toBe(bytes);
    expect(decodeResponse(12, Buffer.from(bytes, 'hex')).topics[0]).toEqual({
      errorCode: 100,
      name: null,
      topicId: TOPIC_ID,
      isInternal: false,
      partitions: [],
      topicAuthorizedOperations: -2147483648,
    });
  });

  it('rejects a null topic name before v12 and a null topic list in v0', () => {
    const topic = { errorCode: 0, name: null, partitions: [] };
    expect(() => encodeResponse(11, { brokers: [], topics: [topic] })).toThrow(/null/);
    expect(() => encodeRequest(0, { topics: null })).toThrow(/null/);
  });

  it('skips an unknown tagged field in a flexible version', () => {
    const bytes =
      '02' + // compact [topics] 1
      '00000000000000000000000000000000' + // topic_id
      '0274' + // name "t"
      '01' + // one tagged field in the topic
      '21' + // tag 33 (unknown)
      '02' + // 2 bytes
      'beef' +
      '01' + // allow_auto_topic_creation
      '00' + // include_topic_authorized_operations
      '00'; // tags
    expect(decodeRequest(12, Buffer.from(bytes, 'hex'))).toEqual({
      topics: [{ topicId: ZERO_UUID, name: 't' }],
      allowAutoTopicCreation: true,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    });
  });
});

import { createTopicsV7 } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { CreateTopics } from '../../../../protocol/messages/create-topics.js';
import { ZERO_UUID } from '../../../../protocol/primitives/reader.js';
import { kafkajsDecodeResponse, kafkajsRequestBody } from '../../../helpers/kafkajs-oracle.js';
import { codecs } from '../../../helpers/message-codec.js';
import { dashedUuid, platformaticParse } from '../../../helpers/platformatic-oracle.js';

const { encodeRequest, encodeResponse, decodeRequest, decodeResponse } = codecs(CreateTopics);

const topicIdHex = '0123456789abcdeffedcba9876543210';
const topicId = Buffer.from(topicIdHex, 'hex').toString('base64url');

describe('CreateTopics against kafkajs (v0-3)', () => {
  for (let version = 0; version <= 3; version++) {
    it(`v${version}: decodes the request kafkajs encodes`, async () => {
      const body = await kafkajsRequestBody('createTopics', version, {
        topics: [
          {
            topic: 'orders',
            numPartitions: 6,
            replicationFactor: 3,
            configEntries: [
              { name: 'cleanup.policy', value: 'compact' },
              { name: 'retention.ms', value: null },
            ],
          },
          {
            topic: 'manual',
            replicaAssignment: [
              { partition: 0, replicas: [1, 2] },
              { partition: 1, replicas: [2, 3] },
            ],
          },
        ],
        validateOnly: true,
        timeout: 30000,
      });
      expect(decodeRequest(version, body)).toEqual({
        topics: [
          {
            name: 'orders',
            numPartitions: 6,
            replicationFactor: 3,
            assignments: [],
            configs: [
              { name: 'cleanup.policy', value: 'compact' },
              { name: 'retention.ms', value: null },
            ],
          },
          {
            name: 'manual',
            numPartitions: -1,
            replicationFactor: -1,
            assignments: [
              { partitionIndex: 0, brokerIds: [1, 2] },
              { partitionIndex: 1, brokerIds: [2, 3] },
            ],
            configs: [],
          },
        ],
        timeoutMs: 30000,
        validateOnly: version >= 1,
      });
    });

    it(`v${version}: kafkajs decodes the response we encode`, async () => {
      const body = encodeResponse(version, {
        throttleTimeMs: 15,
        topics: [
          { name: 'orders', errorCode: 36, errorMessage: "Topic 'orders' already exists." },
          { name: 'manual', errorCode: 0, errorMessage: null },
        ],
      });
      const decoded = await kafkajsDecodeResponse('createTopics', version, body);
      // kafkajs sorts the topics by name
      const topicErrors =
        version === 0
          ? [
              { topic: 'manual', errorCode: 0 },
              { topic: 'orders', errorCode: 36 },
            ]
          : [
              { topic: 'manual', errorCode: 0, errorMessage: null },
              { topic: 'orders', errorCode: 36, errorMessage: "Topic 'orders' already exists." },
            ];
      if (version <= 1) expect(decoded).toEqual({ topicErrors });
      if (version === 2) expect(decoded).toEqual({ throttleTime: 15, topicErrors });
      if (version === 3) expect(decoded).toEqual({ throttleTime: 0, clientSideThrottleTime: 15, topicErrors });
    });
  }
});

describe('CreateTopics against @platformatic/kafka (flexible v7)', () => {
  it('v7: decodes the request platformatic encodes', () => {
    const body = createTopicsV7.createRequest(
      [
        {
          name: 'orders',
          numPartitions: 3,
          replicationFactor: 2,
          assignments: [],
          configs: [{ name: 'min.insync.replicas', value: '2' }],
        },
        {
          name: 'manual',
          numPartitions: -1,
          replicationFactor: -1,
          assignments: [{ partitionIndex: 0, brokerIds: [1, 2, 3] }],
          configs: [],
        },
      ],
      45000,
      false,
    ).buffer;
    expect(decodeRequest(7, body)).toEqual({
      topics: [
        {
          name: 'orders',
          numPartitions: 3,
          replicationFactor: 2,
          assignments: [],
          configs: [{ name: 'min.insync.replicas', value: '2' }],
        },
        {
          name: 'manual',
          numPartitions: -1,
          replicationFactor: -1,
          assignments: [{ partitionIndex: 0, brokerIds: [1, 2, 3] }],
          configs: [],
        },
      ],
      timeoutMs: 45000,
      validateOnly: false,
    });
  });

  it('v7: platformatic parses the response we encode', () => {
    const configs = [
      { name: 'cleanup.policy', value: 'delete', readOnly: false, configSource: 5, isSensitive: false },
      { name: 'ssl.key', value: null, readOnly: true, configSource: 4, isSensitive: true },
    ];
    const body = encodeResponse(7, {
      throttleTimeMs: 0,
      topics: [
        { name: 'orders', topicId, errorCode: 0, errorMessage: null, numPartitions: 3, replicationFactor: 2, configs },
      ],
    });
    expect(platformaticParse(createTopicsV7, body)).toEqual({
      throttleTimeMs: 0,
      topics: [
        {
          name: 'orders',
          topicId: dashedUuid(topicIdHex),
          errorCode: 0,
          errorMessage: null,
          numPartitions: 3,
          replicationFactor: 2,
          configs,
        },
      ],
    });
  });
});

describe('CreateTopics golden bytes', () => {
  it('v0 request, derived by hand', () => {
    const hex = [
      '00000001', // topics: one
      '000174', // name "t"
      '00000001', // numPartitions 1
      '0001', // replicationFactor 1
      '00000000', // assignments: none
      '00000001', // configs: one
      '000161', // name "a"
      'ffff', // value null
      '0000ea60', // timeoutMs 60000
    ].join('');
    const value = {
      topics: [
        { name: 't', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [{ name: 'a', value: null }] },
      ],
    };
    expect(encodeRequest(0, value).toString('hex')).toBe(hex); // timeoutMs defaults to Kafka's 60000
    expect(decodeRequest(0, Buffer.from(hex, 'hex'))).toEqual({ ...value, timeoutMs: 60000, validateOnly: false });
  });

  it('v5 response (flexible) with the tagged TopicConfigErrorCode, derived by hand', () => {
    const hex = [
      '00000000', // throttleTimeMs
      '02', // topics: one
      '0274', // name "t"
      '0000', // errorCode
      '00', // errorMessage null
      '00000001', // numPartitions 1
      '0001', // replicationFactor 1
      '00', // configs null
      '01' + '00' + '02' + '001d', // topic tag section: tag 0 (TopicConfigErrorCode), 2 bytes, 29
      '00', // top-level tag section
    ].join('');
    const value = {
      throttleTimeMs: 0,
      topics: [
        {
          name: 't',
          topicId: ZERO_UUID,
          errorCode: 0,
          errorMessage: null,
          topicConfigErrorCode: 29,
          numPartitions: 1,
          replicationFactor: 1,
          configs: null,
        },
      ],
    };
    expect(encodeResponse(5, value).toString('hex')).toBe(hex);
    expect(decodeResponse(5, Buffer.from(hex, 'hex'))).toEqual(value);
  });

  it('v7 response carries the topic id; v4 has no tagged or v5 fields', () => {
    const topic = { name: 't', topicId, errorCode: 0, errorMessage: null, topicConfigErrorCode: 29 };
    expect(decodeResponse(7, encodeResponse(7, { topics: [topic] })).topics[0]!.topicId).toBe(topicId);
    expect(decodeResponse(4, encodeResponse(4, { topics: [topic] })).topics[0]).toEqual({
      name: 't',
      topicId: ZERO_UUID,
      errorCode: 0,
      errorMessage: null,
      topicConfigErrorCode: 0,
      numPartitions: -1,
      replicationFactor: -1,
      configs: [],
    });
  });

  it('skips an unknown tagged field next to a known one (v5 response)', () => {
    const hex = [
      '00000000', // throttleTimeMs
      '02', // topics: one
      '0274', // name "t"
      '0000', // errorCode
      '00', // errorMessage null
      '00000001', // numPartitions 1
      '0001', // replicationFactor 1
      '00', // configs null
      '02' + '0002001d' + '0503abcdef', // tag 0 = 29, then unknown tag 5 of three bytes
      '00', // top-level tag section
    ].join('');
    const topic = decodeResponse(5, Buffer.from(hex, 'hex')).topics[0]!;
    expect(topic.topicConfigErrorCode).toBe(29);
    expect(topic.numPartitions).toBe(1);
  });
});

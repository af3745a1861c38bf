import { addPartitionsToTxnV3, addPartitionsToTxnV4, addPartitionsToTxnV5 } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { AddPartitionsToTxn } from '../../../../protocol/messages/add-partitions-to-txn.js';
import { kafkajsDecodeResponse, kafkajsRequestBody } from '../../../helpers/kafkajs-oracle.js';
import { codecs, withTopLevelTags } from '../../../helpers/message-codec.js';
import { platformaticParse } from '../../../helpers/platformatic-oracle.js';

const { encodeRequest, encodeResponse, decodeRequest, decodeResponse } = codecs(AddPartitionsToTxn);

const partitionResults = [
  { partitionIndex: 0, partitionErrorCode: 0 },
  { partitionIndex: 2, partitionErrorCode: 0 },
];

describe('AddPartitionsToTxn against kafkajs (v0-1)', () => {
  for (const version of [0, 1]) {
    it(`v${version}: decodes the request kafkajs encodes`, async () => {
      const body = await kafkajsRequestBody('addPartitionsToTxn', version, {
        transactionalId: 'tx-orders',
        producerId: 1000,
        producerEpoch: 1,
        topics: [
          { topic: 'orders', partitions: [0, 2] },
          { topic: 'audit', partitions: [5] },
        ],
      });
      expect(decodeRequest(version, body)).toEqual({
        transactions: [],
        v3AndBelowTransactionalId: 'tx-orders',
        v3AndBelowProducerId: 1000,
        v3AndBelowProducerEpoch: 1,
        v3AndBelowTopics: [
          { name: 'orders', partitions: [0, 2] },
          { name: 'audit', partitions: [5] },
        ],
      });
    });

    it(`v${version}: kafkajs decodes the response we encode`, async () => {
      const body = encodeResponse(version, {
        throttleTimeMs: 9,
        resultsByTopicV3AndBelow: [{ name: 'orders', resultsByPartition: partitionResults }],
      });
      const decoded = await kafkajsDecodeResponse('addPartitionsToTxn', version, body);
      expect(decoded).toMatchObject({
        errors: [
          {
            topic: 'orders',
            partitionErrors: [
              { partition: 0, errorCode: 0 },
              { partition: 2, errorCode: 0 },
            ],
          },
        ],
      });
      if (version === 0) expect(decoded).toMatchObject({ throttleTime: 9 });
      else expect(decoded).toMatchObject({ throttleTime: 0, clientSideThrottleTime: 9 });
    });
  }
});

describe('AddPartitionsToTxn against @platformatic/kafka (flexible v3-5)', () => {
  const transaction = {
    transactionalId: 'tx-orders',
    producerId: 1000n,
    producerEpoch: 2,
    verifyOnly: true,
    topics: [{ name: 'orders', partitions: [0, 1] }],
  };

  it('v3: decodes the client-form request platformatic encodes', () => {
    expect(decodeRequest(3, addPartitionsToTxnV3.createRequest([transaction]).buffer)).toEqual({
      transactions: [],
      v3AndBelowTransactionalId: 'tx-orders',
      v3AndBelowProducerId: 1000,
      v3AndBelowProducerEpoch: 2,
      v3AndBelowTopics: [{ name: 'orders', partitions: [0, 1] }],
    });
  });

  it('v3: platformatic parses the response we encode', () => {
    const body = encodeResponse(3, {
      throttleTimeMs: 4,
      resultsByTopicV3AndBelow: [{ name: 'orders', resultsByPartition: partitionResults }],
    });
    expect(platformaticParse(addPartitionsToTxnV3, body)).toEqual({
      throttleTimeMs: 4,
      errorCode: 0,
      resultsByTransaction: [
        { transactionalId: '', topicResults: [{ name: 'orders', resultsByPartition: partitionResults }] },
      ],
    });
  });

  const batched = { 4: addPartitionsToTxnV4, 5: addPartitionsToTxnV5 } as const;
  for (const version of [4, 5] as const) {
    const plt = batched[version];

    it(`v${version}: decodes the batched request platformatic encodes`, () => {
      const second = { ...transaction, transactionalId: 'tx-2', verifyOnly: false, topics: [] };
      expect(decodeRequest(version, plt.createRequest([transaction, second]).buffer)).toEqual({
        transactions: [
          {
            transactionalId: 'tx-orders',
            producerId: 1000,
            producerEpoch: 2,
            verifyOnly: true,
            topics: [{ name: 'orders', partitions: [0, 1] }],
          },
          { transactionalId: 'tx-2', producerId: 1000, producerEpoch: 2, verifyOnly: false, topics: [] },
        ],
        v3AndBelowTransactionalId: '',
        v3AndBelowProducerId: 0,
        v3AndBelowProducerEpoch: 0,
        v3AndBelowTopics: [],
      });
    });

    it(`v${version}: platformatic parses the batched response we encode`, () => {
      const resultsByTransaction = [
        { transactionalId: 'tx-orders', topicResults: [{ name: 'orders', resultsByPartition: partitionResults }] },
      ];
      const body = encodeResponse(version, { throttleTimeMs: 0, errorCode: 0, resultsByTransaction });
      expect(platformaticParse(plt, body)).toEqual({
        throttleTimeMs: 0,
        errorCode: 0,
        resultsByTransaction,
      });
    });
  }
});

describe('AddPartitionsToTxn golden bytes', () => {
  it('v0 request, derived by hand', () => {
    const hex = [
      '00027478', // v3AndBelowTransactionalId "tx"
      '0000000000000007', // v3AndBelowProducerId 7
      '0000', // v3AndBelowProducerEpoch 0
      '00000001', // v3AndBelowTopics: one
      '000174', // name "t"
      '00000002', // partitions: two
      '00000000', // 0
      '00000003', // 3
    ].join('');
    const value = {
      transactions: [],
      v3AndBelowTransactionalId: 'tx',
      v3AndBelowProducerId: 7,
      v3AndBelowProducerEpoch: 0,
      v3AndBelowTopics: [{ name: 't', partitions: [0, 3] }],
    };
    expect(encodeRequest(0, value).toString('hex')).toBe(hex);
    expect(decodeRequest(0, Buffer.from(hex, 'hex'))).toEqual(value);
  });

  it('v4 request (flexible, batched), derived by hand', () => {
    const hex = [
      '02', // transactions: compact array of one
      '037478', // transactionalId "tx"
      '0000000000000007', // producerId 7
      '0001', // producerEpoch 1
      '01', // verifyOnly true
      '02', // topics: compact array of one
      '0274', // name "t"
      '02', // partitions: compact array of one
      '00000004', // partition 4
      '00', // topic's tag section
      '00', // transaction's tag section
      '00', // top-level tag section
    ].join('');
    const value = {
      transactions: [
        {
          transactionalId: 'tx',
          producerId: 7,
          producerEpoch: 1,
          verifyOnly: true,
          topics: [{ name: 't', partitions: [4] }],
        },
      ],
    };
    expect(encodeRequest(4, value).toString('hex')).toBe(hex);
    expect(decodeRequest(4, Buffer.from(hex, 'hex'))).toMatchObject(value);
  });

  it('v3 response (flexible, per-topic results), derived by hand', () => {
    const hex = [
      '00000000', // throttleTimeMs 0
      '02', // resultsByTopicV3AndBelow: one
      '0274', // name "t"
      '02', // resultsByPartition: one
      '00000001', // partitionIndex 1
      '0033', // partitionErrorCode 51 (CONCURRENT_TRANSACTIONS)
      '00', // partition's tag section
      '00', // topic's tag section
      '00', // top-level tag section
    ].join('');
    const value = {
      throttleTimeMs: 0,
      errorCode: 0,
      resultsByTransaction: [],
      resultsByTopicV3AndBelow: [{ name: 't', resultsByPartition: [{ partitionIndex: 1, partitionErrorCode: 51 }] }],
    };
    expect(encodeResponse(3, value).toString('hex')).toBe(hex);
    expect(decodeResponse(3, Buffer.from(hex, 'hex'))).toEqual(value);
  });

  it('v5 response (batched, top-level error), derived by hand', () => {
    const hex = [
      '00000000', // throttleTimeMs 0
      '0035', // errorCode 53 (TRANSACTIONAL_ID_AUTHORIZATION_FAILED)
      '01', // resultsByTransaction: empty
      '00', // top-level tag section
    ].join('');
    const value = { throttleTimeMs: 0, errorCode: 53, resultsByTransaction: [], resultsByTopicV3AndBelow: [] };
    expect(encodeResponse(5, value).toString('hex')).toBe(hex);
    expect(decodeResponse(5, Buffer.from(hex, 'hex'))).toEqual(value);
  });

  it('skips an unknown tagged field (v4 request)', () => {
    const plain = encodeRequest(4, { transactions: [] });
    const tagged = withTopLevelTags(plain, '01090100');
    expect(decodeRequest(4, tagged)).toEqual(decodeRequest(4, plain));
  });
});

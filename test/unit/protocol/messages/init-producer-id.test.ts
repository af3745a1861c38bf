import { initProducerIdV3, initProducerIdV4, initProducerIdV5 } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { InitProducerId } from '../../../../protocol/messages/init-producer-id.js';
import { kafkajsDecodeResponse, kafkajsRequestBody } from '../../../helpers/kafkajs-oracle.js';
import { codecs, withTopLevelTags } from '../../../helpers/message-codec.js';
import { platformaticParse } from '../../../helpers/platformatic-oracle.js';

const { encodeRequest, encodeResponse, decodeRequest, decodeResponse } = codecs(InitProducerId);

describe('InitProducerId against kafkajs (v0-1)', () => {
  for (const version of [0, 1]) {
    it(`v${version}: decodes the transactional request kafkajs encodes`, async () => {
      const body = await kafkajsRequestBody('initProducerId', version, {
        transactionalId: 'tx-orders',
        transactionTimeout: 30000,
      });
      expect(decodeRequest(version, body)).toEqual({
        transactionalId: 'tx-orders',
        transactionTimeoutMs: 30000,
        producerId: -1,
        producerEpoch: -1,
      });
    });

    it(`v${version}: decodes the idempotent (null transactional id) request kafkajs encodes`, async () => {
      const body = await kafkajsRequestBody('initProducerId', version, {
        transactionalId: null,
        transactionTimeout: 5000,
      });
      expect(decodeRequest(version, body)).toMatchObject({ transactionalId: null, transactionTimeoutMs: 5000 });
    });

    it(`v${version}: kafkajs decodes the response we encode`, async () => {
      const body = encodeResponse(version, { throttleTimeMs: 12, errorCode: 0, producerId: 4000, producerEpoch: 3 });
      const decoded = await kafkajsDecodeResponse('initProducerId', version, body);
      expect(decoded).toMatchObject({ errorCode: 0, producerId: '4000', producerEpoch: 3 });
      if (version === 0) expect(decoded).toMatchObject({ throttleTime: 12 });
      else expect(decoded).toMatchObject({ throttleTime: 0, clientSideThrottleTime: 12 });
    });
  }
});

describe('InitProducerId against @platformatic/kafka (flexible v3-5)', () => {
  const platformatic = { 3: initProducerIdV3, 4: initProducerIdV4, 5: initProducerIdV5 } as const;
  for (const version of [3, 4, 5] as const) {
    const plt = platformatic[version];

    it(`v${version}: decodes the request platformatic encodes`, () => {
      expect(decodeRequest(version, plt.createRequest('tx-orders', 60000, 1234n, 5).buffer)).toEqual({
        transactionalId: 'tx-orders',
        transactionTimeoutMs: 60000,
        producerId: 1234,
        producerEpoch: 5,
      });
      expect(decodeRequest(version, plt.createRequest(null, 0, -1n, -1).buffer)).toEqual({
        transactionalId: null,
        transactionTimeoutMs: 0,
        producerId: -1,
        producerEpoch: -1,
      });
    });

    it(`v${version}: platformatic parses the response we encode`, () => {
      const body = encodeResponse(version, { throttleTimeMs: 7, errorCode: 0, producerId: 98765, producerEpoch: 1 });
      expect(platformaticParse(plt, body)).toEqual({
        throttleTimeMs: 7,
        errorCode: 0,
        producerId: 98765n,
        producerEpoch: 1,
      });
    });
  }
});

describe('InitProducerId golden bytes', () => {
  it('v0 request with a null transactional id, derived by hand', () => {
    const hex = [
      'ffff', // transactionalId: null (int16 -1)
      '00001388', // transactionTimeoutMs 5000
    ].join('');
    const value = { transactionalId: null, transactionTimeoutMs: 5000, producerId: -1, producerEpoch: -1 };
    expect(encodeRequest(0, value).toString('hex')).toBe(hex);
    expect(decodeRequest(0, Buffer.from(hex, 'hex'))).toEqual(value);
  });

  it('v3 request (flexible), derived by hand', () => {
    const hex = [
      '037478', // transactionalId: compact string "tx" (length + 1 = 3)
      '000003e8', // transactionTimeoutMs 1000
      '000000000000002a', // producerId 42
      '0001', // producerEpoch 1
      '00', // tag section: empty
    ].join('');
    const value = { transactionalId: 'tx', transactionTimeoutMs: 1000, producerId: 42, producerEpoch: 1 };
    expect(encodeRequest(3, value).toString('hex')).toBe(hex);
    expect(decodeRequest(3, Buffer.from(hex, 'hex'))).toEqual(value);
  });

  it('v2 request: a flexible null transactional id is a zero length byte', () => {
    const hex = ['00', '00000000', '00'].join(''); // null, timeout 0, empty tags (no producer id/epoch before v3)
    expect(encodeRequest(2, { transactionalId: null, transactionTimeoutMs: 0 }).toString('hex')).toBe(hex);
  });

  it('v1 response, derived by hand', () => {
    const hex = [
      '00000000', // throttleTimeMs 0
      '002f', // errorCode 47 (INVALID_PRODUCER_EPOCH)
      'ffffffffffffffff', // producerId -1
      'ffff', // producerEpoch -1
    ].join('');
    const value = { throttleTimeMs: 0, errorCode: 47, producerId: -1, producerEpoch: -1 };
    expect(encodeResponse(1, value).toString('hex')).toBe(hex);
    expect(decodeResponse(1, Buffer.from(hex, 'hex'))).toEqual(value);
  });

  it('skips an unknown tagged field (v5 response)', () => {
    const plain = encodeResponse(5, { throttleTimeMs: 0, errorCode: 0, producerId: 9, producerEpoch: 0 });
    const tagged = withTopLevelTags(plain, '010503616263');
    expect(decodeResponse(5, tagged)).toEqual(decodeResponse(5, plain));
  });
});

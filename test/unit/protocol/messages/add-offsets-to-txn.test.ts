import { addOffsetsToTxnV1, addOffsetsToTxnV2, addOffsetsToTxnV3, addOffsetsToTxnV4 } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { AddOffsetsToTxn } from '../../../../protocol/messages/add-offsets-to-txn.js';
import { kafkajsDecodeResponse, kafkajsRequestBody } from '../../../helpers/kafkajs-oracle.js';
import { codecs, withTopLevelTags } from '../../../helpers/message-codec.js';
import { platformaticParse } from '../../../helpers/platformatic-oracle.js';

const { encodeRequest, encodeResponse, decodeRequest, decodeResponse } = codecs(AddOffsetsToTxn);

describe('AddOffsetsToTxn against kafkajs (v0-1)', () => {
  for (const version of [0, 1]) {
    it(`v${version}: decodes the request kafkajs encodes`, async () => {
      const body = await kafkajsRequestBody('addOffsetsToTxn', version, {
        transactionalId: 'tx-orders',
        producerId: '9007199254740991',
        producerEpoch: 4,
        groupId: 'billing',
      });
      expect(decodeRequest(version, body)).toEqual({
        transactionalId: 'tx-orders',
        producerId: Number.MAX_SAFE_INTEGER,
        producerEpoch: 4,
        groupId: 'billing',
      });
    });

    it(`v${version}: kafkajs decodes the response we encode`, async () => {
      const decoded = await kafkajsDecodeResponse(
        'addOffsetsToTxn',
        version,
        encodeResponse(version, { throttleTimeMs: 30, errorCode: 0 }),
      );
      expect(decoded).toMatchObject({ errorCode: 0 });
      if (version === 0) expect(decoded).toMatchObject({ throttleTime: 30 });
      else expect(decoded).toMatchObject({ throttleTime: 0, clientSideThrottleTime: 30 });
    });
  }
});

describe('AddOffsetsToTxn against @platformatic/kafka (v1-4, flexible from v3)', () => {
  const platformatic = {
    1: addOffsetsToTxnV1,
    2: addOffsetsToTxnV2,
    3: addOffsetsToTxnV3,
    4: addOffsetsToTxnV4,
  } as const;
  for (const version of [1, 2, 3, 4] as const) {
    const plt = platformatic[version];

    it(`v${version}: decodes the request platformatic encodes`, () => {
      expect(decodeRequest(version, plt.createRequest('tx-orders', 77n, 3, 'billing').buffer)).toEqual({
        transactionalId: 'tx-orders',
        producerId: 77,
        producerEpoch: 3,
        groupId: 'billing',
      });
    });

    it(`v${version}: platformatic parses the response we encode`, () => {
      const body = encodeResponse(version, { throttleTimeMs: 2, errorCode: 0 });
      expect(platformaticParse(plt, body)).toEqual({ throttleTimeMs: 2, errorCode: 0 });
    });
  }
});

describe('AddOffsetsToTxn golden bytes', () => {
  it('v0 request, derived by hand', () => {
    const hex = [
      '00027478', // transactionalId "tx"
      '0000000000000100', // producerId 256
      '0002', // producerEpoch 2
      '000167', // groupId "g"
    ].join('');
    const value = { transactionalId: 'tx', producerId: 256, producerEpoch: 2, groupId: 'g' };
    expect(encodeRequest(0, value).toString('hex')).toBe(hex);
    expect(decodeRequest(0, Buffer.from(hex, 'hex'))).toEqual(value);
  });

  it('v3 request (flexible), derived by hand', () => {
    const hex = ['037478', '0000000000000100', '0002', '0267', '00'].join(''); // compact strings, empty tags
    const value = { transactionalId: 'tx', producerId: 256, producerEpoch: 2, groupId: 'g' };
    expect(encodeRequest(3, value).toString('hex')).toBe(hex);
    expect(decodeRequest(3, Buffer.from(hex, 'hex'))).toEqual(value);
  });

  it('v4 response, derived by hand', () => {
    const hex = ['00000064', '0030', '00'].join(''); // throttle 100, INVALID_TXN_STATE (48), empty tags
    const value = { throttleTimeMs: 100, errorCode: 48 };
    expect(encodeResponse(4, value).toString('hex')).toBe(hex);
    expect(decodeResponse(4, Buffer.from(hex, 'hex'))).toEqual(value);
  });

  it('skips an unknown tagged field (v3 response)', () => {
    const plain = encodeResponse(3, { throttleTimeMs: 0, errorCode: 0 });
    const tagged = withTopLevelTags(plain, '0200010a0102ffff');
    expect(decodeResponse(3, tagged)).toEqual(decodeResponse(3, plain));
  });
});

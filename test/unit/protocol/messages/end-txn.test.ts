import { endTxnV3, endTxnV4 } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { EndTxn } from '../../../../protocol/messages/end-txn.js';
import { kafkajsDecodeResponse, kafkajsRequestBody } from '../../../helpers/kafkajs-oracle.js';
import { codecs, withTopLevelTags } from '../../../helpers/message-codec.js';
import { platformaticParse } from '../../../helpers/platformatic-oracle.js';

const { encodeRequest, encodeResponse, decodeRequest, decodeResponse } = codecs(EndTxn);

describe('EndTxn against kafkajs (v0-1)', () => {
  for (const version of [0, 1]) {
    for (const committed of [true, false]) {
      it(`v${version}: decodes the ${committed ? 'commit' : 'abort'} request kafkajs encodes`, async () => {
        const body = await kafkajsRequestBody('endTxn', version, {
          transactionalId: 'tx-orders',
          producerId: 5000,
          producerEpoch: 6,
          transactionResult: committed,
        });
        expect(decodeRequest(version, body)).toEqual({
          transactionalId: 'tx-orders',
          producerId: 5000,
          producerEpoch: 6,
          committed,
        });
      });
    }

    it(`v${version}: kafkajs decodes the response we encode`, async () => {
      const decoded = await kafkajsDecodeResponse(
        'endTxn',
        version,
        encodeResponse(version, { throttleTimeMs: 15, errorCode: 0 }),
      );
      expect(decoded).toMatchObject({ errorCode: 0 });
      if (version === 0) expect(decoded).toMatchObject({ throttleTime: 15 });
      else expect(decoded).toMatchObject({ throttleTime: 0, clientSideThrottleTime: 15 });
    });
  }
});

describe('EndTxn against @platformatic/kafka (flexible v3-4)', () => {
  const platformatic = { 3: endTxnV3, 4: endTxnV4 } as const;
  for (const version of [3, 4] as const) {
    const plt = platformatic[version];

    it(`v${version}: decodes the request platformatic encodes`, () => {
      expect(decodeRequest(version, plt.createRequest('tx-orders', 5000n, 6, true).buffer)).toEqual({
        transactionalId: 'tx-orders',
        producerId: 5000,
        producerEpoch: 6,
        committed: true,
      });
    });

    it(`v${version}: platformatic parses the response we encode`, () => {
      const body = encodeResponse(version, { throttleTimeMs: 1, errorCode: 0 });
      expect(platformaticParse(plt, body)).toEqual({ throttleTimeMs: 1, errorCode: 0 });
    });
  }
});

describe('EndTxn golden bytes', () => {
  it('v0 abort request, derived by hand', () => {
    const hex = [
      '00027478', // transactionalId "tx"
      '0000000000000001', // producerId 1
      '0000', // producerEpoch 0
      '00', // committed false
    ].join('');
    const value = { transactionalId: 'tx', producerId: 1, producerEpoch: 0, committed: false };
    expect(encodeRequest(0, value).toString('hex')).toBe(hex);
    expect(decodeRequest(0, Buffer.from(hex, 'hex'))).toEqual(value);
  });

  it('v3 commit request (flexible), derived by hand', () => {
    const hex = ['037478', '0000000000000001', '0000', '01', '00'].join('');
    const value = { transactionalId: 'tx', producerId: 1, producerEpoch: 0, committed: true };
    expect(encodeRequest(3, value).toString('hex')).toBe(hex);
    expect(decodeRequest(3, Buffer.from(hex, 'hex'))).toEqual(value);
  });

  it('v1 response, derived by hand', () => {
    const hex = ['00000000', '0033'].join(''); // throttle 0, CONCURRENT_TRANSACTIONS (51)
    expect(encodeResponse(1, { throttleTimeMs: 0, errorCode: 51 }).toString('hex')).toBe(hex);
    expect(decodeResponse(1, Buffer.from(hex, 'hex'))).toEqual({ throttleTimeMs: 0, errorCode: 51 });
  });

  it('skips an unknown tagged field (v4 request)', () => {
    const value = { transactionalId: 'tx', producerId: 1, producerEpoch: 0, committed: true };
    const plain = encodeRequest(4, value);
    const tagged = withTopLevelTags(plain, '01630101');
    expect(decodeRequest(4, tagged)).toEqual(value);
  });
});

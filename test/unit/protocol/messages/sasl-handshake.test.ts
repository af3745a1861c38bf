import { saslHandshakeV1 } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { SaslHandshake } from '../../../../protocol/messages/sasl-handshake.js';
import { kafkajsDecodeResponse, kafkajsRequestBody } from '../../../helpers/kafkajs-oracle.js';
import { codecs } from '../../../helpers/message-codec.js';
import { platformaticParse } from '../../../helpers/platformatic-oracle.js';

const { encodeResponse, decodeRequest, decodeResponse } = codecs(SaslHandshake);

describe('SaslHandshake against kafkajs (v0-1)', () => {
  for (let version = 0; version <= 1; version++) {
    it(`v${version}: decodes the request kafkajs encodes`, async () => {
      const body = await kafkajsRequestBody('saslHandshake', version, { mechanism: 'SCRAM-SHA-256' });
      expect(decodeRequest(version, body)).toEqual({ mechanism: 'SCRAM-SHA-256' });
    });

    it(`v${version}: kafkajs decodes the response we encode`, async () => {
      const mechanisms = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'];
      const decoded = await kafkajsDecodeResponse(
        'saslHandshake',
        version,
        encodeResponse(version, { errorCode: 0, mechanisms }),
      );
      expect(decoded).toEqual({ errorCode: 0, enabledMechanisms: mechanisms });
      const rejected = await kafkajsDecodeResponse(
        'saslHandshake',
        version,
        encodeResponse(version, { errorCode: 33, mechanisms: ['PLAIN'] }),
      );
      expect(rejected).toEqual({ errorCode: 33, enabledMechanisms: ['PLAIN'] });
    });
  }
});

describe('SaslHandshake against @platformatic/kafka (v1)', () => {
  it('v1: decodes the request platformatic encodes', () => {
    expect(decodeRequest(1, saslHandshakeV1.createRequest('PLAIN').buffer)).toEqual({ mechanism: 'PLAIN' });
  });

  it('v1: platformatic parses the response we encode', () => {
    const body = encodeResponse(1, { errorCode: 0, mechanisms: ['PLAIN', 'OAUTHBEARER'] });
    expect(platformaticParse(saslHandshakeV1, body)).toEqual({
      errorCode: 0,
      mechanisms: ['PLAIN', 'OAUTHBEARER'],
    });
  });
});

describe('SaslHandshake golden bytes', () => {
  it('v1 request and response, derived by hand', () => {
    expect(decodeRequest(1, Buffer.from('0005' + '504c41494e', 'hex'))).toEqual({ mechanism: 'PLAIN' });
    const hex = [
      '0021', // errorCode 33 (UNSUPPORTED_SASL_MECHANISM)
      '00000001', // mechanisms: one
      '0005504c41494e', // "PLAIN"
    ].join('');
    expect(encodeResponse(1, { errorCode: 33, mechanisms: ['PLAIN'] }).toString('hex')).toBe(hex);
    expect(decodeResponse(1, Buffer.from(hex, 'hex'))).toEqual({ errorCode: 33, mechanisms: ['PLAIN'] });
  });

  it('is never flexible: no tag section, so a trailing byte is an error', () => {
    expect(SaslHandshake.flexibleSince).toBeNull();
    expect(() => decodeRequest(1, Buffer.from('0005504c41494e00', 'hex'))).toThrow();
  });
});

import { saslAuthenticateV2 } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { SaslAuthenticate } from '../../../../protocol/messages/sasl-authenticate.js';
import { kafkajsDecodeResponse, kafkajsRequestBody } from '../../../helpers/kafkajs-oracle.js';
import { codecs } from '../../../helpers/message-codec.js';
import { platformaticParse } from '../../../helpers/platformatic-oracle.js';

const { encodeRequest, encodeResponse, decodeRequest, decodeResponse } = codecs(SaslAuthenticate);

/** A SASL/PLAIN initial response: authzid NUL authcid NUL password. */
const plainToken = Buffer.from('\0alice\0secret');
/** kafkajs' mechanisms hand SaslAuthenticate the token already framed as int32-length-prefixed bytes. */
const framed = (token: Buffer): Buffer => {
  const length = Buffer.alloc(4);
  length.writeInt32BE(token.length);
  return Buffer.concat([length, token]);
};

describe('SaslAuthenticate against kafkajs (v0-1)', () => {
  for (let version = 0; version <= 1; version++) {
    it(`v${version}: decodes the request kafkajs encodes`, async () => {
      const body = await kafkajsRequestBody('saslAuthenticate', version, { authBytes: framed(plainToken) });
      expect(decodeRequest(version, body)).toEqual({ authBytes: plainToken });
    });

    it(`v${version}: kafkajs decodes the response we encode`, async () => {
      const serverFinal = Buffer.from('v=rmF9pqV8S7suAoZWja4dJRkFsKQ=');
      const body = encodeResponse(version, {
        errorCode: 0,
        errorMessage: null,
        authBytes: serverFinal,
        sessionLifetimeMs: 3_600_000,
      });
      const decoded = await kafkajsDecodeResponse('saslAuthenticate', version, body);
      // kafkajs re-frames the auth bytes with their int32 length and turns int64 into a string
      expect(decoded).toEqual({
        errorCode: 0,
        errorMessage: null,
        authBytes: framed(serverFinal),
        ...(version >= 1 ? { sessionLifetimeMs: '3600000' } : {}),
      });
    });
  }

  it('v1: kafkajs reads the error message of a failed authentication', async () => {
    const body = encodeResponse(1, {
      errorCode: 58,
      errorMessage: 'Authentication failed: Invalid username or password',
      authBytes: Buffer.alloc(0),
    });
    expect(await kafkajsDecodeResponse('saslAuthenticate', 1, body)).toEqual({
      errorCode: 58,
      errorMessage: 'Authentication failed: Invalid username or password',
      authBytes: framed(Buffer.alloc(0)),
      sessionLifetimeMs: '0',
    });
  });
});

describe('SaslAuthenticate against @platformatic/kafka (flexible v2)', () => {
  it('v2: decodes the request platformatic encodes', () => {
    expect(decodeRequest(2, saslAuthenticateV2.createRequest(plainToken).buffer)).toEqual({ authBytes: plainToken });
  });

  it('v2: platformatic parses the response we encode', () => {
    const body = encodeResponse(2, {
      errorCode: 0,
      errorMessage: null,
      authBytes: Buffer.from('ok'),
      sessionLifetimeMs: 86_400_000,
    });
    expect(platformaticParse(saslAuthenticateV2, body)).toEqual({
      errorCode: 0,
      errorMessage: null,
      authBytes: Buffer.from('ok'),
      sessionLifetimeMs: 86_400_000n,
    });
  });
});

describe('SaslAuthenticate golden bytes', () => {
  it('v0 request, derived by hand', () => {
    const hex = '00000003' + '616263'; // authBytes "abc"
    expect(encodeRequest(0, { authBytes: Buffer.from('abc') }).toString('hex')).toBe(hex);
    expect(decodeRequest(0, Buffer.from(hex, 'hex'))).toEqual({ authBytes: Buffer.from('abc') });
  });

  it('v2 response (flexible), derived by hand', () => {
    const hex = [
      '0000', // errorCode
      '00', // errorMessage null
      '03' + '6f6b', // authBytes "ok"
      '0000000000000064', // sessionLifetimeMs 100
      '00', // tag section
    ].join('');
    const value = { errorCode: 0, errorMessage: null, authBytes: Buffer.from('ok'), sessionLifetimeMs: 100 };
    expect(encodeResponse(2, value).toString('hex')).toBe(hex);
    expect(decodeResponse(2, Buffer.from(hex, 'hex'))).toEqual(value);
  });

  it('v1 response, derived by hand', () => {
    const hex = '003a' + '0003626164' + '00000000' + '0000000000000000'; // 58, "bad", no bytes, lifetime 0
    expect(decodeResponse(1, Buffer.from(hex, 'hex'))).toEqual({
      errorCode: 58,
      errorMessage: 'bad',
      authBytes: Buffer.alloc(0),
      sessionLifetimeMs: 0,
    });
  });

  it('skips an unknown tagged field (v2 request)', () => {
    const hex = '03' + '6f6b' + '01' + '0203' + '010203'; // authBytes "ok", tag 2 of three bytes
    expect(decodeRequest(2, Buffer.from(hex, 'hex'))).toEqual({ authBytes: Buffer.from('ok') });
  });
});

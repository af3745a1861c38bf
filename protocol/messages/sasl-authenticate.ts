import { api, bytes, int16, int64, string } from '../schema/dsl.js';

/**
 * SaslAuthenticate (key 36), versions 0-2, flexible from 2.
 * v1 adds the session lifetime (KIP-368, re-authentication); v2 is the first flexible version.
 */
export const SaslAuthenticate = api({
  key: 36,
  name: 'SaslAuthenticate',
  minVersion: 0,
  maxVersion: 2,
  flexibleSince: 2,
  request: {
    authBytes: bytes(),
  },
  response: {
    errorCode: int16(),
    errorMessage: string({ nullable: true }),
    authBytes: bytes(),
    sessionLifetimeMs: int64({ since: 1 }),
  },
});

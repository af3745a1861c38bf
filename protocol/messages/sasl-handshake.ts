import { api, array, int16, string } from '../schema/dsl.js';

/**
 * SaslHandshake (key 17), versions 0-1, never flexible.
 * v0 is followed by raw SASL tokens on the wire; v1 means the tokens travel in SaslAuthenticate requests
 * (KIP-152). The version cannot be bumped because of old clients' negotiation (KAFKA-9577).
 */
export const SaslHandshake = api({
  key: 17,
  name: 'SaslHandshake',
  minVersion: 0,
  maxVersion: 1,
  flexibleSince: null,
  request: {
    mechanism: string(),
  },
  response: {
    errorCode: int16(),
    mechanisms: array(string()),
  },
});

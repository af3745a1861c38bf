import { api, array, bool, int16, int32, int64, string } from '../schema/dsl.js';

/**
 * ApiVersions (key 18), versions 0-4, flexible from 3.
 * v1 adds throttle time; v3 adds the client software name and version and the feature tagged fields (KIP-511,
 * KIP-584); v4 allows a supported feature's minimum version to be 0 (KAFKA-17011).
 * The response header is always v0 (see header.ts).
 */
export const ApiVersions = api({
  key: 18,
  name: 'ApiVersions',
  minVersion: 0,
  maxVersion: 4,
  flexibleSince: 3,
  request: {
    clientSoftwareName: string({ since: 3 }),
    clientSoftwareVersion: string({ since: 3 }),
  },
  response: {
    errorCode: int16(),
    apiKeys: array({ apiKey: int16(), minVersion: int16(), maxVersion: int16() }),
    throttleTimeMs: int32({ since: 1 }),
    supportedFeatures: array({ name: string(), minVersion: int16(), maxVersion: int16() }, { since: 3, tag: 0 }),
    finalizedFeaturesEpoch: int64({ since: 3, tag: 1, default: -1 }),
    finalizedFeatures: array(
      { name: string(), maxVersionLevel: int16(), minVersionLevel: int16() },
      { since: 3, tag: 2 },
    ),
    zkMigrationReady: bool({ since: 3, tag: 3 }),
  },
});

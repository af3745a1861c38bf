import { api, array, bool, int16, int32, int8, string } from '../schema/dsl.js';

/**
 * DescribeConfigs (key 32), versions 0-4, flexible from 4.
 * v1 adds IncludeSynonyms, and per config the ConfigSource and synonyms in place of IsDefault; v2 only changes
 * throttling behaviour; v3 adds IncludeDocumentation and returns each config's type and documentation
 * (KIP-569); v4 is the first flexible version.
 */
export const DescribeConfigs = api({
  key: 32,
  name: 'DescribeConfigs',
  minVersion: 0,
  maxVersion: 4,
  flexibleSince: 4,
  request: {
    resources: array({
      resourceType: int8(),
      resourceName: string(),
      configurationKeys: array(string(), { nullable: true }),
    }),
    includeSynonyms: bool({ since: 1 }),
    includeDocumentation: bool({ since: 3 }),
  },
  response: {
    throttleTimeMs: int32(),
    results: array({
      errorCode: int16(),
      errorMessage: string({ nullable: true }),
      resourceType: int8(),
      resourceName: string(),
      configs: array({
        name: string(),
        value: string({ nullable: true }),
        readOnly: bool(),
        isDefault: bool({ until: 0 }),
        configSource: int8({ since: 1, default: -1 }),
        isSensitive: bool(),
        synonyms: array({ name: string(), value: string({ nullable: true }), source: int8() }, { since: 1 }),
        configType: int8({ since: 3 }),
        documentation: string({ since: 3, nullable: true }),
      }),
    }),
  },
});

import { Reader as PlatReader, apiVersionsV3, apiVersionsV4 } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { ApiVersions } from '../../../../protocol/messages/api-versions.js';
import { messageCodec } from '../../../../protocol/schema/compile.js';
import type { ResponseInput } from '../../../../protocol/schema/dsl.js';
import { kafkajsDecodeResponse, kafkajsRequestBody } from '../../../helpers/kafkajs-oracle.js';

const hex = (chunks: Buffer[]): string => Buffer.concat(chunks).toString('hex');
const encodeResponse = (version: number, value: ResponseInput<typeof ApiVersions>): Buffer =>
  Buffer.concat(messageCodec(ApiVersions, version, 'response').encode(value));
const decodeRequest = (version: number, body: Buffer) => messageCodec(ApiVersions, version, 'request').decode(body);
const decodeResponse = (version: number, body: Buffer) => messageCodec(ApiVersions, version, 'response').decode(body);

const API_KEYS = [
  { apiKey: 0, minVersion: 0, maxVersion: 11 },
  { apiKey: 1, minVersion: 0, maxVersion: 17 },
  { apiKey: 18, minVersion: 0, maxVersion: 4 },
];

/** What a KRaft 3.9 broker puts in the tagged fields, to show that they do not disturb older readers. */
const FEATURES = {
  supportedFeatures: [{ name: 'metadata.version', minVersion: 1, maxVersion: 21 }],
  finalizedFeaturesEpoch: 42,
  finalizedFeatures: [{ name: 'metadata.version', maxVersionLevel: 21, minVersionLevel: 21 }],
};

interface KafkajsApiVersionsResponse {
  errorCode: number;
  apiVersions: { apiKey: number; minVersion: number; maxVersion: number }[];
  throttleTime?: number;
  clientSideThrottleTime?: number;
}

describe('ApiVersions declaration', () => {
  it('covers Kafka 3.9: versions 0-4, flexible from 3', () => {
    expect(ApiVersions.key).toBe(18);
    expect([ApiVersions.minVersion, ApiVersions.maxVersion, ApiVersions.flexibleSince]).toEqual([0, 4, 3]);
  });
});

describe('ApiVersions vs kafkajs (v0-2)', () => {
  for (let version = 0; version <= 2; version++) {
    it(`v${version} request: kafkajs encodes an empty body, we decode`, async () => {
      const body = await kafkajsRequestBody('apiVersions', version, {});
      expect(body.length).toBe(0);
      expect(decodeRequest(version, body)).toEqual({ clientSoftwareName: '', clientSoftwareVersion: '' });
    });

    it(`v${version} response: we encode, kafkajs decodes`, async () => {
      const body = encodeResponse(version, { errorCode: 0, apiKeys: API_KEYS, throttleTimeMs: 25, ...FEATURES });
      const got = (await kafkajsDecodeResponse('apiVersions', version, body)) as KafkajsApiVersionsResponse;
      expect([got.errorCode, got.apiVersions]).toEqual([0, API_KEYS]);
      if (version === 0) expect(got.throttleTime).toBeUndefined();
      else if (version === 1) expect(got.throttleTime).toBe(25);
      else expect([got.throttleTime, got.clientSideThrottleTime]).toEqual([0, 25]);
    });
  }
});

describe('ApiVersions vs @platformatic/kafka (v3-4)', () => {
  const plat = { 3: apiVersionsV3, 4: apiVersionsV4 } as const;
  for (const version of [3, 4] as const) {
    it(`v${version} request: platformatic encodes, we decode`, () => {
      const writer = plat[version].createRequest('platformatic-kafka', '1.35.0');
      expect(decodeRequest(version, writer.buffer)).toEqual({
        clientSoftwareName: 'platformatic-kafka',
        clientSoftwareVersion: '1.35.0',
      });
    });

    it(`v${version} response: we encode, platformatic decodes`, () => {
      // platformatic stops after throttle_time_ms and never reads the top-level tag section, so the feature tags
      // can be present here.
      const body = encodeResponse(version, { errorCode: 0, apiKeys: API_KEYS, throttleTimeMs: 25, ...FEATURES });
      expect(plat[version].parseResponse(1, 18, version, PlatReader.from(body))).toEqual({
        errorCode: 0,
        apiKeys: [
          { apiKey: 0, name: 'Produce', minVersion: 0, maxVersion: 11 },
          { apiKey: 1, name: 'Fetch', minVersion: 0, maxVersion: 17 },
          { apiKey: 18, name: 'ApiVersions', minVersion: 0, maxVersion: 4 },
        ],
        throttleTimeMs: 25,
      });
    });
  }
});

describe('ApiVersions golden bytes', () => {
  it('v0 response, derived from the BNF', () => {
    const bytes =
      '0000' + // error_code
      '00000002' + // [api_keys] 2
      '0000' + // api_key 0 (Produce)
      '0000' + // min_version 0
      '000b' + // max_version 11
      '0012' + // api_key 18 (ApiVersions)
      '0000' + // min_version 0
      '0004'; // max_version 4
    const response: ResponseInput<typeof ApiVersions> = {
      errorCode: 0,
      apiKeys: [API_KEYS[0]!, API_KEYS[2]!],
    };
    expect(hex(messageCodec(ApiVersions, 0, 'response').encode(response))).toBe(bytes);
    expect(decodeResponse(0, Buffer.from(bytes, 'hex'))).toEqual({
      errorCode: 0,
      apiKeys: [API_KEYS[0], API_KEYS[2]],
      throttleTimeMs: 0,
      supportedFeatures: [],
      finalizedFeaturesEpoch: -1,
      finalizedFeatures: [],
      zkMigrationReady: false,
    });
  });

  it('v3 request, derived from the BNF', () => {
    const bytes =
      '06' + // client_software_name: compact length 5+1
      '73616d7361' + // "samsa"
      '06' + // client_software_version: compact length 5+1
      '302e312e30' + // "0.1.0"
      '00'; // tagged fields
    const request = { clientSoftwareName: 'samsa', clientSoftwareVersion: '0.1.0' };
    expect(hex(messageCodec(ApiVersions, 3, 'request').encode(request))).toBe(bytes);
    expect(decodeRequest(3, Buffer.from(bytes, 'hex'))).toEqual(request);
  });

  it('v3 response with tagged SupportedFeatures (0), FinalizedFeaturesEpoch (1) and ZkMigrationReady (3)', () => {
    const response: ResponseInput<typeof ApiVersions> = {
      errorCode: 0,
      apiKeys: [API_KEYS[2]!],
      throttleTimeMs: 0,
      supportedFeatures: [{ name: 'kraft.version', minVersion: 0, maxVersion: 1 }],
      finalizedFeaturesEpoch: 5,
      zkMigrationReady: true,
    };
    const bytes =
      '0000' + // error_code
      '02' + // compact [api_keys] 1
      '0012' + // api_key 18
      '0000' + // min_version 0
      '0004' + // max_version 4
      '00' + // api key tagged fields
      '00000000' + // throttle_time_ms
      '03' + // three tagged fields (FinalizedFeatures is empty, the default, so left out)
      '00' + // tag 0 SupportedFeatures
      '14' + // 20 bytes:
      '02' + //   compact array 1
      '0e' + //   name: compact length 13+1
      '6b726166742e76657273696f6e' + //   "kraft.version"
      '0000' + //   min_version 0
      '0001' + //   max_version 1
      '00' + //   feature tagged fields
      '01' + // tag 1 FinalizedFeaturesEpoch
      '08' + // 8 bytes
      '0000000000000005' +
      '03' + // tag 3 ZkMigrationReady
      '01' + // 1 byte
      '01'; // true
    expect(hex(messageCodec(ApiVersions, 3, 'response').encode(response))).toBe(bytes);
    expect(decodeResponse(3, Buffer.from(bytes, 'hex'))).toEqual({ ...response, finalizedFeatures: [] });
  });

  it('skips an unknown tagged field in a flexible version', () => {
    // v4 request with an unknown top-level tag 7 (3 bytes).
    const request =
      '02' + // "a"
      '61' +
      '02' + // "1"
      '31' +
      '01' + // one tagged field
      '07' + // tag 7 (unknown)
      '03' +
      'aabbcc';
    expect(decodeRequest(4, Buffer.from(request, 'hex'))).toEqual({
      clientSoftwareName: 'a',
      clientSoftwareVersion: '1',
    });

    // v3 response: unknown tags 2 inside an api key entry and 9 at the top level, after the known tag 1.
    const response =
      '0000' + // error_code
      '02' + // [api_keys] 1
      '0012' +
      '0000' +
      '0004' +
      '01' + // one tagged field
      '02' + // tag 2 (unknown here)
      '01' +
      'ff' +
      '00000000' + // throttle_time_ms
      '02' + // two tagged fields
      '01' + // tag 1 FinalizedFeaturesEpoch
      '08' +
      '0000000000000009' +
      '09' + // tag 9 (unknown)
      '02' +
      'abcd';
    expect(decodeResponse(3, Buffer.from(response, 'hex'))).toEqual({
      errorCode: 0,
      apiKeys: [API_KEYS[2]],
      throttleTimeMs: 0,
      supportedFeatures: [],
      finalizedFeaturesEpoch: 9,
      finalizedFeatures: [],
      zkMigrationReady: false,
    });
  });
});

describe('ApiVersions UNSUPPORTED_VERSION fallback (KIP-511)', () => {
  it('a v3 response body encoded at v0 is exactly int16 error, int32 n, n × (int16, int16, int16)', async () => {
    // The broker answers an ApiVersions request of a version it does not know with a v0 body: error 35 and its
    // supported range of ApiVersions (here all three keys); every later field must be dropped.
    const response: ResponseInput<typeof ApiVersions> = {
      errorCode: 35,
      apiKeys: API_KEYS,
      throttleTimeMs: 100,
      ...FEATURES,
      zkMigrationReady: true,
    };
    const body = encodeResponse(0, response);
    expect(body.length).toBe(2 + 4 + API_KEYS.length * 6);
    expect(body.toString('hex')).toBe(
      '0023' + // error_code 35 UNSUPPORTED_VERSION
        '00000003' + // [api_keys] 3
        '0000' +
        '0000' +
        '000b' +
        '0001' +
        '0000' +
        '0011' +
        '0012' +
        '0000' +
        '0004',
    );
    expect(decodeResponse(0, body)).toMatchObject({ errorCode: 35, apiKeys: API_KEYS, throttleTimeMs: 0 });
    // kafkajs recognises the fallback and reports the unsupported version.
    await expect(kafkajsDecodeResponse('apiVersions', 0, body)).rejects.toMatchObject({
      type: 'UNSUPPORTED_VERSION',
      code: 35,
    });
  });
});

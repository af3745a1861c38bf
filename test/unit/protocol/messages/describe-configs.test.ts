import { describeConfigsV3, describeConfigsV4 } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { DescribeConfigs } from '../../../../protocol/messages/describe-configs.js';
import { kafkajsDecodeResponse, kafkajsRequestBody } from '../../../helpers/kafkajs-oracle.js';
import { codecs } from '../../../helpers/message-codec.js';
import { platformaticParse } from '../../../helpers/platformatic-oracle.js';

const { encodeRequest, encodeResponse, decodeRequest, decodeResponse } = codecs(DescribeConfigs);

const TOPIC = 2;
const BROKER = 4;
const TOPIC_CONFIG = 1;
const STATIC_BROKER_CONFIG = 4;
const DEFAULT_CONFIG = 5;

/** One topic resource with a set config, a default one and a sensitive one, in our response shape. */
const topicResult = {
  errorCode: 0,
  errorMessage: null,
  resourceType: TOPIC,
  resourceName: 'orders',
  configs: [
    {
      name: 'cleanup.policy',
      value: 'compact',
      readOnly: false,
      isDefault: false,
      configSource: TOPIC_CONFIG,
      isSensitive: false,
      synonyms: [
        { name: 'cleanup.policy', value: 'compact', source: TOPIC_CONFIG },
        { name: 'log.cleanup.policy', value: 'delete', source: DEFAULT_CONFIG },
      ],
      configType: 7, // LIST
      documentation: 'The retention policy',
    },
    {
      name: 'retention.ms',
      value: '604800000',
      readOnly: false,
      isDefault: true,
      configSource: DEFAULT_CONFIG,
      isSensitive: false,
      synonyms: [],
      configType: 5, // LONG
      documentation: null,
    },
    {
      name: 'ssl.key.password',
      value: null,
      readOnly: true,
      isDefault: false,
      configSource: STATIC_BROKER_CONFIG,
      isSensitive: true,
      synonyms: [],
      configType: 9, // PASSWORD
      documentation: null,
    },
  ],
};

describe('DescribeConfigs against kafkajs (v0-2)', () => {
  for (let version = 0; version <= 2; version++) {
    it(`v${version}: decodes the request kafkajs encodes`, async () => {
      const body = await kafkajsRequestBody('describeConfigs', version, {
        resources: [
          { type: TOPIC, name: 'orders', configNames: ['cleanup.policy', 'retention.ms'] },
          { type: BROKER, name: '1', configNames: [] },
        ],
        includeSynonyms: true,
      });
      expect(decodeRequest(version, body)).toEqual({
        resources: [
          { resourceType: TOPIC, resourceName: 'orders', configurationKeys: ['cleanup.policy', 'retention.ms'] },
          // kafkajs writes an empty key list as null: "all keys"
          { resourceType: BROKER, resourceName: '1', configurationKeys: null },
        ],
        includeSynonyms: version >= 1,
        includeDocumentation: false,
      });
    });

    it(`v${version}: kafkajs decodes the response we encode`, async () => {
      const body = encodeResponse(version, {
        throttleTimeMs: 14,
        results: [
          topicResult,
          { ...topicResult, errorCode: 3, errorMessage: 'unknown', resourceName: 'x', configs: [] },
        ],
      });
      const decoded = await kafkajsDecodeResponse('describeConfigs', version, body);
      const entries =
        version === 0
          ? [
              // v0 has IsDefault on the wire; kafkajs derives the source from it and the resource type
              {
                configName: 'cleanup.policy',
                configValue: 'compact',
                readOnly: false,
                isDefault: false,
                configSource: TOPIC_CONFIG,
                isSensitive: false,
              },
              {
                configName: 'retention.ms',
                configValue: '604800000',
                readOnly: false,
                isDefault: true,
                configSource: DEFAULT_CONFIG,
                isSensitive: false,
              },
              {
                configName: 'ssl.key.password',
                configValue: null,
                readOnly: true,
                isDefault: false,
                configSource: TOPIC_CONFIG,
                isSensitive: true,
              },
            ]
          : [
              {
                configName: 'cleanup.policy',
                configValue: 'compact',
                readOnly: false,
                isDefault: false,
                configSource: TOPIC_CONFIG,
                isSensitive: false,
                configSynonyms: [
                  { configName: 'cleanup.policy', configValue: 'compact', configSource: TOPIC_CONFIG },
                  { configName: 'log.cleanup.policy', configValue: 'delete', configSource: DEFAULT_CONFIG },
                ],
              },
              {
                configName: 'retention.ms',
                configValue: '604800000',
                readOnly: false,
                isDefault: true,
                configSource: DEFAULT_CONFIG,
                isSensitive: false,
                configSynonyms: [],
              },
              {
                configName: 'ssl.key.password',
                configValue: null,
                readOnly: true,
                isDefault: false,
                configSource: STATIC_BROKER_CONFIG,
                isSensitive: true,
                configSynonyms: [],
              },
            ];
      const resources = [
        { errorCode: 0, errorMessage: null, resourceType: TOPIC, resourceName: 'orders', configEntries: entries },
        { errorCode: 3, errorMessage: 'unknown', resourceType: TOPIC, resourceName: 'x', configEntries: [] },
      ];
      if (version <= 1) expect(decoded).toEqual({ throttleTime: 14, resources });
      if (version === 2) expect(decoded).toEqual({ throttleTime: 0, clientSideThrottleTime: 14, resources });
    });
  }
});

// platformatic's v2 module writes and reads the v3-only fields (IncludeDocumentation, ConfigType, Documentation),
// so it is not a usable oracle for v2; v3 (classic) and v4 (flexible) are.
describe('DescribeConfigs against @platformatic/kafka (v3, flexible v4)', () => {
  for (const [version, plt] of [
    [3, describeConfigsV3],
    [4, describeConfigsV4],
  ] as const) {
    it(`v${version}: decodes the request platformatic encodes`, () => {
      const body = plt.createRequest(
        [
          { resourceType: TOPIC, resourceName: 'orders', configurationKeys: ['retention.ms'] },
          { resourceType: BROKER, resourceName: '1', configurationKeys: [] },
        ],
        true,
        true,
      ).buffer;
      expect(decodeRequest(version, body)).toEqual({
        resources: [
          { resourceType: TOPIC, resourceName: 'orders', configurationKeys: ['retention.ms'] },
          { resourceType: BROKER, resourceName: '1', configurationKeys: [] },
        ],
        includeSynonyms: true,
        includeDocumentation: true,
      });
    });

    it(`v${version}: platformatic parses the response we encode`, () => {
      const body = encodeResponse(version, { throttleTimeMs: 0, results: [topicResult] });
      const parsed = platformaticParse(plt, body);
      const { isDefault: _isDefault, ...config0 } = topicResult.configs[0]!;
      expect(parsed.throttleTimeMs).toBe(0);
      expect(parsed.results).toHaveLength(1);
      expect(parsed.results[0]).toMatchObject({
        errorCode: 0,
        errorMessage: null,
        resourceType: TOPIC,
        resourceName: 'orders',
      });
      expect(parsed.results[0]!.configs).toHaveLength(3);
      expect(parsed.results[0]!.configs[0]).toEqual(config0);
      expect(parsed.results[0]!.configs[2]).toMatchObject({ name: 'ssl.key.password', value: null, isSensitive: true });
    });
  }

  it('v4: a null key list from platformatic decodes as null', () => {
    const body = describeConfigsV4.createRequest(
      [{ resourceType: TOPIC, resourceName: 't', configurationKeys: null }],
      false,
      false,
    ).buffer;
    expect(decodeRequest(4, body).resources[0]!.configurationKeys).toBeNull();
  });
});

describe('DescribeConfigs golden bytes', () => {
  it('v0 request, derived by hand', () => {
    const hex = [
      '00000001', // resources: one
      '02', // resourceType TOPIC
      '000174', // resourceName "t"
      'ffffffff', // configurationKeys null
    ].join('');
    const value = { resources: [{ resourceType: TOPIC, resourceName: 't', configurationKeys: null }] };
    expect(encodeRequest(0, value).toString('hex')).toBe(hex);
    expect(decodeRequest(0, Buffer.from(hex, 'hex'))).toEqual({
      ...value,
      includeSynonyms: false,
      includeDocumentation: false,
    });
  });

  it('v0 response with IsDefault, derived by hand', () => {
    const hex = [
      '00000000', // throttleTimeMs
      '00000001', // results: one
      '0000', // errorCode
      'ffff', // errorMessage null
      '02', // resourceType TOPIC
      '000174', // resourceName "t"
      '00000001', // configs: one
      '000161', // name "a"
      '000162', // value "b"
      '00', // readOnly
      '01', // isDefault (v0 only)
      '00', // isSensitive
    ].join('');
    const config = { name: 'a', value: 'b', readOnly: false, isDefault: true, isSensitive: false };
    const value = {
      throttleTimeMs: 0,
      results: [{ errorCode: 0, errorMessage: null, resourceType: TOPIC, resourceName: 't', configs: [config] }],
    };
    expect(encodeResponse(0, value).toString('hex')).toBe(hex);
    expect(decodeResponse(0, Buffer.from(hex, 'hex')).results[0]!.configs[0]).toEqual({
      ...config,
      configSource: -1,
      synonyms: [],
      configType: 0,
      documentation: '',
    });
  });

  it('v4 response (flexible), derived by hand', () => {
    const hex = [
      '00000000', // throttleTimeMs
      '02', // results: one
      '0000', // errorCode
      '00', // errorMessage null
      '04', // resourceType BROKER
      '0231', // resourceName "1"
      '02', // configs: one
      '0261', // name "a"
      '00', // value null
      '01', // readOnly
      '04', // configSource STATIC_BROKER_CONFIG (no IsDefault after v0)
      '01', // isSensitive
      '01', // synonyms: none
      '09', // configType PASSWORD
      '00', // documentation null
      '00', // config tag section
      '00', // result tag section
      '00', // top-level tag section
    ].join('');
    const config = {
      name: 'a',
      value: null,
      readOnly: true,
      configSource: 4,
      isSensitive: true,
      synonyms: [],
      configType: 9,
      documentation: null,
    };
    const value = {
      throttleTimeMs: 0,
      results: [{ errorCode: 0, errorMessage: null, resourceType: BROKER, resourceName: '1', configs: [config] }],
    };
    expect(encodeResponse(4, value).toString('hex')).toBe(hex);
    expect(decodeResponse(4, Buffer.from(hex, 'hex'))).toEqual({
      throttleTimeMs: 0,
      results: [{ ...value.results[0], configs: [{ ...config, isDefault: false }] }],
    });
  });

  it('skips an unknown tagged field (v4 request)', () => {
    const hex = '02' + '02' + '0274' + '00' + '00' + '00' + '00' + '01' + '0301' + '00'; // tag 3 of one byte
    expect(decodeRequest(4, Buffer.from(hex, 'hex'))).toEqual({
      resources: [{ resourceType: TOPIC, resourceName: 't', configurationKeys: null }],
      includeSynonyms: false,
      includeDocumentation: false,
    });
  });
});

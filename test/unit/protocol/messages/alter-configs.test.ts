import { alterConfigsV2 } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { AlterConfigs } from '../../../../protocol/messages/alter-configs.js';
import { kafkajsDecodeResponse, kafkajsRequestBody } from '../../../helpers/kafkajs-oracle.js';
import { codecs } from '../../../helpers/message-codec.js';
import { platformaticParse } from '../../../helpers/platformatic-oracle.js';

const { encodeRequest, encodeResponse, decodeRequest, decodeResponse } = codecs(AlterConfigs);

const TOPIC = 2;
const BROKER = 4;

describe('AlterConfigs against kafkajs (v0-1)', () => {
  for (let version = 0; version <= 1; version++) {
    it(`v${version}: decodes the request kafkajs encodes`, async () => {
      const body = await kafkajsRequestBody('alterConfigs', version, {
        resources: [
          {
            type: TOPIC,
            name: 'orders',
            configEntries: [
              { name: 'retention.ms', value: '86400000' },
              { name: 'cleanup.policy', value: 'compact' },
            ],
          },
          { type: BROKER, name: '1', configEntries: [{ name: 'log.cleaner.threads', value: null }] },
        ],
        validateOnly: true,
      });
      expect(decodeRequest(version, body)).toEqual({
        resources: [
          {
            resourceType: TOPIC,
            resourceName: 'orders',
            configs: [
              { name: 'retention.ms', value: '86400000' },
              { name: 'cleanup.policy', value: 'compact' },
            ],
          },
          { resourceType: BROKER, resourceName: '1', configs: [{ name: 'log.cleaner.threads', value: null }] },
        ],
        validateOnly: true,
      });
    });

    it(`v${version}: kafkajs decodes the response we encode`, async () => {
      const responses = [
        { errorCode: 0, errorMessage: null, resourceType: TOPIC, resourceName: 'orders' },
        { errorCode: 40, errorMessage: 'Invalid config value', resourceType: BROKER, resourceName: '1' },
      ];
      const body = encodeResponse(version, { throttleTimeMs: 16, responses });
      const decoded = await kafkajsDecodeResponse('alterConfigs', version, body);
      if (version === 0) expect(decoded).toEqual({ throttleTime: 16, resources: responses });
      if (version === 1) expect(decoded).toEqual({ throttleTime: 0, clientSideThrottleTime: 16, resources: responses });
    });
  }
});

describe('AlterConfigs against @platformatic/kafka (flexible v2)', () => {
  it('v2: decodes the request platformatic encodes', () => {
    const resources = [
      { resourceType: TOPIC, resourceName: 'orders', configs: [{ name: 'retention.ms', value: '1000' }] },
      { resourceType: BROKER, resourceName: '1', configs: [{ name: 'x', value: null }] },
    ];
    const body = alterConfigsV2.createRequest(resources as never, false).buffer;
    expect(decodeRequest(2, body)).toEqual({ resources, validateOnly: false });
  });

  it('v2: platformatic parses the response we encode', () => {
    const responses = [{ errorCode: 0, errorMessage: null, resourceType: TOPIC, resourceName: 'orders' }];
    const body = encodeResponse(2, { throttleTimeMs: 2, responses });
    expect(platformaticParse(alterConfigsV2, body)).toEqual({ throttleTimeMs: 2, responses });
  });
});

describe('AlterConfigs golden bytes', () => {
  it('v0 request, derived by hand', () => {
    const hex = [
      '00000001', // resources: one
      '02', // resourceType TOPIC
      '000174', // resourceName "t"
      '00000001', // configs: one
      '000161', // name "a"
      '000131', // value "1"
      '01', // validateOnly true
    ].join('');
    const value = {
      resources: [{ resourceType: TOPIC, resourceName: 't', configs: [{ name: 'a', value: '1' }] }],
      validateOnly: true,
    };
    expect(encodeRequest(0, value).toString('hex')).toBe(hex);
    expect(decodeRequest(0, Buffer.from(hex, 'hex'))).toEqual(value);
  });

  it('v2 response (flexible), derived by hand', () => {
    const hex = [
      '00000000', // throttleTimeMs
      '02', // responses: one
      '0028', // errorCode 40 (INVALID_CONFIG)
      '04626164', // errorMessage "bad" (compact: length + 1)
      '02', // resourceType TOPIC
      '0274', // resourceName "t"
      '00', // response tag section
      '00', // top-level tag section
    ].join('');
    const value = {
      throttleTimeMs: 0,
      responses: [{ errorCode: 40, errorMessage: 'bad', resourceType: TOPIC, resourceName: 't' }],
    };
    expect(encodeResponse(2, value).toString('hex')).toBe(hex);
    expect(decodeResponse(2, Buffer.from(hex, 'hex'))).toEqual(value);
  });

  it('skips an unknown tagged field (v2 request)', () => {
    const hex = '01' + '00' + '01' + '0900'; // no resources, validateOnly false, tag 9 with zero bytes
    expect(decodeRequest(2, Buffer.from(hex, 'hex'))).toEqual({ resources: [], validateOnly: false });
  });
});

import { incrementalAlterConfigsV1 } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { IncrementalAlterConfigs } from '../../../../protocol/messages/incremental-alter-configs.js';
import { codecs } from '../../../helpers/message-codec.js';
import { platformaticParse } from '../../../helpers/platformatic-oracle.js';

const { encodeRequest, encodeResponse, decodeRequest, decodeResponse } = codecs(IncrementalAlterConfigs);

const TOPIC = 2;
const BROKER = 4;
const SET = 0;
const DELETE = 1;
const APPEND = 2;

// kafkajs does not implement IncrementalAlterConfigs; @platformatic/kafka implements the flexible v1.
describe('IncrementalAlterConfigs against @platformatic/kafka (flexible v1)', () => {
  it('v1: decodes the request platformatic encodes', () => {
    const resources = [
      {
        resourceType: TOPIC,
        resourceName: 'orders',
        configs: [
          { name: 'retention.ms', configOperation: SET, value: '86400000' },
          { name: 'cleanup.policy', configOperation: APPEND, value: 'compact' },
          { name: 'segment.bytes', configOperation: DELETE, value: null },
        ],
      },
      {
        resourceType: BROKER,
        resourceName: '',
        configs: [{ name: 'log.cleaner.threads', configOperation: SET, value: '2' }],
      },
    ];
    const body = incrementalAlterConfigsV1.createRequest(resources as never, true).buffer;
    expect(decodeRequest(1, body)).toEqual({ resources, validateOnly: true });
  });

  it('v1: platformatic parses the response we encode', () => {
    const responses = [
      { errorCode: 0, errorMessage: null, resourceType: TOPIC, resourceName: 'orders' },
      { errorCode: 0, errorMessage: '', resourceType: BROKER, resourceName: '' },
    ];
    const body = encodeResponse(1, { throttleTimeMs: 6, responses });
    expect(platformaticParse(incrementalAlterConfigsV1, body)).toEqual({
      throttleTimeMs: 6,
      responses,
    });
  });
});

describe('IncrementalAlterConfigs golden bytes', () => {
  it('v0 request, derived by hand', () => {
    const hex = [
      '00000001', // resources: one
      '02', // resourceType TOPIC
      '000174', // resourceName "t"
      '00000001', // configs: one
      '000161', // name "a"
      '01', // configOperation DELETE
      'ffff', // value null
      '00', // validateOnly false
    ].join('');
    const value = {
      resources: [
        { resourceType: TOPIC, resourceName: 't', configs: [{ name: 'a', configOperation: DELETE, value: null }] },
      ],
      validateOnly: false,
    };
    expect(encodeRequest(0, value).toString('hex')).toBe(hex);
    expect(decodeRequest(0, Buffer.from(hex, 'hex'))).toEqual(value);
  });

  it('v1 request (flexible), derived by hand', () => {
    const hex = [
      '02', // resources: one
      '02', // resourceType TOPIC
      '0274', // resourceName "t"
      '02', // configs: one
      '0261', // name "a"
      '00', // configOperation SET
      '0231', // value "1"
      '00', // config tag section
      '00', // resource tag section
      '01', // validateOnly true
      '00', // top-level tag section
    ].join('');
    const value = {
      resources: [
        { resourceType: TOPIC, resourceName: 't', configs: [{ name: 'a', configOperation: SET, value: '1' }] },
      ],
      validateOnly: true,
    };
    expect(encodeRequest(1, value).toString('hex')).toBe(hex);
    expect(decodeRequest(1, Buffer.from(hex, 'hex'))).toEqual(value);
  });

  it('v0 response, derived by hand', () => {
    const hex = '00000000' + '00000001' + '0000' + 'ffff' + '04' + '000131'; // [{ 0, null, BROKER, "1" }]
    const value = {
      throttleTimeMs: 0,
      responses: [{ errorCode: 0, errorMessage: null, resourceType: BROKER, resourceName: '1' }],
    };
    expect(encodeResponse(0, value).toString('hex')).toBe(hex);
    expect(decodeResponse(0, Buffer.from(hex, 'hex'))).toEqual(value);
  });

  it('skips an unknown tagged field (v1 response)', () => {
    const hex = '00000000' + '02' + '0000' + '00' + '04' + '0231' + '01' + '0001' + '00' + '00'; // tag 0 in the entry
    expect(decodeResponse(1, Buffer.from(hex, 'hex'))).toEqual({
      throttleTimeMs: 0,
      responses: [{ errorCode: 0, errorMessage: null, resourceType: BROKER, resourceName: '1' }],
    });
  });
});

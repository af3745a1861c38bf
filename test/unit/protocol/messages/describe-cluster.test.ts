import { describeClusterV0, describeClusterV1 } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { DescribeCluster } from '../../../../protocol/messages/describe-cluster.js';
import type { RequestInput, ResponseInput } from '../../../../protocol/schema/dsl.js';
import { codecs } from '../../../helpers/message-codec.js';
import { platformaticParse } from '../../../helpers/platformatic-oracle.js';

// kafkajs does not implement DescribeCluster.

const { encodeRequest, encodeResponse, decodeRequest, decodeResponse } = codecs(DescribeCluster);

const sampleResponse: ResponseInput<typeof DescribeCluster> = {
  throttleTimeMs: 0,
  errorCode: 0,
  errorMessage: null,
  endpointType: 1,
  clusterId: 'cluster-x',
  controllerId: 2,
  brokers: [
    { brokerId: 1, host: 'broker-1', port: 9092, rack: 'rack-a' },
    { brokerId: 2, host: 'broker-2', port: 9093, rack: null },
  ],
  clusterAuthorizedOperations: 0x0f0,
};

describe('DescribeCluster declaration', () => {
  it('covers Kafka 3.9: versions 0-1, flexible from 0', () => {
    expect(DescribeCluster.key).toBe(60);
    expect([DescribeCluster.minVersion, DescribeCluster.maxVersion, DescribeCluster.flexibleSince]).toEqual([0, 1, 0]);
  });
});

describe('DescribeCluster vs @platformatic/kafka (v0-1)', () => {
  for (const [version, plat] of [
    [0, describeClusterV0],
    [1, describeClusterV1],
  ] as const) {
    it(`v${version} request: platformatic encodes, we decode`, () => {
      const writer = plat.createRequest(true, 2);
      expect(decodeRequest(version, writer.buffer)).toEqual({
        includeClusterAuthorizedOperations: true,
        endpointType: version >= 1 ? 2 : 1,
      });
    });

    it(`v${version} response: we encode, platformatic decodes`, () => {
      const got = platformaticParse(plat, encodeResponse(version, sampleResponse));
      // platformatic reports endpointType 0 for v0, which has no such field
      expect(got).toEqual({ ...sampleResponse, endpointType: version >= 1 ? 1 : 0 });
    });
  }
});

describe('DescribeCluster golden bytes', () => {
  it('v0 request, derived from the BNF', () => {
    expect(encodeRequest(0, { includeClusterAuthorizedOperations: false }).toString('hex')).toBe('00' + '00');
  });

  it('v1 request with the endpoint type', () => {
    const request: RequestInput<typeof DescribeCluster> = { includeClusterAuthorizedOperations: true };
    expect(encodeRequest(1, request).toString('hex')).toBe('01' + '01' + '00'); // flag, endpoint_type 1 (default), tags
  });

  it('v1 response, derived from the BNF', () => {
    const response: ResponseInput<typeof DescribeCluster> = {
      throttleTimeMs: 0,
      errorCode: 0,
      clusterId: 'c',
      brokers: [{ brokerId: 0, host: 'h', port: 9092 }],
    };
    const bytes =
      '00000000' + // throttle_time_ms
      '0000' + // error_code
      '00' + // error_message null (default)
      '01' + // endpoint_type 1 (default)
      '0263' + // cluster_id "c"
      'ffffffff' + // controller_id -1 (default)
      '02' + // compact [brokers] 1
      '00000000' + // broker_id
      '0268' + // host "h"
      '00002384' + // port 9092
      '00' + // rack null (default)
      '00' + // broker tags
      '80000000' + // cluster_authorized_operations INT32_MIN (default)
      '00'; // tags
    expect(encodeResponse(1, response).toString('hex')).toBe(bytes);
    expect(decodeResponse(1, Buffer.from(bytes, 'hex'))).toEqual({
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: null,
      endpointType: 1,
      clusterId: 'c',
      controllerId: -1,
      brokers: [{ brokerId: 0, host: 'h', port: 9092, rack: null }],
      clusterAuthorizedOperations: -2147483648,
    });
  });

  it('skips an unknown tagged field in a flexible version', () => {
    const bytes =
      '01' + // include_cluster_authorized_operations
      '02' + // two tagged fields, both unknown
      '00' + // tag 0
      '01' + // 1 byte
      '07' +
      '63' + // tag 99
      '02' + // 2 bytes
      'abcd';
    expect(decodeRequest(0, Buffer.from(bytes, 'hex'))).toEqual({
      includeClusterAuthorizedOperations: true,
      endpointType: 1,
    });
  });
});

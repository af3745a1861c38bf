import { findCoordinatorV4, findCoordinatorV5, findCoordinatorV6 } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { FindCoordinator } from '../../../../protocol/messages/find-coordinator.js';
import type { RequestInput, ResponseInput } from '../../../../protocol/schema/dsl.js';
import { kafkajsDecodeResponse, kafkajsRequestBody } from '../../../helpers/kafkajs-oracle.js';
import { codecs } from '../../../helpers/message-codec.js';
import { platformaticParse } from '../../../helpers/platformatic-oracle.js';

const { encodeRequest, encodeResponse, decodeRequest, decodeResponse } = codecs(FindCoordinator);

interface KafkajsFindCoordinatorResponse {
  throttleTime?: number;
  clientSideThrottleTime?: number;
  errorCode: number;
  errorMessage?: string | null;
  coordinator: { nodeId: number; host: string; port: number };
}

describe('FindCoordinator declaration', () => {
  it('covers Kafka 3.9: versions 0-6, flexible from 3', () => {
    expect(FindCoordinator.key).toBe(10);
    expect([FindCoordinator.minVersion, FindCoordinator.maxVersion, FindCoordinator.flexibleSince]).toEqual([0, 6, 3]);
  });
});

describe('FindCoordinator vs kafkajs (v0-2)', () => {
  for (let version = 0; version <= 2; version++) {
    it(`v${version} request: kafkajs encodes, we decode`, async () => {
      const args = version === 0 ? { groupId: 'group-1' } : { coordinatorKey: 'txn-1', coordinatorType: 1 };
      const body = await kafkajsRequestBody('findCoordinator', version, args);
      expect(decodeRequest(version, body)).toEqual({
        key: version === 0 ? 'group-1' : 'txn-1',
        keyType: version === 0 ? 0 : 1,
        coordinatorKeys: [],
      });
    });

    it(`v${version} response: we encode, kafkajs decodes`, async () => {
      const response: ResponseInput<typeof FindCoordinator> = {
        throttleTimeMs: 4,
        errorCode: 0,
        errorMessage: null,
        nodeId: 2,
        host: 'broker-2',
        port: 9093,
      };
      const got = (await kafkajsDecodeResponse(
        'findCoordinator',
        version,
        encodeResponse(version, response),
      )) as KafkajsFindCoordinatorResponse;
      expect(got.errorCode).toBe(0);
      expect(got.coordinator).toEqual({ nodeId: 2, host: 'broker-2', port: 9093 });
      if (version >= 1) expect(got.errorMessage).toBeNull();
      if (version === 1) expect(got.throttleTime).toBe(4);
      if (version === 2) expect(got.clientSideThrottleTime).toBe(4);
    });
  }
});

describe('FindCoordinator vs @platformatic/kafka (v4-6, batched keys)', () => {
  for (const [version, plat] of [
    [4, findCoordinatorV4],
    [5, findCoordinatorV5],
    [6, findCoordinatorV6],
  ] as const) {
    it(`v${version} request: platformatic encodes, we decode`, () => {
      const writer = plat.createRequest(0, ['group-1', 'group-2']);
      expect(decodeRequest(version, writer.buffer)).toEqual({
        key: '',
        keyType: 0,
        coordinatorKeys: ['group-1', 'group-2'],
      });
    });

    it(`v${version} response: we encode, platformatic decodes`, () => {
      const coordinators = [
        { key: 'group-1', nodeId: 1, host: 'broker-1', port: 9092, errorCode: 0, errorMessage: null },
        { key: 'group-2', nodeId: 3, host: 'broker-3', port: 9094, errorCode: 0, errorMessage: '' },
      ];
      const body = encodeResponse(version, {
        throttleTimeMs: 0,
        coordinators,
      });
      expect(platformaticParse(plat, body)).toEqual({ throttleTimeMs: 0, coordinators });
    });
  }
});

describe('FindCoordinator golden bytes', () => {
  it('v0 request, derived from the BNF', () => {
    expect(encodeRequest(0, { key: 'g' }).toString('hex')).toBe('000167');
  });

  it('v1 response with a null error message, derived from the BNF', () => {
    const response: ResponseInput<typeof FindCoordinator> = {
      throttleTimeMs: 0,
      errorCode: 15,
      errorMessage: null,
      nodeId: -1,
      host: '',
      port: -1,
    };
    expect(encodeResponse(1, response).toString('hex')).toBe(
      '00000000' + // throttle_time_ms
        '000f' + // error_code 15 COORDINATOR_NOT_AVAILABLE
        'ffff' + // error_message null
        'ffffffff' + // node_id -1
        '0000' + // host ""
        'ffffffff', // port -1
    );
  });

  it('v4 (flexible, batched) request, derived from the BNF', () => {
    const request: RequestInput<typeof FindCoordinator> = { keyType: 1, coordinatorKeys: ['a', 'bc'] };
    expect(encodeRequest(4, request).toString('hex')).toBe(
      '01' + // key_type 1 (transaction)
        '03' + // compact [coordinator_keys] 2
        '0261' + // "a"
        '036263' + // "bc"
        '00', // tags
    );
  });

  it('skips an unknown tagged field in a flexible version', () => {
    const bytes =
      '00000000' + // throttle_time_ms
      '0000' + // error_code
      '00' + // error_message null
      '00000001' + // node_id
      '0268' + // host "h"
      '00002384' + // port 9092
      '01' + // one tagged field
      '00' + // tag 0 (unknown here)
      '02' + // 2 bytes
      'abcd';
    expect(decodeResponse(3, Buffer.from(bytes, 'hex'))).toEqual({
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: null,
      nodeId: 1,
      host: 'h',
      port: 9092,
      coordinators: [],
    });
  });
});

import { describeLogDirsV2, describeLogDirsV3, describeLogDirsV4 } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { DescribeLogDirs } from '../../../../protocol/messages/describe-log-dirs.js';
import type { RequestInput, ResponseInput } from '../../../../protocol/schema/dsl.js';
import { codecs } from '../../../helpers/message-codec.js';
import { platformaticParse } from '../../../helpers/platformatic-oracle.js';

// kafkajs does not implement DescribeLogDirs.

const { encodeRequest, encodeResponse, decodeRequest, decodeResponse } = codecs(DescribeLogDirs);

const sampleResponse: ResponseInput<typeof DescribeLogDirs> = {
  throttleTimeMs: 0,
  errorCode: 0,
  results: [
    {
      errorCode: 0,
      logDir: '/var/lib/samsa/data',
      topics: [
        {
          name: 'orders',
          partitions: [
            { partitionIndex: 0, partitionSize: 1_048_576, offsetLag: 0, isFutureKey: false },
            { partitionIndex: 1, partitionSize: 2048, offsetLag: 3, isFutureKey: true },
          ],
        },
      ],
      totalBytes: 500_000_000_000,
      usableBytes: 123_456_789_012,
    },
  ],
};

describe('DescribeLogDirs declaration', () => {
  it('covers Kafka 3.9: versions 0-4, flexible from 2', () => {
    expect(DescribeLogDirs.key).toBe(35);
    expect([DescribeLogDirs.minVersion, DescribeLogDirs.maxVersion, DescribeLogDirs.flexibleSince]).toEqual([0, 4, 2]);
  });
});

describe('DescribeLogDirs vs @platformatic/kafka (v2-4)', () => {
  for (const [version, plat] of [
    [2, describeLogDirsV2],
    [3, describeLogDirsV3],
    [4, describeLogDirsV4],
  ] as const) {
    it(`v${version} request: platformatic encodes, we decode`, () => {
      const writer = plat.createRequest([
        { name: 'orders', partitions: [0, 1] },
        { name: 'users', partitions: [] },
      ]);
      expect(decodeRequest(version, writer.buffer)).toEqual({
        topics: [
          { topic: 'orders', partitions: [0, 1] },
          { topic: 'users', partitions: [] },
        ],
      });
    });

    it(`v${version} response: we encode, platformatic decodes`, () => {
      const got = platformaticParse(plat, encodeResponse(version, sampleResponse));
      expect(got).toEqual({
        throttleTimeMs: 0,
        errorCode: 0,
        results: [
          {
            errorCode: 0,
            logDir: '/var/lib/samsa/data',
            topics: [
              {
                name: 'orders',
                partitions: [
                  { partitionIndex: 0, partitionSize: 1_048_576n, offsetLag: 0n, isFutureKey: false },
                  { partitionIndex: 1, partitionSize: 2048n, offsetLag: 3n, isFutureKey: true },
                ],
              },
            ],
            // platformatic fills 0n below v4
            totalBytes: version >= 4 ? 500_000_000_000n : 0n,
            usableBytes: version >= 4 ? 123_456_789_012n : 0n,
          },
        ],
      });
    });
  }
});

describe('DescribeLogDirs golden bytes', () => {
  it('v0 request for all topics is a null array', () => {
    expect(encodeRequest(0, { topics: null }).toString('hex')).toBe('ffffffff');
    expect(decodeRequest(0, Buffer.from('ffffffff', 'hex'))).toEqual({
      topics: null,
    });
  });

  it('v1 response, derived from the BNF', () => {
    const response: ResponseInput<typeof DescribeLogDirs> = {
      throttleTimeMs: 0,
      results: [
        {
          errorCode: 0,
          logDir: '/d',
          topics: [
            { name: 't', partitions: [{ partitionIndex: 0, partitionSize: 10, offsetLag: 0, isFutureKey: false }] },
          ],
        },
      ],
    };
    expect(encodeResponse(1, response).toString('hex')).toBe(
      '00000000' + // throttle_time_ms
        '00000001' + // [results] 1
        '0000' + // error_code
        '00022f64' + // log_dir "/d"
        '00000001' + // [topics] 1
        '000174' + // name "t"
        '00000001' + // [partitions] 1
        '00000000' + // partition_index
        '000000000000000a' + // partition_size 10
        '0000000000000000' + // offset_lag
        '00', // is_future_key
    );
  });

  it('v4 (flexible) response with the volume sizes, derived from the BNF', () => {
    const response: ResponseInput<typeof DescribeLogDirs> = {
      throttleTimeMs: 0,
      errorCode: 0,
      results: [{ errorCode: 57, logDir: '/d', topics: [], totalBytes: 4096 }],
    };
    const bytes =
      '00000000' + // throttle_time_ms
      '0000' + // error_code
      '02' + // compact [results] 1
      '0039' + // error_code 57 LOG_DIR_NOT_FOUND
      '032f64' + // log_dir "/d"
      '01' + // compact [topics] empty
      '0000000000001000' + // total_bytes 4096
      'ffffffffffffffff' + // usable_bytes -1 (default)
      '00' + // result tags
      '00'; // tags
    expect(encodeResponse(4, response).toString('hex')).toBe(bytes);
    expect(decodeResponse(4, Buffer.from(bytes, 'hex')).results[0]).toEqual({
      errorCode: 57,
      logDir: '/d',
      topics: [],
      totalBytes: 4096,
      usableBytes: -1,
    });
  });

  it('skips an unknown tagged field in a flexible version', () => {
    const request: RequestInput<typeof DescribeLogDirs> = { topics: [{ topic: 't', partitions: [4] }] };
    const bytes =
      '02' + // compact [topics] 1
      '0274' + // topic "t"
      '02' + // compact [partitions] 1
      '00000004' +
      '00' + // topic tags
      '01' + // one tagged field
      '05' + // tag 5 (unknown)
      '00'; // 0 bytes
    expect(decodeRequest(3, Buffer.from(bytes, 'hex'))).toEqual(request);
  });
});

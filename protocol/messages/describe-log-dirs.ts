import { api, array, bool, int16, int32, int64, string } from '../schema/dsl.js';

/**
 * DescribeLogDirs (key 35), versions 0-4, flexible from 2.
 * v0 lists each log directory with the size and lag of the requested partitions (null topics = all, KIP-113);
 * v1 only changes throttling; v2 is flexible; v3 adds a top-level error code; v4 adds the volume's total and
 * usable bytes (KIP-827).
 */
export const DescribeLogDirs = api({
  key: 35,
  name: 'DescribeLogDirs',
  minVersion: 0,
  maxVersion: 4,
  flexibleSince: 2,
  request: {
    topics: array({ topic: string(), partitions: array(int32()) }, { nullable: true }),
  },
  response: {
    throttleTimeMs: int32(),
    errorCode: int16({ since: 3 }),
    results: array({
      errorCode: int16(),
      logDir: string(),
      topics: array({
        name: string(),
        partitions: array({
          partitionIndex: int32(),
          partitionSize: int64(),
          offsetLag: int64(),
          isFutureKey: bool(),
        }),
      }),
      totalBytes: int64({ since: 4, default: -1 }),
      usableBytes: int64({ since: 4, default: -1 }),
    }),
  },
});

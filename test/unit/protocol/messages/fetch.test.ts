import { createRequire } from 'node:module';
import { fetchV12, fetchV13, fetchV14, fetchV15, fetchV16, fetchV17 } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { Fetch } from '../../../../protocol/messages/fetch.js';
import { ZERO_UUID } from '../../../../protocol/primitives/reader.js';
import type { RequestInput, ResponseInput } from '../../../../protocol/schema/dsl.js';
import { kafkajsDecodeResponse, kafkajsRequestBody } from '../../../helpers/kafkajs-oracle.js';
import { codecs } from '../../../helpers/message-codec.js';
import { platformaticParse, platformaticUuid } from '../../../helpers/platformatic-oracle.js';

const require = createRequire(import.meta.url);
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0') as {
  RecordBatch: (a: object) => Promise<{ buffer: Buffer }>;
};
const Record = require('kafkajs/src/protocol/recordBatch/record/v0') as (a: object) => unknown;
const MessageSet = require('kafkajs/src/protocol/messageSet') as (a: object) => { buffer: Buffer };

const { encodeRequest, encodeResponse, decodeRequest, decodeResponse } = codecs(Fetch);

const TOPIC_ID = Buffer.from('0123456789abcdef0123456789abcdef', 'hex').toString('base64url');
const OLD_TOPIC_ID = Buffer.from('fedcba9876543210fedcba9876543210', 'hex').toString('base64url');

/** One record batch (magic 2) with one record k1=v1 at offset 42, written by kafkajs. */
async function recordBatch(): Promise<Buffer> {
  const batch = await RecordBatch({
    firstOffset: '42',
    firstTimestamp: 1_700_000_000_000,
    maxTimestamp: 1_700_000_000_000,
    records: [Record({ key: Buffer.from('k1'), value: Buffer.from('v1') })],
  });
  return batch.buffer;
}

interface KafkajsFetchResponse {
  throttleTime?: number;
  clientSideThrottleTime?: number;
  errorCode?: number;
  sessionId?: number;
  responses: {
    topicName: string;
    partitions: {
      partition: number;
      errorCode: number;
      highWatermark: string;
      lastStableOffset?: string;
      lastStartOffset?: string;
      abortedTransactions?: { producerId: string; firstOffset: string }[];
      preferredReadReplica?: number;
      messages: { key: Buffer; value: Buffer; offset: string }[];
    }[];
  }[];
}

describe('Fetch declaration', () => {
  it('covers Kafka 3.9: versions 0-17, flexible from 12', () => {
    expect(Fetch.key).toBe(1);
    expect([Fetch.minVersion, Fetch.maxVersion, Fetch.flexibleSince]).toEqual([0, 17, 12]);
  });
});

describe('Fetch vs kafkajs (v0-11)', () => {
  for (let version = 0; version <= 11; version++) {
    it(`v${version} request: kafkajs encodes, we decode`, async () => {
      const body = await kafkajsRequestBody('fetch', version, {
        replicaId: -1,
        maxWaitTime: 500,
        minBytes: 1,
        maxBytes: 10_485_760,
        isolationLevel: 1,
        sessionId: 7,
        sessionEpoch: 3,
        topics: [
          {
            topic: 'orders',
            partitions: [
              { partition: 2, currentLeaderEpoch: 5, fetchOffset: '42', logStartOffset: 9, maxBytes: 1_048_576 },
            ],
          },
        ],
        forgottenTopics: [{ topic: 'old', partitions: [1, 3] }],
        rackId: 'rack-a',
      });
      const decoded = decodeRequest(version, body);
      expect(decoded).toEqual({
        clusterId: null,
        replicaId: -1,
        replicaState: { replicaId: -1, replicaEpoch: -1 },
        maxWaitMs: 500,
        minBytes: 1,
        maxBytes: version >= 3 ? 10_485_760 : 0x7fffffff,
        isolationLevel: version >= 4 ? 1 : 0,
        sessionId: version >= 7 ? 7 : 0,
        sessionEpoch: version >= 7 ? 3 : -1,
        topics: [
          {
            topic: 'orders',
            topicId: ZERO_UUID,
            partitions: [
              {
                partition: 2,
                currentLeaderEpoch: version >= 9 ? 5 : -1,
                fetchOffset: 42,
                lastFetchedEpoch: -1,
                logStartOffset: version >= 5 ? 9 : -1,
                partitionMaxBytes: 1_048_576,
                replicaDirectoryId: ZERO_UUID,
              },
            ],
          },
        ],
        forgottenTopicsData: version >= 7 ? [{ topic: 'old', topicId: ZERO_UUID, partitions: [1, 3] }] : [],
        rackId: version >= 11 ? 'rack-a' : '',
      });
    });

    it(`v${version} response: we encode, kafkajs decodes`, async () => {
      const records =
        version >= 4
          ? await recordBatch()
          : MessageSet({ messageVersion: version >= 2 ? 1 : 0, entries: [{ key: 'k1', value: 'v1', timestamp: 1 }] })
              .buffer;
      const response: ResponseInput<typeof Fetch> = {
        throttleTimeMs: 25,
        errorCode: 0,
        sessionId: 77,
        responses: [
          {
            topic: 'orders',
            partitions: [
              {
                partitionIndex: 2,
                errorCode: 0,
                highWatermark: 43,
                lastStableOffset: 41,
                logStartOffset: 10,
                abortedTransactions: [{ producerId: 1000, firstOffset: 40 }],
                preferredReadReplica: 3,
                records,
              },
            ],
          },
        ],
      };
      const got = (await kafkajsDecodeResponse(
        'fetch',
        version,
        encodeResponse(version, response),
      )) as KafkajsFetchResponse;
      if (version >= 8) expect(got.clientSideThrottleTime).toBe(25);
      else if (version >= 1) expect(got.throttleTime).toBe(25);
      if (version >= 7) expect([got.errorCode, got.sessionId]).toEqual([0, 77]);
      expect(got.responses).toHaveLength(1);
      const topic = got.responses[0]!;
      expect(topic.topicName).toBe('orders');
      const p = topic.partitions[0]!;
      expect([p.partition, p.errorCode, p.highWatermark]).toEqual([2, 0, '43']);
      if (version >= 4) {
        expect(p.lastStableOffset).toBe('41');
        expect(p.abortedTransactions).toEqual([{ producerId: '1000', firstOffset: '40' }]);
      }
      if (version >= 5) expect(p.lastStartOffset).toBe('10');
      if (version >= 11) expect(p.preferredReadReplica).toBe(3);
      expect(p.messages).toHaveLength(1);
      expect(p.messages[0]!.key.toString()).toBe('k1');
      expect(p.messages[0]!.value.toString()).toBe('v1');
      if (version >= 4) expect(p.messages[0]!.offset).toBe('42');
    });
  }
});

describe('Fetch vs @platformatic/kafka (v12-17)', () => {
  const plat = { 12: fetchV12, 13: fetchV13, 14: fetchV14, 15: fetchV15, 16: fetchV16, 17: fetchV17 } as const;
  for (const version of [12, 13, 14, 15, 16, 17] as const) {
    it(`v${version} request: platformatic encodes, we decode`, () => {
      // platformatic writes topicId as the name in v12 (a compact string) and as a UUID from v13 on.
      const topicId = version >= 13 ? platformaticUuid(TOPIC_ID) : 'orders';
      const writer = plat[version].createRequest(
        500,
        1,
        52_428_800,
        1,
        0,
        0,
        [
          {
            topicId,
            partitions: [
              {
                partition: 2,
                currentLeaderEpoch: 5,
                fetchOffset: 42n,
                lastFetchedEpoch: 4,
                partitionMaxBytes: 1_048_576,
              },
            ],
          },
        ],
        version >= 13 ? [{ topic: platformaticUuid(OLD_TOPIC_ID), partitions: [1, 3] }] : [],
        'rack-a',
      );
      const decoded = decodeRequest(version, writer.buffer);
      expect(decoded).toEqual({
        clusterId: null,
        replicaId: -1,
        replicaState: { replicaId: -1, replicaEpoch: -1 },
        maxWaitMs: 500,
        minBytes: 1,
        maxBytes: 52_428_800,
        isolationLevel: 1,
        sessionId: 0,
        sessionEpoch: 0,
        topics: [
          {
            topic: version >= 13 ? '' : 'orders',
            topicId: version >= 13 ? TOPIC_ID : ZERO_UUID,
            partitions: [
              {
                partition: 2,
                currentLeaderEpoch: 5,
                fetchOffset: 42,
                lastFetchedEpoch: 4,
                logStartOffset: -1,
                partitionMaxBytes: 1_048_576,
                replicaDirectoryId: ZERO_UUID,
              },
            ],
          },
        ],
        forgottenTopicsData: version >= 13 ? [{ topic: '', topicId: OLD_TOPIC_ID, partitions: [1, 3] }] : [],
        rackId: 'rack-a',
      });
    });

    it(`v${version} response: we encode, platformatic decodes`, async () => {
      // No tagged fields here: platformatic 1.35 reads a tag section as "one varint length, skip that many bytes",
      // which only works for an empty section.
      const body = encodeResponse(version, {
        throttleTimeMs: 0,
        errorCode: 0,
        sessionId: 12,
        responses: [
          {
            topic: 'orders',
            topicId: TOPIC_ID,
            partitions: [
              {
                partitionIndex: 2,
                errorCode: 0,
                highWatermark: 43,
                lastStableOffset: 43,
                logStartOffset: 0,
                abortedTransactions: [{ producerId: 1000, firstOffset: 40 }],
                preferredReadReplica: -1,
                records: await recordBatch(),
              },
            ],
          },
        ],
      });
      const got = platformaticParse(plat[version], body);
      expect([got.throttleTimeMs, got.errorCode, got.sessionId]).toEqual([0, 0, 12]);
      expect(got.responses[0]!.topicId).toBe(version >= 13 ? platformaticUuid(TOPIC_ID) : 'orders');
      const p = got.responses[0]!.partitions[0]!;
      expect(p).toMatchObject({
        partitionIndex: 2,
        errorCode: 0,
        highWatermark: 43n,
        lastStableOffset: 43n,
        logStartOffset: 0n,
        abortedTransactions: [{ producerId: 1000n, firstOffset: 40n }],
        preferredReadReplica: -1,
      });
      const batch = p.records![0]!;
      expect(batch.firstOffset).toBe(42n);
      expect(batch.records[0]!.key?.toString()).toBe('k1');
      expect(batch.records[0]!.value?.toString()).toBe('v1');
    });
  }
});

describe('Fetch golden bytes', () => {
  it('v4 request, derived from the BNF', () => {
    const request: RequestInput<typeof Fetch> = {
      replicaId: -1,
      maxWaitMs: 100,
      minBytes: 1,
      maxBytes: 1024,
      isolationLevel: 1,
      topics: [{ topic: 't', partitions: [{ partition: 0, fetchOffset: 5, partitionMaxBytes: 512 }] }],
    };
    expect(encodeRequest(4, request).toString('hex')).toBe(
      'ffffffff' + // replica_id -1
        '00000064' + // max_wait_ms 100
        '00000001' + // min_bytes 1
        '00000400' + // max_bytes 1024
        '01' + // isolation_level
        '00000001' + // [topics] 1
        '000174' + // topic "t"
        '00000001' + // [partitions] 1
        '00000000' + // partition 0
        '0000000000000005' + // fetch_offset 5
        '00000200', // partition_max_bytes 512
    );
  });

  it('v15 request with the tagged ReplicaState (tag 1) and no ReplicaId', () => {
    const request: RequestInput<typeof Fetch> = {
      replicaState: { replicaId: 2, replicaEpoch: 9 },
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [],
      forgottenTopicsData: [],
      rackId: '',
    };
    const bytes =
      '00000000' + // max_wait_ms
      '00000000' + // min_bytes
      '00000000' + // max_bytes
      '00' + // isolation_level
      '00000000' + // session_id
      'ffffffff' + // session_epoch -1
      '01' + // compact [topics] empty
      '01' + // compact [forgotten_topics_data] empty
      '01' + // rack_id "" (compact length 0+1)
      '01' + // one tagged field
      '01' + // tag 1 (ReplicaState)
      '0d' + // 13 bytes: replica_id int32 + replica_epoch int64 + its own empty tag section
      '00000002' +
      '0000000000000009' +
      '00';
    expect(encodeRequest(15, request).toString('hex')).toBe(bytes);
    expect(decodeRequest(15, Buffer.from(bytes, 'hex')).replicaState).toEqual({
      replicaId: 2,
      replicaEpoch: 9,
    });
  });

  it('v12 response with a tagged CurrentLeader (tag 1) in a partition', () => {
    const response: ResponseInput<typeof Fetch> = {
      throttleTimeMs: 0,
      errorCode: 0,
      sessionId: 0,
      responses: [
        {
          topic: 't',
          partitions: [
            {
              partitionIndex: 0,
              errorCode: 6,
              highWatermark: -1,
              abortedTransactions: null,
              currentLeader: { leaderId: 1, leaderEpoch: 4 },
              records: null,
            },
          ],
        },
      ],
    };
    const bytes =
      '00000000' + // throttle_time_ms
      '0000' + // error_code
      '00000000' + // session_id
      '02' + // compact [responses] 1
      '0274' + // topic "t"
      '02' + // compact [partitions] 1
      '00000000' + // partition_index
      '0006' + // error_code NOT_LEADER_OR_FOLLOWER
      'ffffffffffffffff' + // high_watermark -1
      'ffffffffffffffff' + // last_stable_offset -1 (default)
      'ffffffffffffffff' + // log_start_offset -1 (default)
      '00' + // aborted_transactions null
      'ffffffff' + // preferred_read_replica -1 (default)
      '00' + // records null
      '01' + // partition tagged fields: 1
      '01' + // tag 1 CurrentLeader
      '09' + // 9 bytes: leader_id + leader_epoch + empty tag section
      '00000001' +
      '00000004' +
      '00' +
      '00' + // topic tagged fields
      '00'; // top-level tagged fields
    expect(encodeResponse(12, response).toString('hex')).toBe(bytes);
    const decoded = decodeResponse(12, Buffer.from(bytes, 'hex'));
    const p = decoded.responses[0]!.partitions[0]!;
    expect(p.currentLeader).toEqual({ leaderId: 1, leaderEpoch: 4 });
    expect(p.divergingEpoch).toEqual({ epoch: -1, endOffset: -1 });
    expect(p.snapshotId).toEqual({ endOffset: -1, epoch: -1 });
    expect(decoded.nodeEndpoints).toEqual([]);
  });

  it('skips an unknown tagged field in a flexible version', () => {
    // v13 request: one topic id, one partition; the partition carries an unknown tag 9 with 3 bytes.
    const bytes =
      'ffffffff' + // replica_id
      '000001f4' + // max_wait_ms 500
      '00000001' + // min_bytes
      '00100000' + // max_bytes
      '00' + // isolation_level
      '00000000' + // session_id
      'ffffffff' + // session_epoch
      '02' + // [topics] 1
      '0123456789abcdef0123456789abcdef' + // topic_id
      '02' + // [partitions] 1
      '00000000' + // partition
      'ffffffff' + // current_leader_epoch
      '0000000000000007' + // fetch_offset
      'ffffffff' + // last_fetched_epoch
      'ffffffffffffffff' + // log_start_offset
      '00010000' + // partition_max_bytes
      '01' + // one tagged field
      '09' + // tag 9 (unknown)
      '03' + // 3 bytes
      'aabbcc' +
      '00' + // topic tags
      '01' + // [forgotten_topics_data] empty
      '01' + // rack_id ""
      '00';
    const decoded = decodeRequest(13, Buffer.from(bytes, 'hex'));
    expect(decoded.topics[0]!.topicId).toBe(TOPIC_ID);
    expect(decoded.topics[0]!.partitions[0]).toEqual({
      partition: 0,
      currentLeaderEpoch: -1,
      fetchOffset: 7,
      lastFetchedEpoch: -1,
      logStartOffset: -1,
      partitionMaxBytes: 65536,
      replicaDirectoryId: ZERO_UUID,
    });
  });
});

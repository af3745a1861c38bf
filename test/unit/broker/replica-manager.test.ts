import { stat } from 'node:fs/promises';
import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { IsolationLevel } from '../../../broker/replica/partition.js';
import { type FetchRequest, ReplicaManager } from '../../../broker/replica/replica-manager.js';
import { batchViews, ErrorCode } from '../../../protocol/index.js';
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, LogManager, MAX_TIMESTAMP, MockClock } from '../../../storage/index.js';
import { batchOf, withTempDir } from '../../helpers/storage.js';

const BROKER_ID = 1;
const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });

interface Fixture {
  logManager: LogManager;
  replicas: ReplicaManager;
  lead: (topic: string, partition?: number, isr?: number[]) => Promise<void>;
  produce: (topic: string, partition: number, records: Buffer) => Promise<number>;
}

async function withReplicaManager(
  fn: (f: Fixture) => Promise<void>,
  topicConfigs: Record<string, Record<string, string>> = {},
): Promise<void> {
  await withTempDir(async (dir) => {
    const logManager = await LogManager.start({ logDirs: [dir], scheduled: false, clock: new MockClock(1_000) });
    for (const [topic, config] of Object.entries(topicConfigs)) await logManager.setTopicConfig(topic, config);
    const replicas = new ReplicaManager({ logManager, brokerId: BROKER_ID, logger });
    const lead = async (topic: string, partition = 0, isr = [BROKER_ID]): Promise<void> => {
      await replicas.makeLeader({ topic, partition, topicId: `id-${topic}`, leaderEpoch: 0, isr, replicas: isr });
    };
    const produce = async (topic: string, partition: number, records: Buffer): Promise<number> => {
      const [result] = await replicas.appendRecords([{ topic, partition, records }], {
        requiredAcks: 1,
        timeoutMs: 1000,
      });
      expect(result!.errorCode).toBe(ErrorCode.NONE);
      return result!.baseOffset;
    };
    try {
      await fn({ logManager, replicas, lead, produce });
    } finally {
      replicas.shutdown();
      await logManager.shutdown();
    }
  });
}

function fetchOf(partitions: FetchRequest['partitions'], overrides: Partial<FetchRequest> = {}): FetchRequest {
  return {
    maxWaitMs: 0,
    minBytes: 1,
    maxBytes: 1 << 20,
    isolationLevel: IsolationLevel.READ_UNCOMMITTED,
    partitions,
    ...overrides,
  };
}

const at = (topic: string, fetchOffset: number, partitionMaxBytes = 1 << 20) => ({
  topic,
  partition: 0,
  fetchOffset,
  partitionMaxBytes,
});

const offsetsIn = (records: Buffer | null): number[][] =>
  [...batchViews(records ?? Buffer.alloc(0))].map((b) => [b.baseOffset, b.lastOffset]);

describe('ReplicaManager produce', () => {
  it('appends and fetches the batches back with their offsets', async () => {
    await withReplicaManager(async ({ replicas, lead, produce }) => {
      await lead('t');
      expect(await produce('t', 0, batchOf(['a', 'b']))).toBe(0);
      expect(await produce('t', 0, batchOf(['c']))).toBe(2);
      const [result] = await replicas.fetch(fetchOf([at('t', 0)]));
      expect(result).toMatchObject({ errorCode: ErrorCode.NONE, highWatermark: 3, lastStableOffset: 3 });
      expect(result!.logStartOffset).toBe(0);
      expect(offsetsIn(result!.records)).toEqual([
        [0, 1],
        [2, 2],
      ]);
    });
  });

  it('acks 0, 1 and -1 all commit on a single node', async () => {
    await withReplicaManager(async ({ replicas, lead }) => {
      await lead('t');
      for (const requiredAcks of [0, 1, -1] as const) {
        const [r] = await replicas.appendRecords([{ topic: 't', partition: 0, records: batchOf(['x']) }], {
          requiredAcks,
          timeoutMs: 1000,
        });
        expect(r).toMatchObject({ errorCode: ErrorCode.NONE, errorMessage: null, logAppendTimeMs: -1 });
      }
      expect(replicas.getPartition('t', 0)!.highWatermark).toBe(3);
    });
  });

  it('answers acks=all with NOT_ENOUGH_REPLICAS or REQUEST_TIMED_OUT when followers lag', async () => {
    await withReplicaManager(async ({ replicas }) => {
      const state = { topic: 't', partition: 0, topicId: 'id-t', leaderEpoch: 0, replicas: [BROKER_ID, 2] };
      await replicas.makeLeader({ ...state, isr: [BROKER_ID], partitionEpoch: 0 });
      const append = (minInsyncReplicas: number, timeoutMs = 50) =>
        replicas.appendRecords([{ topic: 't', partition: 0, records: batchOf(['x']) }], {
          requiredAcks: -1,
          timeoutMs,
          minInsyncReplicas,
        });
      expect((await append(2))[0]!.errorCode).toBe(ErrorCode.NOT_ENOUGH_REPLICAS);
      await replicas.makeLeader({ ...state, isr: [BROKER_ID, 2], partitionEpoch: 1 });
      expect((await append(2))[0]!.errorCode).toBe(ErrorCode.REQUEST_TIMED_OUT);
      // the follower's fetch from the log end moves the HW, and acks=all then completes
      const partition = replicas.getPartition('t', 0)!;
      const pending = append(2, 10_000);
      await vi.waitFor(() => expect(partition.log.logEndOffset).toBe(2));
      await replicas.fetch({ ...fetchOf([at('t', 2)]), replicaId: 2 });
      expect((await pending)[0]).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 1 });
      expect(partition.highWatermark).toBe(2);
    });
  });

  it('answers UNKNOWN_TOPIC_OR_PARTITION for a partition it does not lead', async () => {
    await withReplicaManager(async ({ replicas }) => {
      const [r] = await replicas.appendRecords([{ topic: 'nope', partition: 3, records: batchOf(['x']) }], {
        requiredAcks: 1,
        timeoutMs: 1000,
      });
      expect(r).toMatchObject({ errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, baseOffset: -1 });
    });
  });

  it('answers MESSAGE_TOO_LARGE for a batch over max.message.bytes', async () => {
    await withReplicaManager(
      async ({ replicas, lead }) => {
        await lead('small');
        const [r] = await replicas.appendRecords(
          [{ topic: 'small', partition: 0, records: batchOf(['x'.repeat(200)]) }],
          { requiredAcks: 1, timeoutMs: 1000 },
        );
        expect(r!.errorCode).toBe(ErrorCode.MESSAGE_TOO_LARGE);
        expect(r!.errorMessage).toMatch(/max.message.bytes/);
      },
      { small: { 'max.message.bytes': '100' } },
    );
  });

  it('fails only the partition whose batch is corrupt', async () => {
    await withReplicaManager(async ({ replicas, lead }) => {
      await lead('t', 0);
      await lead('t', 1);
      const corrupt = batchOf(['hello']);
      corrupt[corrupt.length - 1]! ^= 0xff; // a record byte: the CRC no longer matches
      const results = await replicas.appendRecords(
        [
          { topic: 't', partition: 0, records: corrupt },
          { topic: 't', partition: 1, records: batchOf(['fine']) },
        ],
        { requiredAcks: 1, timeoutMs: 1000 },
      );
      expect(results.map((r) => r.errorCode)).toEqual([ErrorCode.CORRUPT_MESSAGE, ErrorCode.NONE]);
      expect(replicas.getPartition('t', 0)!.highWatermark).toBe(0);
    });
  });
});

describe('ReplicaManager fetch', () => {
  it('a long poll is woken by a later append', async () => {
    await withReplicaManager(async ({ replicas, lead, produce }) => {
      await lead('t');
      await lead('other');
      let settled = false;
      const pending = replicas.fetch(fetchOf([at('t', 0)], { maxWaitMs: 60_000 }));
      pending.then(
        () => (settled = true),
        () => undefined,
      );
      // an append elsewhere does not complete it: the fetch is really waiting when 't' gets its record
      await produce('other', 0, batchOf(['elsewhere']));
      expect(settled).toBe(false);
      await produce('t', 0, batchOf(['late']));
      const [r] = await pending;
      expect(offsetsIn(r!.records)).toEqual([[0, 0]]);
      expect(r!.highWatermark).toBe(1);
    });
  });

  it('answers at once when minBytes is already there', async () => {
    await withReplicaManager(async ({ replicas, lead, produce }) => {
      await lead('t');
      await produce('t', 0, batchOf(['ready']));
      // a minute-long wait would time the test out if the fetch waited
      const [r] = await replicas.fetch(fetchOf([at('t', 0)], { maxWaitMs: 60_000 }));
      expect(offsetsIn(r!.records)).toEqual([[0, 0]]);
    });
  });

  it('returns empty records when maxWaitMs passes', async () => {
    await withReplicaManager(async ({ replicas, lead }) => {
      await lead('t');
      const [r] = await replicas.fetch(fetchOf([at('t', 0)], { maxWaitMs: 50 }));
      expect(r).toMatchObject({ errorCode: ErrorCode.NONE, highWatermark: 0 });
      expect(r!.records!.length).toBe(0);
    });
  });

  it('ends the wait when the signal aborts or the manager shuts down', async () => {
    await withReplicaManager(async ({ replicas, lead }) => {
      await lead('t');
      const controller = new AbortController();
      const aborted = replicas.fetch(fetchOf([at('t', 0)], { maxWaitMs: 60_000 }), controller.signal);
      controller.abort();
      expect((await aborted)[0]!.records!.length).toBe(0);
      const stopped = replicas.fetch(fetchOf([at('t', 0)], { maxWaitMs: 60_000 }));
      replicas.shutdown();
      expect(await stopped).toHaveLength(1);
    });
  });

  it('answers OFFSET_OUT_OF_RANGE with the partition bounds', async () => {
    await withReplicaManager(async ({ replicas, lead, produce }) => {
      await lead('t');
      await produce('t', 0, batchOf(['a', 'b']));
      const [r] = await replicas.fetch(fetchOf([at('t', 5)], { maxWaitMs: 60_000 }));
      expect(r).toEqual({
        topic: 't',
        partition: 0,
        errorCode: ErrorCode.OFFSET_OUT_OF_RANGE,
        highWatermark: 2,
        lastStableOffset: 2,
        logStartOffset: 0,
        records: null,
      });
    });
  });

  it('returns the first batch whole even over maxBytes, and only for the first non-empty partition', async () => {
    await withReplicaManager(async ({ replicas, lead, produce }) => {
      await lead('a');
      await lead('b');
      await lead('c');
      await produce('b', 0, batchOf(['x'.repeat(500)]));
      await produce('b', 0, batchOf(['y'.repeat(500)]));
      await produce('c', 0, batchOf(['z'.repeat(500)]));
      const results = await replicas.fetch(fetchOf([at('a', 0), at('b', 0, 100), at('c', 0)], { maxBytes: 100 }));
      expect(results.map((r) => r.errorCode)).toEqual([ErrorCode.NONE, ErrorCode.NONE, ErrorCode.NONE]);
      expect(offsetsIn(results[0]!.records)).toEqual([]);
      expect(offsetsIn(results[1]!.records)).toEqual([[0, 0]]);
      expect(offsetsIn(results[2]!.records)).toEqual([]);
      expect(results[2]!.highWatermark).toBe(1);
    });
  });

  it('answers UNKNOWN_TOPIC_OR_PARTITION at once for an unknown partition', async () => {
    await withReplicaManager(async ({ replicas }) => {
      const [r] = await replicas.fetch(fetchOf([at('nope', 0)], { maxWaitMs: 60_000 }));
      expect(r).toMatchObject({ errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, records: null, highWatermark: -1 });
    });
  });
});

describe('ReplicaManager offsets and lifecycle', () => {
  it('lists earliest, latest, max-timestamp and by-timestamp offsets', async () => {
    await withReplicaManager(async ({ replicas, lead, produce }) => {
      await lead('t');
      for (const ts of [1_000, 3_000, 2_000]) await produce('t', 0, batchOf([`at-${ts}`], { timestamp: ts }));
      const list = (timestamp: number) =>
        replicas
          .listOffsets([{ topic: 't', partition: 0, timestamp }], IsolationLevel.READ_UNCOMMITTED)
          .then(([r]) => r!);
      expect(await list(EARLIEST_TIMESTAMP)).toMatchObject({ errorCode: ErrorCode.NONE, offset: 0, timestamp: -1 });
      expect(await list(LATEST_TIMESTAMP)).toMatchObject({ offset: 3, timestamp: -1 });
      expect(await list(MAX_TIMESTAMP)).toMatchObject({ offset: 1, timestamp: 3_000 });
      expect(await list(1_500)).toMatchObject({ offset: 1, timestamp: 3_000 });
      expect(await list(9_999)).toMatchObject({ errorCode: ErrorCode.NONE, offset: -1, timestamp: -1 });
      const [unknown] = await replicas.listOffsets([{ topic: 'x', partition: 0, timestamp: -1 }], 0);
      expect(unknown!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    });
  });

  it('deleteRecords advances the log start offset, up to the high watermark', async () => {
    await withReplicaManager(async ({ replicas, lead, produce }) => {
      await lead('t');
      for (let i = 0; i < 4; i++) await produce('t', 0, batchOf([`v${i}`]));
      const del = (offset: number) => replicas.deleteRecords([{ topic: 't', partition: 0, offset }]).then(([r]) => r!);
      expect(await del(2)).toMatchObject({ errorCode: ErrorCode.NONE, lowWatermark: 2 });
      expect(await del(9)).toMatchObject({ errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, lowWatermark: -1 });
      expect(await del(-1)).toMatchObject({ errorCode: ErrorCode.NONE, lowWatermark: 4 });
      const [r] = await replicas.fetch(fetchOf([at('t', 0)]));
      expect(r).toMatchObject({ errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, logStartOffset: 4 });
    });
  });

  it('makeLeader is idempotent, takes newer epochs and refuses older ones', async () => {
    await withReplicaManager(async ({ replicas, lead }) => {
      await lead('t');
      const first = replicas.getPartition('t', 0)!;
      const state = { topic: 't', partition: 0, topicId: 'id-t', isr: [BROKER_ID], replicas: [BROKER_ID] };
      expect(await replicas.makeLeader({ ...state, leaderEpoch: 0 })).toBe(first);
      await replicas.makeLeader({ ...state, leaderEpoch: 3 });
      expect(first.leaderEpoch).toBe(3);
      await expect(replicas.makeLeader({ ...state, leaderEpoch: 2 })).rejects.toMatchObject({
        code: ErrorCode.STALE_CONTROLLER_EPOCH,
      });
    });
  });

  it('stopReplica with delete removes the partition and its log', async () => {
    await withReplicaManager(async ({ logManager, replicas, lead, produce }) => {
      await lead('t');
      await produce('t', 0, batchOf(['a']));
      const dir = replicas.getPartition('t', 0)!.log.dir;
      await replicas.stopReplica('t', 0, true);
      expect(replicas.getPartition('t', 0)).toBeUndefined();
      expect(logManager.getLog('t', 0)).toBeUndefined();
      await expect(stat(dir)).rejects.toMatchObject({ code: 'ENOENT' });
      const [r] = await replicas.fetch(fetchOf([at('t', 0)]));
      expect(r!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    });
  });
});

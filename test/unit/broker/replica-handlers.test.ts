import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { fetchHandler } from '../../../broker/api/handlers/fetch.js';
import { offsetForLeaderEpochHandler } from '../../../broker/api/handlers/offset-for-leader-epoch.js';
import { ReplicaManager } from '../../../broker/replica/replica-manager.js';
import { batchViews, ErrorCode, Fetch, OffsetForLeaderEpoch } from '../../../protocol/index.js';
import { LogManager, MockClock } from '../../../storage/index.js';
import { callHandler } from '../../helpers/handler-call.js';
import { batchOf, withTempDir } from '../../helpers/storage.js';

const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
const TOPIC_ID = 'q8Bp9Y2qSfmYr2FnJ3Pd5w';

async function withLeader(fn: (replicas: ReplicaManager) => Promise<void>): Promise<void> {
  await withTempDir(async (dir) => {
    const logManager = await LogManager.start({ logDirs: [dir], scheduled: false, clock: new MockClock(1_000) });
    const replicas = new ReplicaManager({ logManager, brokerId: 1, logger });
    try {
      await replicas.makeLeader({
        topic: 't',
        partition: 0,
        topicId: TOPIC_ID,
        leaderEpoch: 3,
        isr: [1, 2],
        replicas: [1, 2],
      });
      await replicas.appendRecords([{ topic: 't', partition: 0, records: batchOf(['a', 'b']) }], {
        requiredAcks: 1,
        timeoutMs: 1_000,
      });
      await fn(replicas);
    } finally {
      replicas.shutdown();
      await logManager.shutdown();
    }
  });
}

const topics = { topicId: () => TOPIC_ID, topicName: () => 't' };

function fetchRequest(replicaId: number, currentLeaderEpoch = -1) {
  return {
    replicaId,
    maxWaitMs: 0,
    minBytes: 1,
    maxBytes: 1 << 20,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [
      {
        topic: 't',
        partitions: [
          { partition: 0, currentLeaderEpoch, fetchOffset: 0, logStartOffset: 0, partitionMaxBytes: 1 << 20 },
        ],
      },
    ],
    forgottenTopicsData: [],
    rackId: '',
  };
}

describe('Fetch handler: followers and consumers', () => {
  it('a follower reads up to the log end and its offset becomes its LEO; a consumer reads below the HW', async () => {
    await withLeader(async (replicas) => {
      const handler = fetchHandler(replicas, topics);
      const consumer = await callHandler(Fetch, handler, 12, fetchRequest(-1));
      expect(consumer.responses[0]!.partitions[0]).toMatchObject({ errorCode: 0, highWatermark: 0 });
      expect(consumer.responses[0]!.partitions[0]!.records!.length).toBe(0);
      const follower = await callHandler(Fetch, handler, 12, fetchRequest(2, 3));
      const p = follower.responses[0]!.partitions[0]!;
      expect(p).toMatchObject({ errorCode: 0, highWatermark: 0, logStartOffset: 0 });
      expect([...batchViews(p.records!)].map((b) => b.lastOffset)).toEqual([1]);
      expect(replicas.getPartition('t', 0)!.follower(2)?.logEndOffset).toBe(0);
      // its next fetch from the log end moves the HW
      const again = fetchRequest(2, 3);
      again.topics[0]!.partitions[0]!.fetchOffset = 2;
      await callHandler(Fetch, handler, 12, again);
      expect(replicas.getPartition('t', 0)!.highWatermark).toBe(2);
    });
  });

  it('refuses a broker outside the replica set and fences stale or unknown epochs', async () => {
    await withLeader(async (replicas) => {
      const handler = fetchHandler(replicas, topics);
      const code = async (request: ReturnType<typeof fetchRequest>, version = 12) =>
        (await callHandler(Fetch, handler, version, request)).responses[0]!.partitions[0]!.errorCode;
      expect(await code(fetchRequest(7))).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
      expect(await code(fetchRequest(7, 3))).toBe(ErrorCode.UNKNOWN_LEADER_EPOCH);
      expect(await code(fetchRequest(2, 2))).toBe(ErrorCode.FENCED_LEADER_EPOCH);
      expect(await code(fetchRequest(2, 4))).toBe(ErrorCode.UNKNOWN_LEADER_EPOCH);
      expect(await code(fetchRequest(-1, 2))).toBe(ErrorCode.FENCED_LEADER_EPOCH);
      // before v9 there is no epoch to fence by
      expect(await code(fetchRequest(2, 2), 8)).toBe(ErrorCode.NONE);
    });
  });
});

describe('OffsetForLeaderEpoch handler', () => {
  it('answers the end of the largest epoch at or below the one asked for, as leader only', async () => {
    await withLeader(async (replicas) => {
      const handler = offsetForLeaderEpochHandler(replicas);
      const ask = (partition: number, leaderEpoch: number, currentLeaderEpoch = -1, version = 3) =>
        callHandler(OffsetForLeaderEpoch, handler, version, {
          replicaId: 2,
          topics: [{ topic: 't', partitions: [{ partition, currentLeaderEpoch, leaderEpoch }] }],
        }).then((r) => r.topics[0]!.partitions[0]!);
      expect(await ask(0, 3)).toEqual({ errorCode: 0, partition: 0, leaderEpoch: 3, endOffset: 2 });
      expect(await ask(0, 5)).toEqual({ errorCode: 0, partition: 0, leaderEpoch: -1, endOffset: -1 });
      expect(await ask(0, 1)).toEqual({ errorCode: 0, partition: 0, leaderEpoch: 1, endOffset: 0 });
      expect((await ask(0, 3, 2)).errorCode).toBe(ErrorCode.FENCED_LEADER_EPOCH);
      expect((await ask(0, 3, 4)).errorCode).toBe(ErrorCode.UNKNOWN_LEADER_EPOCH);
      expect((await ask(0, 3, -1, 0)).endOffset).toBe(2);
      expect((await ask(9, 3)).errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
      await replicas.makeFollower({
        topic: 't',
        partition: 0,
        topicId: TOPIC_ID,
        leader: 2,
        leaderEpoch: 4,
        isr: [2],
        replicas: [1, 2],
      });
      expect((await ask(0, 3)).errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    });
  });
});

import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { FollowerReplica } from '../../../broker/replica/follower-replica.js';
import { awaitReplication } from '../../../broker/replica/delayed-produce.js';
import { truncationPoint } from '../../../broker/replica/epoch-truncation.js';
import { type LeaderState, Partition } from '../../../broker/replica/partition.js';
import type { AlterIsrChange, PartitionStateWriter } from '../../../broker/replica/partition-state-writer.js';
import { batchViews, ErrorCode } from '../../../protocol/index.js';
import type { Log } from '../../../storage/index.js';
import { batchOf, openLog, withTempDir } from '../../helpers/storage.js';

const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
const ME = 1;
const LAG_MS = 10_000;

/** A writer whose answers the test gives: each call waits for resolve/reject of its own. */
class FakeWriter implements PartitionStateWriter {
  readonly calls: { change: AlterIsrChange; resolve: (epoch: number | null) => void; reject: (err: Error) => void }[] =
    [];

  alterIsr(change: AlterIsrChange): Promise<number | null> {
    return new Promise((resolve, reject) => this.calls.push({ change, resolve, reject }));
  }

  /** Answers the latest call and lets its continuation run. */
  async answer(epoch: number | null): Promise<void> {
    this.calls.at(-1)!.resolve(epoch);
    await Promise.resolve();
    await Promise.resolve();
  }
}

interface Fixture {
  log: Log;
  partition: Partition;
  writer: FakeWriter;
  clock: { now: number };
  /** A follower's fetch from `offset` (recorded as its log end). */
  fetchFrom: (replicaId: number, offset: number) => Promise<void>;
  produce: (values: string[]) => Promise<number>;
}

async function withPartition(
  fn: (f: Fixture) => Promise<void>,
  options: {
    overrides?: Record<string, string>;
    initialHighWatermark?: number;
    setup?: (log: Log) => Promise<void>;
  } = {},
): Promise<void> {
  await withTempDir(async (dir) => {
    const log = await openLog(join(dir, 't-0'), options.overrides ?? {});
    await options.setup?.(log);
    const writer = new FakeWriter();
    const clock = { now: 1_000_000 };
    const partition = new Partition({
      topic: 't',
      partition: 0,
      log,
      brokerId: ME,
      logger,
      now: () => clock.now,
      replicaLagTimeMaxMs: LAG_MS,
      stateWriter: writer,
      isrRetryBackoffMs: 10,
      ...(options.initialHighWatermark === undefined ? {} : { initialHighWatermark: options.initialHighWatermark }),
    });
    const fetchFrom = async (replicaId: number, offset: number): Promise<void> => {
      await partition.readForFollower({
        replicaId,
        fetchOffset: offset,
        logStartOffset: 0,
        currentLeaderEpoch: partition.leaderEpoch,
        maxBytes: 1 << 20,
        minOneBatch: true,
        updateFetchState: true,
      });
    };
    const produce = async (values: string[]): Promise<number> =>
      (await partition.appendAsLeader(batchOf(values), 1, 1)).lastOffset + 1;
    try {
      await fn({ log, partition, writer, clock, fetchFrom, produce });
    } finally {
      partition.close();
      await log.close();
    }
  });
}

const leaderState = (overrides: Partial<LeaderState> = {}): LeaderState => ({
  topicId: 'id-t',
  leaderEpoch: 1,
  isr: [ME, 2],
  replicas: [ME, 2, 3],
  partitionEpoch: 5,
  controllerEpoch: 7,
  ...overrides,
});

describe('Partition as leader: high watermark', () => {
  it('moves to the lowest LEO of the ISR, never back, and waits for unknown followers', async () => {
    await withPartition(async ({ partition, produce, fetchFrom }) => {
      await partition.makeLeader(leaderState());
      await produce(['a', 'b', 'c']);
      // follower 2 has not fetched in this term: its LEO is unknown and holds the HW
      expect(partition.highWatermark).toBe(0);
      await fetchFrom(2, 2);
      expect(partition.highWatermark).toBe(2);
      // follower 3 is outside the ISR and far behind: ignored
      await fetchFrom(3, 0);
      await fetchFrom(2, 3);
      expect(partition.highWatermark).toBe(3);
      await fetchFrom(2, 1);
      expect(partition.highWatermark).toBe(3);
    });
  });

  it('a new leader keeps its checkpointed HW (clamped to the log) and only moves it forward', async () => {
    await withPartition(
      async ({ partition, fetchFrom }) => {
        expect(partition.highWatermark).toBe(3);
        await partition.makeLeader(leaderState());
        expect(partition.highWatermark).toBe(3);
        await fetchFrom(2, 1);
        expect(partition.highWatermark).toBe(3);
        await fetchFrom(2, 4);
        expect(partition.highWatermark).toBe(4);
      },
      {
        initialHighWatermark: 3,
        setup: async (log) => {
          await log.append(batchOf(['a', 'b', 'c', 'd']), { leaderEpoch: 0 });
        },
      },
    );
    await withPartition(
      ({ partition }) => {
        expect(partition.highWatermark).toBe(1);
        return Promise.resolve();
      },
      {
        initialHighWatermark: 99,
        setup: async (log) => {
          await log.append(batchOf(['a']), { leaderEpoch: 0 });
        },
      },
    );
  });

  it('advances with the ISR even below min.insync.replicas (which gates acks=all only), as in ZooKeeper mode', async () => {
    await withPartition(
      async ({ partition, produce }) => {
        await partition.makeLeader(leaderState({ isr: [ME] }));
        await produce(['a']);
        expect(partition.highWatermark).toBe(1);
        await partition.makeLeader(leaderState({ isr: [ME, 3], partitionEpoch: 6 }));
        await produce(['b']);
        // follower 3 has not fetched yet: the HW waits for it
        expect(partition.highWatermark).toBe(1);
      },
      { overrides: { 'min.insync.replicas': '2' } },
    );
  });

  it('waits for a caught-up follower about to join the ISR', async () => {
    await withPartition(async ({ partition, produce, fetchFrom, writer }) => {
      await partition.makeLeader(leaderState({ isr: [ME], replicas: [ME, 2] }));
      await produce(['a', 'b']);
      expect(partition.highWatermark).toBe(2);
      await fetchFrom(2, 2);
      expect(writer.calls.map((c) => c.change.isr)).toEqual([[ME, 2]]);
      // the expansion is pending: the HW already waits for the follower
      await produce(['c']);
      expect(partition.isrState.maximalIsr).toEqual([ME, 2]);
      expect(partition.isr).toEqual([ME]);
      expect(partition.highWatermark).toBe(2);
      await fetchFrom(2, 3);
      expect(partition.highWatermark).toBe(3);
    });
  });
});

describe('Partition as leader: ISR changes', () => {
  it('expands when a follower reaches the HW and the term start, and commits the writer’s answer', async () => {
    await withPartition(
      async ({ partition, writer, fetchFrom }) => {
        await partition.makeLeader(leaderState({ isr: [ME], replicas: [ME, 2] }));
        // below the leader's epoch start (2): not yet
        await fetchFrom(2, 1);
        expect(writer.calls).toHaveLength(0);
        await fetchFrom(2, 2);
        expect(writer.calls.map((c) => c.change)).toEqual([
          { topic: 't', partition: 0, leader: ME, leaderEpoch: 1, isr: [ME, 2], controllerEpoch: 7, partitionEpoch: 5 },
        ]);
        expect(partition.isrState.kind).not.toBe('committed');
        // one write at a time
        await fetchFrom(2, 2);
        expect(writer.calls).toHaveLength(1);
        await writer.answer(6);
        expect(partition.isr).toEqual([ME, 2]);
        expect(partition.partitionEpoch).toBe(6);
        expect(partition.isrState.kind).toBe('committed');
      },
      {
        initialHighWatermark: 1,
        setup: async (log) => {
          await log.append(batchOf(['a', 'b']), { leaderEpoch: 0 });
        },
      },
    );
  });

  it('shrinks after replica.lag.time.max.ms without catching up, keeping the maximal ISR until committed', async () => {
    await withPartition(async ({ partition, writer, clock, produce, fetchFrom }) => {
      await partition.makeLeader(leaderState({ isr: [ME, 2, 3] }));
      await produce(['a']);
      await fetchFrom(2, 1);
      await fetchFrom(3, 1);
      expect(partition.highWatermark).toBe(1);
      await produce(['b']);
      // follower 2 keeps up, 3 stops fetching
      clock.now += LAG_MS / 2;
      await fetchFrom(2, 2);
      partition.maybeShrinkIsr();
      expect(writer.calls).toHaveLength(0);
      clock.now += LAG_MS / 2 + 1;
      await fetchFrom(2, 2);
      partition.maybeShrinkIsr();
      expect(writer.calls.map((c) => c.change.isr)).toEqual([[ME, 2]]);
      // pending shrink: the HW still waits for 3
      expect(partition.highWatermark).toBe(1);
      await writer.answer(6);
      expect(partition.isr).toEqual([ME, 2]);
      expect(partition.highWatermark).toBe(2);
    });
  });

  it('keeps a stale change pending until the next LeaderAndIsr, and retries a failed write', async () => {
    await withPartition(async ({ partition, writer, clock, fetchFrom }) => {
      await partition.makeLeader(leaderState({ isr: [ME, 2] }));
      clock.now += LAG_MS + 1;
      partition.maybeShrinkIsr();
      expect(writer.calls).toHaveLength(1);
      await writer.answer(null);
      expect(partition.isrState.kind).not.toBe('committed');
      expect(partition.isr).toEqual([ME, 2]);
      partition.maybeShrinkIsr();
      await fetchFrom(3, 0);
      expect(writer.calls).toHaveLength(1);
      // the controller's state arrives: committed again, and the lag rule applies anew
      await partition.makeLeader(leaderState({ isr: [ME, 2], partitionEpoch: 9 }));
      expect(partition.isrState.kind).toBe('committed');
      clock.now += LAG_MS + 1;
      partition.maybeShrinkIsr();
      expect(writer.calls).toHaveLength(2);
      expect(writer.calls[1]!.change.partitionEpoch).toBe(9);
      writer.calls[1]!.reject(new Error('connection loss'));
      await vi.waitFor(() => expect(writer.calls).toHaveLength(3));
      expect(writer.calls[2]!.change).toEqual(writer.calls[1]!.change);
      await writer.answer(10);
      expect(partition.isr).toEqual([ME]);
    });
  });

  it('ignores an answer for a change a LeaderAndIsr overtook', async () => {
    await withPartition(async ({ partition, writer, clock }) => {
      await partition.makeLeader(leaderState({ isr: [ME, 2] }));
      clock.now += LAG_MS + 1;
      partition.maybeShrinkIsr();
      await partition.makeLeader(leaderState({ leaderEpoch: 2, isr: [ME, 2, 3], partitionEpoch: 8 }));
      await writer.answer(6);
      expect(partition.isr).toEqual([ME, 2, 3]);
      expect(partition.partitionEpoch).toBe(8);
    });
  });

  it('without a writer (single node) the ISR never changes', async () => {
    await withTempDir(async (dir) => {
      const log = await openLog(join(dir, 't-0'));
      const partition = new Partition({ topic: 't', partition: 0, log, brokerId: ME, logger, now: () => 1e12 });
      await partition.makeLeader(leaderState({ isr: [ME, 2] }));
      partition.maybeShrinkIsr();
      expect(partition.isrState.kind).toBe('committed');
      expect(partition.isr).toEqual([ME, 2]);
      partition.close();
      await log.close();
    });
  });
});

describe('Partition as leader: acks=all', () => {
  it('completes when the ISR has the records; refuses up front below min.insync.replicas (capped at the replica count)', async () => {
    await withPartition(async ({ partition, fetchFrom }) => {
      await partition.makeLeader(leaderState({ isr: [ME, 2], replicas: [ME, 2] }));
      await expect(partition.appendAsLeader(batchOf(['a']), -1, 3)).resolves.toMatchObject({ lastOffset: 0 });
      await partition.makeLeader(leaderState({ isr: [ME], replicas: [ME, 2], partitionEpoch: 6 }));
      await expect(partition.appendAsLeader(batchOf(['b']), -1, 2)).rejects.toMatchObject({
        code: ErrorCode.NOT_ENOUGH_REPLICAS,
      });
      await partition.makeLeader(leaderState({ isr: [ME, 2], replicas: [ME, 2], partitionEpoch: 7 }));
      const info = await partition.appendAsLeader(batchOf(['c']), -1, 2);
      const waiting = awaitReplication(partition, info.lastOffset + 1, 2, 10_000);
      await fetchFrom(2, 1);
      expect(partition.highWatermark).toBe(1);
      await fetchFrom(2, 2);
      await expect(waiting).resolves.toBe(ErrorCode.NONE);
    });
  });

  it('answers NOT_ENOUGH_REPLICAS_AFTER_APPEND when the ISR shrinks below min.insync.replicas while waiting', async () => {
    await withPartition(async ({ partition, writer, clock }) => {
      await partition.makeLeader(leaderState({ isr: [ME, 2] }));
      const info = await partition.appendAsLeader(batchOf(['a']), -1, 2);
      const waiting = awaitReplication(partition, info.lastOffset + 1, 2, 10_000);
      clock.now += LAG_MS + 1;
      partition.maybeShrinkIsr();
      await writer.answer(6);
      await expect(waiting).resolves.toBe(ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND);
    });
  });

  it('answers NOT_LEADER_OR_FOLLOWER when leadership moves, REQUEST_TIMED_OUT when nothing happens', async () => {
    await withPartition(async ({ partition }) => {
      await partition.makeLeader(leaderState());
      const first = await partition.appendAsLeader(batchOf(['a']), -1, 1);
      await expect(awaitReplication(partition, first.lastOffset + 1, 1, 20)).resolves.toBe(ErrorCode.REQUEST_TIMED_OUT);
      const waiting = awaitReplication(partition, first.lastOffset + 1, 1, 10_000);
      partition.makeFollower({ ...leaderState({ leaderEpoch: 2 }), leader: 2 });
      await expect(waiting).resolves.toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
      await expect(partition.appendAsLeader(batchOf(['b']), 1, 1)).rejects.toMatchObject({
        code: ErrorCode.NOT_LEADER_OR_FOLLOWER,
      });
    });
  });
});

describe('Partition: fencing and follower fetches', () => {
  it('refuses older leader epochs, ignores older partition epochs, fences fetches by epoch', async () => {
    await withPartition(async ({ partition }) => {
      await partition.makeLeader(leaderState({ leaderEpoch: 3, partitionEpoch: 5, isr: [ME] }));
      await expect(partition.makeLeader(leaderState({ leaderEpoch: 2 }))).rejects.toMatchObject({
        code: ErrorCode.STALE_CONTROLLER_EPOCH,
      });
      expect(await partition.makeLeader(leaderState({ leaderEpoch: 3, partitionEpoch: 4, isr: [ME, 2] }))).toBe(false);
      expect(partition.isr).toEqual([ME]);
      const fetch = { fetchOffset: 0, logStartOffset: 0, maxBytes: 100, minOneBatch: true, updateFetchState: true };
      await expect(partition.readForFollower({ ...fetch, replicaId: 2, currentLeaderEpoch: 2 })).rejects.toMatchObject({
        code: ErrorCode.FENCED_LEADER_EPOCH,
      });
      await expect(partition.readForFollower({ ...fetch, replicaId: 2, currentLeaderEpoch: 4 })).rejects.toMatchObject({
        code: ErrorCode.UNKNOWN_LEADER_EPOCH,
      });
      await expect(partition.readForFollower({ ...fetch, replicaId: 9, currentLeaderEpoch: -1 })).rejects.toMatchObject(
        { code: ErrorCode.NOT_LEADER_OR_FOLLOWER },
      );
      await expect(partition.readForFollower({ ...fetch, replicaId: 9, currentLeaderEpoch: 3 })).rejects.toMatchObject({
        code: ErrorCode.UNKNOWN_LEADER_EPOCH,
      });
      await expect(partition.read(0, 100, 0, { minOneBatch: true, currentLeaderEpoch: 2 })).rejects.toMatchObject({
        code: ErrorCode.FENCED_LEADER_EPOCH,
      });
    });
  });

  it('a follower fetch reads up to the log end; a consumer only below the HW', async () => {
    await withPartition(async ({ partition, produce }) => {
      await partition.makeLeader(leaderState());
      await produce(['a', 'b']);
      const consumer = await partition.read(0, 1 << 20, 0, { minOneBatch: true });
      expect(consumer.records.length).toBe(0);
      const follower = await partition.readForFollower({
        replicaId: 2,
        fetchOffset: 0,
        logStartOffset: 0,
        currentLeaderEpoch: 1,
        maxBytes: 1 << 20,
        minOneBatch: true,
        updateFetchState: true,
      });
      expect([...batchViews(follower.records)].map((b) => [b.baseOffset, b.lastOffset])).toEqual([[0, 1]]);
      expect(follower.highWatermark).toBe(0);
      expect(partition.follower(2)?.logEndOffset).toBe(0);
    });
  });

  it('answers OffsetForLeaderEpoch from the log’s epochs, as leader only', async () => {
    await withPartition(async ({ partition, produce }) => {
      await partition.makeLeader(leaderState({ leaderEpoch: 0 }));
      await produce(['a', 'b']);
      await partition.makeLeader(leaderState({ leaderEpoch: 2 }));
      await produce(['c']);
      expect(partition.lastOffsetForLeaderEpoch(-1, 0)).toEqual({ errorCode: 0, leaderEpoch: 0, endOffset: 2 });
      expect(partition.lastOffsetForLeaderEpoch(2, 1)).toEqual({ errorCode: 0, leaderEpoch: 0, endOffset: 2 });
      expect(partition.lastOffsetForLeaderEpoch(2, 2)).toEqual({ errorCode: 0, leaderEpoch: 2, endOffset: 3 });
      expect(partition.lastOffsetForLeaderEpoch(1, 2).errorCode).toBe(ErrorCode.FENCED_LEADER_EPOCH);
      partition.makeFollower({ ...leaderState({ leaderEpoch: 3 }), leader: 2 });
      expect(partition.lastOffsetForLeaderEpoch(-1, 2).errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    });
  });
});

describe('Partition as follower', () => {
  it('appends the leader’s batches as they are, follows its HW and log start, truncates', async () => {
    await withTempDir(async (dir) => {
      // the leader's log gives the batches, offsets and epochs assigned
      const source = await openLog(join(dir, 'src-0'));
      await source.append(batchOf(['a', 'b']), { leaderEpoch: 4 });
      await source.append(batchOf(['c']), { leaderEpoch: 4 });
      const { records } = await source.read(0, { maxBytes: 1 << 20 });
      const log = await openLog(join(dir, 't-0'));
      const partition = new Partition({ topic: 't', partition: 0, log, brokerId: 2, logger });
      expect(partition.makeFollower({ ...leaderState({ leaderEpoch: 4 }), leader: ME })).toBe(true);
      expect(partition.makeFollower({ ...leaderState({ leaderEpoch: 4, partitionEpoch: 6 }), leader: ME })).toBe(false);
      await partition.appendAsFollower(Buffer.from(records));
      expect(log.logEndOffset).toBe(3);
      expect(log.latestEpoch).toBe(4);
      const copied = await log.read(0, { maxBytes: 1 << 20 });
      expect(copied.records.equals(records)).toBe(true);
      await partition.updateFollowerOffsets(2, 0);
      expect(partition.highWatermark).toBe(2);
      await partition.updateFollowerOffsets(10, 1);
      expect(partition.highWatermark).toBe(3);
      expect(log.logStartOffset).toBe(1);
      await partition.truncateTo(2);
      expect([log.logEndOffset, partition.highWatermark]).toEqual([2, 2]);
      await expect(partition.read(0, 100, 0, { minOneBatch: true })).rejects.toMatchObject({
        code: ErrorCode.NOT_LEADER_OR_FOLLOWER,
      });
      partition.close();
      await log.close();
      await source.close();
    });
  });
});

describe('FollowerReplica', () => {
  it('is caught up at the leader’s log end, or when it reached the previous fetch’s log end', () => {
    const f = new FollowerReplica(2);
    f.updateFetchState(5, 0, 1_000, 10);
    expect(f.lastCaughtUpTimeMs).toBe(0);
    // reaches the log end the leader had at the previous fetch: caught up as of then
    f.updateFetchState(10, 0, 2_000, 12);
    expect(f.lastCaughtUpTimeMs).toBe(1_000);
    f.updateFetchState(12, 0, 3_000, 12);
    expect(f.lastCaughtUpTimeMs).toBe(3_000);
    expect(f.isCaughtUp(20, 3_000 + LAG_MS, LAG_MS)).toBe(true);
    expect(f.isCaughtUp(20, 3_001 + LAG_MS, LAG_MS)).toBe(false);
    expect(f.isCaughtUp(12, 1e12, LAG_MS)).toBe(true);
  });
});

describe('truncationPoint (KIP-101/279)', () => {
  const log = (logEndOffset: number, epochs: [number, number][]) => ({
    logEndOffset,
    endOffsetForEpoch(epoch: number) {
      let found = { epoch: -1, endOffset: -1 };
      for (const [i, [e]] of epochs.entries()) {
        if (e <= epoch) found = { epoch: e, endOffset: epochs[i + 1]?.[1] ?? logEndOffset };
      }
      return found;
    },
  });

  it('agrees on the same epoch at the lower end', () => {
    expect(truncationPoint(log(10, [[0, 0]]), 8, { leaderEpoch: 0, endOffset: 8 })).toEqual({
      offset: 8,
      completed: true,
    });
    expect(truncationPoint(log(10, [[0, 0]]), 8, { leaderEpoch: 0, endOffset: 12 })).toEqual({
      offset: 10,
      completed: true,
    });
  });

  it('steps back to its own epoch below an unknown one and asks again', () => {
    const divergent = log(15, [
      [0, 0],
      [2, 10],
    ]);
    expect(truncationPoint(divergent, 5, { leaderEpoch: 1, endOffset: 12 })).toEqual({ offset: 10, completed: false });
  });

  it('falls back to the HW when the leader knows no end, and to min(end, LEO) without epochs', () => {
    expect(truncationPoint(log(10, [[3, 0]]), 7, { leaderEpoch: -1, endOffset: -1 })).toEqual({
      offset: 7,
      completed: true,
    });
    expect(truncationPoint(log(10, [[3, 0]]), 7, { leaderEpoch: -1, endOffset: 9 })).toEqual({
      offset: 9,
      completed: true,
    });
    expect(truncationPoint(log(10, [[3, 0]]), 7, { leaderEpoch: 1, endOffset: 6 })).toEqual({
      offset: 6,
      completed: true,
    });
  });
});

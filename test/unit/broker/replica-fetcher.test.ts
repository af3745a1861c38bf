import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { BrokerChannelError } from '../../../broker/cluster/broker-channel.js';
import { Partition } from '../../../broker/replica/partition.js';
import { type FetcherChannel, ReplicaFetcher } from '../../../broker/replica/replica-fetcher.js';
import { type ApiSchema, ErrorCode, Fetch, OffsetForLeaderEpoch } from '../../../protocol/index.js';
import type { Log } from '../../../storage/index.js';
import { batchOf, openLog, withTempDir } from '../../helpers/storage.js';

const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });

const CONFIG = {
  replicaFetchMaxBytes: 1 << 20,
  replicaFetchResponseMaxBytes: 1 << 20,
  replicaFetchMinBytes: 1,
  replicaFetchWaitMaxMs: 100,
  replicaFetchBackoffMs: 30,
  replicaSocketTimeoutMs: 1_000,
};

type Answer = (api: string, request: unknown) => unknown;

/** A leader that answers as the test says, recording what it was asked. */
class ScriptedChannel implements FetcherChannel {
  readonly requests: { api: string; at: number; request: unknown }[] = [];
  closed = false;
  leased = 0;
  released = 0;

  constructor(private readonly answer: Answer) {}

  /** Answers on a later turn of the event loop, as a socket would. */
  send<A extends ApiSchema>(api: A, _version: number, request: unknown): Promise<never> {
    this.requests.push({ api: api.name, at: Date.now(), request });
    return new Promise((resolve, reject) =>
      setImmediate(() => {
        try {
          resolve(this.answer(api.name, request) as never);
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      }),
    );
  }

  /** Counts leases and releases (each response must be released once). */
  async sendLeased<A extends ApiSchema>(api: A, version: number, request: unknown) {
    const body = await this.send(api, version, request);
    this.leased++;
    return { body, release: () => this.released++ };
  }

  close(): void {
    this.closed = true;
  }

  count(api: string): number {
    return this.requests.filter((r) => r.api === api).length;
  }
}

function fetchAnswer(errorCode: number, records: Buffer | null = null, highWatermark = 0, logStartOffset = 0) {
  return {
    throttleTimeMs: 0,
    errorCode: 0,
    sessionId: 0,
    responses: [
      {
        topic: 't',
        partitions: [
          {
            partitionIndex: 0,
            errorCode,
            highWatermark,
            lastStableOffset: highWatermark,
            logStartOffset,
            abortedTransactions: null,
            preferredReadReplica: -1,
            records,
          },
        ],
      },
    ],
  };
}

const epochAnswer = (leaderEpoch: number, endOffset: number, errorCode = 0) => ({
  throttleTimeMs: 0,
  topics: [{ topic: 't', partitions: [{ errorCode, partition: 0, leaderEpoch, endOffset }] }],
});

async function withFollower(
  answer: Answer,
  fn: (f: { fetcher: ReplicaFetcher; channel: ScriptedChannel; partition: Partition; log: Log }) => Promise<void>,
): Promise<void> {
  await withTempDir(async (dir) => {
    const log = await openLog(join(dir, 't-0'));
    const partition = new Partition({ topic: 't', partition: 0, log, brokerId: 2, logger });
    partition.makeFollower({ topicId: 'id', leader: 1, leaderEpoch: 3, isr: [1, 2], replicas: [1, 2] });
    const channel = new ScriptedChannel(answer);
    const fetcher = new ReplicaFetcher({ brokerId: 2, sourceBrokerId: 1, channel, config: CONFIG, logger });
    fetcher.start();
    try {
      await fn({ fetcher, channel, partition, log });
    } finally {
      await fetcher.shutdown();
      partition.close();
      await log.close();
    }
    // every fetch response went back to the channel, whatever became of its answers
    expect(channel.released).toBe(channel.leased);
  });
}

describe('ReplicaFetcher', () => {
  it('sends replica fetches from the log end with the leader epoch, and appends what comes back', async () => {
    let served = false;
    const records = batchOf(['a', 'b']);
    await withFollower(
      (api) => {
        if (api !== Fetch.name) throw new Error(`unexpected ${api}`);
        const first = !served;
        served = true;
        return fetchAnswer(0, first ? records : null, 2);
      },
      async ({ fetcher, channel, partition, log }) => {
        fetcher.addPartitions([{ partition, leaderEpoch: 3 }]);
        await vi.waitFor(() => expect(partition.highWatermark).toBe(2));
        expect(log.logEndOffset).toBe(2);
        const request = channel.requests.find((r) => r.api === Fetch.name)!.request as {
          replicaId: number;
          topics: { partitions: { fetchOffset: number; currentLeaderEpoch: number }[] }[];
        };
        expect(request.replicaId).toBe(2);
        expect(request.topics[0]!.partitions[0]).toMatchObject({ fetchOffset: 0, currentLeaderEpoch: 3 });
        // the log had no epochs: truncation to the HW, without asking the leader
        expect(channel.count(OffsetForLeaderEpoch.name)).toBe(0);
      },
    );
  });

  it('backs off after NOT_LEADER_OR_FOLLOWER and a failed connection; stops on FENCED_LEADER_EPOCH', async () => {
    let calls = 0;
    await withFollower(
      () => {
        calls++;
        if (calls === 1) return fetchAnswer(ErrorCode.NOT_LEADER_OR_FOLLOWER);
        if (calls === 2) throw new BrokerChannelError('connect', 'refused');
        return fetchAnswer(ErrorCode.FENCED_LEADER_EPOCH);
      },
      async ({ fetcher, channel, partition }) => {
        fetcher.addPartitions([{ partition, leaderEpoch: 3 }]);
        await vi.waitFor(() => expect(fetcher.partitionCount).toBe(0));
        const times = channel.requests.map((r) => r.at);
        expect(times).toHaveLength(3);
        expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(CONFIG.replicaFetchBackoffMs - 5);
        expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(CONFIG.replicaFetchBackoffMs - 5);
      },
    );
  });

  it('truncates by epoch before fetching, and restarts its log at the leader’s start when behind it', async () => {
    await withFollower(
      (api, request) => {
        if (api === OffsetForLeaderEpoch.name) return epochAnswer(0, 1);
        const offset = (request as { topics: { partitions: { fetchOffset: number }[] }[] }).topics[0]!.partitions[0]!
          .fetchOffset;
        return offset < 5 ? fetchAnswer(ErrorCode.OFFSET_OUT_OF_RANGE, null, 7, 5) : fetchAnswer(0, null, 7, 5);
      },
      async ({ fetcher, partition, log }) => {
        await log.append(batchOf(['x']), { leaderEpoch: 0 });
        await log.append(batchOf(['y']), { leaderEpoch: 0 });
        fetcher.addPartitions([{ partition, leaderEpoch: 3 }]);
        await vi.waitFor(() => expect(log.logStartOffset).toBe(5));
        expect(log.logEndOffset).toBe(5);
      },
    );
  });

  it('removePartitions waits for an answer being applied', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    await withFollower(
      () => fetchAnswer(0, batchOf(['a']), 1),
      async ({ fetcher, partition, log }) => {
        const append = partition.appendAsFollower.bind(partition);
        let appending = false;
        vi.spyOn(partition, 'appendAsFollower').mockImplementation(async (records) => {
          appending = true;
          await gate;
          return append(records);
        });
        fetcher.addPartitions([{ partition, leaderEpoch: 3 }]);
        await vi.waitFor(() => expect(appending).toBe(true));
        let removed = false;
        const removal = fetcher.removePartitions([{ topic: 't', partition: 0 }]).then(() => (removed = true));
        await new Promise((resolve) => setImmediate(resolve));
        expect(removed).toBe(false);
        release();
        await removal;
        expect(log.logEndOffset).toBe(1);
        // nothing left to append to it
        expect(fetcher.partitionCount).toBe(0);
      },
    );
  });
});

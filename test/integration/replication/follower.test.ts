import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { batchViews, ErrorCode } from '../../../protocol/index.js';
import type { Log } from '../../../storage/index.js';
import { batchOf } from '../../helpers/storage.js';
import { type RecordingWriter, ReplicationNode, TOPIC } from './replication-node.js';

const WAIT = { timeout: 15_000, interval: 10 };

let root: string;
const nodes: ReplicationNode[] = [];

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'samsa-replication-'));
});

afterEach(async () => {
  for (const node of nodes.splice(0)) await node.stop();
  await rm(root, { recursive: true, force: true });
});

async function start(brokerId: number, options: { replicaLagTimeMaxMs?: number; writer?: RecordingWriter } = {}) {
  const node = await ReplicationNode.start({ brokerId, dir: join(root, `broker-${brokerId}`), ...options });
  nodes.push(node);
  return node;
}

async function produce(node: ReplicationNode, values: string[], acks: -1 | 1 = 1, timeoutMs = 10_000) {
  const [result] = await node.replicas.appendRecords([{ topic: TOPIC, partition: 0, records: batchOf(values) }], {
    requiredAcks: acks,
    timeoutMs,
  });
  return result!;
}

/** Every byte of the log, from its start. */
async function bytesOf(log: Log): Promise<Buffer> {
  return Buffer.from((await log.read(log.logStartOffset, { maxBytes: 64 << 20 })).records);
}

describe('a follower', () => {
  it('copies the leader’s log byte for byte, epochs included, and follows its high watermark', async () => {
    const [a, b] = [await start(1), await start(2)];
    await a.apply({ leader: 1, leaderEpoch: 0, isr: [1, 2], replicas: [1, 2], partitionEpoch: 0 });
    await b.apply({ leader: 1, leaderEpoch: 0, isr: [1, 2], replicas: [1, 2], partitionEpoch: 0 }, [a.live]);
    for (let i = 0; i < 20; i++) expect((await produce(a, [`v${i}`, `w${i}`])).errorCode).toBe(ErrorCode.NONE);
    // a new term in the middle: the follower takes the new epoch from the batches it copies
    await a.apply({ leader: 1, leaderEpoch: 1, isr: [1, 2], replicas: [1, 2], partitionEpoch: 1 });
    await b.apply({ leader: 1, leaderEpoch: 1, isr: [1, 2], replicas: [1, 2], partitionEpoch: 1 }, [a.live]);
    for (let i = 0; i < 5; i++) expect((await produce(a, [`x${i}`])).errorCode).toBe(ErrorCode.NONE);
    const leader = a.partition()!;
    const follower = b.partition()!;
    await vi.waitFor(() => {
      expect(follower.log.logEndOffset).toBe(45);
      expect(leader.highWatermark).toBe(45);
      expect(follower.highWatermark).toBe(45);
    }, WAIT);
    expect((await bytesOf(follower.log)).equals(await bytesOf(leader.log))).toBe(true);
    expect(follower.log.leaderEpochCache.entries()).toEqual(leader.log.leaderEpochCache.entries());
    expect(leader.log.leaderEpochCache.entries()).toEqual([
      { epoch: 0, startOffset: 0 },
      { epoch: 1, startOffset: 40 },
    ]);
    expect([...batchViews(await bytesOf(follower.log))].at(-1)).toMatchObject({
      baseOffset: 44,
      partitionLeaderEpoch: 1,
    });
    // followers refuse produce; the leader's ISR never changed
    expect((await produce(b, ['no'])).errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    expect(a.writer.changes).toEqual([]);
  });

  it('acks=all completes only once the follower has the records', async () => {
    const [a, b] = [await start(1), await start(2)];
    await a.apply({ leader: 1, leaderEpoch: 0, isr: [1, 2], replicas: [1, 2], partitionEpoch: 0 });
    // the follower is not fetching yet: acks=all times out, acks=1 does not wait
    expect((await produce(a, ['early'], -1, 200)).errorCode).toBe(ErrorCode.REQUEST_TIMED_OUT);
    expect((await produce(a, ['one'], 1)).errorCode).toBe(ErrorCode.NONE);
    await b.apply({ leader: 1, leaderEpoch: 0, isr: [1, 2], replicas: [1, 2], partitionEpoch: 0 }, [a.live]);
    for (let i = 0; i < 10; i++) {
      const result = await produce(a, [`all-${i}`], -1);
      expect(result.errorCode).toBe(ErrorCode.NONE);
      // acknowledged means replicated: the follower's log already holds it
      expect(b.partition()!.log.logEndOffset).toBeGreaterThan(result.baseOffset);
    }
  });

  it('is dropped from the ISR after replica.lag.time.max.ms when stopped, and added back once it catches up', async () => {
    const a = await start(1, { replicaLagTimeMaxMs: 1_000 });
    let b = await start(2);
    const state = { leader: 1, leaderEpoch: 0, isr: [1, 2], replicas: [1, 2], partitionEpoch: 0 };
    await a.apply(state);
    await b.apply(state, [a.live]);
    expect((await produce(a, ['a'], -1)).errorCode).toBe(ErrorCode.NONE);
    await b.stop();
    nodes.splice(nodes.indexOf(b), 1);
    await produce(a, ['b']);
    await vi.waitFor(() => expect(a.writer.isrs()).toEqual([[1]]), WAIT);
    expect(a.writer.changes[0]).toMatchObject({ leader: 1, leaderEpoch: 0, partitionEpoch: 0, controllerEpoch: 1 });
    const leader = a.partition()!;
    expect(leader.isr).toEqual([1]);
    expect(leader.partitionEpoch).toBe(1);
    // with the ISR down to the leader, the HW moves on without the follower
    expect(leader.highWatermark).toBe(2);
    expect((await produce(a, ['c'], -1)).errorCode).toBe(ErrorCode.NONE);
    // the follower comes back, catches up, and rejoins
    b = await start(2);
    await b.apply({ ...state, isr: [1], partitionEpoch: 1 }, [a.live]);
    await vi.waitFor(() => expect(a.writer.isrs()).toEqual([[1], [1, 2]]), WAIT);
    expect(a.writer.changes[1]).toMatchObject({ partitionEpoch: 1 });
    expect(leader.isr).toEqual([1, 2]);
    expect(b.partition()!.log.logEndOffset).toBe(3);
  });

  it('backs off while its leader is down and follows it again at its new address in the next epoch', async () => {
    let a = await start(1);
    const b = await start(2);
    const state = { leader: 1, leaderEpoch: 0, isr: [1, 2], replicas: [1, 2], partitionEpoch: 0 };
    await a.apply(state);
    await b.apply(state, [a.live]);
    await produce(a, ['before'], -1);
    await a.stop();
    nodes.splice(nodes.indexOf(a), 1);
    // meanwhile the follower’s fetches to the dead address fail and back off
    a = await start(1);
    const next = { ...state, leaderEpoch: 1, partitionEpoch: 1 };
    await a.apply(next);
    await produce(a, ['after']);
    await b.apply(next, [a.live]);
    await vi.waitFor(() => expect(b.partition()!.log.logEndOffset).toBe(2), WAIT);
    expect(b.fetchers.fetcherCount).toBe(1);
    expect(b.fetchers.fetcherOf(TOPIC, 0)?.sourceBrokerId).toBe(1);
    expect((await bytesOf(b.partition()!.log)).equals(await bytesOf(a.partition()!.log))).toBe(true);
  });

  it('restarts its log at the leader’s log start when it is behind it', async () => {
    const a = await start(1);
    await a.apply({ leader: 1, leaderEpoch: 0, isr: [1], replicas: [1, 2], partitionEpoch: 0 });
    for (let i = 0; i < 6; i++) await produce(a, [`r${i}`]);
    const [deleted] = await a.replicas.deleteRecords([{ topic: TOPIC, partition: 0, offset: 4 }]);
    expect(deleted).toMatchObject({ errorCode: ErrorCode.NONE, lowWatermark: 4 });
    const b = await start(2);
    await b.apply({ leader: 1, leaderEpoch: 0, isr: [1], replicas: [1, 2], partitionEpoch: 0 }, [a.live]);
    const follower = () => b.partition()!;
    await vi.waitFor(() => expect(follower().log.logEndOffset).toBe(6), WAIT);
    expect(follower().log.logStartOffset).toBe(4);
    expect([...batchViews(await bytesOf(follower().log))].map((v) => v.baseOffset)).toEqual([4, 5]);
  });

  it('checkpoints high watermarks periodically and at stop, and starts from them again', async () => {
    const a = await ReplicationNode.start({
      brokerId: 1,
      dir: join(root, 'broker-1'),
      highWatermarkCheckpointIntervalMs: 50,
    });
    nodes.push(a);
    let b = await start(2);
    const state = { leader: 1, leaderEpoch: 0, isr: [1, 2], replicas: [1, 2], partitionEpoch: 0 };
    await a.apply(state);
    await b.apply(state, [a.live]);
    for (let i = 0; i < 3; i++) await produce(a, [`c${i}`], -1);
    const file = join(a.dir, 'replication-offset-checkpoint');
    await vi.waitFor(async () => expect(await readFile(file, 'utf8')).toContain(`${TOPIC} 0 3`), WAIT);
    await vi.waitFor(() => expect(b.partition()!.highWatermark).toBe(3), WAIT);
    await b.stop();
    await a.stop();
    nodes.splice(nodes.indexOf(b), 1);
    b = await start(2);
    // the leader is gone, so the HW the follower has is the one it checkpointed
    await b.apply(state, [a.live]);
    expect(b.partition()!.highWatermark).toBe(3);
    expect(b.partition()!.log.logEndOffset).toBe(3);
  });
});

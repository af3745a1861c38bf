import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { batchViews, ErrorCode } from '../../../protocol/index.js';
import { type Log, OffsetCheckpointFile } from '../../../storage/index.js';
import { batchOf } from '../../helpers/storage.js';
import { ReplicationNode, TOPIC } from './replication-node.js';

const WAIT = { timeout: 15_000, interval: 10 };

let root: string;
const running = new Set<ReplicationNode>();

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'samsa-truncation-'));
});

afterEach(async () => {
  for (const node of running) await node.stop();
  running.clear();
  await rm(root, { recursive: true, force: true });
});

/** Starts (or restarts, on the same log dir) broker `brokerId`. */
async function start(brokerId: number): Promise<ReplicationNode> {
  const node = await ReplicationNode.start({ brokerId, dir: join(root, `broker-${brokerId}`) });
  running.add(node);
  return node;
}

async function stop(node: ReplicationNode): Promise<void> {
  running.delete(node);
  await node.stop();
}

/** One single-record batch per value, acks=1. */
async function produce(node: ReplicationNode, values: string[]): Promise<void> {
  for (const value of values) {
    const [result] = await node.replicas.appendRecords([{ topic: TOPIC, partition: 0, records: batchOf([value]) }], {
      requiredAcks: 1,
      timeoutMs: 5_000,
    });
    expect(result!.errorCode).toBe(ErrorCode.NONE);
  }
}

async function bytesOf(log: Log): Promise<Buffer> {
  return Buffer.from((await log.read(log.logStartOffset, { maxBytes: 64 << 20 })).records);
}

/** (offset, epoch) of every batch. */
async function batchesOf(log: Log): Promise<[number, number][]> {
  return [...batchViews(await bytesOf(log))].map((b) => [b.baseOffset, b.partitionLeaderEpoch]);
}

const lead = (node: ReplicationNode, leaderEpoch: number, isr: number[]) =>
  node.apply({ leader: node.brokerId, leaderEpoch, isr, replicas: [1, 2], partitionEpoch: leaderEpoch });

const follow = (node: ReplicationNode, leader: ReplicationNode, leaderEpoch: number, isr: number[]) =>
  node.apply({ leader: leader.brokerId, leaderEpoch, isr, replicas: [1, 2], partitionEpoch: leaderEpoch }, [
    leader.live,
  ]);

describe('truncation by leader epoch', () => {
  it('KIP-101: a restarted old leader truncates to the new leader’s end of the epoch, never by HW alone', async () => {
    // A leads epoch 0 and holds [0..9]; B copied [0..7] and knows HW 8
    let a = await start(1);
    let b = await start(2);
    await lead(a, 0, [1, 2]);
    await follow(b, a, 0, [1, 2]);
    await produce(a, ['0', '1', '2', '3', '4', '5', '6', '7']);
    await vi.waitFor(() => expect(b.partition()!.highWatermark).toBe(8), WAIT);
    await stop(b);
    await produce(a, ['8', '9']);
    expect(a.partition()!.log.logEndOffset).toBe(10);
    expect(a.partition()!.highWatermark).toBe(8);
    // both restart, A with a stale HW checkpoint (5, as after a crash between checkpoints)
    await stop(a);
    await new OffsetCheckpointFile(join(a.dir, 'replication-offset-checkpoint')).writeMap(new Map([[`${TOPIC}-0`, 5]]));
    a = await start(1);
    b = await start(2);
    const truncations: number[] = [];
    a.logManager.getLog(TOPIC, 0)!.onTruncate((offset) => truncations.push(offset));
    // B becomes leader of epoch 1 and writes; A follows it
    await lead(b, 1, [2]);
    expect(b.partition()!.highWatermark).toBe(8);
    await produce(b, ['new-8']);
    await follow(a, b, 1, [2]);
    expect(a.partition()!.highWatermark).toBe(5);
    const [leader, follower] = [b.partition()!, a.partition()!];
    await vi.waitFor(() => expect(follower.log.logEndOffset).toBe(9), WAIT);
    await vi.waitFor(() => expect(follower.highWatermark).toBe(9), WAIT);
    expect((await bytesOf(follower.log)).equals(await bytesOf(leader.log))).toBe(true);
    expect((await batchesOf(follower.log)).slice(-2)).toEqual([
      [7, 0],
      [8, 1],
    ]);
    expect(follower.log.leaderEpochCache.entries()).toEqual(leader.log.leaderEpochCache.entries());
    // cut once, at B's end of epoch 0: not at A's HW, which would drop [5, 8) for nothing
    expect(truncations).toEqual([8]);
  });

  it('KIP-279: divergent tails over several epochs are resolved by asking again until the epochs agree', async () => {
    let a = await start(1);
    let b = await start(2);
    // epoch 0: both hold [0, 1]
    await lead(a, 0, [1, 2]);
    await follow(b, a, 0, [1, 2]);
    await produce(a, ['e0-0', 'e0-1']);
    await vi.waitFor(() => expect(b.partition()!.log.logEndOffset).toBe(2), WAIT);
    // epoch 1: A alone writes [2, 3]
    await stop(b);
    await lead(a, 1, [1]);
    await produce(a, ['a1-2', 'a1-3']);
    // epoch 2: B alone writes [2, 3, 4]
    await stop(a);
    b = await start(2);
    await lead(b, 2, [2]);
    await produce(b, ['b2-2', 'b2-3', 'b2-4']);
    // epoch 3: A leads again and writes [4, 5]; B follows
    await stop(b);
    a = await start(1);
    await lead(a, 3, [1]);
    await produce(a, ['a3-4', 'a3-5']);
    expect(a.partition()!.log.leaderEpochCache.entries()).toEqual([
      { epoch: 0, startOffset: 0 },
      { epoch: 1, startOffset: 2 },
      { epoch: 3, startOffset: 4 },
    ]);
    b = await start(2);
    expect(b.partition()).toBeUndefined();
    await follow(b, a, 3, [1]);
    const [leader, follower] = [a.partition()!, b.partition()!];
    // one answer (epoch 1 ends at 4) would keep B's [2, 3] of epoch 2; the loop takes B back to 2
    await vi.waitFor(() => expect(follower.log.logEndOffset).toBe(6), WAIT);
    expect(await batchesOf(follower.log)).toEqual([
      [0, 0],
      [1, 0],
      [2, 1],
      [3, 1],
      [4, 3],
      [5, 3],
    ]);
    expect((await bytesOf(follower.log)).equals(await bytesOf(leader.log))).toBe(true);
    expect(follower.log.leaderEpochCache.entries()).toEqual(leader.log.leaderEpochCache.entries());
  });

  it('a follower with an epoch older than all of the new leader’s truncates to where the leader’s log begins', async () => {
    // B alone holds epoch 0; A, which never saw it, then leads epoch 1 (an unclean election)
    const a = await start(1);
    let b = await start(2);
    await lead(b, 0, [2]);
    await produce(b, ['0', '1', '2', '3']);
    await stop(b);
    await lead(a, 1, [1]);
    await produce(a, ['x']);
    b = await start(2);
    await follow(b, a, 1, [1]);
    const follower = b.partition()!;
    await vi.waitFor(() => expect(follower.log.logEndOffset).toBe(1), WAIT);
    expect((await bytesOf(follower.log)).equals(await bytesOf(a.partition()!.log))).toBe(true);
  });
});

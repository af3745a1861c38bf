import { readdir, readFile, rm, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { batchViews, ErrorCode } from '../../../protocol/index.js';
import { clusterPerTestFile } from '../../helpers/cluster-per-test-file.js';
import type { ClusterProcesses } from '../../helpers/cluster-processes.js';
import { waitFor } from '../../helpers/broker-process.js';
import { produceValues, type ReadRecord } from '../../helpers/cluster-wire.js';

/**
 * KIP-101's divergence scenarios with broker processes, on a topic with two replicas (brokers 1 and 2; broker 3
 * only hosts the controller when it wins) and min.insync.replicas=1:
 *
 * 1. A leader change over a write only the old leader has: the follower is frozen, the leader takes a write alone
 *    (acks=1) and is SIGKILLed before the follower drops out of the ISR; the follower wakes, is elected and writes
 *    at the offsets where the old leader holds the write it never saw. The old leader returns and must give up its
 *    write and copy the new leader's.
 * 2. KIP-101's "replica divergence on restart after multiple hard failures": a write both replicas acknowledged
 *    and the leader checkpointed as committed (high watermark past it) is lost by the other replica in a crash
 *    (its unflushed tail, simulated by cutting the segment file while it is down) after it took over as leader.
 *    Both are down; the one that lost the write comes back first, leads, and writes over that offset; the other
 *    returns. By high watermark alone it would keep its copy and the replicas would diverge at that offset; by
 *    leader epoch (OffsetForLeaderEpoch) it truncates it.
 *
 * After each scenario both brokers are SIGKILLed and their segment files read: the two replicas hold the same
 * records (offsets, leader epochs, values) and every acknowledged write is among them; in scenario 2 the write
 * only one replica had is in neither (in scenario 1 the follower may have received it just before freezing).
 */
describe.sequential('KIP-101: no replica divergence after leader changes with unreplicated writes', () => {
  // high watermarks checkpointed often, so scenario 2 can wait for one instead of five seconds
  const file = clusterPerTestFile('kip-101', {
    properties: { 'replica.high.watermark.checkpoint.interval.ms': '200' },
  });
  const topic = 'kip101';
  const [a, b] = [1, 2];

  it('a returning leader converges with the new leader by leader epoch (a write only it had is truncated)', async () => {
    const { cluster } = file;
    await cluster.createTopic(topic, { assignment: [[a, b]], config: { 'min.insync.replicas': '1' } });
    await cluster.awaitLeader(topic, 0, (l) => l === a);
    const acked = await produceAll(cluster, a, ['m1-0', 'm1-1', 'm1-2']);

    cluster.pause(b);
    const alone = await produceValues(cluster.port(a), topic, 0, ['m2-only-on-a'], { acks: 1 });
    expect(alone.errorCode).toBe(ErrorCode.NONE);
    await cluster.kill(a);
    cluster.resume(b);

    await cluster.awaitLeader(topic, 0, (l) => l === b);
    acked.push(...(await produceAll(cluster, b, ['m3-0', 'm3-1'])));
    await cluster.start(a);
    await cluster.awaitIsr(topic, 0, (isr) => isr.includes(a) && isr.includes(b));
    acked.push(...(await produceAll(cluster, b, ['m4'])));

    const replica = await replicasAfterStop(cluster, topic);
    expect(replica.get(a)).toEqual(replica.get(b));
    const values = replica.get(b)!.map((r) => r.value);
    expect(values).toEqual(expect.arrayContaining(acked));
    // b may have got m2 after all: its long-poll fetch was waiting at a when it froze, and a answers it with m2
    // into b's socket, which b reads on waking, before it is elected. Then m2 is b's too, written in a's epoch 0
    // and kept by both. Otherwise a must have truncated it: m2 can never sit in a later epoch.
    const m2 = replica.get(b)!.find((r) => r.value === 'm2-only-on-a');
    if (m2 !== undefined) expect(m2.leaderEpoch).toBe(0);
    await cluster.heal([topic]);
  }, 240_000);

  it('KIP-101 scenario 2: both crash, the replica that lost its unflushed tail returns first and leads', async () => {
    const { cluster } = file;
    const first = await cluster.awaitLeader(topic, 0);
    const second = first === a ? b : a;
    const acked = await produceAll(cluster, first, ['m5-0', 'm5-1']);
    const m6 = await produceValues(cluster.port(first), topic, 0, ['m6-lost-by-power'], { acks: -1 });
    expect(m6.errorCode).toBe(ErrorCode.NONE);
    // `first` has checkpointed a high watermark covering m6: by high watermark alone it would never truncate it
    await waitFor(
      async () => (await checkpointedHighWatermark(cluster.logDir(first), topic)) > m6.baseOffset,
      30_000,
      `broker ${first} to checkpoint its high watermark past ${m6.baseOffset}`,
    );

    // `first` crashes; `second`, in sync, takes over with m6, then crashes too and loses m6 as a power failure
    // would lose an unflushed tail
    await cluster.kill(first);
    await cluster.awaitLeader(topic, 0, (l) => l === second);
    await cluster.kill(second);
    await waitFor(
      async () => {
        const view = await cluster.partitionView(topic, 0);
        return view.agreed && view.leader === -1;
      },
      60_000,
      `${topic}-0 to go offline`,
    );
    await cutLogAt(cluster.logDir(second), topic, m6.baseOffset);

    // restarted in the other order: `second` (the last in-sync replica) leads without m6 and writes over its offset
    await cluster.start(second);
    await cluster.awaitLeader(topic, 0, (l) => l === second);
    const m7 = await produceAll(cluster, second, ['m7-0', 'm7-1']);
    acked.push(...m7);
    await cluster.start(first);
    await cluster.awaitIsr(topic, 0, (isr) => isr.length === 2);
    acked.push(...(await produceAll(cluster, second, ['m8'])));

    const replica = await replicasAfterStop(cluster, topic);
    expect(replica.get(a)).toEqual(replica.get(b));
    const values = replica.get(a)!.map((r) => r.value);
    expect(values).toEqual(expect.arrayContaining(acked));
    // the lost write is gone from both: `first` truncated it by leader epoch rather than keep it at m7's offset
    expect(values).not.toContain('m6-lost-by-power');
    await cluster.heal([topic]);
  }, 240_000);
});

/** acks=all writes of `values`, one batch, to `leader`; returns them once acknowledged. */
async function produceAll(cluster: ClusterProcesses, leader: number, values: string[]): Promise<string[]> {
  const outcome = await produceValues(cluster.port(leader), 'kip101', 0, values, { acks: -1 });
  expect(outcome.errorCode, `acks=all write of ${values.join(',')} to broker ${leader}`).toBe(ErrorCode.NONE);
  return values;
}

/**
 * Stops both replicas and reads each one's records from its segment files. SIGKILL: what is in the files is what
 * they hold. Called right after an acks=all write with both in the ISR, then waits for the ISR to hold both
 * again: a follower rejoins only once it has the leader's high watermark, which covers that last write.
 */
async function replicasAfterStop(cluster: ClusterProcesses, topic: string) {
  await cluster.awaitIsr(topic, 0, (isr) => isr.length === 2);
  await Promise.all([1, 2].map((id) => cluster.kill(id)));
  const out = new Map<number, ReadRecord[]>();
  for (const id of [1, 2]) out.set(id, await cluster.replicaRecords(id, topic, 0));
  return out;
}

/** The high watermark of `<topic>-0` in a log dir's replication-offset-checkpoint (-1 when absent). */
async function checkpointedHighWatermark(logDir: string, topic: string): Promise<number> {
  const text = await readFile(join(logDir, 'replication-offset-checkpoint'), 'utf8').catch(() => '');
  const line = text.split('\n').find((l) => l.startsWith(`${topic} 0 `));
  return line === undefined ? -1 : Number(line.split(' ')[2]);
}

/**
 * Cuts a stopped replica's `<topic>-0` log at `offset`, which must start a batch, as losing an unflushed tail
 * in a power failure would: the segment holding it is truncated there and later segments are removed. The
 * checkpoints are left as they were (they were flushed); recovery has to cope with them pointing past the end.
 */
async function cutLogAt(logDir: string, topic: string, offset: number): Promise<void> {
  const dir = join(logDir, `${topic}-0`);
  const segments = (await readdir(dir)).filter((f) => /^\d{20}\.log$/.test(f)).sort();
  for (const segment of segments) {
    const path = join(dir, segment);
    if (Number(segment.slice(0, 20)) >= offset) {
      await rm(path);
      continue;
    }
    const cut = [...batchViews(await readFile(path))].find((v) => v.baseOffset === offset);
    if (cut !== undefined) await truncate(path, cut.position);
  }
}

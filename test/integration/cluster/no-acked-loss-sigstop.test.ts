import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../protocol/index.js';
import { AckedWriters, checkAckedWrites } from '../../helpers/acked-writes.js';
import { clusterPerTestFile } from '../../helpers/cluster-per-test-file.js';
import { produceValues } from '../../helpers/cluster-wire.js';

/**
 * The leader of partition 0 is frozen (SIGSTOP) for longer than its ZooKeeper session, so the controller elects
 * another leader while the frozen one still believes it leads. On waking (SIGCONT) it must not act on that stale
 * view: an acks=all write that was waiting in its socket when it woke is not acknowledged, it becomes a follower
 * of the new leader (truncating whatever it appended alone) and rejoins the ISR. Idempotent acks=all writers run
 * throughout; after healing every acknowledged value is present exactly once, in order, and the probe's value,
 * never acknowledged, is not in the log either (the checker would report it as foreign).
 */
describe.sequential('no acknowledged write lost: the leader SIGSTOPped past its session timeout', () => {
  const file = clusterPerTestFile('no-acked-loss-sigstop');

  it('a woken stale leader acknowledges nothing, rejoins as follower, and no acknowledged value is lost', async () => {
    const { cluster } = file;
    const topic = 'sigstop';
    await cluster.createTopic(topic, { partitions: 3, replicationFactor: 3 });
    const writers = AckedWriters.start(cluster, topic, [0, 1, 2]);
    try {
      await writers.awaitProgress(20);
      const stale = await cluster.awaitLeader(topic, 0);
      cluster.pause(stale);
      const successor = await cluster.awaitLeader(topic, 0, (l) => l !== stale);
      await writers.awaitProgress(10);

      // queued in the frozen broker's socket: the first thing it handles on waking, before it hears of the change
      const probe = produceValues(cluster.port(stale), topic, 0, ['probe'], {
        acks: -1,
        timeoutMs: 5_000,
        requestTimeoutMs: 30_000,
      }).catch((err: unknown) => ({ errorCode: -1, baseOffset: -1, err }));
      cluster.resume(stale);
      const outcome = await probe;
      expect(outcome.errorCode, `the stale leader acknowledged a write: ${JSON.stringify(outcome)}`).not.toBe(
        ErrorCode.NONE,
      );

      await cluster.awaitIsr(topic, 0, (isr) => isr.includes(stale));
      expect(await cluster.leaderOf(topic, 0)).toBe(successor);
      await writers.awaitProgress(10);
    } finally {
      await writers.stop();
    }
    await cluster.heal([topic]);
    const checks = await checkAckedWrites(cluster, writers);
    for (const check of checks) expect(check.acked).toBeGreaterThanOrEqual(40);
  }, 300_000);
});

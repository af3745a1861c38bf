import { describe, expect, it } from 'vitest';
import { AckedWriters, checkAckedWrites } from '../../helpers/acked-writes.js';
import { clusterPerTestFile } from '../../helpers/cluster-per-test-file.js';

/**
 * Issue #6's central proof: RF=3, min.insync.replicas=2, idempotent acks=all writers on every partition while the
 * leader of partition 0 is SIGKILLed five times in a row. Each round: kill the leader, wait for the controller to
 * elect another (after the dead broker's ZooKeeper session expires), let the writers make progress on it, restart
 * the killed broker (unclean recovery of its log) and wait until it is back in the ISR. After healing, every
 * acknowledged value is in its partition exactly once and in order.
 */
describe.sequential('no acknowledged write lost: the leader SIGKILLed five times in a row', () => {
  const file = clusterPerTestFile('no-acked-loss-sigkill');

  it('keeps every acknowledged value exactly once, in order', async () => {
    const { cluster } = file;
    const topic = 'sigkill';
    await cluster.createTopic(topic, { partitions: 3, replicationFactor: 3 });
    const writers = AckedWriters.start(cluster, topic, [0, 1, 2]);
    try {
      await writers.awaitProgress(20);
      const killed: number[] = [];
      for (let round = 1; round <= 5; round++) {
        const leader = await cluster.awaitLeader(topic, 0);
        await cluster.kill(leader, 'SIGKILL');
        killed.push(leader);
        await cluster.awaitLeader(topic, 0, (l) => l !== leader);
        // writes carry on (on every partition) while the killed broker is down
        await writers.awaitProgress(5);
        await cluster.start(leader);
        await cluster.awaitIsr(topic, 0, (isr) => isr.length === 3);
        await writers.awaitProgress(5);
      }
      expect(killed).toHaveLength(5);
    } finally {
      await writers.stop();
    }
    await cluster.heal([topic]);
    const checks = await checkAckedWrites(cluster, writers);
    for (const check of checks) expect(check.acked).toBeGreaterThanOrEqual(70);
  }, 420_000);
});

import { describe, expect, it } from 'vitest';
import { AckedWriters, checkAckedWrites } from '../../helpers/acked-writes.js';
import { clusterPerTestFile } from '../../helpers/cluster-per-test-file.js';

/**
 * The controller is SIGKILLed: its ZooKeeper session expires, another broker wins the `/controller` election, and
 * everything the controller does keeps working under the new one: partitions the dead broker led get new leaders,
 * topics can be created, a controlled shutdown moves leadership, and the old controller comes back as an ordinary
 * broker. Idempotent acks=all writers run throughout and lose nothing.
 */
describe.sequential('controller failover', () => {
  const file = clusterPerTestFile('controller-failover');

  it('elects a new controller; leaders move, topics are created, clients carry on', async () => {
    const { cluster } = file;
    const topic = 'failover';
    await cluster.createTopic(topic, { partitions: 3, replicationFactor: 3 });
    const writers = AckedWriters.start(cluster, topic, [0, 1, 2]);
    try {
      await writers.awaitProgress(10);
      const controller = await cluster.controllerId();
      expect(await cluster.zkControllerId()).toBe(controller);
      await cluster.kill(controller);

      const successor = await cluster.awaitController((id) => id !== controller);
      expect(await cluster.zkControllerId()).toBe(successor);
      const admin = cluster.kafka('failover-admin').admin();
      await admin.connect();
      try {
        expect((await admin.describeCluster()).controller).toBe(successor);
      } finally {
        await admin.disconnect();
      }
      // the dead broker led one partition of three (or more): each gets a live leader from the new controller
      for (const partition of [0, 1, 2]) await cluster.awaitLeader(topic, partition, (l) => l !== controller);
      await writers.awaitProgress(10);

      // topic creation goes through the new controller (two live brokers: replication factor 2)
      await cluster.createTopic('created-after-failover', { partitions: 2, replicationFactor: 2 });

      // the old controller returns as a plain broker and catches up
      await cluster.start(controller);
      await cluster.awaitHealthy([topic]);
      expect(await cluster.awaitController()).toBe(successor);

      // a leader move by controlled shutdown, decided by the new controller (of a partition it does not lead, if
      // there is one, so that it stays the controller)
      const leaders = await Promise.all([0, 1, 2].map((p) => cluster.awaitLeader(topic, p)));
      const partition = Math.max(
        0,
        leaders.findIndex((l) => l !== successor),
      );
      const leader = leaders[partition]!;
      await cluster.stop(leader);
      await cluster.awaitLeader(topic, partition, (l) => l !== leader);
      await writers.awaitProgress(10);
      await cluster.start(leader);
      await cluster.awaitHealthy([topic]);
      await writers.awaitProgress(10);
    } finally {
      await writers.stop();
    }
    await cluster.heal([topic, 'created-after-failover']);
    await checkAckedWrites(cluster, writers);
  }, 300_000);
});

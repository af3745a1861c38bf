import { describe, expect, it } from 'vitest';
import { AckedWriters, checkAckedWrites } from '../../helpers/acked-writes.js';
import { waitFor } from '../../helpers/broker-process.js';
import { clusterPerTestFile } from '../../helpers/cluster-per-test-file.js';
import { kcat } from '../../helpers/kcat.js';

/**
 * Unmodified clients against the cluster across leader changes: a controlled one (SIGTERM of a leader: controlled
 * shutdown moves its partitions first) and a crash (SIGKILL of a leader). kafkajs idempotent producers write one
 * topic, kcat (librdkafka, idempotent) writes another in bursts between the failures, a kafkajs consumer group
 * reads both throughout, and kcat reads the kcat topic back while a broker is down. Every value a producer had
 * acknowledged reaches the group, and the logs hold each exactly once.
 */
describe.sequential('kafkajs and kcat across leader changes', () => {
  const file = clusterPerTestFile('clients-across-leader-change');

  it('produce and consume carry on through a controlled leader change and a leader crash', async () => {
    const { cluster } = file;
    const topic = 'clients-kafkajs';
    const kcatTopic = 'clients-kcat';
    await cluster.createTopic(topic, { partitions: 3, replicationFactor: 3 });
    await cluster.createTopic(kcatTopic, { partitions: 3, replicationFactor: 3 });

    const received = new Map<string, number>();
    const consumer = cluster.kafka('clients-consumer').consumer({
      groupId: 'clients-group',
      sessionTimeout: 10_000,
      heartbeatInterval: 500,
      maxWaitTimeInMs: 200,
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic, kcatTopic], fromBeginning: true });
    await consumer.run({
      eachMessage: ({ message }) => {
        const value = message.value?.toString() ?? '';
        received.set(value, (received.get(value) ?? 0) + 1);
        return Promise.resolve();
      },
    });

    const kcatSent: string[] = [];
    const kcatProduce = async (tag: string): Promise<void> => {
      const lines = Array.from({ length: 30 }, (_, i) => `${tag}-${i}`);
      await kcat(
        [
          '-b',
          cluster.bootstrap,
          '-P',
          '-t',
          kcatTopic,
          '-X',
          'enable.idempotence=true',
          '-X',
          'message.timeout.ms=60000',
        ],
        lines.join('\n') + '\n',
      );
      kcatSent.push(...lines);
    };
    const kcatRead = async (): Promise<string[]> => {
      const out = await kcat([
        '-b',
        cluster.bootstrap,
        '-C',
        '-t',
        kcatTopic,
        '-o',
        'beginning',
        '-e',
        '-q',
        '-f',
        '%s\\n',
      ]);
      return out.split('\n').filter((l) => l !== '');
    };

    const writers = AckedWriters.start(cluster, topic, [0, 1, 2]);
    try {
      await writers.awaitProgress(10);
      await kcatProduce('before');

      // controlled: the leader of partition 0 shuts down, handing its partitions over first
      const stopped = await cluster.awaitLeader(topic, 0);
      await cluster.stop(stopped);
      await cluster.awaitLeader(topic, 0, (l) => l !== stopped);
      await writers.awaitProgress(10);
      await kcatProduce('while-stopped');
      expect(await kcatRead()).toEqual(expect.arrayContaining(kcatSent));
      await cluster.start(stopped);
      await cluster.awaitHealthy([topic, kcatTopic]);

      // crash: the leader of the kcat topic's partition 0 is killed
      const killed = await cluster.awaitLeader(kcatTopic, 0);
      await cluster.kill(killed);
      await cluster.awaitLeader(kcatTopic, 0, (l) => l !== killed);
      await writers.awaitProgress(10);
      await kcatProduce('after-kill');
      expect(await kcatRead()).toEqual(expect.arrayContaining(kcatSent));
      await cluster.start(killed);
      await cluster.awaitHealthy([topic, kcatTopic]);
      await writers.awaitProgress(10);
    } finally {
      await writers.stop();
    }

    const acked = writers.partitions.flatMap((p) => writers.acked(p).map((seq) => `${p}:${seq}`));
    const expected = [...acked, ...kcatSent];
    try {
      await waitFor(
        () => expected.every((v) => received.has(v)),
        60_000,
        () =>
          `the group to receive every acknowledged value; missing ${expected
            .filter((v) => !received.has(v))
            .slice(0, 20)
            .join(', ')}`,
      );
    } finally {
      await consumer.disconnect();
    }

    await checkAckedWrites(cluster, writers);
    const kcatLog = await kcatRead();
    const counts = new Map<string, number>();
    for (const v of kcatLog) counts.set(v, (counts.get(v) ?? 0) + 1);
    expect(
      kcatSent.filter((v) => counts.get(v) !== 1),
      'kcat values not exactly once in the log',
    ).toEqual([]);
  }, 300_000);
});

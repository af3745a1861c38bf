import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../protocol/index.js';
import { AckedWriters, checkAckedWrites } from '../../helpers/acked-writes.js';
import { clusterPerTestFile } from '../../helpers/cluster-per-test-file.js';
import { produceValues } from '../../helpers/cluster-wire.js';

/**
 * The in-sync replica set as Kafka keeps it: a follower that stops fetching leaves the ISR after
 * replica.lag.time.max.ms (3 s here) and rejoins once caught up; below min.insync.replicas (2) acks=all writes are
 * refused with NOT_ENOUGH_REPLICAS while acks=1 writes go on; and with unclean.leader.election.enable off (the
 * default) a partition whose in-sync replicas are all dead stays offline rather than be led by an out-of-sync
 * replica, until an in-sync one returns, with every acknowledged record.
 *
 * The ZooKeeper session timeout is 10 s in this file, well above the lag time, so that a frozen follower leaves
 * the ISR through its leader's lag check, not through the controller noticing a dead broker.
 */
describe.sequential('ISR shrink and expand, min.insync.replicas, unclean election off', () => {
  const file = clusterPerTestFile('isr', { properties: { 'zookeeper.session.timeout.ms': '10000' } });

  it('a frozen follower leaves the ISR by the lag check and rejoins when it runs again', async () => {
    const { cluster } = file;
    const topic = 'isr-lag';
    await cluster.createTopic(topic, { partitions: 1, replicationFactor: 3 });
    const writers = AckedWriters.start(cluster, topic, [0]);
    try {
      await writers.awaitProgress(10);
      const leader = await cluster.awaitLeader(topic, 0);
      const follower = cluster.ids.find((id) => id !== leader)!;
      cluster.pause(follower);
      const shrunk = await cluster.awaitIsr(topic, 0, (isr) => !isr.includes(follower));
      expect(shrunk.leader).toBe(leader);
      expect([...shrunk.isr].sort()).toEqual(cluster.ids.filter((id) => id !== follower));
      // the leader's doing: the frozen broker's session is still alive, so the controller has not removed it
      expect(await cluster.registered()).toContain(follower);
      await writers.awaitProgress(10);

      cluster.resume(follower);
      await cluster.awaitIsr(topic, 0, (isr) => isr.includes(follower));
      await writers.awaitProgress(10);
    } finally {
      await writers.stop();
    }
    await cluster.heal([topic]);
    await checkAckedWrites(cluster, writers);
  }, 180_000);

  it('refuses acks=all with NOT_ENOUGH_REPLICAS below min.insync.replicas while acks=1 works', async () => {
    const { cluster } = file;
    const topic = 'isr-min';
    await cluster.createTopic(topic, { partitions: 1, replicationFactor: 3 });
    const leader = await cluster.awaitLeader(topic, 0);
    const followers = cluster.ids.filter((id) => id !== leader);
    await Promise.all(followers.map((id) => cluster.stop(id)));
    await cluster.awaitIsr(topic, 0, (isr) => isr.length === 1 && isr[0] === leader);
    expect(await cluster.awaitLeader(topic, 0)).toBe(leader);

    const kafka = cluster.kafka('isr-min', { retry: { retries: 0 } });
    const producer = kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 0 } });
    await producer.connect();
    try {
      const refused = await producer.send({ topic, acks: -1, messages: [{ partition: 0, value: 'all' }] }).then(
        () => null,
        (err: unknown) => err,
      );
      expect(protocolError(refused), `acks=all answered ${String(refused)}`).toMatchObject({
        type: 'NOT_ENOUGH_REPLICAS',
        code: ErrorCode.NOT_ENOUGH_REPLICAS,
      });
      // on the wire too: refused before the append, so not ..._AFTER_APPEND
      const wire = await produceValues(cluster.port(leader), topic, 0, ['wire-all'], { acks: -1 });
      expect(wire.errorCode).toBe(ErrorCode.NOT_ENOUGH_REPLICAS);

      const [one] = await producer.send({ topic, acks: 1, messages: [{ partition: 0, value: 'one' }] });
      expect(one?.errorCode).toBe(0);
    } finally {
      await producer.disconnect();
    }

    await Promise.all(followers.map((id) => cluster.start(id)));
    await cluster.awaitIsr(topic, 0, (isr) => isr.length === 3);
    const again = await produceValues(cluster.port(await cluster.awaitLeader(topic, 0)), topic, 0, ['all-again'], {
      acks: -1,
    });
    expect(again.errorCode).toBe(ErrorCode.NONE);
    await cluster.heal();
  }, 180_000);

  it('keeps a partition offline rather than elect an out-of-sync replica, until an in-sync one returns', async () => {
    const { cluster } = file;
    const topic = 'isr-unclean';
    await cluster.createTopic(topic, { partitions: 1, replicationFactor: 3 });
    const leader = await cluster.awaitLeader(topic, 0);
    const [laggard, other] = cluster.ids.filter((id) => id !== leader) as [number, number];
    // a partition only the laggard holds: its election when the laggard returns shows the controller has acted
    await cluster.createTopic('isr-witness', { assignment: [[laggard]] });
    const writers = AckedWriters.start(cluster, topic, [0]);
    try {
      await writers.awaitProgress(10);
      await cluster.kill(laggard);
      await cluster.awaitIsr(topic, 0, (isr) => !isr.includes(laggard));
      // acknowledged by the leader and the other in-sync replica only: the laggard never gets them
      await writers.awaitProgress(20);

      await Promise.all([cluster.kill(leader), cluster.kill(other)]);
      await cluster.awaitRegistered((ids) => ids.length === 0);
      await cluster.start(laggard);
      await cluster.awaitLeader('isr-witness', 0, (l) => l === laggard);
      // the controller handles events in order: once a topic created now has a leader, the laggard's return
      // (and any election it could trigger) has been dealt with
      await cluster.createTopic('isr-after', { assignment: [[laggard]] });
      const offline = await cluster.partitionView(topic, 0);
      expect(offline.leader, `led by ${offline.leader} after an unclean election`).toBe(-1);
      const state = await cluster.partitionState(topic, 0);
      expect(state?.leader).not.toBe(laggard);
      expect(state?.isr).not.toContain(laggard);
      const refused = await produceValues(cluster.port(laggard), topic, 0, ['unclean'], { acks: 1 });
      expect(refused.errorCode).not.toBe(ErrorCode.NONE);

      const inSync = state!.isr[0]!;
      await cluster.start(inSync);
      expect(await cluster.awaitLeader(topic, 0, (l) => l >= 0)).toBe(inSync);
      await cluster.heal([topic]);
      await writers.awaitProgress(10);
    } finally {
      await writers.stop();
    }
    await cluster.heal([topic]);
    await checkAckedWrites(cluster, writers);
  }, 240_000);
});

/** The kafkajs protocol error in `err` or its causes. */
function protocolError(err: unknown): { type?: string; code?: number } | undefined {
  for (let e = err; e instanceof Error; e = e.cause) {
    if (e.name === 'KafkaJSProtocolError') return e as { type?: string; code?: number };
  }
  return undefined;
}

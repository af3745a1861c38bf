import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createTopLevelPaths, LeaderRecoveryState, ZkClient, type ZkPartitionState } from '../../../broker/zk/index.js';
import { KafkaZkStore } from '../../../broker/zk/kafka-zk-store.js';
import { ZkPartitionStateWriter } from '../../../broker/zk/zk-partition-state-writer.js';
import { zooKeeperPerTestFile } from '../../helpers/zookeeper.js';

const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
const zkFile = zooKeeperPerTestFile();
const TOPIC_ID = 'q8Bp9Y2qSfmYr2FnJ3Pd5w';

async function freshStore(name: string): Promise<{ store: KafkaZkStore; zk: ZkClient }> {
  const zk = await ZkClient.connect({
    connectString: await zkFile.server.chrootFor(name),
    sessionTimeoutMs: 6_000,
    connectionTimeoutMs: 10_000,
    logger,
  });
  zkFile.cleanups.push(() => zk.close());
  await createTopLevelPaths(zk);
  const store = new KafkaZkStore(zk);
  const assignment = (r: number[]) => ({ replicas: r, addingReplicas: [], removingReplicas: [] });
  await store.topics.createTopic(
    't',
    { topicId: TOPIC_ID, partitions: new Map([0, 1].map((p) => [p, assignment([1, 2, 3])])) },
    {},
  );
  const state: ZkPartitionState = {
    leader: 1,
    leaderEpoch: 4,
    isr: [1, 2, 3],
    controllerEpoch: 7,
    leaderRecoveryState: LeaderRecoveryState.RECOVERED,
  };
  await store.partitionStates.createStates(
    't',
    new Map([
      [0, state],
      [1, state],
    ]),
    null,
  );
  return { store, zk };
}

const change = (partition: number, isr: number[], partitionEpoch: number) => ({
  topic: 't',
  partition,
  leader: 1,
  leaderEpoch: 4,
  isr,
  controllerEpoch: 7,
  partitionEpoch,
});

describe('ZkPartitionStateWriter', () => {
  it('writes the ISR conditionally on the zkVersion and batches one notification for the controller', async () => {
    const { store } = await freshStore('isr-writer');
    const writer = new ZkPartitionStateWriter({ store, logger, notificationDelayMs: 100 });
    zkFile.cleanups.push(() => writer.close());
    expect(await writer.alterIsr(change(0, [1, 2], 0))).toBe(1);
    expect(await writer.alterIsr(change(1, [1, 3], 0))).toBe(1);
    expect(await writer.alterIsr(change(0, [1], 1))).toBe(2);
    expect(await store.partitionStates.readState('t', 0)).toMatchObject({
      state: { leader: 1, leaderEpoch: 4, isr: [1], controllerEpoch: 7 },
      zkVersion: 2,
    });
    // a write on a version someone else moved past is stale, and changes nothing
    expect(await writer.alterIsr(change(0, [1, 2, 3], 1))).toBeNull();
    expect((await store.partitionStates.readState('t', 0))?.state.isr).toEqual([1]);
    // the three changes of two partitions arrive in one notification
    await expect.poll(() => store.notifications.listIsrChanges(), { timeout: 10_000, interval: 20 }).toHaveLength(1);
    const [notification] = await store.notifications.readIsrChanges(await store.notifications.listIsrChanges());
    expect(notification!.content).toEqual([
      { topic: 't', partition: 0 },
      { topic: 't', partition: 1 },
    ]);
  });

  it('close() writes what is pending at once', async () => {
    const { store } = await freshStore('isr-writer-close');
    const writer = new ZkPartitionStateWriter({ store, logger, notificationDelayMs: 60_000 });
    expect(await writer.alterIsr(change(1, [1, 2], 0))).toBe(1);
    expect(await store.notifications.listIsrChanges()).toHaveLength(0);
    await writer.close();
    expect(await store.notifications.listIsrChanges()).toHaveLength(1);
  });
});

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalBrokerLifecycle } from '../../../broker/broker-lifecycle.js';
import type { LeaderAndIsrPartitionState } from '../../../broker/controller/controller.js';
import { OFFSETS_TOPIC } from '../../../broker/group/offsets-topic.js';
import { createLogger } from '../../../broker/logger.js';
import { MetadataCache } from '../../../broker/metadata/metadata-cache.js';
import { ReplicaManager } from '../../../broker/replica/replica-manager.js';
import { LogManager } from '../../../storage/index.js';

const logger = createLogger({ level: 'silent' });

const state = (topic: string, partition: number, leader: number, leaderEpoch = 0): LeaderAndIsrPartitionState => ({
  topic,
  topicId: 'AAAAAAAAAAAAAAAAAAAAAQ',
  partition,
  leader,
  leaderEpoch,
  isr: [leader],
  replicas: [leader],
  partitionEpoch: 0,
  controllerEpoch: 0,
  isNew: true,
});

/** The lifecycle's leadership hook, which loads and unloads __consumer_offsets partitions. */
describe('leadership listener of __consumer_offsets', () => {
  let dir: string;
  let logs: LogManager;
  let replicas: ReplicaManager;
  let lifecycle: LocalBrokerLifecycle;
  let calls: string[];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'samsa-leadership-'));
    logs = await LogManager.start({ logDirs: [dir], scheduled: false });
    replicas = new ReplicaManager({ logManager: logs, brokerId: 0, logger });
    lifecycle = new LocalBrokerLifecycle({
      brokerId: 0,
      replicaManager: replicas,
      metadataCache: new MetadataCache(),
      logManager: logs,
      logger,
    });
    calls = [];
    lifecycle.addLeadershipListener(OFFSETS_TOPIC, {
      // the replica is ready when the listener hears of it, and still there when it resigns
      onBecomeLeader: (p, epoch) =>
        calls.push(`lead ${p}@${epoch} ${replicas.getPartition(OFFSETS_TOPIC, p) ? 'ready' : 'missing'}`),
      onResign: (p) => calls.push(`resign ${p} ${replicas.getPartition(OFFSETS_TOPIC, p) ? 'open' : 'gone'}`),
    });
  });

  afterEach(async () => {
    replicas.shutdown();
    await logs.shutdown();
    await rm(dir, { recursive: true, force: true });
  });

  it('hears of led partitions of its topic only, after the replica is ready', async () => {
    await lifecycle.becomeLeaderOrFollower([
      state(OFFSETS_TOPIC, 0, 0),
      state('other', 0, 0),
      state(OFFSETS_TOPIC, 3, 0, 2),
    ]);
    expect(calls).toEqual([`lead 0@0 ready`, `lead 3@2 ready`]);
  });

  it('hears of a resignation when another broker leads, and before a stopped replica goes', async () => {
    await lifecycle.becomeLeaderOrFollower([state(OFFSETS_TOPIC, 1, 0)]);
    await lifecycle.becomeLeaderOrFollower([state(OFFSETS_TOPIC, 2, 5)]);
    await lifecycle.stopReplicas(
      [
        { topic: OFFSETS_TOPIC, topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', partition: 1 },
        { topic: 'other', topicId: 'AAAAAAAAAAAAAAAAAAAAAg', partition: 0 },
      ],
      { deletePartitions: false },
    );
    expect(calls).toEqual(['lead 1@0 ready', 'resign 2 gone', 'resign 1 open']);
    expect(replicas.getPartition(OFFSETS_TOPIC, 1)).toBeUndefined();
    expect(() => lifecycle.addLeadershipListener(OFFSETS_TOPIC, { onBecomeLeader() {}, onResign() {} })).toThrow();
  });
});

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeGroupLag } from '../../../broker/group/group-admin-view.js';
import type { GroupCoordinator } from '../../../broker/group/group-coordinator.js';
import { createLogger } from '../../../broker/logger.js';
import { ReplicaManager } from '../../../broker/replica/replica-manager.js';
import { encodeConsumerAssignment, encodeConsumerSubscription, ErrorCode } from '../../../protocol/index.js';
import { LogManager, logConfigFrom } from '../../../storage/index.js';
import { batchOf } from '../../helpers/storage.js';
import { joinRequest, makeCoordinator } from './group-test-kit.js';

const logger = createLogger({ level: 'silent' });

let dir: string;
let logManager: LogManager;
let replicas: ReplicaManager;
let coordinator: GroupCoordinator;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'samsa-group-view-'));
  logManager = await LogManager.start({ logDirs: [dir], scheduled: false, defaultConfig: logConfigFrom({}) });
  replicas = new ReplicaManager({ logManager, brokerId: 1, logger });
  for (const partition of [0, 1]) {
    await replicas.makeLeader({
      topic: 't',
      partition,
      topicId: 'AAAAAAAAAAAAAAAAAAAAAA',
      leaderEpoch: 0,
      isr: [1],
      replicas: [1],
    });
  }
  for (let i = 0; i < 5; i++) {
    const [r] = await replicas.appendRecords([{ topic: 't', partition: 0, records: batchOf(['v']) }], {
      requiredAcks: 1,
      timeoutMs: 1000,
    });
    expect(r!.errorCode).toBe(ErrorCode.NONE);
  }
  ({ coordinator } = makeCoordinator());
});

afterEach(async () => {
  coordinator.shutdown();
  replicas.shutdown();
  await logManager.shutdown();
  await rm(dir, { recursive: true, force: true });
});

describe('describeGroupLag', () => {
  it('shows members with their decoded assignment, committed and log-end offsets, and lag', async () => {
    const joined = await coordinator.joinGroup(
      joinRequest({
        clientId: 'app',
        protocols: [{ name: 'range', metadata: encodeConsumerSubscription({ topics: ['t'] }) }],
      }),
    );
    const assignment = encodeConsumerAssignment({ partitions: [{ topic: 't', partitions: [0, 1] }] });
    await coordinator.syncGroup({
      groupId: 'g',
      generationId: 1,
      memberId: joined.memberId,
      groupInstanceId: null,
      protocolType: null,
      protocolName: null,
      assignments: new Map([[joined.memberId, assignment]]),
    });
    const commits = await coordinator.commitOffsets({
      groupId: 'g',
      generationId: 1,
      memberId: joined.memberId,
      groupInstanceId: null,
      retentionTimeMs: -1,
      partitions: [
        { topic: 't', partition: 0, offset: 2, leaderEpoch: -1, metadata: 'm' },
        { topic: 'elsewhere', partition: 3, offset: 7, leaderEpoch: -1, metadata: null },
      ],
    });
    expect(commits.map((c) => c.errorCode)).toEqual([ErrorCode.NONE, ErrorCode.NONE]);

    const view = await describeGroupLag(coordinator, replicas, 'g');
    expect(view).toEqual({
      groupId: 'g',
      state: 'Stable',
      protocolType: 'consumer',
      protocolName: 'range',
      generationId: 1,
      leaderId: joined.memberId,
      members: [
        {
          memberId: joined.memberId,
          groupInstanceId: null,
          clientId: 'app',
          clientHost: '/127.0.0.1',
          assignment: [{ topic: 't', partitions: [0, 1] }],
        },
      ],
      partitions: [
        {
          topic: 'elsewhere',
          partition: 3,
          memberId: null,
          committedOffset: 7,
          metadata: '',
          logEndOffset: null,
          lag: null,
        },
        {
          topic: 't',
          partition: 0,
          memberId: joined.memberId,
          committedOffset: 2,
          metadata: 'm',
          logEndOffset: 5,
          lag: 3,
        },
        {
          topic: 't',
          partition: 1,
          memberId: joined.memberId,
          committedOffset: null,
          metadata: null,
          logEndOffset: 0,
          lag: null,
        },
      ],
    });
  });

  it('answers GROUP_ID_NOT_FOUND for an unknown group', async () => {
    expect(await describeGroupLag(coordinator, replicas, 'nope')).toBe(ErrorCode.GROUP_ID_NOT_FOUND);
  });
});

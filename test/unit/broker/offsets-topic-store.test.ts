import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  encodeGroupMetadataKey,
  encodeGroupMetadataValue,
  encodeOffsetCommitKey,
  encodeOffsetCommitValue,
} from '../../../broker/group/consumer-offsets-records.js';
import type {
  GroupPartitionListener,
  LoadedPartition,
  StoredGroup,
  StoredOffset,
} from '../../../broker/group/group-persistence.js';
import { OFFSETS_TOPIC } from '../../../broker/group/offsets-topic.js';
import { OffsetsTopicStore } from '../../../broker/group/offsets-topic-store.js';
import { createLogger } from '../../../broker/logger.js';
import { ReplicaManager } from '../../../broker/replica/replica-manager.js';
import {
  buildEndTransactionBatch,
  buildRecordBatch,
  ControlRecordType,
  ErrorCode,
  type RecordInput,
} from '../../../protocol/index.js';
import { LogManager } from '../../../storage/index.js';

const logger = createLogger({ level: 'silent' });
const PARTITIONS = 3;
/** Groups named `p<n>-…` live in partition n: the store takes its mapping from OffsetsTopic, not tested here. */
const partitionFor = (groupId: string): number => Number(/^p(\d+)-/.exec(groupId)?.[1] ?? 0);

/** A fake coordinator: records every callback. */
class RecordingListener implements GroupPartitionListener {
  readonly events: string[] = [];
  readonly loaded = new Map<number, LoadedPartition>();
  onPartitionLoading(partition: number): void {
    this.events.push(`loading ${partition}`);
  }
  onPartitionLoaded(partition: number, loaded: LoadedPartition): void {
    this.events.push(`loaded ${partition}`);
    this.loaded.set(partition, loaded);
  }
  onPartitionUnloaded(partition: number): void {
    this.events.push(`unloaded ${partition}`);
  }
}

interface Env {
  logs: LogManager;
  replicas: ReplicaManager;
  store: OffsetsTopicStore;
  listener: RecordingListener;
}

async function open(dir: string, topicConfig: Record<string, string> = {}, loadBufferBytes?: number): Promise<Env> {
  const logs = await LogManager.start({ logDirs: [dir], scheduled: false, cleaner: { dedupeBufferSize: 1 << 20 } });
  await logs.setTopicConfig(OFFSETS_TOPIC, { 'cleanup.policy': 'compact', ...topicConfig });
  const replicas = new ReplicaManager({ logManager: logs, brokerId: 0, logger });
  for (let partition = 0; partition < PARTITIONS; partition++) {
    await replicas.makeLeader({
      topic: OFFSETS_TOPIC,
      partition,
      topicId: 'x',
      leaderEpoch: 0,
      isr: [0],
      replicas: [0],
    });
  }
  const store = new OffsetsTopicStore({
    config: { offsetsCommitTimeoutMs: 5000 },
    partitionFor,
    replicaManager: replicas,
    logger,
    now: () => 1_700_000_000_000,
    ...(loadBufferBytes === undefined ? {} : { loadBufferBytes }),
  });
  const listener = new RecordingListener();
  store.setListener(listener);
  return { logs, replicas, store, listener };
}

async function close(env: Env): Promise<void> {
  env.store.shutdown();
  env.replicas.shutdown();
  await env.logs.shutdown();
}

async function leadAll(env: Env): Promise<void> {
  for (let p = 0; p < PARTITIONS; p++) await env.store.onBecomeLeader(p, 0);
}

const offset = (topic: string, partition: number, at: bigint, extra: Partial<StoredOffset> = {}): StoredOffset => ({
  topic,
  partition,
  offset: at,
  leaderEpoch: 3,
  metadata: '',
  commitTimestamp: 1_700_000_000_000,
  expireTimestamp: -1,
  ...extra,
});

const group = (groupId: string, generationId: number): StoredGroup => ({
  groupId,
  protocolType: 'consumer',
  generationId,
  protocolName: 'range',
  leaderId: 'm1',
  currentStateTimestamp: 5,
  members: [
    {
      memberId: 'm1',
      groupInstanceId: 'i1',
      clientId: 'c',
      clientHost: '/127.0.0.1',
      rebalanceTimeoutMs: 30_000,
      sessionTimeoutMs: 10_000,
      subscription: Buffer.from('sub'),
      assignment: Buffer.from(`gen${generationId}`),
    },
  ],
});

const sortOffsets = (list: StoredOffset[] | undefined): StoredOffset[] =>
  [...(list ?? [])].sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);

describe('OffsetsTopicStore', () => {
  let env: Env;
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'samsa-offsets-store-'));
    env = await open(dir);
  });
  afterEach(async () => {
    await close(env);
    await rm(dir, { recursive: true, force: true });
  });

  it('announces loading at once, then loads an empty partition', async () => {
    const loading = env.store.onBecomeLeader(1, 0);
    expect(env.listener.events).toEqual(['loading 1']);
    await loading;
    expect(env.listener.events).toEqual(['loading 1', 'loaded 1']);
    expect(env.listener.loaded.get(1)).toEqual({ groups: new Map(), offsets: new Map() });
    // the same term again is a no-op
    await env.store.onBecomeLeader(1, 0);
    expect(env.listener.events).toHaveLength(2);
  });

  it('answers NOT_COORDINATOR for partitions it does not lead', async () => {
    expect(await env.store.storeGroup(group('p2-g', 1))).toBe(ErrorCode.NOT_COORDINATOR);
    expect(await env.store.storeOffsets('p2-g', [offset('t', 0, 1n)])).toBe(ErrorCode.NOT_COORDINATOR);
    await env.store.onBecomeLeader(2, 0);
    env.store.onResign(2);
    expect(env.listener.events).toEqual(['loading 2', 'loaded 2', 'unloaded 2']);
    expect(await env.store.remove('p2-g', { offsets: [], group: true })).toBe(ErrorCode.NOT_COORDINATOR);
  });

  it('reloads exactly the latest state: later records win, tombstones delete, groups stay apart', async () => {
    await leadAll(env);
    const s = env.store;
    expect(await s.storeOffsets('p0-a', [offset('t', 0, 5n), offset('t', 1, 7n, { metadata: 'meta' })])).toBe(
      ErrorCode.NONE,
    );
    expect(await s.storeGroup(group('p0-a', 1))).toBe(ErrorCode.NONE);
    expect(await s.storeOffsets('p0-a', [offset('t', 0, 9n), offset('u', 0, 1n, { expireTimestamp: 99 })])).toBe(
      ErrorCode.NONE,
    );
    expect(await s.storeGroup(group('p0-a', 2))).toBe(ErrorCode.NONE);
    expect(await s.remove('p0-a', { offsets: [{ topic: 't', partition: 1 }], group: false })).toBe(ErrorCode.NONE);
    // a standalone committer (no group record), and a deleted group in another partition
    expect(await s.storeOffsets('p0-solo', [offset('t', 2, 3n, { leaderEpoch: -1 })])).toBe(ErrorCode.NONE);
    expect(await s.storeGroup(group('p1-gone', 4))).toBe(ErrorCode.NONE);
    expect(await s.storeOffsets('p1-gone', [offset('t', 0, 4n)])).toBe(ErrorCode.NONE);
    expect(await s.remove('p1-gone', { offsets: [{ topic: 't', partition: 0 }], group: true })).toBe(ErrorCode.NONE);
    expect(await s.storeOffsets('p1-b', [])).toBe(ErrorCode.NONE);

    await close(env);
    env = await open(dir);
    await leadAll(env);
    const p0 = env.listener.loaded.get(0)!;
    expect([...p0.groups.keys()]).toEqual(['p0-a']);
    expect(p0.groups.get('p0-a')).toEqual(group('p0-a', 2));
    // an explicit retention is written as v1, which has no leader epoch (as Kafka 3.x writes it)
    expect(sortOffsets(p0.offsets.get('p0-a'))).toEqual([
      offset('t', 0, 9n),
      offset('u', 0, 1n, { expireTimestamp: 99, leaderEpoch: -1 }),
    ]);
    expect(p0.offsets.get('p0-solo')).toEqual([offset('t', 2, 3n, { leaderEpoch: -1 })]);
    expect(env.listener.loaded.get(1)).toEqual({ groups: new Map(), offsets: new Map() });
  });

  it('maps append failures as Kafka maps them for group and offset writes', async () => {
    await close(env);
    env = await open(dir, { 'max.message.bytes': '300' });
    await leadAll(env);
    const bigMetadata = 'x'.repeat(400);
    expect(await env.store.storeOffsets('p0-a', [offset('t', 0, 1n, { metadata: bigMetadata })])).toBe(
      ErrorCode.INVALID_COMMIT_OFFSET_SIZE,
    );
    const bigGroup = group('p0-a', 1);
    bigGroup.members[0]!.assignment = Buffer.alloc(400);
    expect(await env.store.storeGroup(bigGroup)).toBe(ErrorCode.UNKNOWN_SERVER_ERROR);
    // a metadata string too long for the record format itself is refused the same way
    expect(await env.store.storeOffsets('p0-a', [offset('t', 0, 1n, { metadata: 'y'.repeat(40_000) })])).toBe(
      ErrorCode.INVALID_COMMIT_OFFSET_SIZE,
    );
    // the replica went away before the coordinator heard of it
    await env.replicas.stopReplica(OFFSETS_TOPIC, 0, false);
    expect(await env.store.storeGroup(group('p0-a', 1))).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
  });

  it('skips undecodable records and applies transactional commits only when committed', async () => {
    await leadAll(env);
    expect(await env.store.storeOffsets('p0-a', [offset('t', 0, 1n)])).toBe(ErrorCode.NONE);
    const log = env.replicas.getPartition(OFFSETS_TOPIC, 0)!.log;
    const append = (records: RecordInput[], options: Parameters<typeof buildRecordBatch>[1] = {}) =>
      log.append(buildRecordBatch(records, { ...options, baseOffset: log.logEndOffset }), { origin: 'replication' });
    await append([
      { key: Buffer.from([0x00]), value: Buffer.from('junk') },
      { key: encodeOffsetCommitKey('p0-a', 't', 1), value: Buffer.from([0, 3, 1]) },
      { key: encodeGroupMetadataKey('p0-a'), value: encodeGroupMetadataValue(group('p0-a', 8)) },
      { key: Buffer.from([0, 9, 0, 1, 0x41]), value: Buffer.from('a newer record type') },
    ]);
    const txn = (producerId: number, at: bigint) =>
      append(
        [
          {
            key: encodeOffsetCommitKey('p0-a', 'txn', producerId),
            value: encodeOffsetCommitValue(offset('txn', producerId, at)),
          },
        ],
        {
          producerId,
          producerEpoch: 0,
          baseSequence: 0,
          transactional: true,
        },
      );
    const marker = (producerId: number, type: ControlRecordType) =>
      log.append(
        buildEndTransactionBatch(
          { type, coordinatorEpoch: 0 },
          { producerId, producerEpoch: 0, baseOffset: log.logEndOffset },
        ),
        { origin: 'replication' },
      );
    await txn(1, 10n);
    await txn(2, 20n);
    await marker(1, ControlRecordType.Commit);
    await marker(2, ControlRecordType.Abort);
    await txn(3, 30n); // never ended: not loaded
    env.replicas.getPartition(OFFSETS_TOPIC, 0)!.maybeIncrementHighWatermark();

    env.store.onResign(0);
    await env.store.onBecomeLeader(0, 1);
    const p0 = env.listener.loaded.get(0)!;
    expect(p0.groups.get('p0-a')?.generationId).toBe(8);
    expect(sortOffsets(p0.offsets.get('p0-a'))).toEqual([offset('t', 0, 1n), offset('txn', 1, 10n)]);
  });

  it('a resignation cancels a load: no loaded callback follows, and a later term loads again', async () => {
    await leadAll(env);
    for (let i = 0; i < 200; i++) {
      expect(await env.store.storeOffsets('p0-a', [offset('t', i % 10, BigInt(i))])).toBe(ErrorCode.NONE);
    }
    await close(env);
    // one batch per read: the load takes many turns of the event loop
    env = await open(dir, {}, 1);
    const loading = env.store.onBecomeLeader(0, 0);
    await new Promise((resolve) => setImmediate(resolve));
    env.store.onResign(0);
    await loading;
    expect(env.listener.events).toEqual(['loading 0', 'unloaded 0']);

    await env.store.onBecomeLeader(0, 0);
    expect(env.listener.events).toEqual(['loading 0', 'unloaded 0', 'loading 0', 'loaded 0']);
    expect(sortOffsets(env.listener.loaded.get(0)!.offsets.get('p0-a')).map((o) => o.offset)).toEqual(
      Array.from({ length: 10 }, (_, p) => BigInt(190 + p)),
    );
  });

  it('keeps the topic small under compaction and reloads the same state', async () => {
    await close(env);
    env = await open(dir, { 'segment.bytes': '2048', 'min.cleanable.dirty.ratio': '0.01', 'segment.ms': '604800000' });
    await leadAll(env);
    for (let i = 0; i < 300; i++) {
      expect(await env.store.storeOffsets('p0-a', [offset('t', i % 4, BigInt(i))])).toBe(ErrorCode.NONE);
      if (i % 50 === 0) expect(await env.store.storeGroup(group('p0-a', i))).toBe(ErrorCode.NONE);
    }
    const log = env.replicas.getPartition(OFFSETS_TOPIC, 0)!.log;
    await log.roll();
    const before = log.size;
    while ((await env.logs.runCleanerOnce()) !== null);
    expect(log.size).toBeLessThan(before / 10);

    env.store.onResign(0);
    await env.store.onBecomeLeader(0, 1);
    const p0 = env.listener.loaded.get(0)!;
    expect(p0.groups.get('p0-a')).toEqual(group('p0-a', 250));
    expect(sortOffsets(p0.offsets.get('p0-a')).map((o) => o.offset)).toEqual([296n, 297n, 298n, 299n]);
  });
});

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DELETE_RECORDS_RANGE, deleteRecordsHandler } from '../../../broker/api/handlers/delete-records.js';
import { DESCRIBE_LOG_DIRS_RANGE, describeLogDirsHandler } from '../../../broker/api/handlers/describe-log-dirs.js';
import { LIST_OFFSETS_RANGE, listOffsetsHandler } from '../../../broker/api/handlers/list-offsets.js';
import { parseBrokerConfig } from '../../../broker/config.js';
import { LocalController } from '../../../broker/controller/local-controller.js';
import { createLogger } from '../../../broker/logger.js';
import { ReplicaManager } from '../../../broker/replica/replica-manager.js';
import { DeleteRecords, DescribeLogDirs, ErrorCode, ListOffsets, type RequestInput } from '../../../protocol/index.js';
import { LogManager, logConfigFrom } from '../../../storage/index.js';
import { batchOf } from '../../helpers/storage.js';
import { callHandler } from '../../helpers/handler-call.js';
import { LocalBrokerLifecycle } from '../../../broker/broker-lifecycle.js';
import { MetadataCache } from '../../../broker/metadata/metadata-cache.js';

const logger = createLogger({ level: 'silent' });

let dir: string;
let logManager: LogManager;
let replicas: ReplicaManager;
let controller: LocalController;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'samsa-offsets-'));
  const config = parseBrokerConfig({ 'log.dirs': dir, 'broker.id': '1' });
  logManager = await LogManager.start({
    logDirs: config.logDirs,
    scheduled: false,
    defaultConfig: logConfigFrom(config.topicDefaults),
  });
  replicas = new ReplicaManager({ logManager, brokerId: 1, logger });
  const lifecycle = new LocalBrokerLifecycle({
    brokerId: 1,
    replicaManager: replicas,
    metadataCache: new MetadataCache(),
    logManager,
    logger,
  });
  controller = new LocalController({ config, clusterId: 'c', lifecycle, logger, endpoints: () => [] });
  await controller.startup();
  const [created] = await controller.createTopics([
    { name: 'events', numPartitions: 2, replicationFactor: 1 },
    {
      name: 'compacted',
      numPartitions: 1,
      replicationFactor: 1,
      configs: [{ name: 'cleanup.policy', value: 'compact' }],
    },
  ]);
  expect(created!.errorCode).toBe(ErrorCode.NONE);
  // offsets 0, 1, 2 with timestamps 1000, 3000, 2000: the largest timestamp is not the last record's
  for (const timestamp of [1000, 3000, 2000]) {
    const [r] = await replicas.appendRecords(
      [{ topic: 'events', partition: 0, records: batchOf(['v'], { timestamp }) }],
      {
        requiredAcks: 1,
        timeoutMs: 1000,
      },
    );
    expect(r!.errorCode).toBe(ErrorCode.NONE);
  }
});

afterEach(async () => {
  await controller.shutdown();
  replicas.shutdown();
  await logManager.shutdown();
  await rm(dir, { recursive: true, force: true });
});

const listOffsets = (version: number, timestamps: number[], extra: Partial<RequestInput<typeof ListOffsets>> = {}) =>
  callHandler(ListOffsets, listOffsetsHandler(replicas), version, {
    replicaId: -1,
    isolationLevel: 0,
    topics: [{ name: 'events', partitions: timestamps.map((timestamp) => ({ partitionIndex: 0, timestamp })) }],
    ...extra,
  });

describe('ListOffsets', () => {
  it('serves 1-7', () => {
    expect(LIST_OFFSETS_RANGE).toEqual({ min: 1, max: 7 });
  });

  it.each([
    [-2, 0, -1],
    [-1, 3, -1],
    [-3, 1, 3000],
    [2500, 1, 3000],
    [1000, 0, 1000],
  ])('v7 timestamp %d → offset %d (timestamp %d)', async (timestamp, offset, foundTimestamp) => {
    const response = await listOffsets(7, [timestamp]);
    expect(response.topics[0]!.partitions[0]).toMatchObject({
      partitionIndex: 0,
      errorCode: ErrorCode.NONE,
      offset,
      timestamp: foundTimestamp,
    });
  });

  it('answers -1 for a timestamp past every record', async () => {
    const response = await listOffsets(5, [99_999]);
    expect(response.topics[0]!.partitions[0]).toMatchObject({ errorCode: ErrorCode.NONE, offset: -1, timestamp: -1 });
  });

  it('returns the leader epoch from v4 and the latest offset for read_committed', async () => {
    const response = await listOffsets(4, [-1], { isolationLevel: 1 });
    expect(response.topics[0]!.partitions[0]).toMatchObject({ offset: 3, leaderEpoch: 0 });
    const v1 = await listOffsets(1, [-1]);
    expect(v1.topics[0]!.partitions[0]).toMatchObject({ offset: 3, leaderEpoch: -1 });
  });

  it('answers INVALID_REQUEST for a partition named twice and UNKNOWN_TOPIC_OR_PARTITION for a missing one', async () => {
    const response = await callHandler(ListOffsets, listOffsetsHandler(replicas), 7, {
      replicaId: -1,
      isolationLevel: 0,
      topics: [
        {
          name: 'events',
          partitions: [
            { partitionIndex: 0, timestamp: -1 },
            { partitionIndex: 1, timestamp: -1 },
            { partitionIndex: 0, timestamp: -2 },
          ],
        },
        { name: 'missing', partitions: [{ partitionIndex: 0, timestamp: -1 }] },
      ],
    });
    expect(response.topics[0]!.partitions.map((p) => [p.partitionIndex, p.errorCode, p.offset])).toEqual([
      [0, ErrorCode.INVALID_REQUEST, -1],
      [1, ErrorCode.NONE, 0],
      [0, ErrorCode.INVALID_REQUEST, -1],
    ]);
    expect(response.topics[1]!.partitions[0]!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });
});

describe('DeleteRecords', () => {
  const deleteRecords = (version: number, topic: string, offset: number) =>
    callHandler(DeleteRecords, deleteRecordsHandler(replicas), version, {
      topics: [{ name: topic, partitions: [{ partitionIndex: 0, offset }] }],
      timeoutMs: 1000,
    });

  it('serves 0-2', () => {
    expect(DELETE_RECORDS_RANGE).toEqual({ min: 0, max: 2 });
  });

  it.each([0, 1, 2])('v%d moves the log start offset, which ListOffsets earliest then reports', async (version) => {
    const response = await deleteRecords(version, 'events', 2);
    expect(response.topics[0]!.partitions[0]).toEqual({
      partitionIndex: 0,
      lowWatermark: 2,
      errorCode: ErrorCode.NONE,
    });
    const earliest = await listOffsets(7, [-2]);
    expect(earliest.topics[0]!.partitions[0]!.offset).toBe(2);
  });

  it('deletes up to the high watermark for -1', async () => {
    const response = await deleteRecords(2, 'events', -1);
    expect(response.topics[0]!.partitions[0]).toMatchObject({ lowWatermark: 3, errorCode: ErrorCode.NONE });
  });

  it('refuses offsets past the high watermark, unknown partitions and compacted topics', async () => {
    expect((await deleteRecords(2, 'events', 10)).topics[0]!.partitions[0]).toMatchObject({
      lowWatermark: -1,
      errorCode: ErrorCode.OFFSET_OUT_OF_RANGE,
    });
    expect((await deleteRecords(2, 'missing', 0)).topics[0]!.partitions[0]!.errorCode).toBe(
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    );
    expect((await deleteRecords(2, 'compacted', 0)).topics[0]!.partitions[0]!.errorCode).toBe(
      ErrorCode.POLICY_VIOLATION,
    );
  });
});

describe('DescribeLogDirs', () => {
  it('serves 0-4', () => {
    expect(DESCRIBE_LOG_DIRS_RANGE).toEqual({ min: 0, max: 4 });
  });

  it('lists every partition with its size and the volume totals (v4)', async () => {
    const response = await callHandler(DescribeLogDirs, describeLogDirsHandler(logManager), 4, { topics: null });
    expect(response.errorCode).toBe(ErrorCode.NONE);
    const [result] = response.results;
    expect(result).toMatchObject({ errorCode: ErrorCode.NONE, logDir: dir });
    expect(result!.totalBytes).toBeGreaterThan(0);
    expect(result!.usableBytes).toBeGreaterThan(0);
    expect(result!.usableBytes).toBeLessThanOrEqual(result!.totalBytes);
    const events = result!.topics.find((t) => t.name === 'events')!;
    expect(events.partitions).toEqual([
      { partitionIndex: 0, partitionSize: logManager.getLog('events', 0)!.size, offsetLag: 0, isFutureKey: false },
      { partitionIndex: 1, partitionSize: 0, offsetLag: 0, isFutureKey: false },
    ]);
    expect(events.partitions[0]!.partitionSize).toBeGreaterThan(0);
    expect(result!.topics.map((t) => t.name).sort()).toEqual(['compacted', 'events']);
  });

  it('keeps only the requested partitions (v0)', async () => {
    const response = await callHandler(DescribeLogDirs, describeLogDirsHandler(logManager), 0, {
      topics: [{ topic: 'events', partitions: [1, 7] }],
    });
    expect(response.results[0]!.topics).toEqual([
      { name: 'events', partitions: [{ partitionIndex: 1, partitionSize: 0, offsetLag: 0, isFutureKey: false }] },
    ]);
  });
});

import { statfs } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { DescribeLogDirs } from '../../../protocol/index.js';
import { ErrorCode, type ResponseInput } from '../../../protocol/index.js';
import type { Log, LogManager } from '../../../storage/index.js';
import type { ApiHandler } from '../router.js';

/** Versions served: 0-4 (admin only; v3 adds the top-level error, v4 the volume's total and usable bytes). */
export const DESCRIBE_LOG_DIRS_RANGE = { min: 0, max: 4 };

type DirResult = ResponseInput<typeof DescribeLogDirs>['results'][number];

/**
 * DescribeLogDirs (KIP-113): for each log dir, the requested partitions it holds (null topics: all) with their
 * size, the bytes of all their segments. offsetLag is 0 and isFutureKey false: a single node has no replica moving
 * between dirs (ReplicaAlterLogDirs). A dir whose volume cannot be read is KAFKA_STORAGE_ERROR, as Kafka answers
 * an offline dir.
 */
export function describeLogDirsHandler(logManager: LogManager): ApiHandler<typeof DescribeLogDirs> {
  return async ({ body }) => {
    const wanted =
      body.topics === null ? null : new Map(body.topics.map((t) => [t.topic, new Set(t.partitions)] as const));
    const logs = logManager.allLogs().filter((l) => wanted === null || wanted.get(l.topic)?.has(l.partition));
    const results = await Promise.all(logManager.logDirs.map((dir) => describeDir(dir, logs)));
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, results };
  };
}

async function describeDir(logDir: string, logs: readonly Log[]): Promise<DirResult> {
  const volume = await statfs(logDir).catch(() => null);
  if (volume === null) {
    return { errorCode: ErrorCode.KAFKA_STORAGE_ERROR, logDir, topics: [], totalBytes: -1, usableBytes: -1 };
  }
  const byTopic = new Map<string, Log[]>();
  const dir = resolve(logDir);
  for (const log of logs) {
    if (resolve(dirname(log.dir)) !== dir) continue;
    const list = byTopic.get(log.topic) ?? [];
    list.push(log);
    byTopic.set(log.topic, list);
  }
  return {
    errorCode: ErrorCode.NONE,
    logDir,
    topics: [...byTopic].map(([name, topicLogs]) => ({
      name,
      partitions: topicLogs
        .sort((a, b) => a.partition - b.partition)
        .map((l) => ({ partitionIndex: l.partition, partitionSize: l.size, offsetLag: 0, isFutureKey: false })),
    })),
    totalBytes: volume.blocks * volume.bsize,
    usableBytes: volume.bavail * volume.bsize,
  };
}

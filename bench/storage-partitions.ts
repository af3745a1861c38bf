import { LogManager } from '../storage/index.js';
import { buildRecordBatch } from '../protocol/records/index.js';

/**
 * Child process of the storage suite, so that each start is measured in a fresh process and its RSS is its own:
 *   create <logDir> <topics> <partitionsPerTopic>  writes that many partitions, a few small batches each, through
 *                                                   LogManager, then shuts down cleanly;
 *   open <logDir>                                   times LogManager.start over them (clean or unclean, as the
 *                                                   parent left the marker), then shuts down cleanly again.
 * Prints one JSON line on stdout.
 */
const [mode, logDir, topicsArg, partitionsArg] = process.argv.slice(2);
if (logDir === undefined) throw new Error('usage: storage-partitions.ts create|open <logDir> [topics partitions]');

const BATCHES_PER_PARTITION = 3;
const CREATE_CONCURRENCY = 32;
const start = (): Promise<LogManager> => LogManager.start({ logDirs: [logDir], scheduled: false });

if (mode === 'create') {
  const topics = Number(topicsArg);
  const partitions = Number(partitionsArg);
  const value = Buffer.alloc(100, 7);
  const batch = (): Buffer =>
    buildRecordBatch(Array.from({ length: 10 }, () => ({ value, timestamp: 1_700_000_000_000 })));
  const t0 = performance.now();
  const manager = await start();
  const work: [string, number][] = [];
  for (let t = 0; t < topics; t++) for (let p = 0; p < partitions; p++) work.push([`bench-${t}`, p]);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < work.length) {
      const [topic, partition] = work[next++]!;
      const log = await manager.getOrCreateLog(topic, partition);
      for (let b = 0; b < BATCHES_PER_PARTITION; b++) await log.append(batch());
    }
  };
  await Promise.all(Array.from({ length: CREATE_CONCURRENCY }, worker));
  await manager.shutdown();
  console.log(JSON.stringify({ logs: work.length, ms: performance.now() - t0 }));
} else if (mode === 'open') {
  const baselineRssBytes = process.memoryUsage().rss;
  const t0 = performance.now();
  const manager = await start();
  const ms = performance.now() - t0;
  const rssBytes = process.memoryUsage().rss;
  // maxRSS (KiB) covers the peak while loading, which a sample after start can miss
  const peakRssBytes = process.resourceUsage().maxRSS * 1024;
  const logs = manager.allLogs().length;
  await manager.shutdown();
  console.log(JSON.stringify({ logs, ms, baselineRssBytes, rssBytes, peakRssBytes }));
} else {
  throw new Error(`unknown mode ${mode}`);
}

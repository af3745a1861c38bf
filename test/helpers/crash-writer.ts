/**
 * Child process of the storage crash tests (test/integration/storage/crash.test.ts), which runs it bundled by
 * esbuild; `node --import tsx test/helpers/crash-writer.ts '<json CrashWriterOptions>'` works too, only slower
 * to start. It starts a LogManager on `root`, opens one partition and appends batches until it is killed,
 * keeping `depth` appends in flight, while writing the checkpoints every few milliseconds, as the broker's timer
 * would (only more often).
 *
 * Protocol on stdout, one line each, written synchronously so a line is in the pipe before what it describes
 * can happen:
 *   opening                         before LogManager.start (which recovers the log)
 *   ready <logEndOffset>            the log is open
 *   intent <first> <last> <hash>    one per batch, before the append that carries it is issued
 *   ack <first> <last> <hash>       the append of first..last completed (flushed: flush.messages=1); <hash> covers
 *                                   all its records, in offset order
 *   error <message>                 then the process exits with 1
 * <hash> is batchHash (test/helpers/log-check.ts) of the records.
 */
import { writeSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { buildCompressedRecordBatch, CompressionType } from '../../protocol/records/index.js';
import { logConfigFrom } from '../../storage/log-config.js';
import { LogManager } from '../../storage/log-manager.js';
import { batchHash } from './log-check.js';

export interface CrashWriterOptions {
  root: string;
  topic: string;
  seed: number;
  /** Topic config overrides (Kafka names). */
  config: Record<string, string>;
  /** Appends kept in flight. */
  depth: number;
  /** Record timestamps start here and grow by about 10 ms per batch, with jitter both ways. */
  timestampBase: number;
}

/** A record as written: what batchHash covers. */
interface Written {
  key: Buffer | null;
  value: Buffer | null;
  timestamp: number;
}

const CODECS = [
  CompressionType.None,
  CompressionType.None,
  CompressionType.None,
  CompressionType.Gzip,
  CompressionType.Snappy,
  CompressionType.Lz4,
  CompressionType.Zstd,
];

function print(line: string): void {
  writeSync(1, line + '\n');
}

/** mulberry32, seeded per round (the lanes and the checkpoint loop draw from it in whatever order they run). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function main(options: CrashWriterOptions): Promise<void> {
  const rand = random(options.seed);
  const int = (n: number): number => Math.floor(rand() * n);
  print('opening');
  const manager = await LogManager.start({
    logDirs: [options.root],
    defaultConfig: logConfigFrom(options.config),
    scheduled: false,
  });
  const log = await manager.getOrCreateLog(options.topic, 0);
  print(`ready ${log.logEndOffset}`);

  let next = log.logEndOffset;
  let sequence = 0;

  const makeBatch = async (): Promise<{ bytes: Buffer; records: Written[] }> => {
    const count = 1 + int(12);
    const records: Written[] = [];
    for (let i = 0; i < count; i++) {
      sequence++;
      records.push({
        key: rand() < 0.3 ? null : Buffer.from(`key-${int(64)}`),
        value: rand() < 0.05 ? null : Buffer.from(randomText(int, int(rand() < 0.1 ? 3000 : 300))),
        timestamp: options.timestampBase + sequence * 10 + int(400) - 200,
      });
    }
    const compression = CODECS[int(CODECS.length)]!;
    return { bytes: await buildCompressedRecordBatch(records, { compression }), records };
  };

  const appendOne = async (): Promise<void> => {
    // one append carries one or (sometimes) two batches: Log.append accepts several batches at once
    const batches = await Promise.all(Array.from({ length: rand() < 0.2 ? 2 : 1 }, makeBatch));
    const first = next;
    for (const b of batches) {
      print(`intent ${next} ${next + b.records.length - 1} ${batchHash(b.records)}`);
      next += b.records.length;
    }
    const last = next - 1;
    const info = await log.append(Buffer.concat(batches.map((b) => b.bytes)));
    if (info.firstOffset !== first || info.lastOffset !== last) {
      throw new Error(`append landed at ${info.firstOffset}..${info.lastOffset}, expected ${first}..${last}`);
    }
    print(`ack ${first} ${last} ${batchHash(batches.flatMap((b) => b.records))}`);
    if (rand() < 0.02) await log.roll();
  };

  const lane = async (): Promise<void> => {
    for (;;) await appendOne();
  };
  // Checkpoints at arbitrary moments, as the broker's timer writes them: in the middle of a roll, too.
  const checkpoints = async (): Promise<void> => {
    for (;;) {
      await manager.checkpoint();
      await delay(int(4));
    }
  };
  await Promise.all([checkpoints(), ...Array.from({ length: options.depth }, lane)]);
}

function randomText(int: (n: number) => number, length: number): string {
  let s = '';
  while (s.length < length) s += int(36 ** 6).toString(36);
  return s.substring(0, length);
}

main(JSON.parse(process.argv[2]!) as CrashWriterOptions).catch((err: unknown) => {
  print(`error ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`.replaceAll('\n', ' | '));
  process.exit(1);
});

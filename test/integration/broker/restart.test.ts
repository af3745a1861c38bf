import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLEAN_SHUTDOWN_FILE } from '../../../storage/index.js';
import { spawnBroker, type BrokerProcess } from '../../helpers/broker-process.js';
import { kcat } from '../../helpers/kcat.js';

/**
 * `samsa broker` as a real process: every record it acknowledged (acks=1) is there after a restart on the same
 * log directory, whether it was killed outright (unclean recovery) or stopped with SIGTERM (clean shutdown,
 * which leaves the `.kafka_cleanshutdown` marker).
 */
describe('broker process restart', () => {
  let dir: string;
  let running: BrokerProcess | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'samsa-restart-'));
  });

  afterEach(async () => {
    if (running !== undefined && running.child.exitCode === null && running.child.signalCode === null) {
      running.child.kill('SIGKILL');
      await running.exited;
    }
    running = undefined;
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** Sends `count` keyed records in small acks=1 batches; returns the `key=value` lines acknowledged. */
  async function produce(bootstrap: string, topic: string, count: number, prefix: string): Promise<string[]> {
    const kafka = new Kafka({ clientId: 'restart', brokers: [bootstrap], logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ allowAutoTopicCreation: true });
    await producer.connect();
    const acked: string[] = [];
    try {
      for (let i = 0; i < count; i += 10) {
        const messages = Array.from({ length: 10 }, (_, j) => ({ key: `${prefix}${i + j}`, value: `v${i + j}` }));
        const result = await producer.send({ topic, acks: 1, messages });
        expect(result.every((r) => r.errorCode === 0)).toBe(true);
        acked.push(...messages.map((m) => `${m.key}=${m.value}`));
      }
    } finally {
      await producer.disconnect();
    }
    return acked;
  }

  async function consumeAll(bootstrap: string, topic: string): Promise<string[]> {
    const out = await kcat(['-b', bootstrap, '-C', '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%k=%s\\n']);
    return out.split('\n').filter((l) => l !== '');
  }

  it('keeps every acknowledged record after SIGKILL (unclean recovery)', async () => {
    running = await spawnBroker(dir, { 'num.partitions': '3' });
    const acked = await produce(running.bootstrapServers, 'crashy', 300, 'a');
    running.child.kill('SIGKILL');
    expect((await running.exited).signal).toBe('SIGKILL');
    expect(existsSync(join(dir, CLEAN_SHUTDOWN_FILE))).toBe(false);

    running = await spawnBroker(dir, { 'num.partitions': '3' });
    expect((await consumeAll(running.bootstrapServers, 'crashy')).sort()).toEqual(acked.sort());
    // the recovered log takes appends at the right offsets
    const more = await produce(running.bootstrapServers, 'crashy', 30, 'b');
    expect((await consumeAll(running.bootstrapServers, 'crashy')).sort()).toEqual([...acked, ...more].sort());
  });

  it('stops cleanly on SIGTERM, leaves the clean-shutdown marker, and reopens with every record', async () => {
    running = await spawnBroker(dir);
    const before = await consumeAll(running.bootstrapServers, 'crashy');
    const acked = await produce(running.bootstrapServers, 'calm', 200, 'c');
    running.child.kill('SIGTERM');
    expect(await running.exited).toEqual({ code: 0, signal: null });
    expect(existsSync(join(dir, CLEAN_SHUTDOWN_FILE))).toBe(true);

    running = await spawnBroker(dir);
    expect((await consumeAll(running.bootstrapServers, 'calm')).sort()).toEqual(acked.sort());
    expect((await consumeAll(running.bootstrapServers, 'crashy')).sort()).toEqual(before.sort());
    // a running broker has consumed the marker
    expect(existsSync(join(dir, CLEAN_SHUTDOWN_FILE))).toBe(false);
  });
});

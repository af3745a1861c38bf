import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildRecordBatch, crc32c } from '../../../protocol/records/index.js';
import { MockClock } from '../../../storage/clock.js';
import {
  CorruptRecordError,
  CorruptSnapshotError,
  DuplicateSequenceError,
  InvalidProducerEpochError,
  OutOfOrderSequenceError,
} from '../../../storage/errors.js';
import type { Log } from '../../../storage/log.js';
import {
  decodeProducerSnapshot,
  encodeProducerSnapshot,
  type ProducerSnapshotEntry,
  snapshotPath,
} from '../../../storage/producer-snapshot-file.js';
import { incrementSequence } from '../../../storage/producer-state-manager.js';
import { batchOf, openLog, withTempDir } from '../../helpers/storage.js';

const T0 = 1_700_000_000_000;
const PID = 42;

/** An idempotent batch of `count` records starting at sequence `seq`. */
function idem(seq: number, count = 1, epoch = 0, producerId = PID): Buffer {
  const records = Array.from({ length: count }, (_, i) => ({ key: null, value: `s${seq + i}`, timestamp: T0 }));
  return buildRecordBatch(records, { producerId, producerEpoch: epoch, baseSequence: seq });
}

async function withLog<T>(fn: (log: Log, dir: string) => Promise<T>, overrides: Record<string, string> = {}) {
  return withTempDir(async (root) => {
    const dir = join(root, 't-0');
    const log = await openLog(dir, overrides);
    try {
      return await fn(log, dir);
    } finally {
      await log.close();
    }
  });
}

describe('idempotent producer state in the log', () => {
  it('answers a duplicate of each of the last five batches with its original offsets, writing nothing', async () => {
    await withLog(async (log) => {
      const originals = [];
      for (let i = 0; i < 6; i++) originals.push(await log.append(idem(i * 2, 2)));
      const end = log.logEndOffset;
      for (let i = 1; i < 6; i++) {
        const again = await log.append(idem(i * 2, 2));
        expect([again.firstOffset, again.lastOffset]).toEqual([originals[i]!.firstOffset, originals[i]!.lastOffset]);
        expect(again.recordCount).toBe(0);
      }
      expect(log.logEndOffset).toBe(end);
      // the sixth-newest batch left the window: it is out of order now
      await expect(log.append(idem(0, 2))).rejects.toBeInstanceOf(OutOfOrderSequenceError);
      // a partial overlap is no duplicate either
      await expect(log.append(idem(10, 1))).rejects.toBeInstanceOf(OutOfOrderSequenceError);
      expect((await log.append(idem(12))).firstOffset).toBe(end);
    });
  });

  it('refuses a gap in the sequence and leaves the log as it was', async () => {
    await withLog(async (log) => {
      await log.append(idem(0));
      await expect(log.append(idem(2))).rejects.toMatchObject({
        name: 'OutOfOrderSequenceError',
        sequence: 2,
        lastSequence: 0,
      });
      expect(log.logEndOffset).toBe(1);
      expect((await log.append(idem(1))).firstOffset).toBe(1);
    });
  });

  it('reports a corrupt idempotent batch as corrupt, whatever its sequence says, and keeps the state', async () => {
    await withLog(async (log) => {
      await log.append(idem(0));
      const corrupt = (seq: number): Buffer => {
        const batch = idem(seq);
        batch[batch.length - 1] = batch.at(-1)! ^ 0xff;
        return batch;
      };
      // in sequence (checked during the write), a duplicate, and a gap: all corrupt first
      for (const seq of [1, 0, 5]) await expect(log.append(corrupt(seq))).rejects.toBeInstanceOf(CorruptRecordError);
      expect(log.logEndOffset).toBe(1);
      expect((await log.append(idem(1))).firstOffset).toBe(1);
    });
  });

  it('fences older epochs and makes a new epoch start at sequence 0', async () => {
    await withLog(async (log) => {
      await log.append(idem(0, 3, 0));
      await expect(log.append(idem(5, 1, 1))).rejects.toBeInstanceOf(OutOfOrderSequenceError);
      expect((await log.append(idem(0, 1, 1))).firstOffset).toBe(3);
      await expect(log.append(idem(3, 1, 0))).rejects.toBeInstanceOf(InvalidProducerEpochError);
      // the old epoch's batches are no longer duplicates
      await expect(log.append(idem(0, 3, 0))).rejects.toBeInstanceOf(InvalidProducerEpochError);
      expect(log.producerState.entry(PID)).toMatchObject({ producerEpoch: 1 });
    });
  });

  it('accepts any first sequence from a producer id it does not know (KIP-360)', async () => {
    await withLog(async (log) => {
      expect((await log.append(idem(17, 1, 3))).firstOffset).toBe(0);
      expect((await log.append(idem(18, 1, 3))).firstOffset).toBe(1);
      // plain batches are not tracked
      await log.append(batchOf(['plain']));
      expect(log.producerState.producerCount).toBe(1);
    });
  });

  it('wraps sequences at Int32.MAX', async () => {
    expect(incrementSequence(0x7fff_fffe, 2)).toBe(0);
    await withLog(async (log) => {
      await log.append(idem(0x7fff_fffd, 2)); // sequences MAX-2, MAX-1
      await log.append(idem(0x7fff_ffff, 2)); // MAX, then 0
      await expect(log.append(idem(0))).rejects.toBeInstanceOf(OutOfOrderSequenceError);
      expect((await log.append(idem(1))).firstOffset).toBe(4);
      expect((await log.append(idem(0x7fff_ffff, 2))).firstOffset).toBe(2);
    });
  });

  it('chains several batches of one append, and refuses a duplicate among them', async () => {
    await withLog(async (log) => {
      expect((await log.append(Buffer.concat([idem(0), idem(1)]))).lastOffset).toBe(1);
      await expect(log.append(Buffer.concat([idem(1), idem(2)]))).rejects.toBeInstanceOf(DuplicateSequenceError);
      await expect(log.append(Buffer.concat([idem(2), idem(4)]))).rejects.toBeInstanceOf(OutOfOrderSequenceError);
      expect(log.logEndOffset).toBe(2);
    });
  });

  it('rebuilds the state after a truncation', async () => {
    await withLog(
      async (log) => {
        for (let i = 0; i < 4; i++) await log.append(idem(i));
        await log.truncateTo(2);
        // batches 2 and 3 are gone: sequence 2 is expected again and is no duplicate
        expect((await log.append(idem(2))).firstOffset).toBe(2);
        expect((await log.append(idem(1))).firstOffset).toBe(1);
        await log.truncateFullyAndStartAt(10);
        expect(log.producerState.producerCount).toBe(0);
      },
      { 'segment.bytes': '200' },
    );
  });

  it('forgets producers below the log start and after producer.id.expiration.ms', async () => {
    await withTempDir(async (root) => {
      const clock = new MockClock(T0);
      const log = await openLog(join(root, 't-0'), {}, { clock });
      await log.append(idem(0));
      await log.append(idem(0, 1, 0, 7));
      await log.append(batchOf(['x']));
      await log.advanceLogStartOffset(1);
      expect(log.producerState.entry(PID)).toBeUndefined();
      expect((await log.append(idem(9))).firstOffset).toBe(3);
      clock.advance(86_400_000);
      await log.deleteOldSegments();
      expect(log.producerState.producerCount).toBe(0);
      await log.close();
    });
  });
});

describe('producer state snapshots', () => {
  const entry: ProducerSnapshotEntry = {
    producerId: 2 ** 40 + 3,
    producerEpoch: 7,
    lastSequence: 41,
    lastOffset: 1234,
    offsetDelta: 4,
    timestamp: T0,
    coordinatorEpoch: -1,
    currentTxnFirstOffset: -1,
  };

  it("encodes Kafka's version 1 layout: version, CRC-32C of the rest, count, 46-byte entries", () => {
    const buf = encodeProducerSnapshot([entry, { ...entry, producerId: 1 }]);
    expect(buf.length).toBe(10 + 2 * 46);
    expect(buf.readInt16BE(0)).toBe(1);
    expect(buf.readUInt32BE(2)).toBe(crc32c(buf, 6));
    expect(buf.readInt32BE(6)).toBe(2);
    expect(buf.readBigInt64BE(10)).toBe(BigInt(entry.producerId));
    expect(buf.readInt16BE(18)).toBe(7);
    expect(buf.readInt32BE(20)).toBe(41);
    expect(buf.readBigInt64BE(24)).toBe(1234n);
    expect(buf.readInt32BE(32)).toBe(4);
    expect(buf.readBigInt64BE(36)).toBe(BigInt(T0));
    expect(buf.readInt32BE(44)).toBe(-1);
    expect(buf.readBigInt64BE(48)).toBe(-1n);
    expect(decodeProducerSnapshot(buf, 'f')).toEqual([entry, { ...entry, producerId: 1 }]);
  });

  it('refuses a snapshot with a bad CRC, version or length', () => {
    const buf = encodeProducerSnapshot([entry]);
    const flipped = Buffer.from(buf);
    flipped[20] = flipped[20]! ^ 1;
    expect(() => decodeProducerSnapshot(flipped, 'f')).toThrow(CorruptSnapshotError);
    const version = Buffer.from(buf);
    version.writeInt16BE(2, 0);
    expect(() => decodeProducerSnapshot(version, 'f')).toThrow(/version/);
    expect(() => decodeProducerSnapshot(buf.subarray(0, 30), 'f')).toThrow(CorruptSnapshotError);
  });

  it('keeps dedup working across a clean restart, from the snapshot taken on close', async () => {
    await withTempDir(async (root) => {
      const dir = join(root, 't-0');
      const log = await openLog(dir);
      const originals = [];
      for (let i = 0; i < 3; i++) originals.push(await log.append(idem(i * 2, 2)));
      await log.close();
      expect((await readdir(dir)).filter((n) => n.endsWith('.snapshot'))).toEqual(['00000000000000000006.snapshot']);
      const reopened = await openLog(dir, {}, { hadCleanShutdown: true, recoveryPoint: 6 });
      for (let i = 0; i < 3; i++) {
        expect((await reopened.append(idem(i * 2, 2))).firstOffset).toBe(originals[i]!.firstOffset);
      }
      expect(reopened.logEndOffset).toBe(6);
      await expect(reopened.append(idem(7))).rejects.toBeInstanceOf(OutOfOrderSequenceError);
      await reopened.close();
    });
  });

  it('keeps dedup working after a crash, from a roll snapshot plus the log after it', async () => {
    await withTempDir(async (root) => {
      const dir = join(root, 't-0');
      const overrides = { 'segment.bytes': '150', 'flush.messages': '1' };
      const crashed = await openLog(dir, overrides);
      const originals = [];
      for (let i = 0; i < 8; i++) originals.push(await crashed.append(idem(i)));
      await crashed.flush();
      expect(crashed.segmentCount).toBeGreaterThan(2);
      // no close: the next open sees an unclean shutdown
      const reopened = await openLog(dir, overrides);
      expect(reopened.producerState.snapshotOffsets.length).toBeGreaterThan(0);
      for (let i = 3; i < 8; i++) expect((await reopened.append(idem(i))).firstOffset).toBe(originals[i]!.firstOffset);
      expect((await reopened.append(idem(8))).firstOffset).toBe(8);
      await reopened.close();
    });
  });

  it('ignores a corrupt snapshot, removes it, and rebuilds the state from the log', async () => {
    await withTempDir(async (root) => {
      const dir = join(root, 't-0');
      const log = await openLog(dir);
      for (let i = 0; i < 3; i++) await log.append(idem(i));
      await log.close();
      const path = snapshotPath(dir, 3);
      const bytes = await readFile(path);
      bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff;
      await writeFile(path, bytes);
      const reopened = await openLog(dir, {}, { hadCleanShutdown: true, recoveryPoint: 3 });
      expect(reopened.producerState.snapshotOffsets).toEqual([]);
      expect((await reopened.append(idem(1))).firstOffset).toBe(1);
      expect((await reopened.append(idem(3))).firstOffset).toBe(3);
      await reopened.close();
    });
  });

  it('removes snapshots above the log end when loading', async () => {
    await withTempDir(async (root) => {
      const dir = join(root, 't-0');
      const log = await openLog(dir);
      await log.append(idem(0));
      await log.close();
      await writeFile(snapshotPath(dir, 50), encodeProducerSnapshot([{ ...entry, producerId: PID, lastSequence: 9 }]));
      const reopened = await openLog(dir, {}, { hadCleanShutdown: true, recoveryPoint: 1 });
      expect(reopened.producerState.snapshotOffsets).toEqual([1]);
      expect((await reopened.append(idem(1))).firstOffset).toBe(1);
      await reopened.close();
    });
  });
});

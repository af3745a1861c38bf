import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildRecordBatch, CorruptRecordError } from '../../../protocol/records/index.js';
import { StorageIoError } from '../../../storage/errors.js';
import { FileHandleCache } from '../../../storage/file-handle-cache.js';
import type { FileRecordsIo } from '../../../storage/file-records.js';
import { FileRecords, NODE_FILE_IO } from '../../../storage/file-records.js';

let dir: string;
let handles: FileHandleCache;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'samsa-file-records-'));
  handles = new FileHandleCache(8);
});
afterEach(async () => {
  await handles.close();
  await rm(dir, { recursive: true, force: true });
});

const T0 = 1_700_000_000_000;

/** A batch of `count` records starting at `baseOffset`, record i with timestamp T0 + offset, `valueSize` bytes each. */
function batch(baseOffset: number, count = 1, valueSize = 10): Buffer {
  const records = Array.from({ length: count }, (_, i) => ({
    key: `k${baseOffset + i}`,
    value: Buffer.alloc(valueSize, (baseOffset + i) % 251),
    timestamp: T0 + baseOffset + i,
  }));
  return buildRecordBatch(records, { baseOffset, partitionLeaderEpoch: 3 });
}

async function create(name = '00000000000000000000.log', io?: Partial<FileRecordsIo>): Promise<FileRecords> {
  return FileRecords.open(join(dir, name), handles, { create: true, pin: true, ...(io ? { io } : {}) });
}

function enospc(): Error {
  return Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28 });
}

describe('FileRecords', () => {
  it('appends at the end and reads back exactly the bytes written', async () => {
    const log = await create();
    const a = batch(0, 3);
    const b = batch(3, 2);
    expect(await log.append(a)).toBe(a.length);
    expect(await log.append([b])).toBe(b.length);
    expect(log.size).toBe(a.length + b.length);
    expect(await readFile(log.path)).toEqual(Buffer.concat([a, b]));
    expect(await log.read(0, a.length)).toEqual(a);
    expect(await log.read(a.length, 1_000_000)).toEqual(b); // trimmed to the valid end
    expect((await log.read(log.size, 10)).length).toBe(0);
    expect((await log.read(-1, 10)).length).toBe(0);
    expect(await log.append([])).toBe(0);
  });

  it('retries short writes until everything is written', async () => {
    let calls = 0;
    const log = await create(undefined, {
      writev: async (handle, buffers, position) => {
        calls++;
        const first = buffers[0]!;
        return NODE_FILE_IO.writev(handle, [first.subarray(0, Math.min(7, first.length))], position);
      },
    });
    const data = [batch(0, 2), batch(2, 1)];
    await log.append(data);
    expect(calls).toBe(Math.ceil(data[0]!.length / 7) + Math.ceil(data[1]!.length / 7));
    expect(await readFile(log.path)).toEqual(Buffer.concat(data));
  });

  it('on a failed write truncates back, throws StorageIoError, and the next append works', async () => {
    let failNext = false;
    const log = await create(undefined, {
      writev: async (handle, buffers, position) => {
        if (!failNext) return NODE_FILE_IO.writev(handle, buffers, position);
        failNext = false;
        // half the bytes reach the disk, then the disk is full
        await NODE_FILE_IO.writev(handle, [buffers[0]!.subarray(0, buffers[0]!.length >> 1)], position);
        throw enospc();
      },
    });
    const first = batch(0, 2);
    await log.append(first);
    failNext = true;
    const err = await log.append(batch(2, 5)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageIoError);
    expect((err as StorageIoError).code).toBe('ENOSPC');
    expect((err as Error).message).toContain(log.path);
    expect(log.size).toBe(first.length);
    expect((await stat(log.path)).size).toBe(first.length); // no partial batch left behind
    const next = batch(2, 1);
    await log.append(next);
    expect(await readFile(log.path)).toEqual(Buffer.concat([first, next]));
  });

  it('reports a failed rollback too, and still writes the next append at the valid end', async () => {
    let fail = true;
    const log = await create(undefined, {
      writev: async (handle, buffers, position) => {
        if (!fail) return NODE_FILE_IO.writev(handle, buffers, position);
        await NODE_FILE_IO.writev(handle, buffers, position);
        throw Object.assign(new Error('EIO: i/o error'), { code: 'EIO' });
      },
      truncate: async (handle, length) => {
        if (fail) throw Object.assign(new Error('EIO: i/o error, ftruncate'), { code: 'EIO' });
        return NODE_FILE_IO.truncate(handle, length);
      },
    });
    const err = await log.append(batch(0, 1)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageIoError);
    expect((err as Error).message).toMatch(/truncating back/);
    expect(log.size).toBe(0);
    fail = false;
    const good = batch(0, 2);
    await log.append(good);
    expect(log.size).toBe(good.length);
    expect(await log.read(0, good.length)).toEqual(good);
  });

  it('refuses overlapping appends (the owner must serialize them)', async () => {
    const log = await create();
    const first = log.append(batch(0));
    await expect(log.append(batch(1))).rejects.toThrow(/concurrent append/);
    await first;
  });

  it('scans batch headers across many batches without reading the records', async () => {
    const log = await create();
    const expected: { position: number; baseOffset: number; lastOffset: number; size: number }[] = [];
    let offset = 0;
    for (let i = 0; i < 1500; i++) {
      // mostly small batches, a few larger than a scan chunk
      const count = 1 + (i % 5);
      const b = i % 300 === 299 ? batch(offset, 2, 100_000) : batch(offset, count, 20 + (i % 90));
      expected.push({
        position: log.size,
        baseOffset: offset,
        lastOffset: offset + (i % 300 === 299 ? 1 : count - 1),
        size: b.length,
      });
      offset = expected.at(-1)!.lastOffset + 1;
      await log.append(b);
    }
    let reads = 0;
    const counted = await FileRecords.open(log.path, handles, {
      io: {
        read: (h, buf, off, len, pos) => {
          reads++;
          return NODE_FILE_IO.read(h, buf, off, len, pos);
        },
      },
    });
    const headers = [];
    for await (const h of counted.batchHeaders()) headers.push(h);
    expect(
      headers.map(({ position, baseOffset, lastOffset, size }) => ({ position, baseOffset, lastOffset, size })),
    ).toEqual(expected);
    expect(headers[7]).toMatchObject({ magic: 2, partitionLeaderEpoch: 3, maxTimestamp: T0 + headers[7]!.lastOffset });
    expect(reads).toBeLessThan(log.size / 4096); // chunked reads, not one per batch
    const fromMiddle = [];
    for await (const h of counted.batchHeaders(expected[1000]!.position)) fromMiddle.push(h.baseOffset);
    expect(fromMiddle).toEqual(expected.slice(1000).map((e) => e.baseOffset));
  });

  it('searches for the first batch whose last offset reaches a target', async () => {
    const log = await create();
    const positions: number[] = [];
    for (let base = 0; base < 100; base += 10) {
      positions.push(log.size);
      await log.append(batch(base, 10));
    }
    expect(await log.searchForOffsetWithSize(0, 0)).toMatchObject({ offset: 9, baseOffset: 0, position: 0 });
    expect(await log.searchForOffsetWithSize(35, 0)).toMatchObject({
      offset: 39,
      baseOffset: 30,
      position: positions[3],
    });
    expect(await log.searchForOffsetWithSize(40, positions[2]!)).toMatchObject({ offset: 49, position: positions[4] });
    expect(await log.searchForOffsetWithSize(99, 0)).toMatchObject({ offset: 99, position: positions[9] });
    expect(await log.searchForOffsetWithSize(100, 0)).toBeNull();
    const found = await log.searchForOffsetWithSize(55, 0);
    expect(found!.size).toBe(batch(50, 10).length);
    expect(await log.largestTimestampAfter(positions[5]!)).toEqual({ timestamp: T0 + 99, offset: 99 });
  });

  it('stops at a torn tail and rejects an impossible length', async () => {
    const log = await create();
    await log.append([batch(0), batch(1)]);
    const whole = log.size;
    const torn = batch(2, 3);
    await writeFile(log.path, Buffer.concat([await readFile(log.path), torn.subarray(0, torn.length - 5)]));
    const reopened = await FileRecords.open(log.path, handles);
    expect(reopened.size).toBe(whole + torn.length - 5);
    const seen = [];
    for await (const h of reopened.batchHeaders()) seen.push(h.baseOffset);
    expect(seen).toEqual([0, 1]);
    const views = [];
    for await (const v of reopened.batches()) views.push(v.bytes.length);
    expect(views).toHaveLength(2);

    const bad = Buffer.concat([batch(0)]);
    bad.writeInt32BE(3, 8); // batchLength 3
    await writeFile(join(dir, 'bad.log'), bad);
    const corrupt = await FileRecords.open(join(dir, 'bad.log'), handles);
    const scan = async (): Promise<void> => {
      for await (const _ of corrupt.batchHeaders()) void _;
    };
    await expect(scan()).rejects.toBeInstanceOf(CorruptRecordError);
  });

  it('yields whole batches for validation, refusing ones above a size limit', async () => {
    const log = await create();
    const big = batch(1, 4, 5000);
    await log.append([batch(0), big]);
    const sizes = [];
    for await (const v of log.batches()) {
      v.validate();
      sizes.push(v.sizeInBytes);
    }
    expect(sizes).toEqual([batch(0).length, big.length]);
    const limited = async (): Promise<number> => {
      let n = 0;
      for await (const _ of log.batches(0, { maxBatchSize: 1000 })) n++;
      return n;
    };
    await expect(limited()).rejects.toBeInstanceOf(CorruptRecordError);
  });

  it('hands over the batches of each read together, and every batch before a bad one first', async () => {
    const log = await create();
    const batches = Array.from({ length: 50 }, (_, i) => batch(i, 2, 100));
    const bad = Buffer.from(batch(50));
    bad.writeInt8(7, 16); // magic 7
    await log.append([...batches, bad, batch(51)]);
    const chunks: number[][] = [];
    const scan = async (): Promise<void> => {
      for await (const chunk of log.batchChunks()) chunks.push(chunk.map((v) => v.baseOffset));
    };
    await expect(scan()).rejects.toBeInstanceOf(CorruptRecordError);
    expect(chunks).toEqual([batches.map((_, i) => i)]);

    // a batch above maxBatchSize also ends a chunk, and throws only when reached
    const other = await create('00000000000000000100.log');
    const big = batch(110, 4, 5000);
    await other.append([...Array.from({ length: 10 }, (_, i) => batch(100 + i)), big, batch(114)]);
    const sized: number[][] = [];
    const limited = async (): Promise<void> => {
      for await (const chunk of other.batchChunks(0, { maxBatchSize: big.length - 1 })) {
        sized.push(chunk.map((v) => v.baseOffset));
      }
    };
    await expect(limited()).rejects.toBeInstanceOf(CorruptRecordError);
    expect(sized).toEqual([Array.from({ length: 10 }, (_, i) => 100 + i)]);
  });

  it('does not truncate the file when nothing is cut', async () => {
    let truncations = 0;
    const log = await create(undefined, {
      truncate: async (handle, length) => {
        truncations++;
        return NODE_FILE_IO.truncate(handle, length);
      },
    });
    await log.append([batch(0), batch(1)]);
    expect(await log.truncateTo(log.size)).toBe(0);
    expect(truncations).toBe(0);
    expect(await log.truncateTo(batch(0).length)).toBe(batch(1).length);
    expect(truncations).toBe(1);
  });

  it('truncates, flushes, renames and deletes', async () => {
    const log = await create();
    const a = batch(0);
    await log.append([a, batch(1)]);
    expect(log.dirty).toBe(true);
    await log.flush();
    expect(log.dirty).toBe(false);
    expect(await log.truncateTo(a.length)).toBe(batch(1).length);
    expect((await stat(log.path)).size).toBe(a.length);
    await expect(log.truncateTo(a.length + 1)).rejects.toThrow(RangeError);
    const renamed = join(dir, '00000000000000000000.log.deleted');
    await log.renameTo(renamed);
    expect(log.path).toBe(renamed);
    expect(await log.read(0, a.length)).toEqual(a);
    await log.append(batch(1));
    expect((await stat(renamed)).size).toBe(log.size);
    expect(await log.deleteIfExists()).toBe(true);
    await expect(stat(renamed)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('create replaces an existing file; open fails with StorageIoError when the file is missing', async () => {
    const path = join(dir, '00000000000000000042.log');
    await writeFile(path, 'old bytes');
    const log = await FileRecords.open(path, handles, { create: true });
    expect(log.size).toBe(0);
    expect((await stat(path)).size).toBe(0);
    await expect(FileRecords.open(join(dir, 'missing.log'), handles)).rejects.toBeInstanceOf(StorageIoError);
  });

  it('keeps its handle pinned while written to, and hands it to the LRU when unpinned', async () => {
    const small = new FileHandleCache(1);
    try {
      const paths = ['a.log', 'b.log', 'c.log'].map((n) => join(dir, n));
      for (const p of paths) await writeFile(p, batch(0));
      const logs = await Promise.all(paths.map((p) => FileRecords.open(p, small)));
      expect(logs.map((l) => l.pinned)).toEqual([false, false, false]);
      await logs[0]!.append(batch(1));
      expect(logs[0]!.pinned).toBe(true);
      for (const l of logs) await l.read(0, 10);
      expect(small.openCount).toBe(2); // the pinned one plus one LRU slot
      logs[0]!.unpin();
      await logs[2]!.read(0, 10);
      expect(small.openCount).toBe(1);
      for (const l of logs) await l.close();
      expect(small.openCount).toBe(0);
    } finally {
      await small.close();
    }
  });
});

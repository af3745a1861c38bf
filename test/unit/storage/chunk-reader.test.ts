import { describe, expect, it } from 'vitest';
import { type RecordBatchView } from '../../../protocol/records/index.js';
import { ChunkReader, type ChunkSource } from '../../../storage/chunk-reader.js';
import { batchOf } from '../../helpers/storage.js';

/** File bytes in memory; counts reads, and can fail the reads that start at or after `failFrom`. */
class MemorySource implements ChunkSource {
  reads = 0;
  failFrom = Infinity;
  /** Reads after the first wait for this before copying (they land when the test says so). */
  gate: Promise<void> | null = null;
  constructor(readonly bytes: Buffer) {}

  async readInto(buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
    this.reads++;
    const gated = this.gate !== null && this.reads > 1;
    await (gated ? this.gate : Promise.resolve());
    if (position >= this.failFrom) throw new Error(`read at ${position} failed`);
    return this.bytes.copy(buffer, offset, position, Math.min(position + length, this.bytes.length));
  }
}

/** Batches with values of the given sizes, back to back, and where each starts. */
function fileOf(valueSizes: number[]): { bytes: Buffer; positions: number[] } {
  const batches = valueSizes.map((size, i) => batchOf([String(i % 10).repeat(size)]));
  const positions: number[] = [];
  let at = 0;
  for (const b of batches) {
    positions.push(at);
    at += b.length;
  }
  return { bytes: Buffer.concat(batches), positions };
}

/** The scan FileRecords.batchChunks does: header, whole batch, then the rest of the buffered ones. */
async function scan(reader: ChunkReader, onBatch: (view: RecordBatchView, position: number) => void): Promise<void> {
  let position = 0;
  for (;;) {
    const header = await reader.header(position);
    if (header === null) return;
    const view = await reader.whole(position, header.sizeInBytes);
    if (view === null) return;
    onBatch(view, position);
    position += view.sizeInBytes;
    for (let next = reader.bufferedBatch(position, Infinity); next !== null;) {
      onBatch(next, position);
      position += next.sizeInBytes;
      next = reader.bufferedBatch(position, Infinity);
    }
  }
}

describe('ChunkReader', () => {
  it.each([false, true])(
    'hands over every batch whole and valid, across chunk edges and batches larger than a chunk (read-ahead %s)',
    async (readAhead) => {
      // 4 KiB chunks; values from a few bytes to 10 KiB, so batches are cut at chunk edges, longer than the
      // headroom, and sometimes end exactly where a chunk does
      let seed = 7;
      const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
      const sizes = Array.from({ length: 400 }, () => (random() < 0.05 ? 5000 + random() * 5000 : random() * 1500));
      const { bytes, positions } = fileOf(sizes.map(Math.floor));
      const source = new MemorySource(bytes);
      const seen: number[] = [];
      await scan(new ChunkReader(source, bytes.length, { initialChunk: 4096, maxChunk: 4096, readAhead }), (v, p) => {
        v.validate();
        expect(v.buf.subarray(v.position, v.position + v.sizeInBytes)).toEqual(bytes.subarray(p, p + v.sizeInBytes));
        seen.push(p);
      });
      expect(seen).toEqual(positions);
      // about one read per chunk either way: joining a read-ahead never re-reads the cut batch's head
      expect(source.reads).toBeLessThan((bytes.length / 4096) * 1.5 + 10);
    },
  );

  it('stops at a torn last batch with read-ahead', async () => {
    const { bytes, positions } = fileOf(Array.from({ length: 50 }, () => 300));
    const torn = bytes.subarray(0, bytes.length - 10);
    const seen: number[] = [];
    await scan(
      new ChunkReader(new MemorySource(torn), torn.length, { initialChunk: 1024, maxChunk: 1024, readAhead: true }),
      (_, p) => seen.push(p),
    );
    expect(seen).toEqual(positions.slice(0, -1));
  });

  it('throws the error of a read it needs, and ignores one of a read ahead it never uses', async () => {
    const { bytes } = fileOf(Array.from({ length: 50 }, () => 300));
    const failing = new MemorySource(bytes);
    failing.failFrom = 4096;
    await expect(
      scan(new ChunkReader(failing, bytes.length, { initialChunk: 1024, maxChunk: 1024, readAhead: true }), () => {}),
    ).rejects.toThrow('failed');

    // the scan stops after the first chunk; the read ahead of the second fails with nobody waiting for it
    const abandoned = new MemorySource(bytes);
    abandoned.failFrom = 1000;
    const reader = new ChunkReader(abandoned, bytes.length, { initialChunk: 1024, maxChunk: 1024, readAhead: true });
    expect(await reader.header(0)).not.toBeNull();
    await new Promise((resolve) => setImmediate(resolve));
    expect(abandoned.reads).toBe(2);
  });

  it('hands its buffers to the next scan only once a read ahead into them has landed', async () => {
    const first = fileOf(Array.from({ length: 40 }, () => 900));
    const second = fileOf(Array.from({ length: 40 }, () => 700));
    const options = { initialChunk: 4096, maxChunk: 4096, readAhead: true };
    // a scan that stops after its first batch, its read ahead still in flight, and releases
    let land: () => void = () => undefined;
    const early = new MemorySource(first.bytes);
    early.gate = new Promise((resolve) => (land = resolve));
    const abandoned = new ChunkReader(early, first.bytes.length, options);
    expect(await abandoned.header(0)).not.toBeNull();
    abandoned.release();
    // the next scan must see only its own bytes, though the abandoned read lands while it runs
    const reader = new ChunkReader(new MemorySource(second.bytes), second.bytes.length, options);
    const seen: number[] = [];
    await scan(reader, (v, p) => {
      if (seen.length === 1) land();
      v.validate();
      seen.push(p);
    });
    reader.release();
    expect(seen).toEqual(second.positions);
  });
});

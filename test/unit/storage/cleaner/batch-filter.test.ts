import { describe, expect, it } from 'vitest';
import type { CompressedRecordBatchOptions, Record, RecordInput } from '../../../../protocol/records/index.js';
import {
  BatchAttributes,
  BatchHeader,
  batchViews,
  buildCompressedRecordBatch,
  buildEndTransactionBatch,
  ControlRecordType,
  CorruptRecordError,
  CompressionType,
  decodeBatch,
  decodeEndTransactionMarker,
  NO_TIMESTAMP,
  RECORD_BATCH_OVERHEAD,
  RecordBatchView,
  TimestampType,
} from '../../../../protocol/records/index.js';
import type { RecordBatchView as BatchView } from '../../../../protocol/records/index.js';
import { BatchRetention, filterBatches, forEachRecord } from '../../../../storage/cleaner/batch-filter.js';

const T0 = 1_700_000_000_000;
const CODECS = [
  ['none', CompressionType.None],
  ['gzip', CompressionType.Gzip],
  ['snappy', CompressionType.Snappy],
  ['lz4', CompressionType.Lz4],
  ['zstd', CompressionType.Zstd],
] as const;

/** Records with keys k0..k(n-1), values, headers and timestamps that are not monotonic. */
function sampleRecords(n: number, prefix = 'k'): RecordInput[] {
  return Array.from({ length: n }, (_, i) => ({
    key: `${prefix}${i}`,
    value: i % 4 === 3 ? null : `value-${prefix}${i}-${'x'.repeat(i * 3)}`,
    headers:
      i % 2 === 0
        ? [
            { key: 'h', value: `hv${i}` },
            { key: 'empty', value: null },
          ]
        : undefined,
    timestamp: T0 + ((i * 7919) % 13) * 1000,
  }));
}

function batch(records: RecordInput[], options: CompressedRecordBatchOptions = {}): Promise<Buffer> {
  return buildCompressedRecordBatch(records, { partitionLeaderEpoch: 3, ...options });
}

function views(buf: Buffer): BatchView[] {
  return [...batchViews(buf)];
}

async function decodeAll(buf: Buffer): Promise<Record[]> {
  const records: Record[] = [];
  for (const view of views(buf)) records.push(...(await decodeBatch(view)));
  return records;
}

/** Comparable form of a record: copies of its bytes. */
function plain(r: Record): unknown {
  return {
    offset: r.offset,
    timestamp: r.timestamp,
    key: r.key?.toString() ?? null,
    value: r.value?.toString() ?? null,
    headers: r.headers.map((h) => ({ key: h.key, value: h.value?.toString() ?? null })),
  };
}

const keyOf = (r: Record): string => r.key?.toString() ?? '';

describe('filterBatches', () => {
  it('copies batches whose records are all kept byte for byte', async () => {
    const parts = [
      await batch(sampleRecords(5), { baseOffset: 0 }),
      await batch(sampleRecords(4, 'g'), { baseOffset: 5, compression: CompressionType.Gzip }),
      await batch(sampleRecords(3, 'z'), { baseOffset: 9, compression: CompressionType.Zstd }),
    ];
    const input = Buffer.concat(parts);
    const result = await filterBatches(input, () => true);
    expect(result.output.equals(input)).toBe(true);
    expect(result).toMatchObject({
      bytesRead: input.length,
      bytesWritten: input.length,
      recordsRead: 12,
      retainedRecords: 12,
      removedRecords: 0,
      retainedBatches: 3,
      rebuiltBatches: 0,
      removedBatches: 0,
      maxOffset: 11,
    });
  });

  it('returns an empty output for empty input', async () => {
    const result = await filterBatches(Buffer.alloc(0), () => true);
    expect(result.output.length).toBe(0);
    expect(result).toMatchObject({ bytesRead: 0, maxOffset: -1, maxTimestamp: NO_TIMESTAMP });
  });

  describe.each(CODECS)('with %s compression', (_name, compression) => {
    it('rebuilds a batch that loses records: offsets, contents, header and codec kept, CRC valid', async () => {
      const records = sampleRecords(10);
      const input = await batch(records, {
        baseOffset: 1000,
        compression,
        producerId: 4242,
        producerEpoch: 7,
        baseSequence: 90,
        transactional: true,
      });
      const original = await decodeAll(input);
      const keep = (r: Record): boolean => r.offset % 3 !== 0 && r.offset !== 1009; // drops the last record too

      const result = await filterBatches(input, keep);

      const [out] = views(result.output);
      const [src] = views(input);
      expect(out).toBeDefined();
      out!.validate();
      expect(out!.compression).toBe(compression);
      expect(out!.baseOffset).toBe(1000);
      expect(out!.lastOffsetDelta).toBe(src!.lastOffsetDelta);
      expect(out!.lastOffset).toBe(1009);
      expect(out!.partitionLeaderEpoch).toBe(3);
      expect(out!.producerId).toBe(4242);
      expect(out!.producerEpoch).toBe(7);
      expect(out!.baseSequence).toBe(90);
      expect(out!.isTransactional).toBe(true);
      expect(out!.isControl).toBe(false);
      expect(out!.attributes).toBe(src!.attributes);
      expect(out!.baseTimestamp).toBe(src!.baseTimestamp);

      const expected = original.filter(keep);
      const kept = await decodeAll(result.output);
      expect(kept.map(plain)).toEqual(expected.map(plain));
      expect(out!.recordsCount).toBe(expected.length);
      expect(out!.maxTimestamp).toBe(Math.max(...expected.map((r) => r.timestamp)));
      expect(result).toMatchObject({
        recordsRead: 10,
        retainedRecords: expected.length,
        removedRecords: 10 - expected.length,
        retainedBatches: 1,
        rebuiltBatches: 1,
        bytesRead: input.length,
        bytesWritten: result.output.length,
        maxOffset: 1009,
        maxTimestamp: out!.maxTimestamp,
        shallowOffsetOfMaxTimestamp: 1009,
      });
    });

    it('keeps or drops tombstones as decide says', async () => {
      const input = await batch(sampleRecords(8), { baseOffset: 0, compression });
      const withoutTombstones = await filterBatches(input, (r) => r.value !== null);
      const left = await decodeAll(withoutTombstones.output);
      expect(left.map((r) => r.offset)).toEqual([0, 1, 2, 4, 5, 6]);

      const onlyTombstones = await filterBatches(input, (r) => r.value === null);
      const tombstones = await decodeAll(onlyTombstones.output);
      expect(tombstones.map((r) => [r.offset, keyOf(r), r.value])).toEqual([
        [3, 'k3', null],
        [7, 'k7', null],
      ]);
    });

    it('rebuilds an idempotent batch down to an empty header when asked to retain it', async () => {
      const input = await batch(sampleRecords(4), {
        baseOffset: 50,
        compression,
        producerId: 9,
        producerEpoch: 2,
        baseSequence: 10,
      });
      const [src] = views(input);
      const result = await filterBatches(input, () => false, { retainEmptyBatch: (b) => b.producerId >= 0 });
      const [out] = views(result.output);
      expect(result.output.length).toBe(RECORD_BATCH_OVERHEAD);
      out!.validate();
      expect(out!.recordsCount).toBe(0);
      expect(out!.compression).toBe(CompressionType.None);
      expect(out!.baseOffset).toBe(50);
      expect(out!.lastOffsetDelta).toBe(3);
      expect(out!.producerId).toBe(9);
      expect(out!.producerEpoch).toBe(2);
      expect(out!.baseSequence).toBe(10);
      expect(out!.partitionLeaderEpoch).toBe(3);
      expect(out!.baseTimestamp).toBe(NO_TIMESTAMP);
      expect(out!.maxTimestamp).toBe(src!.maxTimestamp);
      expect(await decodeBatch(out!)).toEqual([]);
      expect(result).toMatchObject({ retainedBatches: 1, rebuiltBatches: 1, removedRecords: 4, maxOffset: 53 });

      // A second cleaning keeps the empty header as it is.
      const again = await filterBatches(result.output, () => false, { retainEmptyBatch: () => true });
      expect(again.output.equals(result.output)).toBe(true);
      expect(again.rebuiltBatches).toBe(0);
    });
  });

  it('leaves every kept record where it was across many batches of mixed codecs', async () => {
    const parts: Buffer[] = [];
    let offset = 0;
    for (let i = 0; i < 15; i++) {
      const records = sampleRecords(1 + (i % 6), `b${i}-`);
      parts.push(await batch(records, { baseOffset: offset, compression: CODECS[i % CODECS.length]![1] }));
      offset += records.length;
    }
    const input = Buffer.concat(parts);
    const original = await decodeAll(input);
    const keep = (r: Record): boolean => (r.offset * 2654435761) % 7 < 4;

    const result = await filterBatches(input, keep);

    const outViews = views(result.output);
    for (const v of outViews) v.validate();
    expect((await decodeAll(result.output)).map(plain)).toEqual(original.filter(keep).map(plain));
    // Codec of each surviving batch matches its source batch (same baseOffset).
    const sourceCodec = new Map(views(input).map((v) => [v.baseOffset, v.compression]));
    for (const v of outViews) expect(v.compression).toBe(sourceCodec.get(v.baseOffset));
    expect(result.retainedRecords + result.removedRecords).toBe(original.length);

    // Filtering the output again with the same rule changes nothing.
    const again = await filterBatches(result.output, keep);
    expect(again.output.equals(result.output)).toBe(true);
  });

  it('drops a batch with no kept records by default', async () => {
    const input = Buffer.concat([
      await batch(sampleRecords(3), { baseOffset: 0 }),
      await batch(sampleRecords(3, 'x'), { baseOffset: 3, compression: CompressionType.Lz4 }),
    ]);
    const result = await filterBatches(input, (r) => r.offset < 3);
    expect(views(result.output).map((v) => v.baseOffset)).toEqual([0]);
    expect(result).toMatchObject({ removedBatches: 1, removedRecords: 3, retainedBatches: 1, maxOffset: 2 });
    expect(result.output.equals(input.subarray(0, views(input)[0]!.sizeInBytes))).toBe(true);
  });

  it('preserves LogAppendTime: timestamp type and maxTimestamp unchanged, record bytes unchanged', async () => {
    const input = await batch(sampleRecords(6), { baseOffset: 10, compression: CompressionType.Snappy });
    const [src] = views(input);
    src!.setLogAppendTime(T0 + 99_000);
    const result = await filterBatches(input, (r) => r.offset !== 12);
    const [out] = views(result.output);
    out!.validate();
    expect(out!.timestampType).toBe(TimestampType.LogAppendTime);
    expect(out!.maxTimestamp).toBe(T0 + 99_000);
    const records = await decodeAll(result.output);
    expect(records.map((r) => r.offset)).toEqual([10, 11, 13, 14, 15]);
    expect(records.every((r) => r.timestamp === T0 + 99_000)).toBe(true);
  });

  it('passes LogAppendTime to decide as readers see it', async () => {
    const input = await batch(sampleRecords(2), { baseOffset: 0 });
    views(input)[0]!.setLogAppendTime(T0 + 5);
    const seen: number[] = [];
    await filterBatches(input, (r) => {
      seen.push(r.timestamp);
      return true;
    });
    expect(seen).toEqual([T0 + 5, T0 + 5]);
  });

  describe('delete horizon', () => {
    const horizon = T0 + 86_400_000;

    it('stamps a kept batch holding a tombstone, keeping every absolute timestamp', async () => {
      const input = await batch(sampleRecords(8), { baseOffset: 0, compression: CompressionType.Gzip });
      const original = await decodeAll(input);
      const result = await filterBatches(input, () => true, { deleteHorizonMs: horizon });
      const [out] = views(result.output);
      out!.validate();
      expect(out!.hasDeleteHorizon).toBe(true);
      expect(out!.baseTimestamp).toBe(horizon);
      expect(out!.compression).toBe(CompressionType.Gzip);
      expect((await decodeAll(result.output)).map(plain)).toEqual(original.map(plain));
      expect(result.rebuiltBatches).toBe(1);

      // Once stamped, the batch is copied as it is, even when asked with a later horizon.
      const again = await filterBatches(result.output, () => true, { deleteHorizonMs: horizon + 1 });
      expect(again.output.equals(result.output)).toBe(true);

      // And a rebuild that drops records keeps the existing horizon.
      const trimmed = await filterBatches(result.output, (r) => r.offset > 2, { deleteHorizonMs: horizon + 1 });
      const [t] = views(trimmed.output);
      t!.validate();
      expect(t!.baseTimestamp).toBe(horizon);
      expect((await decodeAll(trimmed.output)).map(plain)).toEqual(original.filter((r) => r.offset > 2).map(plain));
    });

    it('leaves batches without kept tombstones alone', async () => {
      const input = await batch(sampleRecords(3), { baseOffset: 0 }); // k0..k2 all have values
      const result = await filterBatches(input, () => true, { deleteHorizonMs: horizon });
      expect(result.output.equals(input)).toBe(true);
      const withTombstoneDropped = await filterBatches(await batch(sampleRecords(4)), (r) => r.value !== null, {
        deleteHorizonMs: horizon,
      });
      expect(views(withTombstoneDropped.output)[0]!.hasDeleteHorizon).toBe(false);
    });

    it('stamps a batch flagged by checkBatch even without tombstones', async () => {
      const marker = buildEndTransactionBatch(
        { type: ControlRecordType.Commit, coordinatorEpoch: 5 },
        { producerId: 77, producerEpoch: 1, baseOffset: 30, timestamp: T0 },
      );
      const result = await filterBatches(marker, () => true, {
        deleteHorizonMs: horizon,
        checkBatch: (b) => ({ retention: BatchRetention.DeleteEmpty, setDeleteHorizon: b.isControl }),
      });
      const [out] = views(result.output);
      out!.validate();
      expect(out!.isControl).toBe(true);
      expect(out!.hasDeleteHorizon).toBe(true);
      expect(out!.baseTimestamp).toBe(horizon);
      const [record] = await decodeBatch(out!);
      expect(record!.timestamp).toBe(T0);
      expect(decodeEndTransactionMarker(record!)).toEqual({ type: ControlRecordType.Commit, coordinatorEpoch: 5 });
    });
  });

  describe('control batches', () => {
    const marker = (): Buffer =>
      buildEndTransactionBatch(
        { type: ControlRecordType.Abort, coordinatorEpoch: 2 },
        { producerId: 11, producerEpoch: 4, baseOffset: 20, timestamp: T0, partitionLeaderEpoch: 3 },
      );

    it('are given to decide, which can keep them', async () => {
      const input = Buffer.concat([await batch(sampleRecords(3), { baseOffset: 17 }), marker()]);
      const seen: [boolean, number][] = [];
      const result = await filterBatches(input, (r, b) => {
        seen.push([b.isControl, r.offset]);
        return b.isControl;
      });
      expect(seen).toEqual([
        [false, 17],
        [false, 18],
        [false, 19],
        [true, 20],
      ]);
      expect(result.output.equals(marker())).toBe(true);
    });

    it('can be dropped, or kept as an empty header', async () => {
      expect((await filterBatches(marker(), () => false)).output.length).toBe(0);
      const kept = await filterBatches(marker(), () => false, { retainEmptyBatch: () => true });
      const [out] = views(kept.output);
      out!.validate();
      expect(out!.isControl).toBe(true);
      expect(out!.isTransactional).toBe(true);
      expect(out!.recordsCount).toBe(0);
      expect(out!.producerEpoch).toBe(4);
    });
  });

  describe('batch retention', () => {
    it("'delete' drops a batch without decoding it or calling decide", async () => {
      const input = Buffer.concat([
        await batch(sampleRecords(2), { baseOffset: 0, producerId: 1, producerEpoch: 0, baseSequence: 0 }),
        await batch(sampleRecords(3, 'y'), { baseOffset: 2, producerId: 2, producerEpoch: 0, baseSequence: 0 }),
      ]);
      const decided: number[] = [];
      const result = await filterBatches(
        input,
        (r) => {
          decided.push(r.offset);
          return true;
        },
        { checkBatch: (b) => (b.producerId === 1 ? BatchRetention.Delete : BatchRetention.DeleteEmpty) },
      );
      expect(decided).toEqual([2, 3, 4]);
      expect(result).toMatchObject({ removedBatches: 1, removedRecords: 2, recordsRead: 3, retainedRecords: 3 });
      expect(result.output.equals(input.subarray(views(input)[1]!.position))).toBe(true);
    });

    it('discardRecords with retain-empty keeps only the header, without decoding', async () => {
      const input = await batch(sampleRecords(3), { baseOffset: 0, producerId: 5, producerEpoch: 1 });
      const result = await filterBatches(
        input,
        () => {
          throw new Error('decide must not be called');
        },
        { checkBatch: () => ({ retention: BatchRetention.RetainEmpty, discardRecords: true }) },
      );
      expect(result.output.length).toBe(RECORD_BATCH_OVERHEAD);
      expect(result).toMatchObject({ recordsRead: 0, removedRecords: 3, retainedBatches: 1, maxOffset: 2 });
    });

    it('rejects checkBatch together with retainEmptyBatch', async () => {
      await expect(
        filterBatches(Buffer.alloc(0), () => true, {
          checkBatch: () => BatchRetention.DeleteEmpty,
          retainEmptyBatch: () => true,
        }),
      ).rejects.toThrow(TypeError);
    });
  });

  it('stops before a batch cut short at the end of the input', async () => {
    const first = await batch(sampleRecords(2), { baseOffset: 0 });
    const second = await batch(sampleRecords(2), { baseOffset: 2 });
    const input = Buffer.concat([first, second.subarray(0, second.length - 5)]);
    const result = await filterBatches(input, () => true);
    expect(result.bytesRead).toBe(first.length);
    expect(result.output.equals(first)).toBe(true);
  });

  it('throws CorruptRecordError on a batch with a bad CRC', async () => {
    const input = await batch(sampleRecords(3), { baseOffset: 0 });
    input.writeUInt8(input.readUInt8(input.length - 1) ^ 0xff, input.length - 1);
    await expect(filterBatches(input, () => true)).rejects.toThrow(CorruptRecordError);
  });

  it('throws CorruptRecordError when the records do not match the header', async () => {
    const input = await batch(sampleRecords(3), { baseOffset: 0 });
    input.writeInt32BE(4, BatchHeader.RECORDS_COUNT); // claims one record more than it holds
    const view = new RecordBatchView(input);
    input.writeUInt32BE(view.computeCrc(), BatchHeader.CRC);
    await expect(filterBatches(input, () => true)).rejects.toThrow(CorruptRecordError);
  });

  it('copies legacy (v1) entries unfiltered', async () => {
    const legacy = legacyMessage(40, 'old-key', 'old-value');
    const input = Buffer.concat([legacy, await batch(sampleRecords(2), { baseOffset: 41 })]);
    const decided: number[] = [];
    const result = await filterBatches(input, (r) => {
      decided.push(r.offset);
      return false;
    });
    expect(decided).toEqual([41, 42]);
    expect(result.output.equals(legacy)).toBe(true);
    expect(result.maxOffset).toBe(40);
  });

  it('reports the maximum timestamp and the batch that holds it', async () => {
    const input = Buffer.concat([
      await batch([{ key: 'a', value: '1', timestamp: T0 + 50 }], { baseOffset: 0 }),
      await batch(
        [
          { key: 'b', value: '2', timestamp: T0 + 900 },
          { key: 'c', value: '3', timestamp: T0 + 100 },
        ],
        { baseOffset: 1 },
      ),
      await batch([{ key: 'd', value: '4', timestamp: T0 + 200 }], { baseOffset: 3 }),
    ]);
    const all = await filterBatches(input, () => true);
    expect(all).toMatchObject({ maxTimestamp: T0 + 900, shallowOffsetOfMaxTimestamp: 2, maxOffset: 3 });
    // Dropping the record with the largest timestamp lowers its rebuilt batch's maxTimestamp, as in Kafka.
    const trimmed = await filterBatches(input, (r) => keyOf(r) !== 'b');
    expect(views(trimmed.output)[1]!.maxTimestamp).toBe(T0 + 100);
    expect(trimmed).toMatchObject({ maxTimestamp: T0 + 200, shallowOffsetOfMaxTimestamp: 3 });
  });

  it('matches a straightforward model on random batches', async () => {
    let seed = 7;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let round = 0; round < 10; round++) {
      const parts: Buffer[] = [];
      let offset = random(1000);
      for (let b = 0; b < 6; b++) {
        const records: RecordInput[] = Array.from({ length: 1 + random(8) }, (_, i) => ({
          key: random(5) === 0 ? null : `key-${random(20)}`,
          value: random(6) === 0 ? null : Buffer.alloc(random(300), 97 + i),
          headers: random(2) === 0 ? [{ key: 'n', value: String(i) }] : [],
          timestamp: T0 + random(100_000) - 50_000,
        }));
        parts.push(await batch(records, { baseOffset: offset, compression: random(5) }));
        offset += records.length + random(3);
      }
      const input = Buffer.concat(parts);
      const original = await decodeAll(input);
      const keepMask = original.map(() => random(3) !== 0);
      const keepOffsets = new Set(original.filter((_, i) => keepMask[i]).map((r) => r.offset));
      const result = await filterBatches(input, (r) => keepOffsets.has(r.offset));
      for (const v of views(result.output)) v.validate();
      expect((await decodeAll(result.output)).map(plain)).toEqual(
        original.filter((r) => keepOffsets.has(r.offset)).map(plain),
      );
    }
  });
});

describe('forEachRecord', () => {
  it('visits every record in offset order with keys, across codecs', async () => {
    const parts: Buffer[] = [];
    let offset = 0;
    for (const [, compression] of CODECS) {
      parts.push(await batch(sampleRecords(3, `c${compression}-`), { baseOffset: offset, compression }));
      offset += 3;
    }
    const input = Buffer.concat(parts);
    const seen: [number, string][] = [];
    const result = await forEachRecord(input, (r) => {
      seen.push([r.offset, keyOf(r)]);
    });
    expect(seen).toEqual((await decodeAll(input)).map((r) => [r.offset, keyOf(r)]));
    expect(result).toEqual({ bytesRead: input.length, batchesRead: 5, recordsRead: 15, stopped: false });
  });

  it('skips batches beginBatch refuses and reports completed ones to endBatch', async () => {
    const input = Buffer.concat([
      await batch(sampleRecords(2), { baseOffset: 0, compression: CompressionType.Zstd }),
      await batch(sampleRecords(2), { baseOffset: 2 }),
    ]);
    const offsets: number[] = [];
    const ended: number[] = [];
    await forEachRecord(input, {
      beginBatch: (b) => b.baseOffset !== 0,
      record: (r) => {
        offsets.push(r.offset);
      },
      endBatch: (b) => ended.push(b.lastOffset),
    });
    expect(offsets).toEqual([2, 3]);
    expect(ended).toEqual([1, 3]);
  });

  it('stops when the visitor returns false, reporting where the unfinished batch starts', async () => {
    const first = await batch(sampleRecords(3), { baseOffset: 0 });
    const input = Buffer.concat([first, await batch(sampleRecords(3), { baseOffset: 3 })]);
    const ended: number[] = [];
    const result = await forEachRecord(input, {
      record: (r) => r.offset < 4,
      endBatch: (b) => ended.push(b.lastOffset),
    });
    expect(result).toEqual({ bytesRead: first.length, batchesRead: 1, recordsRead: 5, stopped: true });
    expect(ended).toEqual([2]);
  });

  it('rejects corrupt batches', async () => {
    const input = await batch(sampleRecords(2), { baseOffset: 0, compression: CompressionType.Lz4 });
    input.writeUInt8(input.readUInt8(RECORD_BATCH_OVERHEAD + 2) ^ 0x55, RECORD_BATCH_OVERHEAD + 2);
    await expect(forEachRecord(input, () => undefined)).rejects.toThrow(CorruptRecordError);
  });
});

describe('header attributes', () => {
  it('a rebuilt batch differs from its source only in length, count, maxTimestamp, CRC and records', async () => {
    const input = await batch(sampleRecords(5), { baseOffset: 0, producerId: 3, producerEpoch: 1, baseSequence: 0 });
    const result = await filterBatches(input, (r) => r.offset !== 2);
    const same = (buf: Buffer): Buffer =>
      Buffer.concat([
        buf.subarray(BatchHeader.BASE_OFFSET, BatchHeader.LENGTH),
        buf.subarray(BatchHeader.PARTITION_LEADER_EPOCH, BatchHeader.CRC),
        buf.subarray(BatchHeader.ATTRIBUTES, BatchHeader.MAX_TIMESTAMP),
        buf.subarray(BatchHeader.PRODUCER_ID, BatchHeader.RECORDS_COUNT),
      ]);
    expect(same(result.output).equals(same(input))).toBe(true);
    expect(result.output.readInt16BE(BatchHeader.ATTRIBUTES) & BatchAttributes.DELETE_HORIZON).toBe(0);
  });
});

/** A magic-1 message (offset, length, crc, magic, attributes, timestamp, key, value); its CRC is not checked. */
function legacyMessage(offset: number, key: string, value: string): Buffer {
  const k = Buffer.from(key);
  const v = Buffer.from(value);
  const buf = Buffer.alloc(12 + 4 + 1 + 1 + 8 + 4 + k.length + 4 + v.length);
  buf.writeBigInt64BE(BigInt(offset), 0);
  buf.writeInt32BE(buf.length - 12, 8);
  buf.writeInt8(1, 16);
  buf.writeBigInt64BE(BigInt(T0), 18);
  buf.writeInt32BE(k.length, 26);
  k.copy(buf, 30);
  buf.writeInt32BE(v.length, 30 + k.length);
  v.copy(buf, 34 + k.length);
  return buf;
}

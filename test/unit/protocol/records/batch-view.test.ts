import { describe, expect, it } from 'vitest';
import {
  BatchHeader,
  batchViews,
  buildRecordBatch,
  CorruptRecordError,
  decodeBatch,
  RecordBatchView,
  TimestampType,
} from '../../../../protocol/records/index.js';
import { kafkajsDecodeBatch, kafkajsEncodeBatch, kafkajsRecord } from './kafkajs.js';

const T0 = 1_700_000_000_000;

/** A transactional batch of three records as kafkajs' producer (Produce v3+) encodes it. */
function kafkajsBatch(): Promise<Buffer> {
  return kafkajsEncodeBatch({
    firstOffset: 100,
    firstTimestamp: T0,
    maxTimestamp: T0 + 20,
    partitionLeaderEpoch: 7,
    lastOffsetDelta: 2,
    transactional: true,
    producerId: 12_345_678_901,
    producerEpoch: 3,
    firstSequence: 42,
    records: [0, 1, 2].map((i) =>
      kafkajsRecord({ offsetDelta: i, timestampDelta: i * 10, key: `k${i}`, value: `value ${i}` }),
    ),
  });
}

function expectCorrupt(fn: () => unknown, reason: string): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CorruptRecordError);
    expect((err as CorruptRecordError).reason).toBe(reason);
    return;
  }
  expect.fail(`expected a CorruptRecordError (${reason})`);
}

describe('RecordBatchView', () => {
  it('reads every header field of a kafkajs-encoded batch', async () => {
    const buf = await kafkajsBatch();
    const view = new RecordBatchView(buf);
    expect(view.baseOffset).toBe(100);
    expect(view.batchLength).toBe(buf.length - 12);
    expect(view.sizeInBytes).toBe(buf.length);
    expect(view.bytes.equals(buf)).toBe(true);
    expect(view.partitionLeaderEpoch).toBe(7);
    expect(view.magic).toBe(2);
    expect(view.crc).toBe(buf.readUInt32BE(BatchHeader.CRC));
    expect(view.attributes).toBe(0x10);
    expect(view.compression).toBe(0);
    expect(view.timestampType).toBe(TimestampType.CreateTime);
    expect(view.isTransactional).toBe(true);
    expect(view.isControl).toBe(false);
    expect(view.hasDeleteHorizon).toBe(false);
    expect(view.lastOffsetDelta).toBe(2);
    expect(view.lastOffset).toBe(102);
    expect(view.baseTimestamp).toBe(T0);
    expect(view.maxTimestamp).toBe(T0 + 20);
    expect(view.producerId).toBe(12_345_678_901);
    expect(view.producerEpoch).toBe(3);
    expect(view.baseSequence).toBe(42);
    expect(view.recordsCount).toBe(3);
    expect(view.isValidCrc()).toBe(true);
    expect(() => view.validate()).not.toThrow();
  });

  it('reads a batch at a non-zero position', async () => {
    const batch = await kafkajsBatch();
    const buf = Buffer.concat([Buffer.alloc(5, 0xee), batch]);
    const view = new RecordBatchView(buf, 5);
    expect(view.baseOffset).toBe(100);
    expect(view.bytes.equals(batch)).toBe(true);
    view.validate();
  });

  it('patches baseOffset and partitionLeaderEpoch in place without invalidating the CRC', async () => {
    const buf = await kafkajsBatch();
    const crc = buf.readUInt32BE(BatchHeader.CRC);
    const view = new RecordBatchView(buf);
    view.setBaseOffset(2 ** 40 + 5);
    view.setPartitionLeaderEpoch(99);
    expect(view.baseOffset).toBe(2 ** 40 + 5);
    expect(view.lastOffset).toBe(2 ** 40 + 7);
    expect(view.partitionLeaderEpoch).toBe(99);
    expect(view.crc).toBe(crc);
    view.validate();
    const records = await decodeBatch(view);
    expect(records.map((r) => r.offset)).toEqual([0, 1, 2].map((i) => 2 ** 40 + 5 + i));
    const decoded = await kafkajsDecodeBatch(buf);
    expect(decoded.firstOffset).toBe(String(2 ** 40 + 5));
    expect(decoded.partitionLeaderEpoch).toBe(99);
  });

  it('setLogAppendTime sets the timestamp type and maxTimestamp and recomputes the CRC', async () => {
    const buf = await kafkajsBatch();
    const view = new RecordBatchView(buf);
    const before = view.crc;
    view.setLogAppendTime(T0 + 5000);
    expect(view.timestampType).toBe(TimestampType.LogAppendTime);
    expect(view.isTransactional).toBe(true);
    expect(view.maxTimestamp).toBe(T0 + 5000);
    expect(view.crc).not.toBe(before);
    view.validate();
    const records = await decodeBatch(view);
    expect(records.map((r) => r.timestamp)).toEqual([T0 + 5000, T0 + 5000, T0 + 5000]);
    const decoded = await kafkajsDecodeBatch(buf);
    expect(decoded.records.map((r) => r.timestamp)).toEqual(Array(3).fill(String(T0 + 5000)));
  });

  it('rejects a flipped byte, a wrong magic and impossible lengths with CorruptRecordError', async () => {
    const good = await kafkajsBatch();
    const flipped = Buffer.from(good);
    flipped[flipped.length - 3]! ^= 0x01;
    expect(new RecordBatchView(flipped).isValidCrc()).toBe(false);
    expectCorrupt(() => new RecordBatchView(flipped).validate(), 'crc');
    await expect(decodeBatch(new RecordBatchView(flipped))).rejects.toThrow(CorruptRecordError);

    const attributesFlipped = Buffer.from(good);
    attributesFlipped[BatchHeader.ATTRIBUTES + 1]! ^= 0x04;
    expectCorrupt(() => new RecordBatchView(attributesFlipped).validate(), 'crc');

    const magic = Buffer.from(good);
    magic[BatchHeader.MAGIC] = 1;
    expectCorrupt(() => new RecordBatchView(magic).validate(), 'magic');

    const tooLong = Buffer.from(good);
    tooLong.writeInt32BE(good.length, BatchHeader.LENGTH);
    expect(new RecordBatchView(tooLong).isValidCrc()).toBe(false);
    expectCorrupt(() => new RecordBatchView(tooLong).validate(), 'length');

    const tooShort = Buffer.from(good);
    tooShort.writeInt32BE(48, BatchHeader.LENGTH);
    expectCorrupt(() => new RecordBatchView(tooShort).validate(), 'length');

    expectCorrupt(() => new RecordBatchView(good.subarray(0, 16)), 'length');
  });
});

describe('batchViews', () => {
  const batches = [0, 1, 2].map((i) =>
    buildRecordBatch([{ value: `batch ${i}`.repeat(i + 1) }, { value: 'x' }], { baseOffset: i * 2 }),
  );
  const all = Buffer.concat(batches);

  it('walks concatenated batches by their length fields', () => {
    const views = [...batchViews(all)];
    expect(views.map((v) => v.position)).toEqual([0, batches[0]!.length, batches[0]!.length + batches[1]!.length]);
    expect(views.map((v) => v.baseOffset)).toEqual([0, 2, 4]);
    expect(views.every((v) => v.magic === 2 && v.isValidCrc())).toBe(true);
    expect([...batchViews(Buffer.alloc(0))]).toEqual([]);
  });

  it('stops cleanly at a truncated trailing batch, wherever it is cut', () => {
    const complete = batches[0]!.length + batches[1]!.length;
    for (const cut of [1, 11, 12, 16, 17, 61, batches[2]!.length - 1]) {
      const views = [...batchViews(all.subarray(0, complete + cut))];
      expect(views.map((v) => v.baseOffset)).toEqual([0, 2]);
      const last = views.at(-1)!;
      expect(last.position + last.sizeInBytes).toBe(complete);
    }
  });

  it('reports the magic of legacy entries so they can be told apart', () => {
    const legacy = Buffer.alloc(12 + 14);
    legacy.writeInt32BE(14, 8);
    legacy[16] = 0; // magic 0
    legacy.writeInt32BE(-1, 18);
    legacy.writeInt32BE(-1, 22);
    const views = [...batchViews(Buffer.concat([legacy, batches[0]!]))];
    expect(views.map((v) => v.magic)).toEqual([0, 2]);
  });

  it('treats a length below any format minimum as corruption, not truncation', () => {
    const bad = Buffer.from(batches[0]!);
    bad.writeInt32BE(13, BatchHeader.LENGTH);
    expectCorrupt(() => [...batchViews(bad)], 'length');
  });
});

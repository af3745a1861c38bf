import { describe, expect, it } from 'vitest';
import type { RecordInput } from '../../../../protocol/records/index.js';
import {
  buildCompressedRecordBatch,
  buildRecordBatch,
  CompressionType,
  compress,
  decodeBatch,
  decompress,
  RecordBatchView,
} from '../../../../protocol/records/index.js';
import {
  kafkajsDecodeBatch,
  kafkajsDecodeRecordSet,
  kafkajsEncodeBatch,
  kafkajsGzip,
  kafkajsRecord,
} from './kafkajs.js';

const T0 = 1_700_000_000_000;

const inputs: RecordInput[] = [
  { key: 'key-0', value: 'plain ascii', timestamp: T0, headers: [{ key: 'trace', value: 'abc' }] },
  { key: null, value: Buffer.from([0, 1, 2, 255]), timestamp: T0 + 7 },
  { key: Buffer.from('ключ'), value: 'ünïcödé ✓'.repeat(50), timestamp: T0 + 3, headers: [] },
  {
    key: 'k',
    value: null,
    timestamp: T0 + 1,
    headers: [
      { key: 'a', value: 'one' },
      { key: 'b', value: Buffer.alloc(300, 7) },
    ],
  },
  { key: 'big', value: Buffer.alloc(70_000, 'x'), timestamp: T0 + 2 },
];

const asBuffer = (v: Buffer | string | null | undefined): Buffer | null =>
  v == null ? null : typeof v === 'string' ? Buffer.from(v) : v;

function kafkajsRecords(): object[] {
  return inputs.map((r, i) =>
    kafkajsRecord({
      offsetDelta: i,
      timestampDelta: r.timestamp! - T0,
      key: r.key ?? null,
      value: r.value,
      headers: Object.fromEntries((r.headers ?? []).map((h) => [h.key, h.value ?? ''])),
    }),
  );
}

describe('kafkajs → samsa', () => {
  for (const compression of [CompressionType.None, CompressionType.Gzip]) {
    it(`decodes a kafkajs batch (compression ${compression}) into the same records`, async () => {
      const buf = await kafkajsEncodeBatch({
        compression,
        firstOffset: 500,
        firstTimestamp: T0,
        maxTimestamp: T0 + 7,
        lastOffsetDelta: inputs.length - 1,
        records: kafkajsRecords(),
      });
      const view = new RecordBatchView(buf);
      expect(view.compression).toBe(compression);
      expect(view.isValidCrc()).toBe(true);
      const records = await decodeBatch(view);
      expect(records).toHaveLength(inputs.length);
      records.forEach((r, i) => {
        const input = inputs[i]!;
        expect(r.offset).toBe(500 + i);
        expect(r.timestamp).toBe(input.timestamp);
        expect(r.key).toEqual(asBuffer(input.key));
        expect(r.value).toEqual(asBuffer(input.value));
        expect(r.headers).toEqual((input.headers ?? []).map((h) => ({ key: h.key, value: asBuffer(h.value) })));
      });
    });
  }
});

describe('samsa → kafkajs', () => {
  for (const compression of [CompressionType.None, CompressionType.Gzip]) {
    it(`kafkajs decodes our batch (compression ${compression}) into the same records`, async () => {
      const buf = await buildCompressedRecordBatch(inputs, {
        compression,
        baseOffset: 42,
        partitionLeaderEpoch: 3,
        producerId: 77,
        producerEpoch: 1,
        baseSequence: 10,
        transactional: true,
      });
      const batch = await kafkajsDecodeBatch(buf);
      expect(batch.firstOffset).toBe('42');
      expect(batch.firstTimestamp).toBe(String(T0));
      expect(batch.maxTimestamp).toBe(String(T0 + 7));
      expect(batch.partitionLeaderEpoch).toBe(3);
      expect(batch.lastOffsetDelta).toBe(inputs.length - 1);
      expect(batch.producerId).toBe('77');
      expect(batch.producerEpoch).toBe(1);
      expect(batch.firstSequence).toBe(10);
      expect(batch.inTransaction).toBe(true);
      expect(batch.isControlBatch).toBe(false);
      batch.records.forEach((r, i) => {
        const input = inputs[i]!;
        expect(r.offset).toBe(String(42 + i));
        expect(r.timestamp).toBe(String(input.timestamp));
        expect(r.key).toEqual(asBuffer(input.key));
        expect(r.value).toEqual(asBuffer(input.value));
        expect(r.headers).toEqual(Object.fromEntries((input.headers ?? []).map((h) => [h.key, asBuffer(h.value)])));
      });
    });
  }

  it("kafkajs' Fetch v4 reader takes our concatenated batches and skips a truncated last one", async () => {
    const first = buildRecordBatch(inputs.slice(0, 2), { baseOffset: 0 });
    const second = await buildCompressedRecordBatch(inputs.slice(2), { baseOffset: 2, compression: 1 });
    const third = buildRecordBatch([{ value: 'cut off' }], { baseOffset: 5 });
    const records = await kafkajsDecodeRecordSet(Buffer.concat([first, second, third.subarray(0, 40)]));
    expect(records.map((r) => r.offset)).toEqual(['0', '1', '2', '3', '4']);
  });
});

describe('gzip codec interop', () => {
  const data = Buffer.from('some records '.repeat(1000));

  it("decompresses kafkajs' gzip output", async () => {
    const compressed = await kafkajsGzip.compress({ buffer: data });
    expect((await decompress(CompressionType.Gzip, compressed)).equals(data)).toBe(true);
  });

  it('produces gzip that kafkajs decompresses', async () => {
    const compressed = await compress(CompressionType.Gzip, data);
    expect((await kafkajsGzip.decompress(compressed)).equals(data)).toBe(true);
  });
});

import { afterEach, describe, expect, it, vi } from 'vitest';
import { ProtocolEncodeError } from '../../../../protocol/protocol-error.js';
import {
  BatchHeader,
  buildCompressedRecordBatch,
  buildRecordBatch,
  CorruptRecordError,
  crc32c,
  decodeBatch,
  RecordBatchView,
  TimestampType,
} from '../../../../protocol/records/index.js';

describe('buildRecordBatch', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('writes the defaults Java uses for a non-idempotent producer', () => {
    const view = new RecordBatchView(buildRecordBatch([{ value: 'a', timestamp: 10 }]));
    view.validate();
    expect(view.baseOffset).toBe(0);
    expect(view.partitionLeaderEpoch).toBe(-1);
    expect(view.producerId).toBe(-1);
    expect(view.producerEpoch).toBe(-1);
    expect(view.baseSequence).toBe(-1);
    expect(view.attributes).toBe(0);
    expect(view.lastOffsetDelta).toBe(0);
    expect(view.recordsCount).toBe(1);
    expect(view.crc).toBe(crc32c(view.buf, BatchHeader.ATTRIBUTES));
  });

  it('applies every option', async () => {
    const buf = buildRecordBatch([{ value: 'a' }, { value: 'b' }, { value: 'c' }], {
      baseOffset: 1234,
      partitionLeaderEpoch: 5,
      producerId: 2 ** 40,
      producerEpoch: 7,
      baseSequence: 99,
      transactional: true,
      isControl: true,
      timestampType: TimestampType.LogAppendTime,
    });
    const view = new RecordBatchView(buf);
    view.validate();
    expect(view.baseOffset).toBe(1234);
    expect(view.lastOffset).toBe(1236);
    expect(view.partitionLeaderEpoch).toBe(5);
    expect(view.producerId).toBe(2 ** 40);
    expect(view.producerEpoch).toBe(7);
    expect(view.baseSequence).toBe(99);
    expect(view.isTransactional).toBe(true);
    expect(view.isControl).toBe(true);
    expect(view.timestampType).toBe(TimestampType.LogAppendTime);
    expect((await decodeBatch(view)).map((r) => r.offset)).toEqual([1234, 1235, 1236]);
  });

  it('takes baseTimestamp from the first record, maxTimestamp from the largest, and the clock for the rest', async () => {
    vi.useFakeTimers({ now: 5000 });
    const view = new RecordBatchView(
      buildRecordBatch([{ value: 'a', timestamp: 4000 }, { value: 'b', timestamp: 3000 }, { value: 'c' }]),
    );
    expect(view.baseTimestamp).toBe(4000);
    expect(view.maxTimestamp).toBe(5000);
    expect((await decodeBatch(view)).map((r) => r.timestamp)).toEqual([4000, 3000, 5000]);
  });

  it('gives every record the batch maxTimestamp when decoding a LogAppendTime batch', async () => {
    const view = new RecordBatchView(
      buildRecordBatch(
        [
          { value: 'a', timestamp: 1 },
          { value: 'b', timestamp: 9 },
        ],
        {
          timestampType: TimestampType.LogAppendTime,
        },
      ),
    );
    expect((await decodeBatch(view)).map((r) => r.timestamp)).toEqual([9, 9]);
  });

  it('refuses an empty batch and non-integer timestamps', async () => {
    expect(() => buildRecordBatch([])).toThrow(ProtocolEncodeError);
    expect(() => buildRecordBatch([{ value: 'a', timestamp: 1.5 }])).toThrow(ProtocolEncodeError);
    await expect(buildCompressedRecordBatch([], { compression: 1 })).rejects.toThrow(ProtocolEncodeError);
  });

  it('decodeBatch rejects a records count that does not match the records section', async () => {
    for (const count of [1, 3, -1, 1_000_000]) {
      const buf = buildRecordBatch([{ value: 'a' }, { value: 'b' }]);
      buf.writeInt32BE(count, BatchHeader.RECORDS_COUNT);
      buf.writeUInt32BE(crc32c(buf, BatchHeader.ATTRIBUTES), BatchHeader.CRC);
      await expect(decodeBatch(new RecordBatchView(buf))).rejects.toThrow(CorruptRecordError);
    }
  });
});

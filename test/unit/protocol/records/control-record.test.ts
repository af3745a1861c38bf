import { describe, expect, it } from 'vitest';
import {
  buildEndTransactionBatch,
  ControlRecordType,
  CorruptRecordError,
  decodeBatch,
  decodeControlRecordType,
  decodeEndTransactionMarker,
  encodeEndTransactionMarker,
  RecordBatchView,
} from '../../../../protocol/records/index.js';
import { kafkajsDecodeBatch } from './kafkajs.js';

describe('control records', () => {
  it('encodes the marker key and value in Kafka layout', () => {
    const { key, value } = encodeEndTransactionMarker({ type: ControlRecordType.Commit, coordinatorEpoch: 17 });
    expect(key.toString('hex')).toBe('00000001');
    expect(value.toString('hex')).toBe('000000000011');
    expect(decodeControlRecordType(key)).toBe(1);
    expect(decodeEndTransactionMarker({ key, value })).toEqual({ type: 1, coordinatorEpoch: 17 });
  });

  it('round-trips an ABORT marker through a control batch', async () => {
    const buf = buildEndTransactionBatch(
      { type: ControlRecordType.Abort, coordinatorEpoch: 3 },
      { producerId: 4000, producerEpoch: 2, baseOffset: 50, timestamp: 1234 },
    );
    const view = new RecordBatchView(buf);
    view.validate();
    expect(view.isControl).toBe(true);
    expect(view.isTransactional).toBe(true);
    expect(view.producerId).toBe(4000);
    expect(view.producerEpoch).toBe(2);
    expect(view.baseSequence).toBe(-1);
    const [record, ...rest] = await decodeBatch(view);
    expect(rest).toEqual([]);
    expect(record!.offset).toBe(50);
    expect(record!.timestamp).toBe(1234);
    expect(decodeEndTransactionMarker(record!)).toEqual({ type: ControlRecordType.Abort, coordinatorEpoch: 3 });

    const kafkajs = await kafkajsDecodeBatch(buf);
    expect(kafkajs.isControlBatch).toBe(true);
    expect(kafkajs.records[0]!.isControlRecord).toBe(true);
  });

  it('accepts newer marker versions but rejects short keys, short values and other control types', () => {
    const value = Buffer.from('0001000000070000', 'hex'); // version 1, epoch 7, trailing field
    expect(decodeEndTransactionMarker({ key: Buffer.from('00010001', 'hex'), value })).toEqual({
      type: 1,
      coordinatorEpoch: 7,
    });
    expect(() => decodeControlRecordType(Buffer.from('0000', 'hex'))).toThrow(CorruptRecordError);
    expect(() => decodeControlRecordType(null)).toThrow(CorruptRecordError);
    expect(() => decodeEndTransactionMarker({ key: Buffer.from('00000001', 'hex'), value: Buffer.alloc(5) })).toThrow(
      CorruptRecordError,
    );
    expect(() => decodeEndTransactionMarker({ key: Buffer.from('00000002', 'hex'), value })).toThrow(
      CorruptRecordError,
    );
  });
});

import { describe, expect, it } from 'vitest';
import { CorruptRecordError as ProtocolCorruptRecordError } from '../../../protocol/records/index.js';
import {
  CorruptCheckpointError,
  CorruptIndexError,
  CorruptRecordError,
  InvalidConfigError,
  InvalidRecordError,
  OffsetOutOfRangeError,
  RecordBatchTooLargeError,
  SegmentOffsetOverflowError,
  StorageError,
  StorageIoError,
  storageIoError,
} from '../../../storage/errors.js';

describe('storage errors', () => {
  it('set name, fields and a message naming the facts', () => {
    const oor = new OffsetOutOfRangeError(50, 10, 20);
    expect(oor).toBeInstanceOf(StorageError);
    expect(oor.name).toBe('OffsetOutOfRangeError');
    expect([oor.offset, oor.logStartOffset, oor.logEndOffset]).toEqual([50, 10, 20]);
    expect(oor.message).toContain('[10, 20]');

    const big = new RecordBatchTooLargeError(2000, 1000);
    expect(big.name).toBe('RecordBatchTooLargeError');
    expect([big.size, big.max]).toEqual([2000, 1000]);

    expect(new InvalidRecordError('null key').name).toBe('InvalidRecordError');
    const idx = new CorruptIndexError('/x/0.index', 'bad');
    expect([idx.name, idx.file]).toEqual(['CorruptIndexError', '/x/0.index']);
    expect(idx.message).toContain('/x/0.index');
    const cp = new CorruptCheckpointError('/x/cp', 'bad');
    expect([cp.name, cp.file]).toEqual(['CorruptCheckpointError', '/x/cp']);
    const overflow = new SegmentOffsetOverflowError(100, 100 + 2 ** 31);
    expect([overflow.name, overflow.baseOffset]).toEqual(['SegmentOffsetOverflowError', 100]);
    const cfg = new InvalidConfigError('segment.bytes', '1', 'must be at least 14');
    expect(cfg.name).toBe('InvalidConfigError');
    expect(cfg.message).toContain('segment.bytes');
    expect(cfg.key).toBe('segment.bytes');
  });

  it('StorageIoError keeps the cause and its errno code', () => {
    const cause = Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
    const err = new StorageIoError('append failed', { cause });
    expect(err.name).toBe('StorageIoError');
    expect(err.cause).toBe(cause);
    expect(err.code).toBe('ENOSPC');
    const wrapped = storageIoError('write x', cause);
    expect(wrapped.code).toBe('ENOSPC');
    expect(wrapped.message).toContain('no space left');
    expect(storageIoError('again', wrapped)).toBe(wrapped);
  });

  it("re-exports protocol's CorruptRecordError", () => {
    expect(CorruptRecordError).toBe(ProtocolCorruptRecordError);
  });
});

import { ProtocolEncodeError } from '../protocol-error.js';
import { CorruptRecordError } from './errors.js';

const TWO_32 = 0x1_0000_0000;

/**
 * Big-endian int64 fields of record data as plain numbers. Offsets, timestamps and producer ids fit in the
 * safe-integer range in practice; anything outside it is rejected rather than silently rounded.
 */
export function readInt64(buf: Buffer, at: number): number {
  const v = buf.readInt32BE(at) * TWO_32 + buf.readUInt32BE(at + 4);
  if (!Number.isSafeInteger(v)) throw new CorruptRecordError('record', `int64 at ${at} is outside the safe range`);
  return v;
}

/** Writes a safe integer as a big-endian int64. */
export function writeInt64(buf: Buffer, at: number, v: number): void {
  if (!Number.isSafeInteger(v)) throw new ProtocolEncodeError(`int64 value ${v} is not a safe integer`);
  const hi = Math.floor(v / TWO_32);
  buf.writeInt32BE(hi, at);
  buf.writeUInt32BE(v - hi * TWO_32, at + 4);
}

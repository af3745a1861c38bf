import { open, readdir, readFile, rename, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32c } from '../protocol/records/index.js';
import { fsyncDirectory } from './checkpoint-file.js';
import { CorruptSnapshotError, storageIoError } from './errors.js';
import { segmentFileName } from './segment-files.js';

export const SNAPSHOT_FILE_SUFFIX = '.snapshot';
const SNAPSHOT_FILE_NAME = /^(\d{20})\.snapshot$/;

/** Kafka's ProducerSnapshot version 1, the only one there is. */
export const PRODUCER_SNAPSHOT_VERSION = 1;
const VERSION_AT = 0;
const CRC_AT = 2;
const COUNT_AT = 6;
const HEADER_BYTES = 10;
const ENTRY_BYTES = 46;

/** One entry of a snapshot: one batch of one producer (Kafka's ProducerSnapshot.ProducerEntry). */
export interface ProducerSnapshotEntry {
  producerId: number;
  producerEpoch: number;
  lastSequence: number;
  lastOffset: number;
  /** lastOffset - firstOffset of the batch, which is also lastSequence - firstSequence. */
  offsetDelta: number;
  timestamp: number;
  coordinatorEpoch: number;
  /** First offset of the producer's open transaction, -1 when none (always -1 until transactions exist). */
  currentTxnFirstOffset: number;
}

/**
 * Producer state snapshot files, `<offset 20 digits>.snapshot` in the partition directory: the producer state of the
 * log up to (not including) that offset, so loading replays only the log after it (Kafka's ProducerStateManager
 * snapshot format, byte for byte).
 *
 * Layout, big-endian:
 *
 *   version int16 (1) | crc uint32 (CRC-32C of every byte after it) | count int32 | entry × count
 *   entry (46 B): producerId int64 | epoch int16 | lastSequence int32 | lastOffset int64 | offsetDelta int32 |
 *                 timestamp int64 | coordinatorEpoch int32 | currentTxnFirstOffset int64
 *
 * Kafka writes one entry per producer (its last batch). Samsa writes one per remembered batch, oldest first, so
 * the whole dedup window survives a restart; a Kafka broker reading the file keeps the last entry of each
 * producer, which is exactly its own entry.
 *
 * Writes are atomic (`.tmp`, fsync, rename, directory fsync); a leftover `.tmp` is removed by LogLoader. A file
 * that fails its checks throws CorruptSnapshotError and its owner falls back to an older snapshot or the log.
 */
export function encodeProducerSnapshot(entries: readonly ProducerSnapshotEntry[]): Buffer {
  const buf = Buffer.alloc(HEADER_BYTES + entries.length * ENTRY_BYTES);
  buf.writeInt16BE(PRODUCER_SNAPSHOT_VERSION, VERSION_AT);
  buf.writeInt32BE(entries.length, COUNT_AT);
  let at = HEADER_BYTES;
  for (const e of entries) {
    buf.writeBigInt64BE(BigInt(e.producerId), at);
    buf.writeInt16BE(e.producerEpoch, at + 8);
    buf.writeInt32BE(e.lastSequence, at + 10);
    buf.writeBigInt64BE(BigInt(e.lastOffset), at + 14);
    buf.writeInt32BE(e.offsetDelta, at + 22);
    buf.writeBigInt64BE(BigInt(e.timestamp), at + 26);
    buf.writeInt32BE(e.coordinatorEpoch, at + 34);
    buf.writeBigInt64BE(BigInt(e.currentTxnFirstOffset), at + 38);
    at += ENTRY_BYTES;
  }
  buf.writeUInt32BE(crc32c(buf, COUNT_AT, buf.length), CRC_AT);
  return buf;
}

/** Parses a snapshot file's bytes; CorruptSnapshotError when the version, length or CRC is wrong. */
export function decodeProducerSnapshot(buf: Buffer, file: string): ProducerSnapshotEntry[] {
  const corrupt = (message: string): never => {
    throw new CorruptSnapshotError(file, message);
  };
  if (buf.length < HEADER_BYTES) corrupt(`${buf.length} bytes is shorter than the header`);
  const version = buf.readInt16BE(VERSION_AT);
  if (version !== PRODUCER_SNAPSHOT_VERSION) corrupt(`unknown version ${version}`);
  const crc = buf.readUInt32BE(CRC_AT);
  const computed = crc32c(buf, COUNT_AT, buf.length);
  if (crc !== computed) corrupt(`CRC ${crc} does not match the computed ${computed}`);
  const count = buf.readInt32BE(COUNT_AT);
  if (count < 0 || buf.length !== HEADER_BYTES + count * ENTRY_BYTES) {
    corrupt(`${count} entries do not fill ${buf.length} bytes`);
  }
  const entries: ProducerSnapshotEntry[] = [];
  for (let at = HEADER_BYTES; at < buf.length; at += ENTRY_BYTES) {
    entries.push({
      producerId: safe(buf.readBigInt64BE(at), file),
      producerEpoch: buf.readInt16BE(at + 8),
      lastSequence: buf.readInt32BE(at + 10),
      lastOffset: safe(buf.readBigInt64BE(at + 14), file),
      offsetDelta: buf.readInt32BE(at + 22),
      timestamp: safe(buf.readBigInt64BE(at + 26), file),
      coordinatorEpoch: buf.readInt32BE(at + 34),
      currentTxnFirstOffset: safe(buf.readBigInt64BE(at + 38), file),
    });
  }
  return entries;
}

function safe(v: bigint, file: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new CorruptSnapshotError(file, `int64 ${v} is outside the safe range`);
  return n;
}

export function snapshotPath(dir: string, offset: number): string {
  return join(dir, segmentFileName(offset, SNAPSHOT_FILE_SUFFIX));
}

/** The offsets of the snapshot files in `dir`, ascending. */
export async function listSnapshotOffsets(dir: string): Promise<number[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw storageIoError(`cannot list producer snapshots in ${dir}`, err);
  }
  const offsets: number[] = [];
  for (const name of names) {
    const m = SNAPSHOT_FILE_NAME.exec(name);
    if (m !== null && Number.isSafeInteger(Number(m[1]))) offsets.push(Number(m[1]));
  }
  return offsets.sort((a, b) => a - b);
}

export async function readSnapshotFile(dir: string, offset: number): Promise<ProducerSnapshotEntry[]> {
  const path = snapshotPath(dir, offset);
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (err) {
    throw storageIoError(`cannot read producer snapshot ${path}`, err);
  }
  return decodeProducerSnapshot(buf, path);
}

/** Writes a snapshot atomically and durably. */
export async function writeSnapshotFile(dir: string, offset: number, bytes: Buffer): Promise<void> {
  const path = snapshotPath(dir, offset);
  const tmp = `${path}.tmp`;
  try {
    const handle = await open(tmp, 'w');
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
    await fsyncDirectory(dir);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw storageIoError(`cannot write producer snapshot ${path}`, err);
  }
}

export async function deleteSnapshotFile(dir: string, offset: number): Promise<void> {
  try {
    await rm(snapshotPath(dir, offset), { force: true });
  } catch (err) {
    throw storageIoError(`cannot delete producer snapshot ${snapshotPath(dir, offset)}`, err);
  }
}

import {
  batchViews,
  ControlRecordType,
  decodeBatch,
  decodeControlRecordType,
  MAGIC_V2,
  type Record,
  type RecordBatchView,
} from '../../protocol/index.js';
import type { Log } from '../../storage/index.js';
import { Binding, type Logger } from '../logger.js';
import {
  decodeGroupMetadataValue,
  decodeOffsetCommitValue,
  decodeOffsetsTopicKey,
} from './consumer-offsets-records.js';
import type { LoadedPartition, StoredGroup, StoredOffset } from './group-persistence.js';

/** Kafka's offsets.load.buffer.size: how much of the log one read takes. */
export const DEFAULT_LOAD_BUFFER_BYTES = 5 * 1024 * 1024;
/** Log.read may look this far past maxBytes; a buffer this much larger is filled in place. */
const READ_AHEAD_BYTES = 64 * 1024;

export interface LoadSource {
  readonly log: Log;
  /** Read afresh before every chunk: records at or past it are not committed and are not loaded. */
  highWatermark(): number;
  /** True once the load must stop: the partition resigned, closed, or the broker is stopping. */
  cancelled(): boolean;
}

interface LoadedOffset {
  value: StoredOffset;
  /** Offset of the record in the log: a committed transaction's older offset never replaces a newer commit. */
  recordOffset: number;
}

/** One group's offsets keyed by topic-partition. */
type GroupOffsets = Map<string, LoadedOffset>;

/** A transactional offset commit seen before its COMMIT or ABORT marker (null: a tombstone). */
interface PendingOffset {
  group: string;
  key: string;
  offset: LoadedOffset | null;
}

const tpKey = (topic: string, partition: number): string => `${partition}\u0000${topic}`;

/**
 * Reads one __consumer_offsets partition from its log start to its high watermark and returns the latest value
 * of every key (Kafka's GroupMetadataManager.loadGroupsAndOffsets): later records win, tombstones delete,
 * transactional offset commits count only once their COMMIT marker is read (an ABORT drops them), and other
 * control batches are skipped. A batch that fails its checks or a record that does not decode is logged and
 * skipped, so one bad record never keeps a partition's groups from loading. Returns null when cancelled.
 */
export async function loadOffsetsPartition(
  source: LoadSource,
  options: { partition: number; bufferBytes?: number; logger: Logger },
): Promise<LoadedPartition | null> {
  const log = options.logger.child({ [Binding.tp]: `__consumer_offsets-${options.partition}` });
  const bufferBytes = options.bufferBytes ?? DEFAULT_LOAD_BUFFER_BYTES;
  const groups = new Map<string, StoredGroup | null>();
  const offsets = new Map<string, GroupOffsets>();
  const pending = new Map<number, PendingOffset[]>();
  let buffer: Buffer | undefined;
  let position = source.log.logStartOffset;

  const putOffset = (group: string, key: string, offset: LoadedOffset | null): void => {
    let byTp = offsets.get(group);
    if (offset === null) {
      byTp?.delete(key);
      return;
    }
    if (byTp === undefined) offsets.set(group, (byTp = new Map<string, LoadedOffset>()));
    byTp.set(key, offset);
  };

  const applyRecord = (batch: RecordBatchView, record: Record): void => {
    if (record.key === null) throw new Error('a record without a key');
    const key = decodeOffsetsTopicKey(record.key);
    if (key.kind === 'unknown') {
      log.debug({ offset: record.offset, keyVersion: key.version }, 'skipping a record of an unknown type');
      return;
    }
    if (key.kind === 'group') {
      groups.set(key.group, record.value === null ? null : decodeGroupMetadataValue(key.group, record.value));
      return;
    }
    const value =
      record.value === null
        ? null
        : {
            value: { topic: key.topic, partition: key.partition, ...decodeOffsetCommitValue(record.value) },
            recordOffset: record.offset,
          };
    const k = tpKey(key.topic, key.partition);
    if (!batch.isTransactional) {
      putOffset(key.group, k, value);
      return;
    }
    let list = pending.get(batch.producerId);
    if (list === undefined) pending.set(batch.producerId, (list = []));
    list.push({ group: key.group, key: k, offset: value });
  };

  const endTransaction = (batch: RecordBatchView, records: readonly Record[]): void => {
    const list = pending.get(batch.producerId);
    pending.delete(batch.producerId);
    const type = records[0] === undefined ? null : decodeControlRecordType(records[0].key);
    if (type !== ControlRecordType.Commit || list === undefined) return;
    for (const p of list) {
      const current = offsets.get(p.group)?.get(p.key);
      if (p.offset === null || current === undefined || current.recordOffset < p.offset.recordOffset) {
        putOffset(p.group, p.key, p.offset);
      }
    }
  };

  while (position < source.highWatermark()) {
    if (source.cancelled()) return null;
    buffer ??= Buffer.allocUnsafe(bufferBytes + READ_AHEAD_BYTES);
    const { records } = await source.log.read(position, {
      maxBytes: bufferBytes,
      maxOffset: source.highWatermark(),
      minOneBatch: true,
      buffer,
    });
    const start = position;
    for (const batch of batchViews(records)) {
      const next = batch.lastOffset + 1;
      if (next <= position) continue;
      position = next;
      if (batch.magic !== MAGIC_V2) {
        log.warn({ offset: batch.baseOffset, magic: batch.magic }, 'skipping a legacy message set');
        continue;
      }
      let decoded: Record[];
      try {
        decoded = await decodeBatch(batch);
      } catch (err) {
        log.error({ err, offset: batch.baseOffset }, 'skipping a corrupt batch');
        continue;
      }
      if (batch.isControl) {
        try {
          endTransaction(batch, decoded);
        } catch (err) {
          log.error({ err, offset: batch.baseOffset }, 'skipping a control batch that does not decode');
        }
        continue;
      }
      for (const record of decoded) {
        try {
          applyRecord(batch, record);
        } catch (err) {
          log.error({ err, offset: record.offset }, 'skipping a record that does not decode');
        }
      }
    }
    // nothing whole came back below the high watermark: the rest is not readable yet
    if (position === start) break;
  }
  if (source.cancelled()) return null;

  const loaded: LoadedPartition = { groups: new Map(), offsets: new Map() };
  for (const [id, group] of groups) if (group !== null) loaded.groups.set(id, group);
  for (const [id, byTp] of offsets) {
    if (byTp.size > 0)
      loaded.offsets.set(
        id,
        [...byTp.values()].map((o) => o.value),
      );
  }
  return loaded;
}

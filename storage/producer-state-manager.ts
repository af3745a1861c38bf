import type { FileBatchHeader } from './file-records.js';
import {
  CorruptSnapshotError,
  DuplicateSequenceError,
  InvalidProducerEpochError,
  OutOfOrderSequenceError,
} from './errors.js';
import type { StorageLogger } from './logger.js';
import {
  deleteSnapshotFile,
  encodeProducerSnapshot,
  listSnapshotOffsets,
  type ProducerSnapshotEntry,
  readSnapshotFile,
  writeSnapshotFile,
} from './producer-snapshot-file.js';
import type { LogSegment } from './segment.js';

/** Kafka's ProducerStateEntry.NUM_BATCHES_TO_RETAIN: the dedup window per producer (max.in.flight = 5). */
export const MAX_BATCHES_PER_PRODUCER = 5;
/** Kafka's producer.id.expiration.ms default: a producer silent this long is forgotten. */
export const DEFAULT_PRODUCER_ID_EXPIRATION_MS = 86_400_000;
/** Snapshots kept on disk: the newest one and the one before (a truncation rarely goes further back). */
const SNAPSHOTS_RETAINED = 2;
const INT32_MAX = 0x7fff_ffff;

/** One appended batch of a producer (Kafka's BatchMetadata). firstSeq and firstOffset derive from offsetDelta. */
export interface BatchMetadata {
  readonly lastSeq: number;
  readonly lastOffset: number;
  readonly offsetDelta: number;
  readonly timestamp: number;
}

/** The original offsets of a batch sent again; the append answers with them instead of writing. */
export interface DuplicateBatch {
  readonly firstOffset: number;
  readonly lastOffset: number;
  readonly timestamp: number;
}

/** What the log knows of one producer id: its epoch and its last batches in that epoch, oldest first. */
export interface ProducerEntry {
  readonly producerEpoch: number;
  readonly batches: readonly BatchMetadata[];
  readonly lastTimestamp: number;
}

interface MutableProducerEntry {
  producerEpoch: number;
  batches: BatchMetadata[];
  lastTimestamp: number;
}

/** The batch header fields producer state needs; RecordBatchView and FileBatchHeader both have them. */
export type ProducerBatch = Pick<
  FileBatchHeader,
  'producerId' | 'producerEpoch' | 'baseSequence' | 'baseOffset' | 'lastOffset' | 'maxTimestamp' | 'isControl'
>;

export interface ProducerStateOptions {
  dir: string;
  logger: StorageLogger;
  /** producer.id.expiration.ms; default DEFAULT_PRODUCER_ID_EXPIRATION_MS. */
  expirationMs?: number;
}

export interface ProducerStateLoadOptions {
  segments: readonly LogSegment[];
  logStartOffset: number;
  logEndOffset: number;
  nowMs: number;
}

/** Kafka's DefaultRecordBatch.incrementSequence: sequences wrap from Int32.MAX to 0. */
export function incrementSequence(sequence: number, increment: number): number {
  return sequence > INT32_MAX - increment ? increment - (INT32_MAX - sequence) - 1 : sequence + increment;
}

function decrementSequence(sequence: number, decrement: number): number {
  return sequence < decrement ? INT32_MAX - (decrement - sequence) + 1 : sequence - decrement;
}

export function firstSequenceOf(batch: BatchMetadata): number {
  return decrementSequence(batch.lastSeq, batch.offsetDelta);
}

function inSequence(lastSeq: number, nextSeq: number): boolean {
  return nextSeq === lastSeq + 1 || (nextSeq === 0 && lastSeq === INT32_MAX);
}

/**
 * Idempotent producer state of one partition log (Kafka's ProducerStateManager, without transactions yet): per
 * producer id the current epoch and the last MAX_BATCHES_PER_PRODUCER batches, so a retried batch is recognised
 * and answered with its original offsets, and a gap or a stale epoch is refused.
 *
 * On disk: `<offset>.snapshot` files (see producer-snapshot-file.ts) holding the state up to that offset. A
 * snapshot is taken when the log rolls and when it closes; loading reads the newest valid snapshot at or below
 * the log end and replays the batch headers after it (all of the log when there is none). Only the two newest
 * snapshots are kept.
 *
 * Rules (Kafka 3.x ProducerAppendInfo): an epoch older than the known one is INVALID_PRODUCER_EPOCH; a newer epoch
 * must start at sequence 0; the same epoch must continue at lastSeq + 1 (wrapping at Int32.MAX); a producer id the
 * log does not know (new, expired, or its batches deleted by retention) may start at any sequence, which is why
 * UNKNOWN_PRODUCER_ID is never raised (KIP-360). A batch equal (same epoch and sequence range) to one of the last
 * five is a duplicate.
 *
 * Concurrency: owned by one Log and used only on its serial queue (checks and updates happen in the append step
 * that assigns offsets, so they are atomic with it). Snapshot writes run on the log's roll-flush chain or its
 * queue; both are serialized with truncation and close by the Log.
 *
 * Invariants: every entry has at least one batch; batches are in offset order; state reflects exactly the
 * batches below the log end offset.
 */
export class ProducerStateManager {
  readonly dir: string;
  readonly #logger: StorageLogger;
  readonly #expirationMs: number;
  readonly #producers = new Map<number, MutableProducerEntry>();
  /** Offsets of the snapshot files on disk, ascending. */
  #snapshotOffsets: number[] = [];

  constructor(options: ProducerStateOptions) {
    this.dir = options.dir;
    this.#logger = options.logger;
    this.#expirationMs = options.expirationMs ?? DEFAULT_PRODUCER_ID_EXPIRATION_MS;
  }

  /** Loads the state of a log that was just opened or recovered. */
  static async load(options: ProducerStateOptions & ProducerStateLoadOptions): Promise<ProducerStateManager> {
    const manager = new ProducerStateManager(options);
    await manager.reload(options);
    return manager;
  }

  get producerCount(): number {
    return this.#producers.size;
  }

  /** Offsets of the snapshot files on disk, ascending. */
  get snapshotOffsets(): readonly number[] {
    return this.#snapshotOffsets;
  }

  entry(producerId: number): ProducerEntry | undefined {
    return this.#producers.get(producerId);
  }

  /**
   * Checks a client append's batches before offsets are assigned. Returns the original offsets when the append's
   * only batch is one the log already holds; throws InvalidProducerEpochError, OutOfOrderSequenceError, or
   * DuplicateSequenceError (a duplicate among several batches). Batches without a producer id are not looked at
   * beyond their producerId field.
   */
  checkAppend(batches: readonly ProducerBatch[]): DuplicateBatch | null {
    // what earlier batches of this same append will have set, so several batches of one producer chain up
    let pending: Map<number, { producerEpoch: number; lastSeq: number }> | undefined;
    for (const batch of batches) {
      const { producerId, producerEpoch, baseSequence } = batch;
      if (!isIdempotent(batch)) continue;
      const lastSeq = incrementSequence(baseSequence, batch.lastOffset - batch.baseOffset);
      const committed = this.#producers.get(producerId);
      const known =
        pending?.get(producerId) ??
        (committed && { producerEpoch: committed.producerEpoch, lastSeq: committed.batches.at(-1)!.lastSeq });
      if (known !== undefined) {
        if (producerEpoch < known.producerEpoch) {
          throw new InvalidProducerEpochError(producerId, producerEpoch, known.producerEpoch);
        }
        const duplicate =
          committed?.producerEpoch === producerEpoch ? findBatch(committed, baseSequence, lastSeq) : undefined;
        if (duplicate !== undefined) {
          if (batches.length > 1) throw new DuplicateSequenceError(producerId, baseSequence);
          return {
            firstOffset: duplicate.lastOffset - duplicate.offsetDelta,
            lastOffset: duplicate.lastOffset,
            timestamp: duplicate.timestamp,
          };
        }
        const ok = producerEpoch > known.producerEpoch ? baseSequence === 0 : inSequence(known.lastSeq, baseSequence);
        if (!ok) throw new OutOfOrderSequenceError(producerId, producerEpoch, baseSequence, known.lastSeq);
      }
      (pending ??= new Map()).set(producerId, { producerEpoch, lastSeq });
    }
    return null;
  }

  /** Records appended batches (their offsets assigned). Replicated and replayed batches come here unchecked. */
  update(batches: Iterable<ProducerBatch>): void {
    for (const batch of batches) this.#record(batch);
  }

  #record(batch: ProducerBatch): void {
    const producerId = batch.producerId;
    if (!isIdempotent(batch)) return;
    let entry = this.#producers.get(producerId);
    // a new epoch starts the producer over (Kafka clears its batch metadata on an epoch change)
    if (entry === undefined || entry.producerEpoch !== batch.producerEpoch) {
      entry = { producerEpoch: batch.producerEpoch, batches: [], lastTimestamp: batch.maxTimestamp };
      this.#producers.set(producerId, entry);
    }
    const offsetDelta = batch.lastOffset - batch.baseOffset;
    entry.batches.push({
      lastSeq: incrementSequence(batch.baseSequence, offsetDelta),
      lastOffset: batch.lastOffset,
      offsetDelta,
      timestamp: batch.maxTimestamp,
    });
    if (entry.batches.length > MAX_BATCHES_PER_PRODUCER) entry.batches.shift();
    entry.lastTimestamp = batch.maxTimestamp;
  }

  /** The log start moved: producers whose last batch is below it are forgotten (Kafka's evictUnretainedProducers). */
  evictBelow(logStartOffset: number): void {
    for (const [id, entry] of this.#producers) {
      if (entry.batches.at(-1)!.lastOffset < logStartOffset) this.#producers.delete(id);
    }
  }

  /** Forgets producers whose last batch is older than producer.id.expiration.ms (Kafka's removeExpiredProducers). */
  removeExpired(nowMs: number): void {
    for (const [id, entry] of this.#producers) {
      if (nowMs - entry.lastTimestamp >= this.#expirationMs) this.#producers.delete(id);
    }
  }

  /** The current state in snapshot form, taken synchronously so the file matches the offset it is named after. */
  snapshotBytes(): Buffer {
    const entries: ProducerSnapshotEntry[] = [];
    for (const [producerId, entry] of this.#producers) {
      for (const b of entry.batches) {
        entries.push({
          producerId,
          producerEpoch: entry.producerEpoch,
          lastSequence: b.lastSeq,
          lastOffset: b.lastOffset,
          offsetDelta: b.offsetDelta,
          timestamp: b.timestamp,
          coordinatorEpoch: -1,
          currentTxnFirstOffset: -1,
        });
      }
    }
    return encodeProducerSnapshot(entries);
  }

  /**
   * Writes `bytes` (from snapshotBytes) as the snapshot at `offset`, then removes snapshots beyond the newest
   * SNAPSHOTS_RETAINED. A snapshot already at that offset is kept: state only changes with appends, which move
   * the log end, and evictions, which loading applies again.
   */
  async writeSnapshot(offset: number, bytes: Buffer = this.snapshotBytes()): Promise<void> {
    if (this.#snapshotOffsets.includes(offset)) return;
    await writeSnapshotFile(this.dir, offset, bytes);
    this.#snapshotOffsets = [...this.#snapshotOffsets, offset].sort((a, b) => a - b);
    while (this.#snapshotOffsets.length > SNAPSHOTS_RETAINED) {
      await deleteSnapshotFile(this.dir, this.#snapshotOffsets[0]!);
      this.#snapshotOffsets.shift();
    }
  }

  /**
   * Rebuilds the state for the log as it is now (after load or a truncation): snapshots above the log end are
   * removed, the newest readable one is loaded (corrupt ones are removed), the batches after it are replayed, and
   * producers below the log start or expired are dropped.
   */
  async reload({ segments, logStartOffset, logEndOffset, nowMs }: ProducerStateLoadOptions): Promise<void> {
    this.#producers.clear();
    const offsets = await listSnapshotOffsets(this.dir);
    for (const offset of offsets.filter((o) => o > logEndOffset)) await deleteSnapshotFile(this.dir, offset);
    const usable = offsets.filter((o) => o <= logEndOffset);
    let replayFrom = 0;
    while (usable.length > 0) {
      const offset = usable.at(-1)!;
      try {
        this.#loadEntries(await readSnapshotFile(this.dir, offset));
        replayFrom = offset;
        break;
      } catch (err) {
        if (!(err instanceof CorruptSnapshotError)) throw err;
        this.#logger.warn({ err, offset }, 'ignoring corrupt producer snapshot');
        this.#producers.clear();
        await deleteSnapshotFile(this.dir, offset);
        usable.pop();
      }
    }
    this.#snapshotOffsets = usable;
    await this.#replay(segments, replayFrom, logEndOffset);
    this.evictBelow(logStartOffset);
    this.removeExpired(nowMs);
  }

  /** The log was emptied (truncateFullyAndStartAt or deletion): no producers, no snapshots. */
  async clear(): Promise<void> {
    this.#producers.clear();
    for (const offset of await listSnapshotOffsets(this.dir)) await deleteSnapshotFile(this.dir, offset);
    this.#snapshotOffsets = [];
  }

  #loadEntries(entries: readonly ProducerSnapshotEntry[]): void {
    for (const e of entries) {
      this.#record({
        producerId: e.producerId,
        producerEpoch: e.producerEpoch,
        baseSequence: decrementSequence(e.lastSequence, e.offsetDelta),
        baseOffset: e.lastOffset - e.offsetDelta,
        lastOffset: e.lastOffset,
        maxTimestamp: e.timestamp,
        isControl: false,
      });
    }
  }

  /** Applies the batch headers in [from, upTo) of the segments, read without their records. */
  async #replay(segments: readonly LogSegment[], from: number, upTo: number): Promise<void> {
    for (let i = 0; i < segments.length; i++) {
      const segment = segments[i]!;
      const next = segments[i + 1]?.baseOffset ?? Infinity;
      if (next <= from || segment.baseOffset >= upTo) continue;
      const start = segment.baseOffset >= from ? 0 : ((await segment.translateOffset(from))?.position ?? segment.size);
      for await (const header of segment.log.batchHeaders(start)) {
        if (header.baseOffset >= upTo) break;
        if (header.lastOffset >= from) this.#record(header);
      }
    }
  }
}

/**
 * A data batch with a producer id and a sequence. Control batches carry no sequence; a producer id without one
 * (Kafka refuses it with INVALID_RECORD) is accepted unchecked until transactions bring stricter validation.
 */
function isIdempotent(batch: ProducerBatch): boolean {
  return batch.producerId >= 0 && batch.baseSequence >= 0 && !batch.isControl;
}

function findBatch(entry: MutableProducerEntry, firstSeq: number, lastSeq: number): BatchMetadata | undefined {
  return entry.batches.find((b) => b.lastSeq === lastSeq && firstSequenceOf(b) === firstSeq);
}

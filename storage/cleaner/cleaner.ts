import type { RecordBatchView } from '../../protocol/records/index.js';
import { BatchHeader, CorruptRecordError, LOG_OVERHEAD } from '../../protocol/records/index.js';
import type { Log } from '../log.js';
import type { SwapStep } from '../log-types.js';
import type { StorageLogger } from '../logger.js';
import type { LogSegment } from '../segment.js';
import {
  type BatchDecision,
  BatchRetention,
  filterBatches,
  forEachRecord,
  type RecordDecider,
} from './batch-filter.js';
import { type LogToClean, segmentsInRange } from './cleanable.js';
import { DEFAULT_OFFSET_MAP_LOAD_FACTOR, DEFAULT_OFFSET_MAP_MEMORY_BYTES, OffsetMap } from './offset-map.js';
import { lastBatchesOfProducers, type ProducerLastBatch } from './producer-state.js';
import { CleanedTransactionMetadata } from './transaction-metadata.js';

export interface CleanerOptions {
  /** log.cleaner.dedupe.buffer.size: memory of the offset map, allocated on the first cleaning. Default 128 MiB. */
  dedupeBufferSize?: number;
  /** log.cleaner.io.buffer.load.factor: how full the offset map gets before a cleaning stops mapping. Default 0.9. */
  loadFactor?: number;
  /**
   * log.cleaner.io.buffer.size: I/O buffer memory, half for reading segments and half for the output, as in
   * Kafka; a batch larger than the read half is read whole. Default 512 KiB.
   */
  ioBufferSize?: number;
  /** Key of the offset map's SipHash; random by default (tests fix it). */
  hashKey?: Uint8Array;
}

export const DEFAULT_CLEANER_IO_BUFFER_SIZE = 512 * 1024;

/** Where a cleaning of one group stands; 'cleaned' is the complete .cleaned segment before the swap. */
export type CleaningStep = 'cleaned' | SwapStep;

export interface CleanContext {
  /** The cleaning's "now": tombstone delete horizons are stamped and checked against it. */
  nowMs: number;
  /** Polled between reads and before the swap; true abandons the cleaning (LogCleaningAbortedError). */
  isAborted?: () => boolean;
  /** Test hook after each step of each group; throwing from it leaves the files as a crash at that point would. */
  afterStep?: (step: CleaningStep, group: readonly LogSegment[]) => void | Promise<void>;
}

/** Counters of one cleaning, for the log line and tests (Kafka's CleanerStats). */
export interface CleanerStats {
  /** Bytes and records read while building the offset map. */
  mapBytesRead: number;
  mapRecordsRead: number;
  /** Bytes and records read and written while recopying segments. */
  bytesRead: number;
  bytesWritten: number;
  recordsRead: number;
  recordsWritten: number;
  /** Records without a key (they are dropped). */
  invalidRecords: number;
  /** Segments replaced, and the segments that replaced them. */
  segmentsCleaned: number;
  groupsCleaned: number;
  /** Fraction of the offset map's slots used. */
  bufferUtilization: number;
}

export interface CleanResult {
  /** First offset not cleaned: the next cleaning's first dirty offset (the cleaner checkpoint). */
  endOffset: number;
  stats: CleanerStats;
}

/** The cleaning was abandoned: the log was truncated, closed or changed under it, or the cleaner is stopping. */
export class LogCleaningAbortedError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'LogCleaningAbortedError';
  }
}

/**
 * Cleans one compacted log (Kafka's Cleaner): keeps the latest record of every key, in place, offsets unchanged.
 *
 * 1. Offset map: the dirty section [firstDirtyOffset, firstUncleanableOffset) is read in offset order and every
 *    keyed record's key mapped to its offset (control batches are not mapped). When the map is full the mapping
 *    stops and this cleaning covers only up to the last mapped offset (endOffset); the next one continues there.
 * 2. Recopy: the segments from the log start up to endOffset are grouped so that each group's output fits one
 *    segment (≤ segment.bytes, index sizes ≤ segment.index.bytes, relative offsets in int32), and each group is
 *    filtered into a new segment (filterBatches, compressed batches recompressed with their codec). A record is
 *    kept when it is past the mapped section, or it has a key and no later offset for that key is mapped, and it
 *    is not a tombstone whose delete horizon has passed.
 * 3. Swap: each group's output, complete and fsynced, replaces the group through Log.replaceSegments (crash-safe,
 *    see there); only this step runs on the log's queue, so appends and reads go on meanwhile.
 *
 * Tombstones and transaction markers use the delete-horizon scheme of KIP-534 (Kafka 3.1+): the first cleaning
 * that keeps a batch holding a tombstone (or a marker whose transaction has no data left) stamps it with
 * horizon = now + delete.retention.ms; a cleaning after the horizon drops the tombstone (and the marker). So a
 * tombstone lives at least delete.retention.ms after the first cleaning that saw it.
 *
 * Batches kept even when every record goes: the last batch of each producer id (its sequence and epoch, see
 * producer-state.ts) and the batch ending right before the first uncleanable offset (so the offsets of the
 * cleaned range stay known), both as empty headers.
 *
 * Concurrency: one cleaning at a time per Cleaner (it owns one offset map and is used by one LogCleaner loop). A
 * truncation of the log while it cleans aborts the cleaning; retention deleting segments it reads aborts it too.
 * Memory: the offset map (allocated once, on the first cleaning) plus one read chunk and its filtered output.
 */
export class Cleaner {
  readonly #options: CleanerOptions;
  readonly #logger: StorageLogger;
  readonly #readBufferSize: number;
  #map: OffsetMap | undefined;

  constructor(options: CleanerOptions, logger: StorageLogger) {
    this.#options = options;
    this.#logger = logger;
    this.#readBufferSize = Math.max(
      LOG_OVERHEAD,
      Math.floor((options.ioBufferSize ?? DEFAULT_CLEANER_IO_BUFFER_SIZE) / 2),
    );
  }

  /** Cleans `toClean` up to its first uncleanable offset, or less when the offset map fills up. */
  async clean(toClean: LogToClean, context: CleanContext): Promise<CleanResult> {
    const { log } = toClean;
    let truncated = false;
    const unsubscribe = log.onTruncate(() => {
      truncated = true;
    });
    const isAborted = (): boolean => truncated || context.isAborted?.() === true;
    const checkDone = (): void => {
      if (isAborted()) throw new LogCleaningAbortedError(`cleaning of ${log.dir} was aborted`);
    };
    try {
      const stats = emptyStats();
      const map = this.#offsetMap();
      const upperBound = toClean.firstUncleanableOffset;
      await this.#buildOffsetMap(log, toClean.firstDirtyOffset, upperBound, map, stats, checkDone);
      const endOffset = Math.max(map.latestOffset + 1, toClean.firstDirtyOffset);
      const round: CleaningRound = {
        log,
        map,
        nowMs: context.nowMs,
        upperBound,
        stats,
        transactions: new CleanedTransactionMetadata(),
        producers: await this.#producers(log),
        checkDone,
        isAborted,
        afterStep: context.afterStep,
      };
      const config = log.config;
      const segments = log.segments;
      // never the active segment, even if the log rolled back (truncation) since the candidate was weighed
      const groups = groupSegmentsBySize(
        segmentsInRange(segments, 0, Math.min(endOffset, segments.at(-1)!.baseOffset)),
        config.segmentBytes,
        config.segmentIndexBytes,
        upperBound,
      );
      for (const group of groups) await this.#cleanSegments(round, group);
      stats.bufferUtilization = map.utilization;
      return { endOffset, stats };
    } finally {
      unsubscribe();
    }
  }

  #producers(log: Log): Promise<Map<number, ProducerLastBatch>> {
    const segments = log.segments;
    return guard(log, segments, () => lastBatchesOfProducers(segments));
  }

  #offsetMap(): OffsetMap {
    if (this.#map === undefined) {
      this.#map = new OffsetMap({
        memoryBytes: this.#options.dedupeBufferSize ?? DEFAULT_OFFSET_MAP_MEMORY_BYTES,
        loadFactor: this.#options.loadFactor ?? DEFAULT_OFFSET_MAP_LOAD_FACTOR,
        ...(this.#options.hashKey === undefined ? {} : { hashKey: this.#options.hashKey }),
      });
    }
    return this.#map;
  }

  /** Kafka's buildOffsetMap: maps the keys of [start, end) until the map is full. */
  async #buildOffsetMap(
    log: Log,
    start: number,
    end: number,
    map: OffsetMap,
    stats: CleanerStats,
    checkDone: () => void,
  ): Promise<void> {
    map.clear();
    const dirty = segmentsInRange(log.segments, start, end);
    await guard(log, dirty, async () => {
      for (let i = 0; i < dirty.length; i++) {
        checkDone();
        const nextSegmentStart = dirty[i + 1]?.baseOffset ?? end;
        if (await this.#mapSegment(dirty[i]!, start, nextSegmentStart, map, stats, checkDone)) {
          this.#logger.debug(
            { baseOffset: dirty[i]!.baseOffset, keys: map.size },
            'offset map is full; this segment is partially mapped',
          );
          return;
        }
      }
    });
  }

  /** Maps one segment's keys at or above `start`; true when the map filled up before the segment's end. */
  async #mapSegment(
    segment: LogSegment,
    start: number,
    nextSegmentStart: number,
    map: OffsetMap,
    stats: CleanerStats,
    checkDone: () => void,
  ): Promise<boolean> {
    let position = segment.offsetIndex.lookup(start).position;
    const end = segment.size;
    while (position < end) {
      checkDone();
      const chunk = await this.#readChunk(segment, position, end);
      const result = await forEachRecord(chunk, {
        // control records carry no keys of the log's data
        beginBatch: (batch) => !batch.isControl,
        record: (record) => {
          if (record.key === null || record.offset < start) return true;
          return map.put(record.key, record.offset);
        },
        endBatch: (batch) => {
          if (batch.lastOffset >= start) map.updateLatestOffset(batch.lastOffset);
        },
      });
      stats.mapRecordsRead += result.recordsRead;
      stats.mapBytesRead += result.bytesRead;
      if (result.stopped) return true;
      position += result.bytesRead;
    }
    // Offsets missing at the end of the segment (an earlier cleaning removed them) count as mapped.
    map.updateLatestOffset(nextSegmentStart - 1);
    return false;
  }

  /** Cleans one group into a new segment and swaps it in (Kafka's cleanSegments). */
  async #cleanSegments(round: CleaningRound, group: readonly LogSegment[]): Promise<void> {
    const { log } = round;
    round.checkDone();
    const cleaned = await log.createCleanedSegment(group[0]!.baseOffset);
    try {
      await guard(log, group, async () => {
        for (const segment of group) await this.#cleanInto(round, segment, cleaned);
      });
      await cleaned.onBecomeInactive();
      await cleaned.flush();
      // keep the replaced segments' modification time: retention falls back to it for segments without timestamps
      await cleaned.setLastModified(group.at(-1)!.lastModifiedMs);
      round.checkDone();
    } catch (err) {
      await this.#discard(cleaned);
      throw err;
    }
    await round.afterStep?.('cleaned', group);
    const swapped = await log.replaceSegments(cleaned, group, {
      canSwap: () => !round.isAborted(),
      ...(round.afterStep === undefined ? {} : { afterStep: (step: SwapStep) => round.afterStep!(step, group) }),
    });
    if (!swapped) {
      await this.#discard(cleaned);
      throw new LogCleaningAbortedError(`segments of ${log.dir} changed while they were cleaned`);
    }
    round.stats.segmentsCleaned += group.length;
    round.stats.groupsCleaned++;
    this.#logger.debug(
      { baseOffsets: group.map((s) => s.baseOffset), bytesBefore: sizeOf(group), bytesAfter: cleaned.size },
      'swapped in cleaned segment',
    );
  }

  /** Filters one source segment into `cleaned`, a read chunk at a time (Kafka's cleanInto). */
  async #cleanInto(round: CleaningRound, source: LogSegment, cleaned: LogSegment): Promise<void> {
    const { map, nowMs, stats, transactions, producers, upperBound } = round;
    const deleteHorizonMs = Math.min(nowMs + round.log.config.deleteRetentionMs, Number.MAX_SAFE_INTEGER);

    const isLastBatchOfProducer = (batch: RecordBatchView): boolean => {
      const last: ProducerLastBatch | undefined = producers.get(batch.producerId);
      if (last === undefined) return false;
      if (last.lastDataOffset >= 0) return batch.lastOffset === last.lastDataOffset;
      return batch.isControl && batch.producerEpoch === last.producerEpoch;
    };
    const checkBatch = (batch: RecordBatchView): BatchDecision => {
      const canDiscardBatch = batch.isControl
        ? transactions.onControlBatchRead(batch)
        : transactions.onBatchRead(batch);
      // a removable marker still waits for its delete horizon, like a tombstone
      const discardRecords = batch.isControl
        ? canDiscardBatch && batch.hasDeleteHorizon && batch.baseTimestamp <= nowMs
        : canDiscardBatch;
      let retention: BatchRetention;
      if (batch.producerId >= 0 && isLastBatchOfProducer(batch)) retention = BatchRetention.RetainEmpty;
      else if (batch.lastOffset + 1 === upperBound) retention = BatchRetention.RetainEmpty;
      else if (discardRecords) retention = BatchRetention.Delete;
      else retention = BatchRetention.DeleteEmpty;
      return { retention, discardRecords, setDeleteHorizon: canDiscardBatch && batch.isControl };
    };
    const decide: RecordDecider = (record, batch) => {
      if (batch.isControl || record.offset > map.latestOffset) return true;
      if (record.key === null) {
        stats.invalidRecords++;
        return false;
      }
      if (record.offset < map.get(record.key)) return false;
      if (record.value !== null) return true;
      return !batch.hasDeleteHorizon || nowMs < batch.baseTimestamp;
    };

    let position = 0;
    const end = source.size;
    while (position < end) {
      round.checkDone();
      const chunk = await this.#readChunk(source, position, end);
      const result = await filterBatches(chunk, decide, { checkBatch, deleteHorizonMs });
      position += result.bytesRead;
      stats.bytesRead += result.bytesRead;
      stats.recordsRead += result.recordsRead;
      stats.recordsWritten += result.retainedRecords;
      if (result.output.length > 0) {
        await cleaned.append(result.maxOffset, result.maxTimestamp, result.shallowOffsetOfMaxTimestamp, result.output);
        stats.bytesWritten += result.output.length;
      }
    }
  }

  /**
   * Bytes of `segment` from `position` (a batch boundary): one read buffer's worth, or the whole first batch when
   * it is larger. Always holds at least one whole batch, so every chunk makes progress.
   */
  async #readChunk(segment: LogSegment, position: number, end: number): Promise<Buffer> {
    const chunk = await segment.log.read(position, Math.min(this.#readBufferSize, end - position));
    if (chunk.length >= LOG_OVERHEAD) {
      const size = chunk.readInt32BE(BatchHeader.LENGTH) + LOG_OVERHEAD;
      if (size > LOG_OVERHEAD && size <= chunk.length) return chunk;
      if (size > LOG_OVERHEAD && position + size <= end) return segment.log.read(position, size);
    }
    throw new CorruptRecordError(
      'length',
      `no whole batch at position ${position} of ${segment.logFile} (${end - position} bytes left)`,
    );
  }

  async #discard(segment: LogSegment): Promise<void> {
    try {
      await segment.deleteIfExists();
    } catch (err) {
      this.#logger.warn({ err, file: segment.logFile }, 'cannot delete unfinished cleaner output');
    }
  }
}

/** State of one cleaning shared by its groups. */
interface CleaningRound {
  readonly log: Log;
  readonly map: OffsetMap;
  readonly nowMs: number;
  /** The first uncleanable offset: the batch ending right before it is kept even when empty. */
  readonly upperBound: number;
  readonly stats: CleanerStats;
  readonly transactions: CleanedTransactionMetadata;
  readonly producers: ReadonlyMap<number, ProducerLastBatch>;
  readonly checkDone: () => void;
  readonly isAborted: () => boolean;
  readonly afterStep: CleanContext['afterStep'];
}

/**
 * Kafka's groupSegmentsBySize: consecutive segments whose total log size stays ≤ maxSize and index sizes
 * ≤ maxIndexSize, and whose offsets fit relative to the group's base offset (estimated from the next segment's
 * base, or the first uncleanable offset for the last one). Every segment lands in exactly one group, in order.
 */
export function groupSegmentsBySize(
  segments: readonly LogSegment[],
  maxSize: number,
  maxIndexSize: number,
  firstUncleanableOffset: number,
): LogSegment[][] {
  const groups: LogSegment[][] = [];
  let i = 0;
  while (i < segments.length) {
    const first = segments[i]!;
    const group = [first];
    let logSize = first.size;
    let indexSize = first.offsetIndex.sizeInBytes;
    let timeIndexSize = first.timeIndex.sizeInBytes;
    i++;
    while (i < segments.length) {
      const next = segments[i]!;
      const lastOffset = (segments[i + 1]?.baseOffset ?? firstUncleanableOffset) - 1;
      const fits =
        logSize + next.size <= maxSize &&
        indexSize + next.offsetIndex.sizeInBytes <= maxIndexSize &&
        timeIndexSize + next.timeIndex.sizeInBytes <= maxIndexSize &&
        // an empty segment adds no offsets (without this, empty segments would be left every 2^31 offsets)
        (next.size === 0 || lastOffset - first.baseOffset <= 2 ** 31 - 1);
      if (!fits) break;
      group.push(next);
      logSize += next.size;
      indexSize += next.offsetIndex.sizeInBytes;
      timeIndexSize += next.timeIndex.sizeInBytes;
      i++;
    }
    groups.push(group);
  }
  return groups;
}

/**
 * Runs `task`, which reads `segments`; if it fails after one of them left the log (retention or DeleteRecords
 * deleted it meanwhile), the failure is an abort, not a broken log.
 */
async function guard<T>(log: Log, segments: readonly LogSegment[], task: () => Promise<T>): Promise<T> {
  try {
    return await task();
  } catch (err) {
    if (err instanceof LogCleaningAbortedError) throw err;
    const current = log.segments;
    if (segments.some((s) => !current.includes(s))) {
      throw new LogCleaningAbortedError(`segments of ${log.dir} were deleted while they were cleaned`, { cause: err });
    }
    throw err;
  }
}

function emptyStats(): CleanerStats {
  return {
    mapBytesRead: 0,
    mapRecordsRead: 0,
    bytesRead: 0,
    bytesWritten: 0,
    recordsRead: 0,
    recordsWritten: 0,
    invalidRecords: 0,
    segmentsCleaned: 0,
    groupsCleaned: 0,
    bufferUtilization: 0,
  };
}

function sizeOf(segments: readonly LogSegment[]): number {
  let bytes = 0;
  for (const s of segments) bytes += s.size;
  return bytes;
}

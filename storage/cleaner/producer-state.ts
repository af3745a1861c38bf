import type { LogSegment } from '../segment.js';

/** What the cleaner must keep of one producer (Kafka's LastRecord). */
export interface ProducerLastBatch {
  /** Last offset of the producer's last data batch in its current epoch; -1 when it has none. */
  readonly lastDataOffset: number;
  readonly producerEpoch: number;
}

/**
 * The last batch of every producer id in the log (Kafka's lastRecordsOfActiveProducers), found by a header-only
 * scan of all segments. The cleaner keeps that batch, emptied if need be, so an idempotent or transactional
 * producer's last sequence number and epoch survive compaction: Kafka reads them from its producer state, which
 * Samsa's storage does not keep, so they are recomputed per cleaning. Producers never expire here (Kafka drops
 * them after producer.id.expiration.ms), so one batch header per producer id stays in the log.
 *
 * Batches appended while the cleaner runs can only make an earlier batch stop being the last; keeping it anyway is
 * harmless.
 */
export async function lastBatchesOfProducers(segments: readonly LogSegment[]): Promise<Map<number, ProducerLastBatch>> {
  const producers = new Map<number, ProducerLastBatch>();
  for (const segment of segments) {
    for await (const header of segment.log.batchHeaders()) {
      if (header.producerId < 0) continue;
      const previous = producers.get(header.producerId);
      // A new epoch starts the producer's state over (Kafka resets its batch metadata on an epoch bump).
      const sameEpoch = previous !== undefined && previous.producerEpoch === header.producerEpoch;
      const lastDataOffset = header.isControl ? (sameEpoch ? previous.lastDataOffset : -1) : header.lastOffset;
      producers.set(header.producerId, { lastDataOffset, producerEpoch: header.producerEpoch });
    }
  }
  return producers;
}

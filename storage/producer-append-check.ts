import type { RecordBatchView } from '../protocol/records/index.js';
import type { DuplicateBatch, ProducerStateManager } from './producer-state-manager.js';

/**
 * The idempotent producers' sequence check of a client append (ProducerStateManager.checkAppend). It reads fields
 * the CRC covers but changes nothing, so a batch it lets through is still checked during the write; one it stops
 * (duplicate, out of order, fenced) must pass its CRC first (`checkCrcs`, when not done already), so that
 * corruption is reported as such, as Kafka checks the CRC before the sequence. Returns the batch the log already
 * holds when this one is a retry of it, else null.
 */
export function checkProducerSequences(
  producerState: ProducerStateManager,
  views: readonly RecordBatchView[],
  checkCrcs: (() => void) | undefined,
): DuplicateBatch | null {
  let duplicate: DuplicateBatch | null;
  try {
    duplicate = producerState.checkAppend(views);
  } catch (err) {
    checkCrcs?.();
    throw err;
  }
  if (duplicate !== null) checkCrcs?.();
  return duplicate;
}

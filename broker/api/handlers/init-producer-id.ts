import type { InitProducerId } from '../../../protocol/index.js';
import { ErrorCode, type ResponseInput } from '../../../protocol/index.js';
import type { ProducerIdSource } from '../../producer-id-manager.js';
import { errorCodeFor } from '../error-mapping.js';
import type { ApiHandler } from '../router.js';

/** Versions served: 0-4 (v5 only announces TRANSACTION_ABORTABLE support, which needs transactions). */
export const INIT_PRODUCER_ID_RANGE = { min: 0, max: 4 };

type InitProducerIdResponse = ResponseInput<typeof InitProducerId>;

/**
 * InitProducerId for idempotent producers: a new producer id with epoch 0, as Kafka's TransactionCoordinator
 * answers any request without a transactional id ("blindly accept"). The v3+ producerId/producerEpoch fields are
 * ignored there too: an idempotent producer bumps its epoch itself (KIP-360) and asks for a new id only when the
 * epoch would overflow, which this also serves.
 *
 * A transactional id gets COORDINATOR_NOT_AVAILABLE: this broker is no transaction coordinator yet, and that is
 * the retriable answer Kafka gives when no coordinator can serve the id (the client looks the coordinator up again
 * and eventually times out, rather than failing on an unexpected error).
 */
export function initProducerIdHandler(producerIds: ProducerIdSource): ApiHandler<typeof InitProducerId> {
  return async ({ body, logger }) => {
    if (body.transactionalId !== null) return refused(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    try {
      const producerId = await producerIds.generateProducerId();
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId, producerEpoch: 0 };
    } catch (err) {
      logger.error({ err }, 'cannot allocate a producer id');
      const code = errorCodeFor(err);
      // a failed block claim is a disk problem; the client may retry
      return refused(code === ErrorCode.UNKNOWN_SERVER_ERROR ? ErrorCode.KAFKA_STORAGE_ERROR : code);
    }
  };
}

function refused(errorCode: ErrorCode): InitProducerIdResponse {
  return { throttleTimeMs: 0, errorCode, producerId: -1, producerEpoch: -1 };
}

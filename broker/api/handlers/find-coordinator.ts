import type { FindCoordinator, ResponseInput } from '../../../protocol/index.js';
import { ErrorCode, errorInfo } from '../../../protocol/index.js';
import type { CoordinatorLocation, OffsetsTopic } from '../../group/offsets-topic.js';
import type { ApiHandler } from '../router.js';

/** Versions served: 0-4 (v1 adds the key type and messages, v3 is flexible, v4 batches keys, KIP-699). */
export const FIND_COORDINATOR_RANGE = { min: 0, max: 4 };

/** FindCoordinator's key types. */
export const CoordinatorType = { GROUP: 0, TRANSACTION: 1 } as const;

/** A version 4 request batches its keys (KIP-699). */
const FIRST_BATCHED_VERSION = 4;

type FindCoordinatorResponse = ResponseInput<typeof FindCoordinator>;

function failure(errorCode: ErrorCode): CoordinatorLocation {
  return { errorCode, errorMessage: errorInfo(errorCode).message, nodeId: -1, host: '', port: -1 };
}

/**
 * FindCoordinator, as Kafka's KafkaApis answers it: a group's coordinator is the leader of the group's
 * __consumer_offsets partition (OffsetsTopic.locate, which creates the topic on first need). There is no
 * transaction coordinator yet, so TRANSACTION keys get COORDINATOR_NOT_AVAILABLE; an unknown key type or an empty
 * group id is INVALID_REQUEST. v0-3 answer one key with an error message from v1 (Kafka's: the error's message,
 * "NONE" on success); v4+ answer each of the batched keys, without messages, as Kafka does.
 */
export function findCoordinatorHandler(deps: { offsetsTopic: OffsetsTopic }): ApiHandler<typeof FindCoordinator> {
  const coordinatorFor = (keyType: number, key: string, listenerName: string): Promise<CoordinatorLocation> => {
    if (keyType === CoordinatorType.TRANSACTION) return Promise.resolve(failure(ErrorCode.COORDINATOR_NOT_AVAILABLE));
    if (keyType !== CoordinatorType.GROUP || key === '') return Promise.resolve(failure(ErrorCode.INVALID_REQUEST));
    return deps.offsetsTopic.locate(key, listenerName);
  };

  return async ({ header, body, connection }): Promise<FindCoordinatorResponse> => {
    const listenerName = connection.listenerName;
    if (header.apiVersion >= FIRST_BATCHED_VERSION) {
      const coordinators = await Promise.all(
        body.coordinatorKeys.map(async (key) => {
          const found = await coordinatorFor(body.keyType, key, listenerName);
          return {
            key,
            nodeId: found.nodeId,
            host: found.host,
            port: found.port,
            errorCode: found.errorCode,
            errorMessage: null,
          };
        }),
      );
      return { throttleTimeMs: 0, coordinators };
    }
    const found = await coordinatorFor(body.keyType, body.key, listenerName);
    return {
      throttleTimeMs: 0,
      errorCode: found.errorCode,
      errorMessage: found.errorCode === ErrorCode.NONE ? 'NONE' : found.errorMessage,
      nodeId: found.nodeId,
      host: found.host,
      port: found.port,
    };
  };
}

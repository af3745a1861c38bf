import { type ControlledShutdown, ErrorCode } from '../../../protocol/index.js';
import type { ApiHandler } from '../router.js';

/** Versions served: 0-3; inter-broker, so not advertised (our brokers send v3). */
export const CONTROLLED_SHUTDOWN_RANGE = { min: 0, max: 3, advertised: false };

/** The part of the active controller that moves a stopping broker's leaderships away. */
export interface ControlledShutdownService {
  isActive(): boolean;
  controlledShutdown(
    brokerId: number,
    brokerEpoch: number,
  ): Promise<{ errorCode: ErrorCode; remaining: readonly { topic: string; partition: number }[] }>;
}

/**
 * ControlledShutdown (ZooKeeper mode), sent by a broker about to stop to the active controller: leadership of its
 * partitions moves to other in-sync replicas and it leaves their ISRs, so producers and consumers move on before it
 * goes. The answer lists partitions it still leads (no other replica could take them). A broker that is not the
 * controller answers NOT_CONTROLLER; the stopping broker looks the controller up again and retries.
 */
export function controlledShutdownHandler(
  controller: ControlledShutdownService,
): ApiHandler<typeof ControlledShutdown> {
  return async ({ body }) => {
    if (!controller.isActive()) return { errorCode: ErrorCode.NOT_CONTROLLER, remainingPartitions: [] };
    const { errorCode, remaining } = await controller.controlledShutdown(body.brokerId, body.brokerEpoch);
    return {
      errorCode,
      remainingPartitions: remaining.map((p) => ({ topicName: p.topic, partitionIndex: p.partition })),
    };
  };
}

import type { Heartbeat } from '../../../protocol/index.js';
import type { GroupCoordinator } from '../../group/group-coordinator.js';
import type { ApiHandler } from '../router.js';

/** Versions served: 0-4 (v3 adds the static instance id, v4 is flexible). */
export const HEARTBEAT_RANGE = { min: 0, max: 4 };

/** Heartbeat: keeps the member's session; REBALANCE_IN_PROGRESS tells it to rejoin. */
export function heartbeatHandler(coordinator: GroupCoordinator): ApiHandler<typeof Heartbeat> {
  return ({ body }) =>
    Promise.resolve({
      throttleTimeMs: 0,
      errorCode: coordinator.heartbeat({
        groupId: body.groupId,
        generationId: body.generationId,
        memberId: body.memberId,
        groupInstanceId: body.groupInstanceId,
      }),
    });
}

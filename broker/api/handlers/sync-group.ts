import type { SyncGroup } from '../../../protocol/index.js';
import type { GroupCoordinator } from '../../group/group-coordinator.js';
import type { ApiHandler } from '../router.js';

/** Versions served: 0-5 (v3 adds the static instance id, v5 the protocol type and name checks). */
export const SYNC_GROUP_RANGE = { min: 0, max: 5 };

/**
 * SyncGroup: the leader hands in the assignment; every member (leader included) parks until it is stored, then
 * gets its share. A Stable group answers with the member's current assignment at once.
 */
export function syncGroupHandler(coordinator: GroupCoordinator): ApiHandler<typeof SyncGroup> {
  return async ({ body }) => {
    // copies: the request frame's buffer is reused once this request completes
    const assignments = new Map(body.assignments.map((a) => [a.memberId, Buffer.from(a.assignment)] as const));
    const result = await coordinator.syncGroup({
      groupId: body.groupId,
      generationId: body.generationId,
      memberId: body.memberId,
      groupInstanceId: body.groupInstanceId,
      protocolType: body.protocolType,
      protocolName: body.protocolName,
      assignments,
    });
    return {
      throttleTimeMs: 0,
      errorCode: result.errorCode,
      protocolType: result.protocolType,
      protocolName: result.protocolName,
      assignment: result.assignment,
    };
  };
}

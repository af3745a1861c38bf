import type { LeaveGroup } from '../../../protocol/index.js';
import { ErrorCode } from '../../../protocol/index.js';
import type { GroupCoordinator } from '../../group/group-coordinator.js';
import type { ApiHandler } from '../router.js';

/** Versions served: 0-5 (v3+ takes a batch of members, with instance ids, and answers each). */
export const LEAVE_GROUP_RANGE = { min: 0, max: 5 };

/**
 * LeaveGroup: removes the members and rebalances the rest. v0-2 name one member and carry its error at the top
 * level (Kafka's LeaveGroupResponse: the group error, else the member's); v3+ answer per member.
 */
export function leaveGroupHandler(coordinator: GroupCoordinator): ApiHandler<typeof LeaveGroup> {
  return ({ header, body }) => {
    const batched = header.apiVersion >= 3;
    const leaving = batched
      ? body.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, reason: m.reason }))
      : [{ memberId: body.memberId, groupInstanceId: null, reason: null }];
    const result = coordinator.leaveGroup(body.groupId, leaving);
    const errorCode = batched
      ? result.errorCode
      : result.errorCode !== ErrorCode.NONE
        ? result.errorCode
        : (result.members.find((m) => m.errorCode !== ErrorCode.NONE)?.errorCode ?? ErrorCode.NONE);
    return Promise.resolve({ throttleTimeMs: 0, errorCode, members: result.members });
  };
}

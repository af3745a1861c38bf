import type { ListGroups } from '../../../protocol/index.js';
import { CLASSIC_GROUP_TYPE, type GroupCoordinator } from '../../group/group-coordinator.js';
import type { ApiHandler } from '../router.js';

/** Versions served: 0-5 (v4 filters by state, v5 by group type). */
export const LIST_GROUPS_RANGE = { min: 0, max: 5 };

/** ListGroups: the groups this coordinator holds, with their state (v4+) and type (v5+, always "classic"). */
export function listGroupsHandler(coordinator: GroupCoordinator): ApiHandler<typeof ListGroups> {
  return ({ header, body }) => {
    const version = header.apiVersion;
    const result = coordinator.listGroups({
      states: version >= 4 ? body.statesFilter : [],
      types: version >= 5 ? body.typesFilter : [],
    });
    return Promise.resolve({
      throttleTimeMs: 0,
      errorCode: result.errorCode,
      groups: result.groups.map((g) => ({
        groupId: g.groupId,
        protocolType: g.protocolType,
        groupState: g.state,
        groupType: CLASSIC_GROUP_TYPE,
      })),
    });
  };
}

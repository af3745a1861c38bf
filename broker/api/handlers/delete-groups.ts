import type { DeleteGroups } from '../../../protocol/index.js';
import type { GroupCoordinator } from '../../group/group-coordinator.js';
import type { ApiHandler } from '../router.js';

/** Versions served: 0-2 (v2 is flexible). */
export const DELETE_GROUPS_RANGE = { min: 0, max: 2 };

/** DeleteGroups: Empty groups are deleted with their offsets; others answer NON_EMPTY_GROUP or GROUP_ID_NOT_FOUND. */
export function deleteGroupsHandler(coordinator: GroupCoordinator): ApiHandler<typeof DeleteGroups> {
  return async ({ body }) => ({ throttleTimeMs: 0, results: await coordinator.deleteGroups(body.groupsNames) });
}

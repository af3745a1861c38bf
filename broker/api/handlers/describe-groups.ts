import type { DescribeGroups } from '../../../protocol/index.js';
import type { GroupCoordinator } from '../../group/group-coordinator.js';
import type { ApiHandler } from '../router.js';
import { AUTHORIZED_OPERATIONS_OMITTED } from './metadata.js';

/** Versions served: 0-5 (v3 adds authorized operations, v4 members' instance ids, v5 is flexible). */
export const DESCRIBE_GROUPS_RANGE = { min: 0, max: 5 };

/** AclOperation bits Kafka answers for a group without an authorizer: READ, DELETE, DESCRIBE, DESCRIBE_CONFIGS, ALTER_CONFIGS. */
export const GROUP_AUTHORIZED_OPERATIONS = [3, 6, 8, 10, 11].reduce((acc, op) => acc | (1 << op), 0);

/**
 * DescribeGroups: state, protocol and members of each group; member metadata and assignments only while the
 * group is Stable, and an unknown group as Dead with no error (Kafka before v6).
 */
export function describeGroupsHandler(coordinator: GroupCoordinator): ApiHandler<typeof DescribeGroups> {
  return ({ header, body }) => {
    const withOperations = header.apiVersion >= 3 && body.includeAuthorizedOperations;
    return Promise.resolve({
      throttleTimeMs: 0,
      groups: body.groups.map((groupId) => {
        const g = coordinator.describeGroup(groupId);
        return {
          errorCode: g.errorCode,
          groupId: g.groupId,
          groupState: g.state,
          protocolType: g.protocolType,
          protocolData: g.protocolName,
          members: g.members.map((m) => ({
            memberId: m.memberId,
            groupInstanceId: m.groupInstanceId,
            clientId: m.clientId,
            clientHost: m.clientHost,
            memberMetadata: m.metadata,
            memberAssignment: m.assignment,
          })),
          authorizedOperations: withOperations ? GROUP_AUTHORIZED_OPERATIONS : AUTHORIZED_OPERATIONS_OMITTED,
        };
      }),
    });
  };
}

import { api, array, bool, bytes, int16, int32, string } from '../schema/dsl.js';

/**
 * DescribeGroups (key 15), versions 0-5, flexible from 5.
 * v1 adds throttle time; v2 only changes throttling behaviour; v3 adds the authorized-operations request flag
 * and bitfield; v4 returns each member's group instance id (KIP-345); v5 is the first flexible version.
 */
export const DescribeGroups = api({
  key: 15,
  name: 'DescribeGroups',
  minVersion: 0,
  maxVersion: 5,
  flexibleSince: 5,
  request: {
    groups: array(string()),
    includeAuthorizedOperations: bool({ since: 3 }),
  },
  response: {
    throttleTimeMs: int32({ since: 1 }),
    groups: array({
      errorCode: int16(),
      groupId: string(),
      groupState: string(),
      protocolType: string(),
      protocolData: string(),
      members: array({
        memberId: string(),
        groupInstanceId: string({ since: 4, nullable: true, default: null }),
        clientId: string(),
        clientHost: string(),
        memberMetadata: bytes(),
        memberAssignment: bytes(),
      }),
      authorizedOperations: int32({ since: 3, default: -2147483648 }),
    }),
  },
});

import { api, array, int16, int32, string } from '../schema/dsl.js';

/**
 * LeaveGroup (key 13), versions 0-5, flexible from 4.
 * v1 adds throttle time; v2 only changes throttling behaviour; v3 replaces the single member id with a batch of
 * member identities (member id + group instance id, KIP-345) and returns a result per member; v4 is the first
 * flexible version; v5 adds a per-member leave reason (KIP-800).
 */
export const LeaveGroup = api({
  key: 13,
  name: 'LeaveGroup',
  minVersion: 0,
  maxVersion: 5,
  flexibleSince: 4,
  request: {
    groupId: string(),
    memberId: string({ until: 2 }),
    members: array(
      {
        memberId: string(),
        groupInstanceId: string({ nullable: true, default: null }),
        reason: string({ since: 5, nullable: true, default: null }),
      },
      { since: 3 },
    ),
  },
  response: {
    throttleTimeMs: int32({ since: 1 }),
    errorCode: int16(),
    members: array(
      { memberId: string(), groupInstanceId: string({ nullable: true }), errorCode: int16() },
      { since: 3 },
    ),
  },
});

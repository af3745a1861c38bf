import { api, array, bool, bytes, int16, int32, string } from '../schema/dsl.js';

/**
 * JoinGroup (key 11), versions 0-9, flexible from 6.
 * v1 adds the rebalance timeout; v2 adds throttle time; v3 only changes throttling behaviour; v4 lets the
 * coordinator answer a first join with MEMBER_ID_REQUIRED (KIP-394); v5 adds the static-membership group
 * instance id (KIP-345); v7 returns the protocol type and makes the protocol name nullable (KIP-559); v8 adds
 * the join reason (KIP-800); v9 adds SkipAssignment (KIP-814).
 */
export const JoinGroup = api({
  key: 11,
  name: 'JoinGroup',
  minVersion: 0,
  maxVersion: 9,
  flexibleSince: 6,
  request: {
    groupId: string(),
    sessionTimeoutMs: int32(),
    rebalanceTimeoutMs: int32({ since: 1, default: -1 }),
    memberId: string(),
    groupInstanceId: string({ since: 5, nullable: true, default: null }),
    protocolType: string(),
    protocols: array({ name: string(), metadata: bytes() }),
    reason: string({ since: 8, nullable: true, default: null }),
  },
  response: {
    throttleTimeMs: int32({ since: 2 }),
    errorCode: int16(),
    generationId: int32({ default: -1 }),
    protocolType: string({ since: 7, nullable: true, default: null }),
    protocolName: string({ nullableSince: 7 }),
    leader: string(),
    skipAssignment: bool({ since: 9 }),
    memberId: string(),
    members: array({
      memberId: string(),
      groupInstanceId: string({ since: 5, nullable: true, default: null }),
      metadata: bytes(),
    }),
  },
});

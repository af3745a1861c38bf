import { api, array, bytes, int16, int32, string } from '../schema/dsl.js';

/**
 * SyncGroup (key 14), versions 0-5, flexible from 4.
 * v1 adds throttle time; v2 only changes throttling behaviour; v3 adds the static-membership group instance id
 * (KIP-345); v4 is the first flexible version; v5 adds the protocol type and name in both directions (KIP-559).
 */
export const SyncGroup = api({
  key: 14,
  name: 'SyncGroup',
  minVersion: 0,
  maxVersion: 5,
  flexibleSince: 4,
  request: {
    groupId: string(),
    generationId: int32(),
    memberId: string(),
    groupInstanceId: string({ since: 3, nullable: true, default: null }),
    protocolType: string({ since: 5, nullable: true, default: null }),
    protocolName: string({ since: 5, nullable: true, default: null }),
    assignments: array({ memberId: string(), assignment: bytes() }),
  },
  response: {
    throttleTimeMs: int32({ since: 1 }),
    errorCode: int16(),
    protocolType: string({ since: 5, nullable: true, default: null }),
    protocolName: string({ since: 5, nullable: true, default: null }),
    assignment: bytes(),
  },
});

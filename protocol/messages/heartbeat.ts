import { api, int16, int32, string } from '../schema/dsl.js';

/**
 * Heartbeat (key 12), versions 0-4, flexible from 4.
 * v1 adds throttle time; v2 only changes throttling behaviour; v3 adds the static-membership group instance id
 * (KIP-345); v4 is the first flexible version.
 */
export const Heartbeat = api({
  key: 12,
  name: 'Heartbeat',
  minVersion: 0,
  maxVersion: 4,
  flexibleSince: 4,
  request: {
    groupId: string(),
    generationId: int32(),
    memberId: string(),
    groupInstanceId: string({ since: 3, nullable: true, default: null }),
  },
  response: {
    throttleTimeMs: int32({ since: 1 }),
    errorCode: int16(),
  },
});

import { api, array, int16, int32, int8, string } from '../schema/dsl.js';

/**
 * FindCoordinator (key 10), versions 0-6, flexible from 3.
 * v1 adds the key type (0 group, 1 transaction), throttle time and an error message; v3 is flexible; v4 batches
 * several keys in one request (CoordinatorKeys / Coordinators replace the single key and answer, KIP-699); v5 may
 * return TRANSACTION_ABORTABLE (KIP-890); v6 allows key type 2 (share group, KIP-932). v4-6 share one format.
 */
export const FindCoordinator = api({
  key: 10,
  name: 'FindCoordinator',
  minVersion: 0,
  maxVersion: 6,
  flexibleSince: 3,
  request: {
    key: string({ until: 3 }),
    keyType: int8({ since: 1 }),
    coordinatorKeys: array(string(), { since: 4 }),
  },
  response: {
    throttleTimeMs: int32({ since: 1 }),
    errorCode: int16({ until: 3 }),
    errorMessage: string({ since: 1, until: 3, nullable: true }),
    nodeId: int32({ until: 3 }),
    host: string({ until: 3 }),
    port: int32({ until: 3 }),
    coordinators: array(
      {
        key: string(),
        nodeId: int32(),
        host: string(),
        port: int32(),
        errorCode: int16(),
        errorMessage: string({ nullable: true }),
      },
      { since: 4 },
    ),
  },
});

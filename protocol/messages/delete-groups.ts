import { api, array, int16, int32, string } from '../schema/dsl.js';

/**
 * DeleteGroups (key 42), versions 0-2, flexible from 2.
 * v1 only changes throttling behaviour (responses are sent before throttling); v2 is the first flexible version.
 */
export const DeleteGroups = api({
  key: 42,
  name: 'DeleteGroups',
  minVersion: 0,
  maxVersion: 2,
  flexibleSince: 2,
  request: {
    groupsNames: array(string()),
  },
  response: {
    throttleTimeMs: int32(),
    results: array({ groupId: string(), errorCode: int16() }),
  },
});

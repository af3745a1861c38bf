import { api, array, int16, int32, string } from '../schema/dsl.js';

/**
 * ListGroups (key 16), versions 0-5, flexible from 3.
 * v1 adds throttle time; v2 only changes throttling behaviour; v3 is the first flexible version; v4 adds the
 * states filter and each group's state (KIP-518); v5 adds the types filter and each group's type (KIP-848).
 */
export const ListGroups = api({
  key: 16,
  name: 'ListGroups',
  minVersion: 0,
  maxVersion: 5,
  flexibleSince: 3,
  request: {
    statesFilter: array(string(), { since: 4 }),
    typesFilter: array(string(), { since: 5 }),
  },
  response: {
    throttleTimeMs: int32({ since: 1 }),
    errorCode: int16(),
    groups: array({
      groupId: string(),
      protocolType: string(),
      groupState: string({ since: 4 }),
      groupType: string({ since: 5 }),
    }),
  },
});

import { api, array, bool, int16, int32, string } from '../schema/dsl.js';

/**
 * CreatePartitions (key 37), versions 0-3, flexible from 2.
 * v1 only changes throttling behaviour (responses are sent before throttling); v2 is the first flexible
 * version; v3 may answer THROTTLING_QUOTA_EXCEEDED (KIP-599).
 */
export const CreatePartitions = api({
  key: 37,
  name: 'CreatePartitions',
  minVersion: 0,
  maxVersion: 3,
  flexibleSince: 2,
  request: {
    topics: array({
      name: string(),
      count: int32(),
      assignments: array({ brokerIds: array(int32()) }, { nullable: true }),
    }),
    timeoutMs: int32(),
    validateOnly: bool(),
  },
  response: {
    throttleTimeMs: int32(),
    results: array({
      name: string(),
      errorCode: int16(),
      errorMessage: string({ nullable: true, default: null }),
    }),
  },
});

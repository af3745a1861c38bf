import { api, array, bool, int16, int32, int8, string } from '../schema/dsl.js';

/**
 * IncrementalAlterConfigs (key 44), versions 0-1, flexible from 1 (KIP-339).
 * Each config carries an operation (0 SET, 1 DELETE, 2 APPEND, 3 SUBTRACT); v1 is the first flexible version.
 */
export const IncrementalAlterConfigs = api({
  key: 44,
  name: 'IncrementalAlterConfigs',
  minVersion: 0,
  maxVersion: 1,
  flexibleSince: 1,
  request: {
    resources: array({
      resourceType: int8(),
      resourceName: string(),
      configs: array({ name: string(), configOperation: int8(), value: string({ nullable: true }) }),
    }),
    validateOnly: bool(),
  },
  response: {
    throttleTimeMs: int32(),
    responses: array({
      errorCode: int16(),
      errorMessage: string({ nullable: true }),
      resourceType: int8(),
      resourceName: string(),
    }),
  },
});

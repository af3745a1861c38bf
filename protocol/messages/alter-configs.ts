import { api, array, bool, int16, int32, int8, string } from '../schema/dsl.js';

/**
 * AlterConfigs (key 33), versions 0-2, flexible from 2.
 * v1 only changes throttling behaviour (responses are sent before throttling); v2 is the first flexible version.
 * Superseded by IncrementalAlterConfigs (key 44), which does not reset unnamed configs.
 */
export const AlterConfigs = api({
  key: 33,
  name: 'AlterConfigs',
  minVersion: 0,
  maxVersion: 2,
  flexibleSince: 2,
  request: {
    resources: array({
      resourceType: int8(),
      resourceName: string(),
      configs: array({ name: string(), value: string({ nullable: true }) }),
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

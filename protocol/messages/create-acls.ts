import { api, array, int16, int32, int8, string } from '../schema/dsl.js';

/**
 * CreateAcls (key 30), versions 0-3, flexible from 2.
 * v1 adds the resource pattern type (KIP-290) and sends the response before throttling; v2 is the first flexible
 * version; v3 only adds the USER resource type (KIP-554).
 */
export const CreateAcls = api({
  key: 30,
  name: 'CreateAcls',
  minVersion: 0,
  maxVersion: 3,
  flexibleSince: 2,
  request: {
    creations: array({
      resourceType: int8(),
      resourceName: string(),
      resourcePatternType: int8({ since: 1, default: 3 }),
      principal: string(),
      host: string(),
      operation: int8(),
      permissionType: int8(),
    }),
  },
  response: {
    throttleTimeMs: int32(),
    results: array({ errorCode: int16(), errorMessage: string({ nullable: true }) }),
  },
});

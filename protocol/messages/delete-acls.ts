import { api, array, int16, int32, int8, string } from '../schema/dsl.js';

/**
 * DeleteAcls (key 31), versions 0-3, flexible from 2.
 * v1 adds the resource pattern type (KIP-290) and sends the response before throttling; v2 is the first flexible
 * version; v3 only adds the USER resource type (KIP-554).
 */
export const DeleteAcls = api({
  key: 31,
  name: 'DeleteAcls',
  minVersion: 0,
  maxVersion: 3,
  flexibleSince: 2,
  request: {
    filters: array({
      resourceTypeFilter: int8(),
      resourceNameFilter: string({ nullable: true }),
      patternTypeFilter: int8({ since: 1, default: 3 }),
      principalFilter: string({ nullable: true }),
      hostFilter: string({ nullable: true }),
      operation: int8(),
      permissionType: int8(),
    }),
  },
  response: {
    throttleTimeMs: int32(),
    filterResults: array({
      errorCode: int16(),
      errorMessage: string({ nullable: true }),
      matchingAcls: array({
        errorCode: int16(),
        errorMessage: string({ nullable: true }),
        resourceType: int8(),
        resourceName: string(),
        patternType: int8({ since: 1, default: 3 }),
        principal: string(),
        host: string(),
        operation: int8(),
        permissionType: int8(),
      }),
    }),
  },
});

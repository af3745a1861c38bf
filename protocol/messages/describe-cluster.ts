import { api, array, bool, int16, int32, int8, string } from '../schema/dsl.js';

/**
 * DescribeCluster (key 60), versions 0-1, flexible from 0.
 * v0 is the admin view of the cluster: brokers, controller and cluster authorized operations (KIP-700); v1 adds
 * the endpoint type (1 brokers, 2 controllers, KIP-919) to request and response.
 */
export const DescribeCluster = api({
  key: 60,
  name: 'DescribeCluster',
  minVersion: 0,
  maxVersion: 1,
  flexibleSince: 0,
  request: {
    includeClusterAuthorizedOperations: bool(),
    endpointType: int8({ since: 1, default: 1 }),
  },
  response: {
    throttleTimeMs: int32(),
    errorCode: int16(),
    errorMessage: string({ nullable: true, default: null }),
    endpointType: int8({ since: 1, default: 1 }),
    clusterId: string(),
    controllerId: int32({ default: -1 }),
    brokers: array({
      brokerId: int32(),
      host: string(),
      port: int32(),
      rack: string({ nullable: true, default: null }),
    }),
    clusterAuthorizedOperations: int32({ default: -2147483648 }),
  },
});

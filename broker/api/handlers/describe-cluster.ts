import type { DescribeCluster } from '../../../protocol/index.js';
import { ErrorCode, type ResponseInput } from '../../../protocol/index.js';
import type { MetadataCache } from '../../metadata/metadata-cache.js';
import type { ApiHandler } from '../router.js';
import { AUTHORIZED_OPERATIONS_OMITTED, CLUSTER_AUTHORIZED_OPERATIONS, listenerBrokers } from './metadata.js';

/** Versions served: 0-1 (Java's admin prefers it to Metadata when advertised). */
export const DESCRIBE_CLUSTER_RANGE = { min: 0, max: 1 };

/** KIP-919's endpoint types: a broker serves the brokers type only. */
const EndpointType = { UNKNOWN: 0, BROKER: 1, CONTROLLER: 2 } as const;

type DescribeClusterResponse = ResponseInput<typeof DescribeCluster>;

/**
 * DescribeCluster: the brokers (on the request's listener), the controller and the cluster id from the
 * MetadataCache. A request for another endpoint type is refused as Kafka's broker refuses it: INVALID_REQUEST
 * in v0, UNSUPPORTED_ENDPOINT_TYPE or MISMATCHED_ENDPOINT_TYPE from v1.
 */
export function describeClusterHandler(metadataCache: MetadataCache): ApiHandler<typeof DescribeCluster> {
  return ({ header, body, connection }) => {
    const v0 = header.apiVersion === 0;
    const type = body.endpointType;
    if (type !== EndpointType.BROKER) {
      const known = type === EndpointType.CONTROLLER;
      return Promise.resolve(
        refused(
          v0
            ? ErrorCode.INVALID_REQUEST
            : known
              ? ErrorCode.MISMATCHED_ENDPOINT_TYPE
              : ErrorCode.UNSUPPORTED_ENDPOINT_TYPE,
          known
            ? 'The request was sent to an endpoint of type BROKER, but we wanted an endpoint of type CONTROLLER'
            : `Unsupported endpoint type ${type}`,
          type,
        ),
      );
    }
    const snapshot = metadataCache.snapshot();
    return Promise.resolve({
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      endpointType: EndpointType.BROKER,
      // Empty before the controller's first snapshot, as Kafka's schema default
      clusterId: snapshot.clusterId ?? '',
      controllerId: snapshot.controllerId,
      brokers: listenerBrokers(snapshot, connection.listenerName),
      clusterAuthorizedOperations: body.includeClusterAuthorizedOperations
        ? CLUSTER_AUTHORIZED_OPERATIONS
        : AUTHORIZED_OPERATIONS_OMITTED,
    });
  };
}

function refused(errorCode: ErrorCode, errorMessage: string, endpointType: number): DescribeClusterResponse {
  return { throttleTimeMs: 0, errorCode, errorMessage, endpointType, clusterId: '', brokers: [] };
}

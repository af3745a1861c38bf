import type { ApiVersions } from '../../../protocol/index.js';
import { ErrorCode } from '../../../protocol/index.js';
import type { ApiHandler, Router } from '../router.js';

/** Kafka's rule for the v3+ client software name and version (ApiVersionsRequest.isValid). */
const SOFTWARE_FIELD = /^[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?$/;

/** Versions served: 0-3 (protocol-surface.md; Java 3.9 asks for 4 first and falls back on the error-35 body). */
export const API_VERSIONS_RANGE = { min: 0, max: 3 };

/**
 * ApiVersions: the router's registrations. From v3 the client names its software; a name or version Kafka
 * would reject gets INVALID_REQUEST, with the table all the same.
 */
export function apiVersionsHandler(router: Router): ApiHandler<typeof ApiVersions> {
  return ({ header, body }) => {
    const valid =
      header.apiVersion < 3 ||
      (SOFTWARE_FIELD.test(body.clientSoftwareName) && SOFTWARE_FIELD.test(body.clientSoftwareVersion));
    return Promise.resolve(router.apiVersionsResponse(valid ? ErrorCode.NONE : ErrorCode.INVALID_REQUEST));
  };
}

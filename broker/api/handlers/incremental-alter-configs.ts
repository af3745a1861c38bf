import type { IncrementalAlterConfigs } from '../../../protocol/index.js';
import type { ConfigOperation } from '../../controller/controller.js';
import type { ApiHandler } from '../router.js';
import { type AlterConfigsDeps, alterResources } from './alter-configs.js';

/** Versions served: 0-1 (v1 is flexible). */
export const INCREMENTAL_ALTER_CONFIGS_RANGE = { min: 0, max: 1 };

/**
 * IncrementalAlterConfigs (KIP-339): only the named keys of each topic change, by SET, DELETE (back to the
 * default), APPEND or SUBTRACT (list configs such as cleanup.policy). The controller checks the operations; an
 * unknown operation code is INVALID_REQUEST there. Broker resources as in AlterConfigs.
 */
export function incrementalAlterConfigsHandler(deps: AlterConfigsDeps): ApiHandler<typeof IncrementalAlterConfigs> {
  return async ({ body }) => {
    const resources = body.resources.map((r) => ({
      resourceType: r.resourceType,
      resourceName: r.resourceName,
      ops: r.configs.map((c) => ({ name: c.name, op: c.configOperation as ConfigOperation, value: c.value })),
    }));
    const responses = await alterResources(deps, resources, 'incremental', body.validateOnly);
    return { throttleTimeMs: 0, responses };
  };
}

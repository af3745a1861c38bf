import type { AlterConfigs } from '../../../protocol/index.js';
import { ErrorCode, KafkaError } from '../../../protocol/index.js';
import {
  ConfigOperation,
  type Controller,
  type TopicConfigChange,
  type TopicConfigOp,
} from '../../controller/controller.js';
import type { ApiHandler } from '../router.js';
import { checkBrokerName, ResourceType } from './describe-configs.js';

/** Versions served: 0-2 (v1 changes throttling only, v2 is flexible). */
export const ALTER_CONFIGS_RANGE = { min: 0, max: 2 };

export interface AlterConfigsDeps {
  readonly controller: Pick<Controller, 'alterTopicConfigs'>;
  readonly brokerId: number;
}

export interface AlterResource {
  readonly resourceType: number;
  readonly resourceName: string;
  readonly ops: readonly TopicConfigOp[];
}

export interface AlterResourceResult {
  readonly resourceType: number;
  readonly resourceName: string;
  readonly errorCode: ErrorCode;
  readonly errorMessage: string | null;
}

/**
 * AlterConfigs: each topic's overrides are replaced by the configs given (an override left out returns to its
 * default; a null value leaves the key at its default). Broker resources are refused; see {@link alterResources}.
 */
export function alterConfigsHandler(deps: AlterConfigsDeps): ApiHandler<typeof AlterConfigs> {
  return async ({ body }) => {
    const resources = body.resources.map((r) => ({
      resourceType: r.resourceType,
      resourceName: r.resourceName,
      ops: r.configs.map((c) => ({ name: c.name, op: ConfigOperation.SET, value: c.value })),
    }));
    const responses = await alterResources(deps, resources, 'replace', body.validateOnly);
    return { throttleTimeMs: 0, responses };
  };
}

/**
 * The part AlterConfigs and IncrementalAlterConfigs share: topic changes go to the controller in one call (which
 * validates each topic's result as a whole); errors are per resource, in request order.
 *
 * Broker resources: no broker config can change at run time here, so a change that sets anything gets
 * INVALID_REQUEST "Cannot update these configs dynamically", Kafka's answer for a read-only (non-dynamic) config.
 * One that sets nothing (an empty AlterConfigs, or only deletes: there are no dynamic values to delete) succeeds.
 * Other resource types get INVALID_REQUEST, as Kafka answers a type it does not handle.
 */
export async function alterResources(
  deps: AlterConfigsDeps,
  resources: readonly AlterResource[],
  mode: TopicConfigChange['mode'],
  validateOnly: boolean,
): Promise<AlterResourceResult[]> {
  const changes: TopicConfigChange[] = resources
    .filter((r) => r.resourceType === ResourceType.TOPIC)
    .map((r) => ({ name: r.resourceName, mode, ops: r.ops }));
  const topicResults = changes.length === 0 ? [] : await deps.controller.alterTopicConfigs(changes, { validateOnly });
  let nextTopic = 0;
  return resources.map((r) => {
    const base = { resourceType: r.resourceType, resourceName: r.resourceName };
    if (r.resourceType === ResourceType.TOPIC) {
      const result = topicResults[nextTopic++]!;
      return { ...base, errorCode: result.errorCode, errorMessage: result.errorMessage };
    }
    try {
      if (r.resourceType !== ResourceType.BROKER) {
        throw new KafkaError(ErrorCode.INVALID_REQUEST, `Unsupported resource type: ${r.resourceType}`);
      }
      if (r.resourceName !== '') checkBrokerName(r.resourceName, deps.brokerId);
      const updated = r.ops.filter((o) => o.op !== ConfigOperation.DELETE).map((o) => o.name);
      if (updated.length > 0) {
        throw new KafkaError(
          ErrorCode.INVALID_REQUEST,
          `Invalid config value for resource ConfigResource(type=BROKER, name='${r.resourceName}'): ` +
            `Cannot update these configs dynamically: Set(${updated.join(', ')})`,
        );
      }
      return { ...base, errorCode: ErrorCode.NONE, errorMessage: null };
    } catch (err) {
      if (!(err instanceof KafkaError)) throw err;
      return { ...base, errorCode: err.code, errorMessage: err.message };
    }
  });
}

import type { Metadata } from '../../../protocol/index.js';
import { ErrorCode, KafkaError, ZERO_UUID, type ResponseInput } from '../../../protocol/index.js';
import type { Controller } from '../../controller/controller.js';
import { validateTopicName } from '../../controller/topic-validation.js';
import type { Logger } from '../../logger.js';
import {
  isInternalTopic,
  type BrokerMetadata,
  type MetadataCache,
  type MetadataSnapshot,
  type TopicMetadata,
} from '../../metadata/metadata-cache.js';
import { errorCodeFor } from '../error-mapping.js';
import type { ApiHandler } from '../router.js';

/**
 * Versions served: 0-12 (protocol-surface.md option B: topic ids from v10, paired with Fetch 13, and v0 for
 * kafka-python's probe).
 */
export const METADATA_RANGE = { min: 0, max: 12 };

/** The schema default for authorized operations: the client did not ask for them. */
export const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;

/**
 * AclOperation codes as bits (Utils.to32BitField): what Kafka answers without an authorizer is every operation
 * its AclEntry.supportedOperations lists for the resource type.
 */
const READ = 3;
const WRITE = 4;
const CREATE = 5;
const DELETE = 6;
const ALTER = 7;
const DESCRIBE = 8;
const CLUSTER_ACTION = 9;
const DESCRIBE_CONFIGS = 10;
const ALTER_CONFIGS = 11;
const IDEMPOTENT_WRITE = 12;
const bits = (ops: readonly number[]): number => ops.reduce((acc, op) => acc | (1 << op), 0);

export const TOPIC_AUTHORIZED_OPERATIONS = bits([
  READ,
  WRITE,
  CREATE,
  DELETE,
  ALTER,
  DESCRIBE,
  DESCRIBE_CONFIGS,
  ALTER_CONFIGS,
]);
export const CLUSTER_AUTHORIZED_OPERATIONS = bits([
  CREATE,
  ALTER,
  DESCRIBE,
  CLUSTER_ACTION,
  DESCRIBE_CONFIGS,
  ALTER_CONFIGS,
  IDEMPOTENT_WRITE,
]);

export interface MetadataHandlerDeps {
  readonly metadataCache: MetadataCache;
  readonly controller: Controller;
  /** The broker's auto.create.topics.enable. */
  readonly autoCreateTopicsEnable: boolean;
  /**
   * Creators of internal topics (their coordinators' partition counts and configs), by name: a Metadata request
   * that allows auto-creation creates them even when auto.create.topics.enable is off, as Kafka does.
   */
  readonly internalTopics?: ReadonlyMap<string, () => Promise<ErrorCode>>;
}

type MetadataResponse = ResponseInput<typeof Metadata>;
type TopicResponse = MetadataResponse['topics'][number];
type RequestedTopic = { readonly topicId: string; readonly name: string | null };

/** The first version where a topic may be named by id (v10-v11 carry the field, but Kafka refuses ids there). */
const TOPIC_ID_LOOKUP_VERSION = 12;

/**
 * Metadata: brokers (with the endpoint of the listener the request came in on), the controller, the cluster id
 * and the requested topics, from one snapshot of the MetadataCache. Topics come back in request order (all topics
 * sorted by name). An unknown topic is auto-created when both the request and auto.create.topics.enable allow
 * it; that topic answers LEADER_NOT_AVAILABLE this time, as in Kafka, so the client asks again and finds it.
 */
export function metadataHandler(deps: MetadataHandlerDeps): ApiHandler<typeof Metadata> {
  return async ({ header, body, connection, logger }) => {
    const version = header.apiVersion;
    const snapshot = deps.metadataCache.snapshot();
    // v0 has no null: its empty array is "all topics"; from v1 empty means none (librdkafka's brokers-only query).
    const requested = body.topics === null || (version === 0 && body.topics.length === 0) ? null : body.topics;
    if (requested !== null && version < TOPIC_ID_LOOKUP_VERSION && requested.some(namesById)) {
      return invalidRequest(requested);
    }
    const topicOps = version >= 8 && body.includeTopicAuthorizedOperations;
    const topics =
      requested === null
        ? snapshot.topicNames().map((name) => topicResponse(snapshot.topic(name)!, snapshot))
        : await requestedTopics(dedupe(requested), snapshot, {
            autoCreate: deps.autoCreateTopicsEnable && (version < 4 || body.allowAutoTopicCreation),
            createInternal: version < 4 || body.allowAutoTopicCreation ? deps.internalTopics : undefined,
            controller: deps.controller,
            logger,
          });
    return {
      throttleTimeMs: 0,
      brokers: listenerBrokers(snapshot, connection.listenerName).map((b) => ({
        nodeId: b.brokerId,
        host: b.host,
        port: b.port,
        rack: b.rack,
      })),
      clusterId: snapshot.clusterId,
      controllerId: snapshot.controllerId,
      topics: topicOps ? topics.map((t) => ({ ...t, topicAuthorizedOperations: TOPIC_AUTHORIZED_OPERATIONS })) : topics,
      clusterAuthorizedOperations:
        version >= 8 && body.includeClusterAuthorizedOperations
          ? CLUSTER_AUTHORIZED_OPERATIONS
          : AUTHORIZED_OPERATIONS_OMITTED,
    };
  };
}

/** A broker as clients reach it on one listener. */
export interface ListenerBroker {
  readonly brokerId: number;
  readonly host: string;
  readonly port: number;
  readonly rack: string | null;
}

/**
 * Every known broker with its endpoint on `listenerName`; a broker without that listener is given with its first
 * endpoint rather than left out, so the controller and every leader stay listed (clients need both). A broker
 * with no endpoint at all cannot be reached and is left out.
 */
export function listenerBrokers(snapshot: MetadataSnapshot, listenerName: string): ListenerBroker[] {
  const brokers: ListenerBroker[] = [];
  for (const b of snapshot.brokers.values()) {
    const endpoint = b.endpoints.find((e) => e.listenerName === listenerName) ?? b.endpoints[0];
    if (endpoint !== undefined) {
      brokers.push({ brokerId: b.brokerId, host: endpoint.host, port: endpoint.port, rack: b.rack });
    }
  }
  return brokers;
}

function namesById(t: RequestedTopic): boolean {
  return t.name === null || t.topicId !== ZERO_UUID;
}

/**
 * Kafka refuses topic ids (and null names) before v12 by failing the whole request: every requested topic gets
 * INVALID_REQUEST and nothing else is answered (MetadataRequest.getErrorResponse).
 */
function invalidRequest(requested: readonly RequestedTopic[]): MetadataResponse {
  return {
    throttleTimeMs: 0,
    brokers: [],
    clusterId: null,
    controllerId: -1,
    topics: requested.map((t) => ({
      ...emptyTopic(ErrorCode.INVALID_REQUEST, t.name ?? '', t.topicId),
      isInternal: false,
    })),
  };
}

/** Kafka keeps the requested topics in a set: a topic named twice is answered once. */
function dedupe(requested: readonly RequestedTopic[]): RequestedTopic[] {
  const seen = new Set<string>();
  return requested.filter((t) => {
    const key = t.topicId !== ZERO_UUID ? `id:${t.topicId}` : `name:${t.name}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

interface AutoCreation {
  readonly autoCreate: boolean;
  readonly createInternal: ReadonlyMap<string, () => Promise<ErrorCode>> | undefined;
  readonly controller: Controller;
  readonly logger: Logger;
}

async function requestedTopics(
  requested: readonly RequestedTopic[],
  snapshot: MetadataSnapshot,
  auto: AutoCreation,
): Promise<TopicResponse[]> {
  return Promise.all(
    requested.map(async (t): Promise<TopicResponse> => {
      // A v12 entry with neither name nor id is a lookup of the zero id, which names no topic.
      if (t.topicId !== ZERO_UUID || t.name === null) {
        const topic = snapshot.topicById(t.topicId);
        // Kafka never auto-creates a topic asked for by id: the id names a topic that existed
        return topic === undefined
          ? emptyTopic(ErrorCode.UNKNOWN_TOPIC_ID, null, t.topicId)
          : topicResponse(topic, snapshot);
      }
      const name = t.name;
      const topic = snapshot.topic(name);
      if (topic !== undefined) return topicResponse(topic, snapshot);
      try {
        validateTopicName(name);
      } catch (err) {
        if (err instanceof KafkaError) return emptyTopic(err.code, name, ZERO_UUID);
        throw err;
      }
      // Internal topics get their own partition counts from their coordinators, not num.partitions.
      const createInternal = auto.createInternal?.get(name);
      if (createInternal !== undefined) return internalTopic(name, await createInternal());
      if (!auto.autoCreate || isInternalTopic(name)) {
        return emptyTopic(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, name, ZERO_UUID);
      }
      return autoCreate(name, auto);
    }),
  );
}

/**
 * Creates a missing topic and answers LEADER_NOT_AVAILABLE, which clients retry: the topic is in the next
 * snapshot. Also retriable: a concurrent creation of the same topic, or a controller that is not active yet.
 * Any other refusal (a default replication factor above the broker count, say) is answered with its own code,
 * as Kafka's ZooKeeper-era broker did, so the client does not retry something that cannot succeed.
 */
async function autoCreate(name: string, auto: AutoCreation): Promise<TopicResponse> {
  let code: ErrorCode;
  try {
    code = (await auto.controller.autoCreateTopic(name)).errorCode;
  } catch (err) {
    code = errorCodeFor(err);
    auto.logger.error({ err, topic: name }, 'auto-creation of a topic failed');
  }
  const retriable: readonly ErrorCode[] = [ErrorCode.NONE, ErrorCode.TOPIC_ALREADY_EXISTS, ErrorCode.NOT_CONTROLLER];
  return emptyTopic(retriable.includes(code) ? ErrorCode.LEADER_NOT_AVAILABLE : code, name, ZERO_UUID);
}

/** Kafka's answer for an internal topic being created: LEADER_NOT_AVAILABLE (retry), or why it cannot be. */
function internalTopic(name: string, created: ErrorCode): TopicResponse {
  return emptyTopic(created === ErrorCode.NONE ? ErrorCode.LEADER_NOT_AVAILABLE : created, name, ZERO_UUID);
}

function emptyTopic(errorCode: ErrorCode, name: string | null, topicId: string): TopicResponse {
  return {
    errorCode,
    name,
    topicId,
    isInternal: name !== null && isInternalTopic(name),
    partitions: [],
    topicAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
  };
}

function topicResponse(topic: TopicMetadata, snapshot: MetadataSnapshot): TopicResponse {
  return {
    errorCode: ErrorCode.NONE,
    name: topic.name,
    topicId: topic.topicId,
    isInternal: topic.isInternal,
    partitions: topic.partitions.map((p) => {
      // A leader the snapshot does not list cannot be reached: Kafka answers LEADER_NOT_AVAILABLE with no leader.
      const leader: BrokerMetadata | undefined = p.leader < 0 ? undefined : snapshot.broker(p.leader);
      return {
        errorCode: leader === undefined ? ErrorCode.LEADER_NOT_AVAILABLE : ErrorCode.NONE,
        partitionIndex: p.partition,
        leaderId: leader === undefined ? -1 : p.leader,
        leaderEpoch: p.leaderEpoch,
        replicaNodes: [...p.replicas],
        isrNodes: [...p.isr],
        offlineReplicas: [...p.offlineReplicas],
      };
    }),
    topicAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
  };
}

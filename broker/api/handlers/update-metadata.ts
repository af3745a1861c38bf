import { ErrorCode, type RequestOf, type UpdateMetadata } from '../../../protocol/index.js';
import type { ControllerRequestGate } from '../../cluster/controller-request-gate.js';
import type { BrokerLifecycle } from '../../controller/controller.js';
import {
  type BrokerMetadata,
  isInternalTopic,
  type MetadataCache,
  type MetadataUpdate,
  type PartitionMetadata,
  type TopicMetadata,
} from '../../metadata/metadata-cache.js';
import type { ApiHandler } from '../router.js';

/** Versions served: 0-8; inter-broker, so not advertised (our controller sends v7). */
export const UPDATE_METADATA_RANGE = { min: 0, max: 8, advertised: false };

type Request = RequestOf<typeof UpdateMetadata>;
type WirePartition = Request['ungroupedPartitionStates'][number];

/** Kafka's LeaderAndIsr.LeaderDuringDelete: the partition's topic is being deleted. */
const LEADER_DURING_DELETE = -2;

/** Kafka's SecurityProtocol ids, as UpdateMetadata carries them. */
const SECURITY_PROTOCOLS: Readonly<Record<number, string>> = {
  0: 'PLAINTEXT',
  1: 'SSL',
  2: 'SASL_PLAINTEXT',
  3: 'SASL_SSL',
};

/**
 * UpdateMetadata (ZooKeeper mode): the active controller's view of live brokers and partition leadership, which
 * this broker's Metadata answers are made from. The live broker list is always whole (brokers not in it are gone);
 * partition states are upserts into the topics this broker knows, and a partition marked LeaderDuringDelete leaves
 * (its topic with it once no partition remains). The first update this broker receives is made a full snapshot
 * carrying the cluster id, which the controller does not send.
 */
export function updateMetadataHandler(deps: {
  gate: ControllerRequestGate;
  lifecycle: BrokerLifecycle;
  metadataCache: MetadataCache;
  clusterId: string;
}): ApiHandler<typeof UpdateMetadata> {
  return async ({ header, body }) => {
    const outcome = await deps.gate.run(body, () =>
      deps.lifecycle.updateMetadata(metadataUpdate(body, header.apiVersion, deps.metadataCache, deps.clusterId)),
    );
    return { errorCode: outcome.admitted ? ErrorCode.NONE : outcome.errorCode };
  };
}

/** The request as a MetadataUpdate against the current snapshot. */
export function metadataUpdate(
  body: Request,
  version: number,
  cache: MetadataCache,
  clusterId: string,
): MetadataUpdate {
  const snapshot = cache.snapshot();
  const brokers = body.liveBrokers.map((b) => liveBroker(b, version));
  const changed = new Map<string, { topicId: string | undefined; partitions: Map<number, PartitionMetadata | null> }>();
  const upsert = (topic: string, topicId: string | undefined, p: WirePartition): void => {
    let entry = changed.get(topic);
    if (entry === undefined) changed.set(topic, (entry = { topicId, partitions: new Map() }));
    entry.partitions.set(
      p.partitionIndex,
      p.leader === LEADER_DURING_DELETE
        ? null
        : {
            partition: p.partitionIndex,
            leader: p.leader,
            leaderEpoch: p.leaderEpoch,
            replicas: p.replicas,
            isr: p.isr,
            offlineReplicas: p.offlineReplicas,
          },
    );
  };
  for (const p of body.ungroupedPartitionStates) upsert(p.topicName, undefined, p);
  for (const t of body.topicStates)
    for (const p of t.partitionStates) upsert(t.topicName, version >= 7 ? t.topicId : undefined, p);

  const topics: TopicMetadata[] = [];
  const deletedTopics: string[] = [];
  for (const [name, { topicId, partitions }] of changed) {
    const old = snapshot.topic(name);
    const merged = new Map<number, PartitionMetadata>();
    for (const p of old?.partitions ?? []) merged.set(p.partition, p);
    for (const [index, p] of partitions) {
      if (p === null) merged.delete(index);
      else merged.set(index, p);
    }
    if (merged.size === 0) {
      if (old !== undefined) deletedTopics.push(name);
      continue;
    }
    topics.push({
      name,
      topicId: topicId ?? old?.topicId ?? '',
      isInternal: isInternalTopic(name),
      partitions: [...merged.values()],
    });
  }
  if (snapshot.clusterId === null) {
    const untouched = [...snapshot.topics.values()].filter((t) => !changed.has(t.name));
    return { kind: 'full', clusterId, controllerId: body.controllerId, brokers, topics: [...untouched, ...topics] };
  }
  const live = new Set(brokers.map((b) => b.brokerId));
  return {
    kind: 'delta',
    controllerId: body.controllerId,
    brokers,
    removedBrokerIds: [...snapshot.brokers.keys()].filter((id) => !live.has(id)),
    topics,
    deletedTopics,
  };
}

function liveBroker(b: Request['liveBrokers'][number], version: number): BrokerMetadata {
  if (version === 0) {
    return {
      brokerId: b.id,
      rack: null,
      endpoints: [{ listenerName: 'PLAINTEXT', host: b.v0Host, port: b.v0Port, securityProtocol: 'PLAINTEXT' }],
    };
  }
  return {
    brokerId: b.id,
    rack: b.rack,
    endpoints: b.endpoints.map((e) => {
      const securityProtocol = SECURITY_PROTOCOLS[e.securityProtocol] ?? 'PLAINTEXT';
      // before v3 the listener is named after its security protocol
      return {
        listenerName: version >= 3 ? e.listener : securityProtocol,
        host: e.host,
        port: e.port,
        securityProtocol,
      };
    }),
  };
}

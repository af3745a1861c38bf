import { ErrorCode, KafkaError, type RequestOf, type StopReplica, ZERO_UUID } from '../../../protocol/index.js';
import type { ControllerRequestGate } from '../../cluster/controller-request-gate.js';
import type { BrokerLifecycle, StopReplicaPartition } from '../../controller/controller.js';
import type { MetadataCache } from '../../metadata/metadata-cache.js';
import type { ReplicaManager } from '../../replica/replica-manager.js';
import type { ApiHandler } from '../router.js';

/** Versions served: 0-4; inter-broker, so not advertised (our controller sends v3). */
export const STOP_REPLICA_RANGE = { min: 0, max: 4, advertised: false };

type Request = RequestOf<typeof StopReplica>;

interface StopEntry extends StopReplicaPartition {
  readonly deletePartition: boolean;
  /** -1: no check (before v3, or the controller knows none); -2: the topic is being deleted (Kafka's EpochDuringDelete). */
  readonly leaderEpoch: number;
}

/** Kafka's LeaderAndIsr.EpochDuringDelete: StopReplica of a topic being deleted skips the epoch check. */
const EPOCH_DURING_DELETE = -2;

/**
 * StopReplica (ZooKeeper mode): this broker stops serving the listed replicas (they moved away, the broker is
 * shutting down in a controlled way, or the topic is deleted) and, when asked, deletes their logs. From v3 each
 * partition carries the leader epoch the controller decided; a replica already at a newer epoch is answered
 * FENCED_LEADER_EPOCH and kept, as Kafka does, because a later LeaderAndIsr has overtaken this request.
 */
export function stopReplicaHandler(deps: {
  gate: ControllerRequestGate;
  lifecycle: BrokerLifecycle;
  replicaManager: ReplicaManager;
  metadataCache: MetadataCache;
}): ApiHandler<typeof StopReplica> {
  return async ({ body }) => {
    const entries = stopEntries(body, deps.metadataCache);
    const outcome = await deps.gate.run(body, async () => {
      const codes = new Map<StopEntry, ErrorCode>();
      const batches = new Map<boolean, StopEntry[]>([
        [false, []],
        [true, []],
      ]);
      for (const e of entries) {
        const current = deps.replicaManager.getPartition(e.topic, e.partition)?.leaderEpoch ?? -1;
        if (e.leaderEpoch >= 0 && e.leaderEpoch !== EPOCH_DURING_DELETE && current > e.leaderEpoch) {
          codes.set(e, ErrorCode.FENCED_LEADER_EPOCH);
        } else {
          batches.get(e.deletePartition)!.push(e);
        }
      }
      for (const [deletePartitions, batch] of batches) {
        if (batch.length === 0) continue;
        try {
          await deps.lifecycle.stopReplicas(batch, { deletePartitions });
          for (const e of batch) codes.set(e, ErrorCode.NONE);
        } catch (err) {
          if (!(err instanceof KafkaError)) throw err;
          for (const e of batch) codes.set(e, err.code);
        }
      }
      return codes;
    });
    if (!outcome.admitted) return { errorCode: outcome.errorCode, partitionErrors: [] };
    return {
      errorCode: ErrorCode.NONE,
      partitionErrors: entries.map((e) => ({
        topicName: e.topic,
        partitionIndex: e.partition,
        errorCode: outcome.value.get(e) ?? ErrorCode.NONE,
      })),
    };
  };
}

function stopEntries(body: Request, cache: MetadataCache): StopEntry[] {
  const snapshot = cache.snapshot();
  const topicId = (name: string): string => snapshot.topic(name)?.topicId ?? ZERO_UUID;
  const entries: StopEntry[] = [];
  for (const p of body.ungroupedPartitions) {
    entries.push({
      topic: p.topicName,
      topicId: topicId(p.topicName),
      partition: p.partitionIndex,
      deletePartition: body.deletePartitions,
      leaderEpoch: -1,
    });
  }
  for (const t of body.topics) {
    for (const partition of t.partitionIndexes) {
      entries.push({
        topic: t.name,
        topicId: topicId(t.name),
        partition,
        deletePartition: body.deletePartitions,
        leaderEpoch: -1,
      });
    }
  }
  for (const t of body.topicStates) {
    for (const p of t.partitionStates) {
      entries.push({
        topic: t.topicName,
        topicId: topicId(t.topicName),
        partition: p.partitionIndex,
        deletePartition: p.deletePartition,
        leaderEpoch: p.leaderEpoch,
      });
    }
  }
  return entries;
}

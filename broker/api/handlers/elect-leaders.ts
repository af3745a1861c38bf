import { type ElectLeaders, ErrorCode, KafkaError, type ResponseInput } from '../../../protocol/index.js';
import { awaitChanges, type MetadataCondition } from '../../controller/metadata-wait.js';
import { type ElectionOutcome, ElectionType } from '../../controller/requested-elections.js';
import type { MetadataCache } from '../../metadata/metadata-cache.js';
import type { ApiHandler } from '../router.js';

/** Versions served and advertised: 0-2 (v1 adds the election type and a top-level error, v2 is flexible). */
export const ELECT_LEADERS_RANGE = { min: 0, max: 2 };

type TopicPartition = { readonly topic: string; readonly partition: number };

/** The part of the active controller that runs requested leader elections. */
export interface LeaderElectionService {
  isActive(): boolean;
  electLeaders(type: ElectionType, partitions: readonly TopicPartition[] | null): Promise<ElectionOutcome[]>;
}

/**
 * ElectLeaders (ZooKeeper mode): preferred (type 0, and every v0 request) or unclean (type 1) leader elections, run
 * by the active controller (KafkaController.electLeaders). As Kafka's ZooKeeper-mode broker, it is answered by
 * whichever broker receives it from its own controller, which is active only on the controller: elsewhere each
 * partition answers NOT_CONTROLLER, and clients send it to the controller. Null topic partitions means every
 * partition; then partitions that needed no election are left out of the answer, as in Kafka.
 *
 * Like Kafka's DelayedElectLeader, the answer waits until this broker's metadata shows each new leader, for up to
 * timeoutMs; a partition whose leader does not show in time (or by the time this broker stops being the controller)
 * answers REQUEST_TIMED_OUT, and the election stands.
 */
export function electLeadersHandler(deps: {
  controller: LeaderElectionService;
  metadataCache: MetadataCache;
}): ApiHandler<typeof ElectLeaders> {
  const { controller, metadataCache } = deps;
  return async ({ header, body }) => {
    const requested =
      body.topicPartitions === null
        ? null
        : body.topicPartitions.flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, partition })));
    // v0 has no type: preferred
    const type = header.apiVersion === 0 ? ElectionType.PREFERRED : body.electionType;
    const failAll = (errorCode: ErrorCode, errorMessage: string | null, topLevel: ErrorCode) => {
      const partitions = requested ?? allPartitions(metadataCache);
      return response(
        topLevel,
        partitions.map((tp) => ({ ...tp, errorCode, errorMessage })),
      );
    };
    if (type !== ElectionType.PREFERRED && type !== ElectionType.UNCLEAN) {
      const message = `Unknown election type ${type}.`;
      return failAll(ErrorCode.INVALID_REQUEST, message, ErrorCode.INVALID_REQUEST);
    }
    let outcomes: ElectionOutcome[];
    try {
      if (!controller.isActive()) throw new KafkaError(ErrorCode.NOT_CONTROLLER, 'This broker is not the controller.');
      outcomes = await controller.electLeaders(type, requested);
    } catch (err) {
      if (!(err instanceof KafkaError) || err.code !== ErrorCode.NOT_CONTROLLER) throw err;
      return failAll(ErrorCode.NOT_CONTROLLER, null, ErrorCode.NONE);
    }
    const pending = outcomes.flatMap((o, index) =>
      o.leader === undefined
        ? []
        : [
            {
              index,
              what: `leader ${o.leader} of ${o.topic}-${o.partition}`,
              done: leaderShown(o, o.leader),
            },
          ],
    );
    const answered = await awaitChanges(metadataCache, outcomes, pending, {
      timeoutMs: body.timeoutMs,
      // a controller that resigned (its broker stopping, say) stops waiting: those partitions answer REQUEST_TIMED_OUT
      abandoned: () => !controller.isActive(),
      fail: (outcome, err) => ({ ...outcome, errorCode: err.code, errorMessage: err.message }),
    });
    const shown = requested === null ? answered.filter((o) => o.errorCode !== ErrorCode.ELECTION_NOT_NEEDED) : answered;
    return response(ErrorCode.NONE, shown);
  };
}

function leaderShown(tp: TopicPartition, leader: number): MetadataCondition {
  return (snapshot) => snapshot.partition(tp.topic, tp.partition)?.leader === leader;
}

function allPartitions(cache: MetadataCache): TopicPartition[] {
  const snapshot = cache.snapshot();
  return snapshot
    .topicNames()
    .flatMap((name) => (snapshot.topic(name)?.partitions ?? []).map((p) => ({ topic: name, partition: p.partition })));
}

function response(
  errorCode: ErrorCode,
  outcomes: readonly (TopicPartition & { errorCode: ErrorCode; errorMessage: string | null })[],
): ResponseInput<typeof ElectLeaders> {
  const byTopic = new Map<string, { partitionId: number; errorCode: number; errorMessage: string | null }[]>();
  for (const o of outcomes) {
    let list = byTopic.get(o.topic);
    if (list === undefined) byTopic.set(o.topic, (list = []));
    list.push({ partitionId: o.partition, errorCode: o.errorCode, errorMessage: o.errorMessage });
  }
  return {
    throttleTimeMs: 0,
    errorCode,
    replicaElectionResults: [...byTopic].map(([topic, partitionResult]) => ({ topic, partitionResult })),
  };
}

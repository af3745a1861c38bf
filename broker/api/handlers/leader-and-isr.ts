import { ErrorCode, KafkaError, type LeaderAndIsr, type RequestOf, ZERO_UUID } from '../../../protocol/index.js';
import type { ControllerRequestGate } from '../../cluster/controller-request-gate.js';
import type { BrokerLifecycle, LeaderAndIsrPartitionState, LiveLeader } from '../../controller/controller.js';
import type { ApiHandler } from '../router.js';

/** Versions served: 0-7; inter-broker, so not advertised (our controller sends v5+). */
export const LEADER_AND_ISR_RANGE = { min: 0, max: 7, advertised: false };

type Request = RequestOf<typeof LeaderAndIsr>;

/**
 * LeaderAndIsr (ZooKeeper mode): the active controller tells this broker which of its replicas lead and which
 * follow, and where the leaders are. Admitted through the {@link ControllerRequestGate} (a stale controller or an
 * old registration of this broker gets the request-level error), then handed to the BrokerLifecycle in one call.
 * A refusal of the lifecycle's (a leader epoch older than the one applied) is answered for every partition of
 * the request, as the call applies them in order and the controller resends the whole state anyway.
 */
export function leaderAndIsrHandler(deps: {
  gate: ControllerRequestGate;
  lifecycle: BrokerLifecycle;
}): ApiHandler<typeof LeaderAndIsr> {
  return async ({ header, body }) => {
    const states = partitionStates(body);
    const outcome = await deps.gate.run(body, async () => {
      try {
        await deps.lifecycle.becomeLeaderOrFollower(states, liveLeaders(body));
        return ErrorCode.NONE;
      } catch (err) {
        if (err instanceof KafkaError) return err.code;
        throw err;
      }
    });
    const errorCode = outcome.admitted ? ErrorCode.NONE : outcome.errorCode;
    const partitionCode = outcome.admitted ? outcome.value : ErrorCode.NONE;
    const errors = outcome.admitted ? states : [];
    if (header.apiVersion < 5) {
      return {
        errorCode,
        partitionErrors: errors.map((s) => ({
          topicName: s.topic,
          partitionIndex: s.partition,
          errorCode: partitionCode,
        })),
        topics: [],
      };
    }
    const byTopic = new Map<string, { partitionIndex: number; errorCode: number; topicName: string }[]>();
    for (const s of errors) {
      let list = byTopic.get(s.topicId);
      if (list === undefined) byTopic.set(s.topicId, (list = []));
      list.push({ topicName: s.topic, partitionIndex: s.partition, errorCode: partitionCode });
    }
    return {
      errorCode,
      partitionErrors: [],
      topics: [...byTopic].map(([topicId, partitionErrors]) => ({ topicId, partitionErrors })),
    };
  };
}

function partitionStates(body: Request): LeaderAndIsrPartitionState[] {
  const states: LeaderAndIsrPartitionState[] = [];
  const add = (topic: string, topicId: string, p: Request['ungroupedPartitionStates'][number]): void => {
    states.push({
      topic,
      topicId,
      partition: p.partitionIndex,
      leader: p.leader,
      leaderEpoch: p.leaderEpoch,
      isr: p.isr,
      replicas: p.replicas,
      partitionEpoch: p.partitionEpoch,
      controllerEpoch: p.controllerEpoch,
      isNew: p.isNew,
    });
  };
  for (const p of body.ungroupedPartitionStates) add(p.topicName, ZERO_UUID, p);
  for (const t of body.topicStates) for (const p of t.partitionStates) add(t.topicName, t.topicId, p);
  return states;
}

function liveLeaders(body: Request): LiveLeader[] {
  return body.liveLeaders.map((l) => ({ brokerId: l.brokerId, host: l.hostName, port: l.port }));
}

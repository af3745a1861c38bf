/**
 * Topic-level znode data of Kafka 3.x (kafka.zk.ZkData): assignments, partition states, entity configs and the
 * sequential notifications, encoded as Kafka writes them and decoded with validation (ZkDataError otherwise).
 */

import { ZkJson, jsonBytes } from './zk-json.js';
import { ZkPaths, type ConfigEntityType } from './zk-paths.js';

/** Kafka writes topic assignments in version 3 (topic ids since 2.8, version 3 since 3.0). */
export const TOPIC_ASSIGNMENT_VERSION = 3;

/** One partition's replicas, with the replicas being added and removed by a reassignment (KIP-455). */
export interface ZkReplicaAssignment {
  readonly replicas: readonly number[];
  readonly addingReplicas: readonly number[];
  readonly removingReplicas: readonly number[];
}

/** The content of `/brokers/topics/<t>`. */
export interface ZkTopicAssignment {
  /** The topic id (22-character uuid text); null for a topic created before topic ids. */
  readonly topicId: string | null;
  readonly partitions: ReadonlyMap<number, ZkReplicaAssignment>;
}

export function encodeTopicAssignment(assignment: ZkTopicAssignment): Buffer {
  const partitions: Record<string, readonly number[]> = {};
  const adding: Record<string, readonly number[]> = {};
  const removing: Record<string, readonly number[]> = {};
  for (const [p, a] of [...assignment.partitions].sort(([x], [y]) => x - y)) {
    partitions[p] = a.replicas;
    if (a.addingReplicas.length > 0) adding[p] = a.addingReplicas;
    if (a.removingReplicas.length > 0) removing[p] = a.removingReplicas;
  }
  return jsonBytes({
    removing_replicas: removing,
    partitions,
    ...(assignment.topicId === null ? {} : { topic_id: assignment.topicId }),
    adding_replicas: adding,
    version: TOPIC_ASSIGNMENT_VERSION,
  });
}

export function decodeTopicAssignment(topic: string, bytes: Buffer): ZkTopicAssignment {
  const json = ZkJson.parse(ZkPaths.topic(topic), bytes);
  const replicasOf = (key: string) => {
    const map = new Map<number, number[]>();
    for (const [p, replicas] of json.entries(key, true)) {
      map.set(partitionNumber(json, p), json.asIntArray(replicas, `"${key}.${p}"`));
    }
    return map;
  };
  const adding = replicasOf('adding_replicas');
  const removing = replicasOf('removing_replicas');
  const partitions = new Map<number, ZkReplicaAssignment>();
  for (const [p, replicas] of replicasOf('partitions')) {
    partitions.set(p, { replicas, addingReplicas: adding.get(p) ?? [], removingReplicas: removing.get(p) ?? [] });
  }
  return { topicId: json.optionalString('topic_id'), partitions };
}

function partitionNumber(json: ZkJson, text: string): number {
  if (!/^\d+$/.test(text)) throw json.fail(`bad partition "${text}"`);
  return Number(text);
}

/** Kafka's LeaderRecoveryState: RECOVERING after an unclean election until the new leader has recovered. */
export const LeaderRecoveryState = { RECOVERED: 0, RECOVERING: 1 } as const;
export type LeaderRecoveryState = (typeof LeaderRecoveryState)[keyof typeof LeaderRecoveryState];

/** The content of `/brokers/topics/<t>/partitions/<p>/state`; its zkVersion is the partition epoch. */
export interface ZkPartitionState {
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly isr: readonly number[];
  readonly controllerEpoch: number;
  readonly leaderRecoveryState: LeaderRecoveryState;
}

/** Like Kafka, leader_recovery_state is written only when not RECOVERED. */
export function encodePartitionState(state: ZkPartitionState): Buffer {
  return jsonBytes({
    controller_epoch: state.controllerEpoch,
    leader: state.leader,
    version: 1,
    leader_epoch: state.leaderEpoch,
    isr: state.isr,
    ...(state.leaderRecoveryState === LeaderRecoveryState.RECOVERED
      ? {}
      : { leader_recovery_state: state.leaderRecoveryState }),
  });
}

export function decodePartitionState(topic: string, partition: number, bytes: Buffer): ZkPartitionState {
  const json = ZkJson.parse(ZkPaths.topicPartitionState(topic, partition), bytes);
  const recovery = json.has('leader_recovery_state') ? json.int('leader_recovery_state') : 0;
  if (recovery !== LeaderRecoveryState.RECOVERED && recovery !== LeaderRecoveryState.RECOVERING) {
    throw json.fail(`unknown leader_recovery_state ${recovery}`);
  }
  return {
    leader: json.int('leader'),
    leaderEpoch: json.int('leader_epoch'),
    isr: json.intArray('isr'),
    controllerEpoch: json.int('controller_epoch'),
    leaderRecoveryState: recovery,
  };
}

/** `/config/<type>/<name>`: `{"version":1,"config":{...}}`, every value a string. */
export function encodeEntityConfig(config: Readonly<Record<string, string>>): Buffer {
  return jsonBytes({ version: 1, config });
}

export function decodeEntityConfig(path: string, bytes: Buffer): Record<string, string> {
  if (bytes.length === 0) return {};
  const json = ZkJson.parse(path, bytes);
  const config: Record<string, string> = {};
  for (const [key, value] of json.entries('config', true)) config[key] = json.asString(value, `config "${key}"`);
  return config;
}

/** The entity a `/config/changes/config_change_<n>` notification names. */
export interface ZkConfigChange {
  readonly entityType: string;
  readonly entityName: string;
}

/** Version 2: `{"version":2,"entity_path":"<type>/<name>"}`; created at SequenceCreatePath.configChange. */
export function encodeConfigChange(entityType: ConfigEntityType, entityName: string): Buffer {
  return jsonBytes({ version: 2, entity_path: `${entityType}/${entityName}` });
}

/** Reads version 2 (entity_path) and version 1 (entity_type, entity_name). */
export function decodeConfigChange(path: string, bytes: Buffer): ZkConfigChange {
  const json = ZkJson.parse(path, bytes);
  const version = json.int('version');
  if (version === 1) return { entityType: json.string('entity_type'), entityName: json.string('entity_name') };
  if (version !== 2) throw json.fail(`unsupported config change version ${version}`);
  const entityPath = json.string('entity_path');
  const slash = entityPath.indexOf('/');
  if (slash <= 0 || slash === entityPath.length - 1) throw json.fail(`bad entity_path "${entityPath}"`);
  return { entityType: entityPath.slice(0, slash), entityName: entityPath.slice(slash + 1) };
}

export interface ZkTopicPartition {
  readonly topic: string;
  readonly partition: number;
}

/** `/isr_change_notification/isr_change_<n>`: `{"version":1,"partitions":[{"topic":..,"partition":..}]}`. */
export function encodeIsrChange(partitions: readonly ZkTopicPartition[]): Buffer {
  return jsonBytes({ version: 1, partitions: partitions.map((p) => ({ topic: p.topic, partition: p.partition })) });
}

export function decodeIsrChange(path: string, bytes: Buffer): ZkTopicPartition[] {
  const json = ZkJson.parse(path, bytes);
  return json.objects('partitions').map((p) => ({ topic: p.string('topic'), partition: p.int('partition') }));
}

/** `/log_dir_event_notification/log_dir_event_<n>`: a broker's log dir failed (event 1). */
export function encodeLogDirEvent(brokerId: number): Buffer {
  return jsonBytes({ version: 1, broker: brokerId, event: 1 });
}

export function decodeLogDirEvent(path: string, bytes: Buffer): number {
  return ZkJson.parse(path, bytes).int('broker');
}

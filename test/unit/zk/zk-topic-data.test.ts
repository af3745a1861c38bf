import { describe, expect, it } from 'vitest';
import {
  decodeConfigChange,
  decodeEntityConfig,
  decodeIsrChange,
  decodeLogDirEvent,
  decodePartitionState,
  decodeTopicAssignment,
  encodeConfigChange,
  encodeEntityConfig,
  encodeIsrChange,
  encodeLogDirEvent,
  encodePartitionState,
  encodeTopicAssignment,
  LeaderRecoveryState,
  ZkDataError,
} from '../../../broker/zk/index.js';

/**
 * Fixtures: topic-level znodes as Kafka 3.x writes them in ZooKeeper mode (TopicZNode version 3 with topic_id,
 * TopicPartitionStateZNode version 1, ConfigEntityZNode, ConfigEntityChangeNotificationSequenceZNode version 2,
 * IsrChangeNotificationSequenceZNode version 1, LogDirEventNotificationSequenceZNode).
 */
const TOPIC_V3 =
  '{"removing_replicas":{},"partitions":{"0":[0]},"topic_id":"ZOLr9CLNQjSW70hyIHx6BQ","adding_replicas":{},"version":3}';
const TOPIC_REASSIGNING =
  '{"removing_replicas":{"1":[3]},"partitions":{"0":[1,2,3],"1":[2,3,4]},"topic_id":"ZOLr9CLNQjSW70hyIHx6BQ",' +
  '"adding_replicas":{"1":[4]},"version":3}';
/** Written by Kafka before topic ids (version 1 and 2 assignments); the id is then absent. */
const TOPIC_V1 = '{"version":1,"partitions":{"1":[2,0],"0":[1,2]}}';
const PARTITION_STATE = '{"controller_epoch":1,"leader":0,"version":1,"leader_epoch":0,"isr":[0]}';
const TOPIC_CONFIG = '{"version":1,"config":{"retention.ms":"100000"}}';
const CONFIG_CHANGE = '{"version":2,"entity_path":"topics/my-topic"}';
const ISR_CHANGE = '{"version":1,"partitions":[{"topic":"t","partition":0},{"topic":"u","partition":3}]}';

const json = (text: string) => Buffer.from(text, 'utf8');

describe('topic assignment (/brokers/topics/<t>)', () => {
  it('encodes version 3 byte for byte as Kafka 3.x does', () => {
    const bytes = encodeTopicAssignment({
      topicId: 'ZOLr9CLNQjSW70hyIHx6BQ',
      partitions: new Map([[0, { replicas: [0], addingReplicas: [], removingReplicas: [] }]]),
    });
    expect(bytes.toString()).toBe(TOPIC_V3);
  });

  it('writes the adding and removing replicas of a reassignment, partitions in order', () => {
    const bytes = encodeTopicAssignment({
      topicId: 'ZOLr9CLNQjSW70hyIHx6BQ',
      partitions: new Map([
        [1, { replicas: [2, 3, 4], addingReplicas: [4], removingReplicas: [3] }],
        [0, { replicas: [1, 2, 3], addingReplicas: [], removingReplicas: [] }],
      ]),
    });
    expect(bytes.toString()).toBe(TOPIC_REASSIGNING);
  });

  it('decodes version 3 with its reassignment and an old assignment without a topic id', () => {
    const decoded = decodeTopicAssignment('t', json(TOPIC_REASSIGNING));
    expect(decoded.topicId).toBe('ZOLr9CLNQjSW70hyIHx6BQ');
    expect([...decoded.partitions]).toEqual([
      [0, { replicas: [1, 2, 3], addingReplicas: [], removingReplicas: [] }],
      [1, { replicas: [2, 3, 4], addingReplicas: [4], removingReplicas: [3] }],
    ]);
    const old = decodeTopicAssignment('t', json(TOPIC_V1));
    expect(old.topicId).toBeNull();
    expect(old.partitions.get(1)?.replicas).toEqual([2, 0]);
  });

  it.each([
    ['a non-numeric partition', '{"version":3,"partitions":{"x":[1]}}'],
    ['replicas that are not integers', '{"version":3,"partitions":{"0":["1"]}}'],
    ['partitions that are not an object', '{"version":3,"partitions":[1]}'],
  ])('refuses %s', (_what, text) => {
    expect(() => decodeTopicAssignment('orders', json(text))).toThrow(ZkDataError);
    expect(() => decodeTopicAssignment('orders', json(text))).toThrow(/\/brokers\/topics\/orders/);
  });
});

describe('partition state (/brokers/topics/<t>/partitions/<p>/state)', () => {
  const state = {
    leader: 0,
    leaderEpoch: 0,
    isr: [0],
    controllerEpoch: 1,
    leaderRecoveryState: LeaderRecoveryState.RECOVERED,
  };

  it('encodes as Kafka does, leader_recovery_state only while recovering', () => {
    expect(encodePartitionState(state).toString()).toBe(PARTITION_STATE);
    const recovering = encodePartitionState({ ...state, leaderRecoveryState: LeaderRecoveryState.RECOVERING });
    expect(JSON.parse(recovering.toString())).toEqual({ ...JSON.parse(PARTITION_STATE), leader_recovery_state: 1 });
  });

  it('decodes, defaulting the recovery state to RECOVERED', () => {
    expect(decodePartitionState('t', 0, json(PARTITION_STATE))).toEqual(state);
    const text = '{"controller_epoch":3,"leader":-1,"version":1,"leader_epoch":7,"isr":[2],"leader_recovery_state":1}';
    expect(decodePartitionState('t', 0, json(text))).toEqual({
      leader: -1,
      leaderEpoch: 7,
      isr: [2],
      controllerEpoch: 3,
      leaderRecoveryState: LeaderRecoveryState.RECOVERING,
    });
  });

  it('refuses a state without an ISR or with an unknown recovery state', () => {
    expect(() => decodePartitionState('t', 2, json('{"leader":1,"leader_epoch":0,"controller_epoch":1}'))).toThrow(
      /\/brokers\/topics\/t\/partitions\/2\/state/,
    );
    const bad = PARTITION_STATE.replace('"isr":[0]', '"isr":[0],"leader_recovery_state":5');
    expect(() => decodePartitionState('t', 2, json(bad))).toThrow(ZkDataError);
  });
});

describe('entity configs and change notifications', () => {
  it('writes and reads /config/topics/<t>', () => {
    expect(encodeEntityConfig({ 'retention.ms': '100000' }).toString()).toBe(TOPIC_CONFIG);
    expect(decodeEntityConfig('/config/topics/t', json(TOPIC_CONFIG))).toEqual({ 'retention.ms': '100000' });
    expect(decodeEntityConfig('/config/topics/t', Buffer.alloc(0))).toEqual({});
    expect(() => decodeEntityConfig('/config/topics/t', json('{"version":1,"config":{"a":1}}'))).toThrow(ZkDataError);
  });

  it('writes version 2 config change notifications and reads versions 2 and 1', () => {
    expect(encodeConfigChange('topics', 'my-topic').toString()).toBe(CONFIG_CHANGE);
    expect(decodeConfigChange('/config/changes/config_change_0000000000', json(CONFIG_CHANGE))).toEqual({
      entityType: 'topics',
      entityName: 'my-topic',
    });
    const v1 = '{"version":1,"entity_type":"topics","entity_name":"x"}';
    expect(decodeConfigChange('/c', json(v1))).toEqual({ entityType: 'topics', entityName: 'x' });
    expect(() => decodeConfigChange('/c', json('{"version":2,"entity_path":"topics"}'))).toThrow(ZkDataError);
    expect(() => decodeConfigChange('/c', json('{"version":3,"entity_path":"topics/x"}'))).toThrow(ZkDataError);
  });

  it('writes and reads ISR change notifications', () => {
    const partitions = [
      { topic: 't', partition: 0 },
      { topic: 'u', partition: 3 },
    ];
    expect(encodeIsrChange(partitions).toString()).toBe(ISR_CHANGE);
    expect(decodeIsrChange('/isr_change_notification/isr_change_0000000001', json(ISR_CHANGE))).toEqual(partitions);
    expect(() => decodeIsrChange('/i', json('{"version":1,"partitions":[{"topic":"t"}]}'))).toThrow(ZkDataError);
  });

  it('writes and reads log dir failure events', () => {
    expect(encodeLogDirEvent(4).toString()).toBe('{"version":1,"broker":4,"event":1}');
    expect(decodeLogDirEvent('/l', encodeLogDirEvent(4))).toBe(4);
  });
});

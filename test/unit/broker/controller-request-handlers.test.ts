import { describe, expect, it } from 'vitest';
import { controlledShutdownHandler } from '../../../broker/api/handlers/controlled-shutdown.js';
import { leaderAndIsrHandler } from '../../../broker/api/handlers/leader-and-isr.js';
import { stopReplicaHandler } from '../../../broker/api/handlers/stop-replica.js';
import { updateMetadataHandler } from '../../../broker/api/handlers/update-metadata.js';
import { ControllerRequestGate } from '../../../broker/cluster/controller-request-gate.js';
import type {
  BrokerLifecycle,
  LeaderAndIsrPartitionState,
  StopReplicaPartition,
} from '../../../broker/controller/controller.js';
import { MetadataCache, type MetadataUpdate } from '../../../broker/metadata/metadata-cache.js';
import type { ReplicaManager } from '../../../broker/replica/replica-manager.js';
import {
  ControlledShutdown,
  ErrorCode,
  KafkaError,
  LeaderAndIsr,
  StopReplica,
  UpdateMetadata,
} from '../../../protocol/index.js';
import { callHandler } from '../../helpers/handler-call.js';

const TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAQ';

/** Records what the handlers hand to the broker, and applies metadata to a real cache. */
class RecordingLifecycle implements BrokerLifecycle {
  readonly states: LeaderAndIsrPartitionState[][] = [];
  readonly leaders: unknown[] = [];
  readonly stopped: { partitions: StopReplicaPartition[]; deletePartitions: boolean }[] = [];
  readonly updates: MetadataUpdate[] = [];
  failWith: KafkaError | null = null;

  constructor(readonly cache = new MetadataCache()) {}

  becomeLeaderOrFollower(
    states: readonly LeaderAndIsrPartitionState[],
    liveLeaders?: readonly unknown[],
  ): Promise<void> {
    if (this.failWith !== null) return Promise.reject(this.failWith);
    this.states.push([...states]);
    this.leaders.push(liveLeaders);
    return Promise.resolve();
  }

  stopReplicas(partitions: readonly StopReplicaPartition[], options: { deletePartitions: boolean }): Promise<void> {
    this.stopped.push({ partitions: [...partitions], deletePartitions: options.deletePartitions });
    return Promise.resolve();
  }

  updateMetadata(update: MetadataUpdate): Promise<void> {
    this.updates.push(update);
    this.cache.applyUpdate(update);
    return Promise.resolve();
  }

  updateTopicConfig(): Promise<void> {
    return Promise.resolve();
  }
}

const partitionState = (partitionIndex: number, leader: number, leaderEpoch: number) => ({
  topicName: 't',
  partitionIndex,
  controllerEpoch: 3,
  leader,
  leaderEpoch,
  isr: [1, 2],
  partitionEpoch: 5,
  replicas: [1, 2, 3],
  addingReplicas: [],
  removingReplicas: [],
  isNew: true,
  leaderRecoveryState: 0,
});

const leaderAndIsr = (controllerEpoch: number, brokerEpoch = -1) => ({
  controllerId: 1,
  isKRaftController: false,
  controllerEpoch,
  brokerEpoch,
  type: 0,
  ungroupedPartitionStates: [],
  topicStates: [
    { topicName: 't', topicId: TOPIC_ID, partitionStates: [partitionState(0, 1, 4), partitionState(1, 2, 7)] },
  ],
  liveLeaders: [
    { brokerId: 1, hostName: 'h1', port: 9092 },
    { brokerId: 2, hostName: 'h2', port: 9093 },
  ],
});

const broker = (id: number, port: number) => ({
  id,
  v0Host: '',
  v0Port: 0,
  endpoints: [{ port, host: `h${id}`, listener: 'PLAINTEXT', securityProtocol: 0 }],
  rack: id === 1 ? 'r1' : null,
});

const updateMetadata = (
  controllerEpoch: number,
  partitions: { index: number; leader: number }[],
  brokers = [1, 2],
) => ({
  controllerId: 2,
  isKRaftController: false,
  type: 0,
  controllerEpoch,
  brokerEpoch: -1,
  ungroupedPartitionStates: [],
  topicStates: [
    {
      topicName: 't',
      topicId: TOPIC_ID,
      partitionStates: partitions.map((p) => ({
        topicName: 't',
        partitionIndex: p.index,
        controllerEpoch,
        leader: p.leader,
        leaderEpoch: 1,
        isr: [1, 2],
        zkVersion: 1,
        replicas: [1, 2],
        offlineReplicas: [],
      })),
    },
  ],
  liveBrokers: brokers.map((id) => broker(id, 9091 + id)),
});

describe('LeaderAndIsr handler', () => {
  it('hands every partition state and the live leaders to the lifecycle (v5: errors by topic id)', async () => {
    const lifecycle = new RecordingLifecycle();
    const handler = leaderAndIsrHandler({ gate: new ControllerRequestGate(() => -1), lifecycle });
    const response = await callHandler(LeaderAndIsr, handler, 5, leaderAndIsr(3));
    expect(response.errorCode).toBe(ErrorCode.NONE);
    expect(response.topics).toEqual([
      {
        topicId: TOPIC_ID,
        partitionErrors: [
          expect.objectContaining({ partitionIndex: 0, errorCode: 0 }),
          expect.objectContaining({ partitionIndex: 1, errorCode: 0 }),
        ],
      },
    ]);
    expect(lifecycle.states[0]).toEqual([
      expect.objectContaining({
        topic: 't',
        topicId: TOPIC_ID,
        partition: 0,
        leader: 1,
        leaderEpoch: 4,
        controllerEpoch: 3,
      }),
      expect.objectContaining({
        partition: 1,
        leader: 2,
        leaderEpoch: 7,
        isr: [1, 2],
        replicas: [1, 2, 3],
        isNew: true,
      }),
    ]);
    expect(lifecycle.leaders[0]).toEqual([
      { brokerId: 1, host: 'h1', port: 9092 },
      { brokerId: 2, host: 'h2', port: 9093 },
    ]);
  });

  it('answers v4 errors by topic name, and a lifecycle refusal for every partition', async () => {
    const lifecycle = new RecordingLifecycle();
    lifecycle.failWith = new KafkaError(ErrorCode.STALE_CONTROLLER_EPOCH, 'older leader epoch');
    const handler = leaderAndIsrHandler({ gate: new ControllerRequestGate(() => -1), lifecycle });
    const response = await callHandler(LeaderAndIsr, handler, 4, leaderAndIsr(3));
    expect(response.errorCode).toBe(ErrorCode.NONE);
    expect(response.partitionErrors).toEqual([
      { topicName: 't', partitionIndex: 0, errorCode: ErrorCode.STALE_CONTROLLER_EPOCH },
      { topicName: 't', partitionIndex: 1, errorCode: ErrorCode.STALE_CONTROLLER_EPOCH },
    ]);
  });

  it('refuses a deposed controller and a request for an earlier registration of this broker', async () => {
    const lifecycle = new RecordingLifecycle();
    const handler = leaderAndIsrHandler({ gate: new ControllerRequestGate(() => 100), lifecycle });
    expect((await callHandler(LeaderAndIsr, handler, 5, leaderAndIsr(3, 100))).errorCode).toBe(ErrorCode.NONE);
    const stale = await callHandler(LeaderAndIsr, handler, 5, leaderAndIsr(2, 100));
    expect(stale.errorCode).toBe(ErrorCode.STALE_CONTROLLER_EPOCH);
    expect(stale.topics).toEqual([]);
    const oldBroker = await callHandler(LeaderAndIsr, handler, 5, leaderAndIsr(3, 99));
    expect(oldBroker.errorCode).toBe(ErrorCode.STALE_BROKER_EPOCH);
    expect(lifecycle.states).toHaveLength(1);
  });
});

/** An UpdateMetadata handler over a recording lifecycle whose cache starts empty. */
function updateMetadataSetup() {
  const lifecycle = new RecordingLifecycle();
  const gate = new ControllerRequestGate(() => -1);
  return {
    lifecycle,
    handler: updateMetadataHandler({ gate, lifecycle, metadataCache: lifecycle.cache, clusterId: 'c1' }),
  };
}

describe('UpdateMetadata handler', () => {
  it('makes the first update a full snapshot with the cluster id, then merges partitions and brokers', async () => {
    const { lifecycle, handler } = updateMetadataSetup();
    const first = updateMetadata(1, [
      { index: 0, leader: 1 },
      { index: 1, leader: 2 },
    ]);
    expect((await callHandler(UpdateMetadata, handler, 7, first)).errorCode).toBe(ErrorCode.NONE);
    let snapshot = lifecycle.cache.snapshot();
    expect(snapshot.clusterId).toBe('c1');
    expect(snapshot.controllerId).toBe(2);
    expect([...snapshot.brokers.keys()]).toEqual([1, 2]);
    expect(snapshot.broker(1)).toEqual({
      brokerId: 1,
      rack: 'r1',
      endpoints: [{ listenerName: 'PLAINTEXT', host: 'h1', port: 9092, securityProtocol: 'PLAINTEXT' }],
    });
    expect(snapshot.topic('t')?.topicId).toBe(TOPIC_ID);

    // partition 1 changes leader, broker 2 is gone from the live list: partition 0 is untouched
    await callHandler(UpdateMetadata, handler, 7, updateMetadata(1, [{ index: 1, leader: 1 }], [1]));
    snapshot = lifecycle.cache.snapshot();
    expect([...snapshot.brokers.keys()]).toEqual([1]);
    expect(snapshot.partition('t', 0)?.leader).toBe(1);
    expect(snapshot.partition('t', 1)?.leader).toBe(1);
    expect(snapshot.topic('t')?.partitions).toHaveLength(2);
  });

  it('removes a topic whose partitions are all marked for deletion', async () => {
    const { lifecycle, handler } = updateMetadataSetup();
    await callHandler(UpdateMetadata, handler, 7, updateMetadata(1, [{ index: 0, leader: 1 }]));
    await callHandler(UpdateMetadata, handler, 7, updateMetadata(1, [{ index: 0, leader: -2 }]));
    expect(lifecycle.cache.snapshot().topic('t')).toBeUndefined();
  });

  it('refuses an update from a deposed controller without applying it', async () => {
    const { lifecycle, handler } = updateMetadataSetup();
    await callHandler(UpdateMetadata, handler, 7, updateMetadata(5, [{ index: 0, leader: 1 }]));
    const stale = await callHandler(UpdateMetadata, handler, 7, updateMetadata(4, [{ index: 0, leader: 2 }]));
    expect(stale.errorCode).toBe(ErrorCode.STALE_CONTROLLER_EPOCH);
    expect(lifecycle.cache.snapshot().partition('t', 0)?.leader).toBe(1);
  });

  it('reads v0 brokers (one PLAINTEXT host and port) and v2 endpoints named after their protocol', async () => {
    const { lifecycle, handler } = updateMetadataSetup();
    const v0 = { ...updateMetadata(1, []), liveBrokers: [{ ...broker(1, 0), v0Host: 'old', v0Port: 9000 }] };
    await callHandler(UpdateMetadata, handler, 0, v0);
    expect(lifecycle.cache.snapshot().broker(1)?.endpoints).toEqual([
      { listenerName: 'PLAINTEXT', host: 'old', port: 9000, securityProtocol: 'PLAINTEXT' },
    ]);
    const v2 = updateMetadata(1, []);
    v2.liveBrokers[0]!.endpoints[0]!.securityProtocol = 1;
    await callHandler(UpdateMetadata, handler, 2, v2);
    expect(lifecycle.cache.snapshot().broker(1)?.endpoints[0]).toMatchObject({
      listenerName: 'SSL',
      securityProtocol: 'SSL',
    });
  });
});

describe('StopReplica handler', () => {
  const replicaManager = (epochs: Record<string, number>): ReplicaManager =>
    ({
      getPartition: (topic: string, partition: number) => {
        const leaderEpoch = epochs[`${topic}-${partition}`];
        return leaderEpoch === undefined ? undefined : { leaderEpoch };
      },
    }) as unknown as ReplicaManager;

  it('stops and deletes per partition, and keeps a replica a newer LeaderAndIsr has overtaken (v3)', async () => {
    const lifecycle = new RecordingLifecycle();
    const handler = stopReplicaHandler({
      gate: new ControllerRequestGate(() => -1),
      lifecycle,
      replicaManager: replicaManager({ 't-0': 4, 't-1': 9, 't-2': 1 }),
      metadataCache: lifecycle.cache,
    });
    const response = await callHandler(StopReplica, handler, 3, {
      controllerId: 1,
      isKRaftController: false,
      controllerEpoch: 1,
      brokerEpoch: -1,
      deletePartitions: false,
      ungroupedPartitions: [],
      topics: [],
      topicStates: [
        {
          topicName: 't',
          partitionStates: [
            { partitionIndex: 0, leaderEpoch: 4, deletePartition: false },
            { partitionIndex: 1, leaderEpoch: 8, deletePartition: false },
            { partitionIndex: 2, leaderEpoch: -2, deletePartition: true },
          ],
        },
      ],
    });
    expect(response.errorCode).toBe(ErrorCode.NONE);
    expect(response.partitionErrors).toEqual([
      { topicName: 't', partitionIndex: 0, errorCode: ErrorCode.NONE },
      { topicName: 't', partitionIndex: 1, errorCode: ErrorCode.FENCED_LEADER_EPOCH },
      { topicName: 't', partitionIndex: 2, errorCode: ErrorCode.NONE },
    ]);
    expect(lifecycle.stopped).toEqual([
      { partitions: [expect.objectContaining({ topic: 't', partition: 0 })], deletePartitions: false },
      { partitions: [expect.objectContaining({ topic: 't', partition: 2 })], deletePartitions: true },
    ]);
  });

  it('reads the v1 per-topic form with one delete flag', async () => {
    const lifecycle = new RecordingLifecycle();
    const handler = stopReplicaHandler({
      gate: new ControllerRequestGate(() => -1),
      lifecycle,
      replicaManager: replicaManager({}),
      metadataCache: lifecycle.cache,
    });
    await callHandler(StopReplica, handler, 1, {
      controllerId: 1,
      isKRaftController: false,
      controllerEpoch: 1,
      brokerEpoch: -1,
      deletePartitions: true,
      ungroupedPartitions: [],
      topics: [{ name: 'a', partitionIndexes: [0, 1] }],
      topicStates: [],
    });
    expect(lifecycle.stopped).toEqual([
      {
        partitions: [
          expect.objectContaining({ topic: 'a', partition: 0 }),
          expect.objectContaining({ topic: 'a', partition: 1 }),
        ],
        deletePartitions: true,
      },
    ]);
  });
});

describe('ControlledShutdown handler', () => {
  it('answers NOT_CONTROLLER off the controller, and the remaining partitions on it', async () => {
    const calls: number[] = [];
    const service = (active: boolean) => ({
      isActive: () => active,
      controlledShutdown: (brokerId: number) => {
        calls.push(brokerId);
        return Promise.resolve({ errorCode: ErrorCode.NONE, remaining: [{ topic: 'rf1', partition: 0 }] });
      },
    });
    const body = { brokerId: 3, brokerEpoch: 42 };
    const off = await callHandler(ControlledShutdown, controlledShutdownHandler(service(false)), 3, body);
    expect(off).toEqual({ errorCode: ErrorCode.NOT_CONTROLLER, remainingPartitions: [] });
    const on = await callHandler(ControlledShutdown, controlledShutdownHandler(service(true)), 3, body);
    expect(on).toEqual({ errorCode: ErrorCode.NONE, remainingPartitions: [{ topicName: 'rf1', partitionIndex: 0 }] });
    expect(calls).toEqual([3]);
  });
});

describe('ControllerRequestGate', () => {
  it('runs admitted requests one at a time, in arrival order', async () => {
    const gate = new ControllerRequestGate(() => -1);
    const order: string[] = [];
    let release!: () => void;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    const first = gate.run({ controllerEpoch: 1, brokerEpoch: -1 }, async () => {
      order.push('first start');
      await blocked;
      order.push('first end');
    });
    const second = gate.run({ controllerEpoch: 1, brokerEpoch: -1 }, () => {
      order.push('second');
      return Promise.resolve();
    });
    await Promise.resolve();
    release();
    await Promise.all([first, second]);
    expect(order).toEqual(['first start', 'first end', 'second']);
    expect(gate.controllerEpoch).toBe(1);
  });

  it('keeps admitting after a task fails', async () => {
    const gate = new ControllerRequestGate(() => -1);
    await expect(
      gate.run({ controllerEpoch: 1, brokerEpoch: -1 }, () => Promise.reject(new Error('boom'))),
    ).rejects.toThrow('boom');
    await expect(gate.run({ controllerEpoch: 1, brokerEpoch: -1 }, () => Promise.resolve('ok'))).resolves.toEqual({
      admitted: true,
      value: 'ok',
    });
  });
});

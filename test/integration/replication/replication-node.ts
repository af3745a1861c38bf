import { Fetch, OffsetForLeaderEpoch, Produce } from '../../../protocol/index.js';
import { LogManager } from '../../../storage/index.js';
import { FETCH_RANGE, fetchHandler } from '../../../broker/api/handlers/fetch.js';
import {
  OFFSET_FOR_LEADER_EPOCH_RANGE,
  offsetForLeaderEpochHandler,
} from '../../../broker/api/handlers/offset-for-leader-epoch.js';
import { PRODUCE_RANGE, produceHandler } from '../../../broker/api/handlers/produce.js';
import { Router } from '../../../broker/api/router.js';
import { LocalBrokerLifecycle } from '../../../broker/broker-lifecycle.js';
import type { LeaderAndIsrPartitionState, LiveLeader } from '../../../broker/controller/controller.js';
import { createLogger } from '../../../broker/logger.js';
import { MetadataCache } from '../../../broker/metadata/metadata-cache.js';
import { SocketServer } from '../../../broker/network/socket-server.js';
import type { AlterIsrChange, PartitionStateWriter } from '../../../broker/replica/partition-state-writer.js';
import type { ReplicaFetchConfig } from '../../../broker/replica/replica-fetcher.js';
import { ReplicaFetcherManager } from '../../../broker/replica/replica-fetcher-manager.js';
import { ReplicaManager } from '../../../broker/replica/replica-manager.js';

export const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'silent' });

export const TOPIC = 't';
export const TOPIC_ID = 'q8Bp9Y2qSfmYr2FnJ3Pd5w';

/** Quick settings so that tests see fetches, backoffs and lag in well under a second. */
export const FETCH_CONFIG: ReplicaFetchConfig = {
  replicaFetchMaxBytes: 1 << 20,
  replicaFetchResponseMaxBytes: 10 << 20,
  replicaFetchMinBytes: 1,
  replicaFetchWaitMaxMs: 200,
  replicaFetchBackoffMs: 50,
  replicaSocketTimeoutMs: 5_000,
};

/**
 * The controller's side of ISR changes, recorded: every write succeeds (the next partition epoch) unless the test
 * says the state is stale, as ZooKeeper's conditional write would. The states it commits are the ones a
 * controller would then announce.
 */
export class RecordingWriter implements PartitionStateWriter {
  readonly changes: AlterIsrChange[] = [];
  stale = false;

  alterIsr(change: AlterIsrChange): Promise<number | null> {
    this.changes.push(change);
    return Promise.resolve(this.stale ? null : change.partitionEpoch + 1);
  }

  /** The ISRs written, in order. */
  isrs(): number[][] {
    return this.changes.map((c) => [...c.isr]);
  }
}

export interface NodeOptions {
  brokerId: number;
  dir: string;
  writer?: RecordingWriter;
  replicaLagTimeMaxMs?: number;
  highWatermarkCheckpointIntervalMs?: number;
}

/**
 * One broker's replication parts, composed as broker.ts composes them (LogManager, ReplicaManager with an ISR
 * writer, replica fetchers, the BrokerLifecycle, a router serving Fetch, OffsetForLeaderEpoch and Produce on a
 * loopback SocketServer) but without a controller: the test applies LeaderAndIsr itself.
 */
export class ReplicationNode {
  readonly brokerId: number;
  readonly dir: string;
  readonly writer: RecordingWriter;
  port = 0;
  logManager!: LogManager;
  replicas!: ReplicaManager;
  fetchers!: ReplicaFetcherManager;
  lifecycle!: LocalBrokerLifecycle;
  #server!: SocketServer;
  #stopped = false;

  private constructor(options: NodeOptions) {
    this.brokerId = options.brokerId;
    this.dir = options.dir;
    this.writer = options.writer ?? new RecordingWriter();
  }

  static async start(options: NodeOptions): Promise<ReplicationNode> {
    const node = new ReplicationNode(options);
    node.logManager = await LogManager.start({ logDirs: [options.dir], scheduled: false });
    node.replicas = new ReplicaManager({
      logManager: node.logManager,
      brokerId: options.brokerId,
      logger,
      stateWriter: node.writer,
      replicaLagTimeMaxMs: options.replicaLagTimeMaxMs ?? 30_000,
      ...(options.highWatermarkCheckpointIntervalMs === undefined
        ? {}
        : { highWatermarkCheckpointIntervalMs: options.highWatermarkCheckpointIntervalMs }),
    });
    node.fetchers = new ReplicaFetcherManager({
      brokerId: options.brokerId,
      numReplicaFetchers: 1,
      config: FETCH_CONFIG,
      logger,
    });
    node.lifecycle = new LocalBrokerLifecycle({
      brokerId: options.brokerId,
      replicaManager: node.replicas,
      metadataCache: new MetadataCache(),
      logManager: node.logManager,
      logger,
      replication: { fetchers: node.fetchers, interBrokerListenerName: null },
    });
    const router = new Router()
      .register(Produce, PRODUCE_RANGE, produceHandler(node.replicas))
      .register(
        Fetch,
        FETCH_RANGE,
        fetchHandler(node.replicas, {
          topicId: (name) => (name === TOPIC ? TOPIC_ID : undefined),
          topicName: (id) => (id === TOPIC_ID ? TOPIC : undefined),
        }),
      )
      .register(OffsetForLeaderEpoch, OFFSET_FOR_LEADER_EPOCH_RANGE, offsetForLeaderEpochHandler(node.replicas));
    node.#server = new SocketServer();
    const [bound] = await node.#server.start({
      listeners: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 0 }],
      handler: router.handle,
      maxFrameBytes: 100 << 20,
      idleMs: 600_000,
      logger,
    });
    node.port = bound!.port;
    return node;
  }

  get live(): LiveLeader {
    return { brokerId: this.brokerId, host: '127.0.0.1', port: this.port };
  }

  partition(partition = 0) {
    return this.replicas.getPartition(TOPIC, partition);
  }

  /** Applies LeaderAndIsr for partition 0 of TOPIC, as the controller would send it. */
  apply(
    state: Omit<LeaderAndIsrPartitionState, 'topic' | 'topicId' | 'partition' | 'isNew' | 'controllerEpoch'>,
    live: LiveLeader[] = [],
  ) {
    return this.lifecycle.becomeLeaderOrFollower(
      [{ topic: TOPIC, topicId: TOPIC_ID, partition: 0, controllerEpoch: 1, isNew: false, ...state }],
      live,
    );
  }

  /** A clean stop: fetchers, the final HW checkpoint, partitions, the listener, the logs. Idempotent. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    await this.lifecycle.shutdown();
    await this.replicas.checkpointHighWatermarks();
    this.replicas.shutdown();
    await this.#server.close();
    await this.logManager.shutdown();
  }
}

import type { ZkClient } from './zk-client.js';
import { ZkBrokerStore } from './zk-broker-store.js';
import { ZkNotificationStore } from './zk-notification-store.js';
import { ZkPartitionStateStore } from './zk-partition-state-store.js';
import { ZkTopicStore } from './zk-topic-store.js';

/**
 * The persistence operations of ZooKeeper mode over one ZkClient, grouped as Kafka's KafkaZkClient groups them:
 * topics (assignments, configs, deletion), partition leader-and-ISR states, notifications, the broker registry.
 * Controller writes take a ZkWriteFence (the controller epoch's zkVersion) and fail with ControllerMovedError for a
 * deposed controller; conditional writes answer `stale` rather than throw, for the caller to re-read.
 *
 * Concurrency: stateless; safe to share between the controller and the broker's own components.
 */
export class KafkaZkStore {
  readonly topics: ZkTopicStore;
  readonly partitionStates: ZkPartitionStateStore;
  readonly notifications: ZkNotificationStore;
  readonly brokers: ZkBrokerStore;

  constructor(readonly zk: ZkClient) {
    this.topics = new ZkTopicStore(zk);
    this.partitionStates = new ZkPartitionStateStore(zk);
    this.notifications = new ZkNotificationStore(zk);
    this.brokers = new ZkBrokerStore(zk);
  }
}

export { ZkBrokerStore, type ZkRegisteredBroker } from './zk-broker-store.js';
export { ZkNotificationStore, type ZkNotification } from './zk-notification-store.js';
export {
  ZkPartitionStateStore,
  type ZkPartitionStateCreate,
  type ZkPartitionStateRead,
} from './zk-partition-state-store.js';
export * from './zk-store-errors.js';
export { ZkTopicStore, type ZkConditionalWrite, type ZkTopicAssignmentRead } from './zk-topic-store.js';
export { multiBehind, type ZkWriteFence } from './zk-write-fence.js';

/** ZooKeeper mode's foundation: the client wrapper, Kafka's znode layout and data, registration and election. */
export { BrokerRegistration, type BrokerRegistrationOptions } from './broker-registration.js';
export { ControllerElection, fencedMultiAt, type ControllerElectionOptions } from './controller-election.js';
export { KafkaZkStore } from './kafka-zk-store.js';
export { ZkClient, type ZkClientOptions, type ZkSessionCredentials } from './zk-client.js';
export {
  type LocalZooKeeper,
  LocalZooKeeperError,
  startLocalZooKeeper,
  ZOOKEEPER_INSTALL_HINT,
  ZooKeeperNotFoundError,
} from './local-zookeeper.js';
export { createTopLevelPaths, resolveClusterId } from './zk-cluster-setup.js';
export { parseZkConnectString, type ZkConnectString } from './zk-connect-string.js';
export * from './zk-data.js';
export * from './zk-errors.js';
export * from './zk-paths.js';
export { ZkProducerIdManager, type ZkProducerIdManagerOptions } from './zk-producer-id-manager.js';
export * from './zk-topic-data.js';
export * from './zk-types.js';

/** The broker's public surface: what `bin/` and embedding projects use. */
export { Broker } from './broker.js';
export { BrokerConfigError, loadBrokerConfig, parseBrokerConfig, type BrokerConfig } from './config.js';
export { EMBEDDED_DEFAULTS, startBroker, type EmbeddedBroker, type StartBrokerOptions } from './embedded.js';
export { createLogger, type Logger } from './logger.js';
export { startCluster, type EmbeddedCluster, type StartClusterOptions } from './embedded-cluster.js';
export { type LocalZooKeeper, startLocalZooKeeper, ZooKeeperNotFoundError } from './zk/index.js';

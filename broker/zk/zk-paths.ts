/**
 * Kafka's znode layout in ZooKeeper mode (kafka.zk.ZkData), so that zkCli.sh and Kafka's documentation stay
 * useful. Paths are relative to the chroot of zookeeper.connect. Topic names are used as they are: Kafka's legal
 * topic characters ([a-zA-Z0-9._-]) are all legal in a znode name.
 */
export const ZkPaths = {
  controller: '/controller',
  controllerEpoch: '/controller_epoch',
  cluster: '/cluster',
  clusterId: '/cluster/id',
  brokers: '/brokers',
  brokerIds: '/brokers/ids',
  brokerSeqId: '/brokers/seqid',
  topics: '/brokers/topics',
  config: '/config',
  configChanges: '/config/changes',
  admin: '/admin',
  deleteTopics: '/admin/delete_topics',
  reassignPartitions: '/admin/reassign_partitions',
  preferredReplicaElection: '/admin/preferred_replica_election',
  isrChangeNotification: '/isr_change_notification',
  logDirEventNotification: '/log_dir_event_notification',
  latestProducerIdBlock: '/latest_producer_id_block',
  consumers: '/consumers',
  feature: '/feature',

  brokerId: (id: number) => `/brokers/ids/${id}`,
  topic: (topic: string) => `/brokers/topics/${topic}`,
  topicPartitions: (topic: string) => `/brokers/topics/${topic}/partitions`,
  topicPartition: (topic: string, partition: number) => `/brokers/topics/${topic}/partitions/${partition}`,
  topicPartitionState: (topic: string, partition: number) => `/brokers/topics/${topic}/partitions/${partition}/state`,
  /** `/config/<entityType>`: topics, clients, users, brokers, ips. */
  configEntityType: (entityType: ConfigEntityType) => `/config/${entityType}`,
  configEntity: (entityType: ConfigEntityType, name: string) => `/config/${entityType}/${name}`,
  topicConfig: (topic: string) => `/config/topics/${topic}`,
  deleteTopic: (topic: string) => `/admin/delete_topics/${topic}`,
} as const;

/** Kafka's ConfigType: the children of /config that hold entity configs. */
export const CONFIG_ENTITY_TYPES = ['topics', 'clients', 'users', 'brokers', 'ips'] as const;
export type ConfigEntityType = (typeof CONFIG_ENTITY_TYPES)[number];

/** The prefixes of Kafka's sequential notification znodes; ZooKeeper appends a 10-digit counter. */
export const SequencePrefix = {
  configChange: 'config_change_',
  isrChange: 'isr_change_',
  logDirEvent: 'log_dir_event_',
} as const;

/** Where a new sequential notification is created (the parent plus the prefix). */
export const SequenceCreatePath = {
  configChange: `${ZkPaths.configChanges}/${SequencePrefix.configChange}`,
  isrChange: `${ZkPaths.isrChangeNotification}/${SequencePrefix.isrChange}`,
  logDirEvent: `${ZkPaths.logDirEventNotification}/${SequencePrefix.logDirEvent}`,
} as const;

/** The sequence number of a sequential znode's name or path (`isr_change_0000000004` → `0000000004`). */
export function sequenceNumberOf(nameOrPath: string, prefix: string): string {
  const at = nameOrPath.lastIndexOf(prefix);
  return at === -1 ? '' : nameOrPath.slice(at + prefix.length);
}

/**
 * The persistent paths Kafka makes sure exist at broker start (KafkaZkClient.createTopLevelPaths,
 * ZkData.PersistentZkPaths), in Kafka's order.
 */
export const PERSISTENT_ZK_PATHS: readonly string[] = [
  ZkPaths.consumers,
  ZkPaths.brokerIds,
  ZkPaths.topics,
  ZkPaths.configChanges,
  ZkPaths.deleteTopics,
  ZkPaths.brokerSeqId,
  ZkPaths.isrChangeNotification,
  ZkPaths.latestProducerIdBlock,
  ZkPaths.logDirEventNotification,
  ...CONFIG_ENTITY_TYPES.map((t) => ZkPaths.configEntityType(t)),
];

import {
  AlterConfigs,
  AlterPartitionReassignments,
  ApiVersions,
  ControlledShutdown,
  CreatePartitions,
  CreateTopics,
  DeleteGroups,
  DeleteRecords,
  DeleteTopics,
  DescribeCluster,
  DescribeConfigs,
  DescribeGroups,
  DescribeLogDirs,
  ElectLeaders,
  Fetch,
  FindCoordinator,
  Heartbeat,
  IncrementalAlterConfigs,
  InitProducerId,
  JoinGroup,
  LeaderAndIsr,
  LeaveGroup,
  ListGroups,
  ListOffsets,
  ListPartitionReassignments,
  Metadata,
  OffsetCommit,
  OffsetDelete,
  OffsetFetch,
  OffsetForLeaderEpoch,
  Produce,
  StopReplica,
  SyncGroup,
  UpdateMetadata,
} from '../../protocol/index.js';
import type { LogManager } from '../../storage/index.js';
import type { ControllerRequestGate } from '../cluster/controller-request-gate.js';
import type { BrokerConfig } from '../config.js';
import type { BrokerLifecycle, Controller } from '../controller/controller.js';
import type { GroupCoordinator } from '../group/group-coordinator.js';
import { OFFSETS_TOPIC, type OffsetsTopic } from '../group/offsets-topic.js';
import type { MetadataCache } from '../metadata/metadata-cache.js';
import { ProducerIdManager, type ProducerIdSource } from '../producer-id-manager.js';
import type { ReplicaManager } from '../replica/replica-manager.js';
import { ALTER_CONFIGS_RANGE, alterConfigsHandler } from './handlers/alter-configs.js';
import { API_VERSIONS_RANGE, apiVersionsHandler } from './handlers/api-versions.js';
import { CREATE_PARTITIONS_RANGE, createPartitionsHandler } from './handlers/create-partitions.js';
import { CREATE_TOPICS_RANGE, createTopicsHandler } from './handlers/create-topics.js';
import { DELETE_GROUPS_RANGE, deleteGroupsHandler } from './handlers/delete-groups.js';
import { DELETE_RECORDS_RANGE, deleteRecordsHandler } from './handlers/delete-records.js';
import { DELETE_TOPICS_RANGE, deleteTopicsHandler } from './handlers/delete-topics.js';
import { DESCRIBE_CLUSTER_RANGE, describeClusterHandler } from './handlers/describe-cluster.js';
import { DESCRIBE_CONFIGS_RANGE, describeConfigsHandler } from './handlers/describe-configs.js';
import { DESCRIBE_GROUPS_RANGE, describeGroupsHandler } from './handlers/describe-groups.js';
import { DESCRIBE_LOG_DIRS_RANGE, describeLogDirsHandler } from './handlers/describe-log-dirs.js';
import { FETCH_RANGE, fetchHandler } from './handlers/fetch.js';
import { FIND_COORDINATOR_RANGE, findCoordinatorHandler } from './handlers/find-coordinator.js';
import { HEARTBEAT_RANGE, heartbeatHandler } from './handlers/heartbeat.js';
import {
  INCREMENTAL_ALTER_CONFIGS_RANGE,
  incrementalAlterConfigsHandler,
} from './handlers/incremental-alter-configs.js';
import { INIT_PRODUCER_ID_RANGE, initProducerIdHandler } from './handlers/init-producer-id.js';
import { JOIN_GROUP_RANGE, joinGroupHandler } from './handlers/join-group.js';
import { LEAVE_GROUP_RANGE, leaveGroupHandler } from './handlers/leave-group.js';
import { LIST_GROUPS_RANGE, listGroupsHandler } from './handlers/list-groups.js';
import { LIST_OFFSETS_RANGE, listOffsetsHandler } from './handlers/list-offsets.js';
import { METADATA_RANGE, metadataHandler } from './handlers/metadata.js';
import { OFFSET_COMMIT_RANGE, offsetCommitHandler } from './handlers/offset-commit.js';
import { OFFSET_DELETE_RANGE, offsetDeleteHandler } from './handlers/offset-delete.js';
import { OFFSET_FETCH_RANGE, offsetFetchHandler } from './handlers/offset-fetch.js';
import { PRODUCE_RANGE, produceHandler } from './handlers/produce.js';
import { SYNC_GROUP_RANGE, syncGroupHandler } from './handlers/sync-group.js';
import { Router } from './router.js';
import {
  CONTROLLED_SHUTDOWN_RANGE,
  controlledShutdownHandler,
  type ControlledShutdownService,
} from './handlers/controlled-shutdown.js';
import { LEADER_AND_ISR_RANGE, leaderAndIsrHandler } from './handlers/leader-and-isr.js';
import { OFFSET_FOR_LEADER_EPOCH_RANGE, offsetForLeaderEpochHandler } from './handlers/offset-for-leader-epoch.js';
import { STOP_REPLICA_RANGE, stopReplicaHandler } from './handlers/stop-replica.js';
import {
  ALTER_PARTITION_REASSIGNMENTS_RANGE,
  alterPartitionReassignmentsHandler,
  type ReassignmentService,
} from './handlers/alter-partition-reassignments.js';
import { ELECT_LEADERS_RANGE, electLeadersHandler, type LeaderElectionService } from './handlers/elect-leaders.js';
import {
  LIST_PARTITION_REASSIGNMENTS_RANGE,
  listPartitionReassignmentsHandler,
  type ReassignmentListing,
} from './handlers/list-partition-reassignments.js';
import { UPDATE_METADATA_RANGE, updateMetadataHandler } from './handlers/update-metadata.js';

export interface ApiDeps {
  config: BrokerConfig;
  controller: Controller;
  metadataCache: MetadataCache;
  replicaManager: ReplicaManager;
  logManager: LogManager;
  /** Where FindCoordinator looks up the leader of a group's __consumer_offsets partition. */
  offsetsTopic: OffsetsTopic;
  groupCoordinator: GroupCoordinator;
  /**
   * Idempotent producer ids; default: a ProducerIdManager on the first log dir (a broker should pass the one it owns:
   * in cluster mode a ZkProducerIdManager).
   */
  producerIds?: ProducerIdSource;
  /** ZooKeeper mode: what the inter-broker APIs need. Absent on a single node, which serves none of them. */
  cluster?: ClusterApiDeps;
}

/** The inter-broker APIs' dependencies (cluster mode). */
export interface ClusterApiDeps {
  readonly clusterId: string;
  /** Admits the controller's requests (epochs) and runs them in order. */
  readonly gate: ControllerRequestGate;
  readonly lifecycle: BrokerLifecycle;
  /**
   * This broker's candidate controller: ControlledShutdown, ElectLeaders and the reassignment requests are answered
   * where it is active.
   */
  readonly activeController: ControlledShutdownService &
    LeaderElectionService &
    ReassignmentService &
    ReassignmentListing;
}

/**
 * The broker's API surface: every API it serves and the versions it advertises in ApiVersions (the table in
 * shared/reference/protocol-surface.md). One place, so the advertisement and the handlers cannot drift apart.
 */
export function brokerRouter(deps: ApiDeps): Router {
  const { config, controller, metadataCache, replicaManager, logManager, offsetsTopic, groupCoordinator } = deps;
  const producerIds =
    deps.producerIds ?? new ProducerIdManager({ logDir: config.logDirs[0]!, brokerId: config.brokerId });
  const router = new Router();
  router
    .register(Produce, PRODUCE_RANGE, produceHandler(replicaManager))
    .register(
      Fetch,
      FETCH_RANGE,
      fetchHandler(replicaManager, {
        topicId: (name) => metadataCache.snapshot().topic(name)?.topicId,
        topicName: (id) => metadataCache.snapshot().topicById(id)?.name,
      }),
    )
    .register(ListOffsets, LIST_OFFSETS_RANGE, listOffsetsHandler(replicaManager))
    .register(
      Metadata,
      METADATA_RANGE,
      metadataHandler({
        metadataCache,
        controller,
        autoCreateTopicsEnable: config.autoCreateTopicsEnable,
        internalTopics: new Map([[OFFSETS_TOPIC, () => offsetsTopic.ensureCreated()]]),
      }),
    )
    .register(ApiVersions, API_VERSIONS_RANGE, apiVersionsHandler(router))
    .register(CreateTopics, CREATE_TOPICS_RANGE, createTopicsHandler(controller))
    .register(DeleteTopics, DELETE_TOPICS_RANGE, deleteTopicsHandler(controller))
    .register(DeleteRecords, DELETE_RECORDS_RANGE, deleteRecordsHandler(replicaManager))
    .register(DescribeConfigs, DESCRIBE_CONFIGS_RANGE, describeConfigsHandler({ controller, config }))
    .register(AlterConfigs, ALTER_CONFIGS_RANGE, alterConfigsHandler({ controller, brokerId: config.brokerId }))
    .register(CreatePartitions, CREATE_PARTITIONS_RANGE, createPartitionsHandler(controller))
    .register(
      IncrementalAlterConfigs,
      INCREMENTAL_ALTER_CONFIGS_RANGE,
      incrementalAlterConfigsHandler({ controller, brokerId: config.brokerId }),
    )
    .register(DescribeLogDirs, DESCRIBE_LOG_DIRS_RANGE, describeLogDirsHandler(logManager))
    .register(DescribeCluster, DESCRIBE_CLUSTER_RANGE, describeClusterHandler(metadataCache))
    .register(InitProducerId, INIT_PRODUCER_ID_RANGE, initProducerIdHandler(producerIds))
    .register(OffsetCommit, OFFSET_COMMIT_RANGE, offsetCommitHandler(groupCoordinator, metadataCache))
    .register(OffsetFetch, OFFSET_FETCH_RANGE, offsetFetchHandler(groupCoordinator))
    .register(FindCoordinator, FIND_COORDINATOR_RANGE, findCoordinatorHandler({ offsetsTopic }))
    .register(JoinGroup, JOIN_GROUP_RANGE, joinGroupHandler(groupCoordinator))
    .register(Heartbeat, HEARTBEAT_RANGE, heartbeatHandler(groupCoordinator))
    .register(LeaveGroup, LEAVE_GROUP_RANGE, leaveGroupHandler(groupCoordinator))
    .register(SyncGroup, SYNC_GROUP_RANGE, syncGroupHandler(groupCoordinator))
    .register(DescribeGroups, DESCRIBE_GROUPS_RANGE, describeGroupsHandler(groupCoordinator))
    .register(ListGroups, LIST_GROUPS_RANGE, listGroupsHandler(groupCoordinator))
    .register(DeleteGroups, DELETE_GROUPS_RANGE, deleteGroupsHandler(groupCoordinator))
    .register(OffsetDelete, OFFSET_DELETE_RANGE, offsetDeleteHandler(groupCoordinator, metadataCache));
  if (deps.cluster !== undefined) registerClusterApis(router, deps, deps.cluster);
  return router;
}

/**
 * Cluster mode only. LeaderAndIsr, UpdateMetadata, StopReplica, ControlledShutdown and OffsetForLeaderEpoch
 * (followers' truncation) are served, never advertised (protocol-surface.md keeps inter-broker keys out of
 * ApiVersions); the admin APIs ElectLeaders, AlterPartitionReassignments and ListPartitionReassignments are
 * advertised, since clients send them to the controller.
 */
function registerClusterApis(router: Router, deps: ApiDeps, cluster: ClusterApiDeps): void {
  const { gate, lifecycle } = cluster;
  router
    .register(LeaderAndIsr, LEADER_AND_ISR_RANGE, leaderAndIsrHandler({ gate, lifecycle }))
    .register(StopReplica, STOP_REPLICA_RANGE, stopReplicaHandler({ gate, lifecycle, ...deps }))
    .register(
      UpdateMetadata,
      UPDATE_METADATA_RANGE,
      updateMetadataHandler({ gate, lifecycle, metadataCache: deps.metadataCache, clusterId: cluster.clusterId }),
    )
    .register(ControlledShutdown, CONTROLLED_SHUTDOWN_RANGE, controlledShutdownHandler(cluster.activeController))
    .register(
      OffsetForLeaderEpoch,
      { ...OFFSET_FOR_LEADER_EPOCH_RANGE, advertised: false },
      offsetForLeaderEpochHandler(deps.replicaManager),
    )
    .register(
      ElectLeaders,
      ELECT_LEADERS_RANGE,
      electLeadersHandler({ controller: cluster.activeController, metadataCache: deps.metadataCache }),
    )
    .register(
      AlterPartitionReassignments,
      ALTER_PARTITION_REASSIGNMENTS_RANGE,
      alterPartitionReassignmentsHandler(cluster.activeController),
    )
    .register(
      ListPartitionReassignments,
      LIST_PARTITION_REASSIGNMENTS_RANGE,
      listPartitionReassignmentsHandler(cluster.activeController),
    );
}

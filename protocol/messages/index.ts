import type { ApiSchema } from '../schema/dsl.js';
import { AddOffsetsToTxn } from './add-offsets-to-txn.js';
import { AddPartitionsToTxn } from './add-partitions-to-txn.js';
import { AlterConfigs } from './alter-configs.js';
import { AlterPartition } from './alter-partition.js';
import { AlterPartitionReassignments } from './alter-partition-reassignments.js';
import { ApiVersions } from './api-versions.js';
import { ControlledShutdown } from './controlled-shutdown.js';
import { CreateAcls } from './create-acls.js';
import { CreatePartitions } from './create-partitions.js';
import { CreateTopics } from './create-topics.js';
import { DeleteAcls } from './delete-acls.js';
import { DeleteGroups } from './delete-groups.js';
import { DeleteRecords } from './delete-records.js';
import { DeleteTopics } from './delete-topics.js';
import { DescribeAcls } from './describe-acls.js';
import { DescribeCluster } from './describe-cluster.js';
import { DescribeConfigs } from './describe-configs.js';
import { DescribeGroups } from './describe-groups.js';
import { DescribeLogDirs } from './describe-log-dirs.js';
import { ElectLeaders } from './elect-leaders.js';
import { EndTxn } from './end-txn.js';
import { Fetch } from './fetch.js';
import { FindCoordinator } from './find-coordinator.js';
import { Heartbeat } from './heartbeat.js';
import { IncrementalAlterConfigs } from './incremental-alter-configs.js';
import { InitProducerId } from './init-producer-id.js';
import { JoinGroup } from './join-group.js';
import { LeaderAndIsr } from './leader-and-isr.js';
import { LeaveGroup } from './leave-group.js';
import { ListGroups } from './list-groups.js';
import { ListOffsets } from './list-offsets.js';
import { ListPartitionReassignments } from './list-partition-reassignments.js';
import { Metadata } from './metadata.js';
import { OffsetCommit } from './offset-commit.js';
import { OffsetDelete } from './offset-delete.js';
import { OffsetFetch } from './offset-fetch.js';
import { OffsetForLeaderEpoch } from './offset-for-leader-epoch.js';
import { Produce } from './produce.js';
import { SaslAuthenticate } from './sasl-authenticate.js';
import { SaslHandshake } from './sasl-handshake.js';
import { StopReplica } from './stop-replica.js';
import { SyncGroup } from './sync-group.js';
import { TxnOffsetCommit } from './txn-offset-commit.js';
import { UpdateMetadata } from './update-metadata.js';
import { WriteTxnMarkers } from './write-txn-markers.js';

export {
  AddOffsetsToTxn,
  AddPartitionsToTxn,
  AlterConfigs,
  AlterPartition,
  AlterPartitionReassignments,
  ApiVersions,
  ControlledShutdown,
  CreateAcls,
  CreatePartitions,
  CreateTopics,
  DeleteAcls,
  DeleteGroups,
  DeleteRecords,
  DeleteTopics,
  DescribeAcls,
  DescribeCluster,
  DescribeConfigs,
  DescribeGroups,
  DescribeLogDirs,
  ElectLeaders,
  EndTxn,
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
  SaslAuthenticate,
  SaslHandshake,
  StopReplica,
  SyncGroup,
  TxnOffsetCommit,
  UpdateMetadata,
  WriteTxnMarkers,
};

/** Every declared API, in key order. */
export const ALL_APIS: readonly ApiSchema[] = [
  Produce,
  Fetch,
  ListOffsets,
  Metadata,
  LeaderAndIsr,
  StopReplica,
  UpdateMetadata,
  ControlledShutdown,
  OffsetCommit,
  OffsetFetch,
  FindCoordinator,
  JoinGroup,
  Heartbeat,
  LeaveGroup,
  SyncGroup,
  DescribeGroups,
  ListGroups,
  SaslHandshake,
  ApiVersions,
  CreateTopics,
  DeleteTopics,
  DeleteRecords,
  InitProducerId,
  OffsetForLeaderEpoch,
  AddPartitionsToTxn,
  AddOffsetsToTxn,
  EndTxn,
  WriteTxnMarkers,
  TxnOffsetCommit,
  DescribeAcls,
  CreateAcls,
  DeleteAcls,
  DescribeConfigs,
  AlterConfigs,
  DescribeLogDirs,
  SaslAuthenticate,
  CreatePartitions,
  DeleteGroups,
  ElectLeaders,
  IncrementalAlterConfigs,
  AlterPartitionReassignments,
  ListPartitionReassignments,
  OffsetDelete,
  AlterPartition,
  DescribeCluster,
];

const BY_KEY = new Map(ALL_APIS.map((a) => [a.key, a]));

/** The declaration for an API key, or undefined for a key we do not know. */
export function apiSchema(key: number): ApiSchema | undefined {
  return BY_KEY.get(key);
}

import { ErrorCode } from '../../protocol/index.js';
import type { BrokerConfig } from '../config.js';
import type { Logger } from '../logger.js';
import { Group, GroupState } from './group.js';
import type { GroupPersistence } from './group-persistence.js';

/** What the parts of the coordinator share. */
export interface CoordinatorContext {
  readonly config: BrokerConfig;
  readonly persistence: GroupPersistence;
  readonly logger: Logger;
  readonly now: () => number;
  readonly catalog: GroupCatalog;
}

type PartitionStatus = 'loading' | 'loaded';

/**
 * The groups this broker coordinates: which __consumer_offsets partitions it leads (loading or loaded) and the
 * groups held in memory for them. Answers Kafka's validateGroupStatus for every group request.
 *
 * Invariant: every group in the map belongs to a loaded partition, and a group leaves the map exactly when it
 * becomes Dead for good (deleted, expired, or its partition unloaded).
 */
export class GroupCatalog {
  readonly #partitions = new Map<number, PartitionStatus>();
  readonly #groups = new Map<string, Group>();
  #active = true;

  constructor(readonly persistence: GroupPersistence) {}

  get active(): boolean {
    return this.#active;
  }

  /** Stops serving: every group request then gets COORDINATOR_NOT_AVAILABLE. */
  deactivate(): void {
    this.#active = false;
  }

  /**
   * NONE when this broker may serve `groupId` now; else the error Kafka answers: INVALID_GROUP_ID (an empty id
   * where the API needs one), COORDINATOR_NOT_AVAILABLE (shut down), COORDINATOR_LOAD_IN_PROGRESS or
   * NOT_COORDINATOR.
   */
  status(groupId: string, options: { allowEmptyId: boolean }): ErrorCode {
    if (groupId === '' && !options.allowEmptyId) return ErrorCode.INVALID_GROUP_ID;
    if (!this.#active) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const status = this.#partitions.get(this.persistence.partitionFor(groupId));
    if (status === 'loading') return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
    if (status === undefined) return ErrorCode.NOT_COORDINATOR;
    return ErrorCode.NONE;
  }

  get isLoading(): boolean {
    for (const status of this.#partitions.values()) if (status === 'loading') return true;
    return false;
  }

  get(groupId: string): Group | undefined {
    return this.#groups.get(groupId);
  }

  /** A new Empty group, kept in the catalog (the caller checked status() first). */
  create(groupId: string, now: number): Group {
    const group = new Group(groupId, this.persistence.partitionFor(groupId), GroupState.Empty, now);
    this.#groups.set(groupId, group);
    return group;
  }

  add(group: Group): void {
    this.#groups.set(group.groupId, group);
  }

  /** Forgets the group if it is still the one held (a later group of the same id is left alone). */
  delete(group: Group): void {
    if (this.#groups.get(group.groupId) === group) this.#groups.delete(group.groupId);
  }

  holds(group: Group): boolean {
    return this.#groups.get(group.groupId) === group;
  }

  groups(): Group[] {
    return [...this.#groups.values()];
  }

  groupsOf(partition: number): Group[] {
    return this.groups().filter((g) => g.partition === partition);
  }

  markLoading(partition: number): void {
    this.#partitions.set(partition, 'loading');
  }

  markLoaded(partition: number): void {
    this.#partitions.set(partition, 'loaded');
  }

  markUnloaded(partition: number): void {
    this.#partitions.delete(partition);
  }
}

import { ErrorCode, errorName } from '../../protocol/index.js';
import { Binding, type Logger } from '../logger.js';
import { type Group, GroupState, offsetKey } from './group.js';
import type { CoordinatorContext } from './group-catalog.js';
import type { StoredOffset } from './group-persistence.js';

export interface OffsetCommitRequest {
  groupId: string;
  /** -1 with member id '' for a commit from outside group management (assign() consumers, admin tools). */
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  /** OffsetCommit v2-4 retention_time_ms; -1 for the broker's retention. */
  retentionTimeMs: number;
  partitions: {
    topic: string;
    partition: number;
    offset: number;
    leaderEpoch: number;
    metadata: string | null;
  }[];
}

export interface PartitionError {
  topic: string;
  partition: number;
  errorCode: ErrorCode;
}

export interface FetchedOffset {
  topic: string;
  partition: number;
  /** -1 when nothing is committed. */
  offset: number;
  leaderEpoch: number;
  metadata: string;
  errorCode: ErrorCode;
}

export interface OffsetFetchResult {
  errorCode: ErrorCode;
  offsets: FetchedOffset[];
}

export interface OffsetDeleteResult {
  errorCode: ErrorCode;
  partitions: PartitionError[];
}

const UNKNOWN_OFFSET = -1;

/**
 * Committed offsets (Kafka's offset handling in GroupCoordinator and GroupMetadataManager): OffsetCommit with its
 * membership checks, OffsetFetch from the cache, OffsetDelete, DeleteGroups and the periodic expiry.
 *
 * Invariant: the cache changes only after the write behind it succeeded (a commit enters it, a tombstone
 * removes from it), so a fetch never returns what a reload would not. While a commit is being written its
 * partition is "pending" (OffsetFetch require_stable answers UNSTABLE_OFFSET_COMMIT; expiry skips it). A group
 * that is being deleted is Dead in the catalog until its tombstone is written, and revived if that fails.
 * Writes of one group complete in call order (the persistence contract), so the cache follows the log.
 */
export class GroupOffsets {
  readonly #ctx: CoordinatorContext;
  readonly #touch: (group: Group, memberId: string) => void;
  #expiring = false;

  /** `touch` restarts a member's session clock: a commit from a member counts as a heartbeat. */
  constructor(ctx: CoordinatorContext, touch: (group: Group, memberId: string) => void) {
    this.#ctx = ctx;
    this.#touch = touch;
  }

  async commitOffsets(req: OffsetCommitRequest): Promise<PartitionError[]> {
    const all = (errorCode: ErrorCode): PartitionError[] =>
      req.partitions.map((p) => ({ topic: p.topic, partition: p.partition, errorCode }));
    const { catalog } = this.#ctx;
    const status = catalog.status(req.groupId, { allowEmptyId: true });
    if (status !== ErrorCode.NONE) return all(status);
    let group = catalog.get(req.groupId);
    if (group === undefined) {
      // a generation means a member of a group that no longer exists: its commit is stale
      if (req.generationId >= 0) return all(ErrorCode.ILLEGAL_GENERATION);
      group = catalog.create(req.groupId, this.#ctx.now());
    }
    const invalid = this.#validateCommit(group, req);
    if (invalid !== ErrorCode.NONE) return all(invalid);
    switch (group.state) {
      case GroupState.CompletingRebalance:
        // a member of the new generation that has not synced yet: let it finish the rebalance first
        return all(ErrorCode.REBALANCE_IN_PROGRESS);
      case GroupState.Stable:
      case GroupState.PreparingRebalance:
        // commits stay allowed while preparing: the heartbeat tells the member to rejoin
        this.#touch(group, req.memberId);
        return this.#store(group, req);
      case GroupState.Empty:
        return this.#store(group, req);
      case GroupState.Dead:
        return all(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    }
  }

  /**
   * The committed offsets of `partitions` (null: every committed partition). Answers whatever is committed,
   * whatever the group's state: groups may use Kafka for offsets only.
   */
  fetchOffsets(
    groupId: string,
    partitions: readonly { topic: string; partition: number }[] | null,
    requireStable: boolean,
  ): OffsetFetchResult {
    const status = this.#ctx.catalog.status(groupId, { allowEmptyId: true });
    if (status !== ErrorCode.NONE) return { errorCode: status, offsets: [] };
    const group = this.#ctx.catalog.get(groupId);
    const none = (topic: string, partition: number, errorCode: ErrorCode = ErrorCode.NONE): FetchedOffset => ({
      topic,
      partition,
      offset: UNKNOWN_OFFSET,
      leaderEpoch: -1,
      metadata: '',
      errorCode,
    });
    if (group === undefined || group.is(GroupState.Dead)) {
      return { errorCode: ErrorCode.NONE, offsets: (partitions ?? []).map((p) => none(p.topic, p.partition)) };
    }
    const wanted = partitions ?? [...group.offsets.values()];
    return {
      errorCode: ErrorCode.NONE,
      offsets: wanted.map(({ topic, partition }) => {
        if (requireStable && group.hasPendingOffsetCommit(topic, partition)) {
          return none(topic, partition, ErrorCode.UNSTABLE_OFFSET_COMMIT);
        }
        const committed = group.offsets.get(offsetKey(topic, partition));
        if (committed === undefined) return none(topic, partition);
        return {
          topic,
          partition,
          offset: Number(committed.offset),
          leaderEpoch: committed.leaderEpoch,
          metadata: committed.metadata,
          errorCode: ErrorCode.NONE,
        };
      }),
    };
  }

  /**
   * OffsetDelete (KIP-496): an Empty group may drop any offset; a consumer group with members only those of
   * topics it does not subscribe to (GROUP_SUBSCRIBED_TO_TOPIC for the others); any other group NON_EMPTY_GROUP.
   */
  async deleteOffsets(
    groupId: string,
    partitions: readonly { topic: string; partition: number }[],
  ): Promise<OffsetDeleteResult> {
    const status = this.#ctx.catalog.status(groupId, { allowEmptyId: false });
    if (status !== ErrorCode.NONE) return { errorCode: status, partitions: [] };
    const group = this.#ctx.catalog.get(groupId);
    if (group === undefined || group.is(GroupState.Dead)) {
      return { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, partitions: [] };
    }
    let eligible: { topic: string; partition: number }[];
    const refused: PartitionError[] = [];
    if (group.is(GroupState.Empty)) {
      eligible = [...partitions];
    } else if (group.isConsumerGroup) {
      eligible = [];
      for (const p of partitions) {
        if (group.isSubscribedToTopic(p.topic)) refused.push({ ...p, errorCode: ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC });
        else eligible.push(p);
      }
    } else {
      return { errorCode: ErrorCode.NON_EMPTY_GROUP, partitions: [] };
    }
    const errorCode = await this.#removeOffsets(group, eligible);
    return {
      errorCode: ErrorCode.NONE,
      partitions: [...refused, ...eligible.map((p) => ({ topic: p.topic, partition: p.partition, errorCode }))],
    };
  }

  /** DeleteGroups: only Empty groups go (NON_EMPTY_GROUP otherwise), with tombstones for them and their offsets. */
  async deleteGroups(groupIds: readonly string[]): Promise<{ groupId: string; errorCode: ErrorCode }[]> {
    return Promise.all(
      groupIds.map(async (groupId) => {
        const status = this.#ctx.catalog.status(groupId, { allowEmptyId: true });
        if (status !== ErrorCode.NONE) return { groupId, errorCode: status };
        const group = this.#ctx.catalog.get(groupId);
        if (group === undefined || group.is(GroupState.Dead)) {
          return { groupId, errorCode: ErrorCode.GROUP_ID_NOT_FOUND };
        }
        if (!group.is(GroupState.Empty)) return { groupId, errorCode: ErrorCode.NON_EMPTY_GROUP };
        const errorCode = await this.#removeGroup(group, [...group.offsets.values()]);
        if (errorCode === ErrorCode.NONE) this.#log(group).info('group deleted');
        return { groupId, errorCode };
      }),
    );
  }

  /**
   * The periodic expiry (offsets.retention.check.interval.ms): drops offsets past offsets.retention.minutes
   * (KIP-211 rules, see #expiredOffsets) and removes Empty groups left with no offsets.
   */
  async expireOffsets(): Promise<void> {
    if (this.#expiring) return;
    this.#expiring = true;
    try {
      const now = this.#ctx.now();
      const retentionMs = this.#ctx.config.offsetsRetentionMinutes * 60_000;
      let removed = 0;
      await Promise.all(
        this.#ctx.catalog.groups().map(async (group) => {
          if (group.is(GroupState.Dead)) return;
          const expired = this.#expiredOffsets(group, now, retentionMs);
          const dies = group.is(GroupState.Empty) && group.pendingOffsetCommits.size === 0;
          if (dies && expired.length === group.offsets.size) {
            if ((await this.#removeGroup(group, expired)) === ErrorCode.NONE) removed += expired.length;
          } else if (expired.length > 0) {
            if ((await this.#removeOffsets(group, expired)) === ErrorCode.NONE) removed += expired.length;
          }
        }),
      );
      if (removed > 0) this.#ctx.logger.info({ removed, ms: this.#ctx.now() - now }, 'removed expired offsets');
    } finally {
      this.#expiring = false;
    }
  }

  /**
   * Which offsets have expired: in an Empty group, all that were committed before the group became Empty plus
   * the retention (or by their commit time when that moment is unknown); in a Stable consumer group, those of
   * topics no member subscribes to, by commit time; in a group that only commits offsets, by commit time. An
   * explicit expire timestamp (OffsetCommit v2-4 retention) wins. Partitions being written never expire.
   */
  #expiredOffsets(group: Group, now: number, retentionMs: number): StoredOffset[] {
    let base: (o: StoredOffset) => number;
    let keep: ReadonlySet<string> = new Set();
    if (group.protocolType !== null && group.is(GroupState.Empty)) {
      base = (o) => (group.currentStateTimestamp >= 0 ? group.currentStateTimestamp : o.commitTimestamp);
    } else if (group.isConsumerGroup && group.subscribedTopics !== null && group.is(GroupState.Stable)) {
      base = (o) => o.commitTimestamp;
      keep = group.subscribedTopics;
    } else if (group.protocolType === null) {
      base = (o) => o.commitTimestamp;
    } else {
      return [];
    }
    return [...group.offsets.values()].filter((o) => {
      if (keep.has(o.topic) || group.hasPendingOffsetCommit(o.topic, o.partition)) return false;
      return o.expireTimestamp === -1 ? now - base(o) >= retentionMs : now >= o.expireTimestamp;
    });
  }

  #validateCommit(group: Group, req: OffsetCommitRequest): ErrorCode {
    if (group.is(GroupState.Dead)) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (req.generationId < 0 && group.is(GroupState.Empty)) return ErrorCode.NONE;
    if (req.generationId >= 0 || req.memberId !== '' || req.groupInstanceId !== null) {
      const invalid = group.validateMember(req.memberId, req.groupInstanceId);
      if (invalid !== ErrorCode.NONE) return invalid;
      return req.generationId === group.generationId ? ErrorCode.NONE : ErrorCode.ILLEGAL_GENERATION;
    }
    // a group with members takes commits from its members only
    return group.is(GroupState.Empty) ? ErrorCode.NONE : ErrorCode.UNKNOWN_MEMBER_ID;
  }

  /** Writes the commits whose metadata fits offset.metadata.max.bytes; the cache takes them once written. */
  async #store(group: Group, req: OffsetCommitRequest): Promise<PartitionError[]> {
    const now = this.#ctx.now();
    const maxMetadata = this.#ctx.config.offsetMetadataMaxBytes;
    const entries = req.partitions.map((p): StoredOffset => ({
      topic: p.topic,
      partition: p.partition,
      offset: BigInt(p.offset),
      leaderEpoch: p.leaderEpoch,
      metadata: p.metadata ?? '',
      commitTimestamp: now,
      expireTimestamp: req.retentionTimeMs === -1 ? -1 : now + req.retentionTimeMs,
    }));
    // a string's length in UTF-16 units, as Kafka measures it
    const fits = (o: StoredOffset): boolean => o.metadata.length <= maxMetadata;
    const valid = entries.filter(fits);
    let errorCode: ErrorCode = ErrorCode.NONE;
    if (valid.length > 0) {
      for (const o of valid) group.pendingOffsetCommits.set(offsetKey(o.topic, o.partition), o);
      errorCode = await this.#write(group, 'offset commit', () =>
        this.#ctx.persistence.storeOffsets(group.groupId, valid),
      );
      for (const o of valid) {
        const key = offsetKey(o.topic, o.partition);
        if (errorCode === ErrorCode.NONE && !group.is(GroupState.Dead)) group.offsets.set(key, o);
        if (group.pendingOffsetCommits.get(key) === o) group.pendingOffsetCommits.delete(key);
      }
    }
    return entries.map((o) => ({
      topic: o.topic,
      partition: o.partition,
      errorCode: fits(o) ? errorCode : ErrorCode.OFFSET_METADATA_TOO_LARGE,
    }));
  }

  /** Tombstones for the committed ones among `partitions`; the whole group goes when that leaves an Empty group with none. */
  async #removeOffsets(group: Group, partitions: readonly { topic: string; partition: number }[]): Promise<ErrorCode> {
    const present = new Map<string, StoredOffset>();
    for (const p of partitions) {
      const committed = group.offsets.get(offsetKey(p.topic, p.partition));
      if (committed !== undefined) present.set(offsetKey(p.topic, p.partition), committed);
    }
    const emptied =
      group.is(GroupState.Empty) && group.pendingOffsetCommits.size === 0 && present.size === group.offsets.size;
    if (emptied) return this.#removeGroup(group, [...present.values()]);
    if (present.size === 0) return ErrorCode.NONE;
    const errorCode = await this.#write(group, 'offset tombstones', () =>
      this.#ctx.persistence.remove(group.groupId, { offsets: [...present.values()], group: false }),
    );
    if (errorCode === ErrorCode.NONE) {
      for (const [key, removed] of present) {
        // a commit written after the tombstone stays
        if (group.offsets.get(key) === removed) group.offsets.delete(key);
      }
    }
    return errorCode;
  }

  /**
   * Removes an Empty group and `offsets` (all it has): Dead while the tombstones are written, then gone; revived
   * as Empty if they cannot be written. A group that never stored metadata (generation 0) needs no group tombstone.
   */
  async #removeGroup(group: Group, offsets: readonly StoredOffset[]): Promise<ErrorCode> {
    const emptySince = group.currentStateTimestamp;
    group.transitionTo(GroupState.Dead, this.#ctx.now());
    const storedMetadata = group.generationId > 0;
    const errorCode =
      offsets.length === 0 && !storedMetadata
        ? ErrorCode.NONE
        : await this.#write(group, 'group tombstones', () =>
            this.#ctx.persistence.remove(group.groupId, { offsets, group: storedMetadata }),
          );
    if (!this.#ctx.catalog.holds(group)) return errorCode;
    if (errorCode === ErrorCode.NONE) {
      this.#ctx.catalog.delete(group);
      this.#log(group).info({ generation: group.generationId, offsets: offsets.length }, 'group removed');
    } else {
      group.reviveAsEmpty(emptySince);
    }
    return errorCode;
  }

  /** Runs a persistence write; never rejects (an unexpected failure is UNKNOWN_SERVER_ERROR), logs failures. */
  async #write(group: Group, what: string, write: () => Promise<ErrorCode>): Promise<ErrorCode> {
    try {
      const errorCode = await write();
      if (errorCode !== ErrorCode.NONE) this.#log(group).warn({ error: errorName(errorCode) }, `${what} failed`);
      return errorCode;
    } catch (err) {
      this.#log(group).error({ err }, `${what} failed`);
      return ErrorCode.UNKNOWN_SERVER_ERROR;
    }
  }

  #log(group: Group): Logger {
    return this.#ctx.logger.child({ [Binding.group]: group.groupId });
  }
}

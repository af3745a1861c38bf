import { ErrorCode, errorInfo, Fetch, OffsetForLeaderEpoch, type ResponseOf } from '../../protocol/index.js';
import { type BrokerChannel, BrokerChannelError } from '../cluster/broker-channel.js';
import { Binding, type Logger } from '../logger.js';
import { truncationPoint } from './epoch-truncation.js';
import type { Partition } from './partition.js';

/** Fetch v12: flexible, topic names and the top-level replica id (the leader serves 4-13). */
const FETCH_VERSION = 12;
/** OffsetForLeaderEpoch v3: the first with the replica id. */
const OFFSET_FOR_LEADER_EPOCH_VERSION = 3;

type FetchResponse = ResponseOf<typeof Fetch>;

/** The part of BrokerChannel a fetcher uses (tests substitute their own). */
export type FetcherChannel = Pick<BrokerChannel, 'send' | 'sendLeased' | 'close'>;

/** The replica.fetch.* settings (Kafka's names, camelCased). */
export interface ReplicaFetchConfig {
  replicaFetchMaxBytes: number;
  replicaFetchResponseMaxBytes: number;
  replicaFetchMinBytes: number;
  replicaFetchWaitMaxMs: number;
  replicaFetchBackoffMs: number;
  replicaSocketTimeoutMs: number;
}

/** A followed partition as a fetcher tracks it. Replaced whole when re-added, so late answers for the old one are ignored. */
export interface FetchState {
  readonly partition: Partition;
  /** The leader epoch we follow in: sent as current_leader_epoch, so a leader in another epoch refuses. */
  readonly leaderEpoch: number;
  /** truncating: ask the leader where our latest epoch ends (KIP-101/279) before fetching. */
  phase: 'truncating' | 'fetching';
  fetchOffset: number;
  /** Not fetched before this time (backoff after a partition error). */
  delayedUntilMs: number;
  /** The epoch the last OffsetForLeaderEpoch asked about, to stop a truncation that makes no progress. */
  lastAskedEpoch: number;
  /** The fetch offset the leader last found past its log end (-1: none), so that truncation by epoch is tried once. */
  outOfRangeAt: number;
}

export interface ReplicaFetcherOptions {
  brokerId: number;
  sourceBrokerId: number;
  channel: FetcherChannel;
  config: ReplicaFetchConfig;
  logger: Logger;
}

/**
 * One fetcher loop from one source broker (Kafka's ReplicaFetcherThread): for its partitions, first truncation
 * (OffsetForLeaderEpoch for the latest epoch in the log, then truncateTo, repeated while the answer names an epoch
 * the follower lacks; a log without epochs truncates to its HW), then Fetch with replica_id = this broker from each
 * partition's log end, appending the leader's batches as they are and taking its HW and log start.
 *
 * Errors: a failed request (connection, timeout) backs the whole fetcher off replica.fetch.backoff.ms. Per
 * partition: NOT_LEADER_OR_FOLLOWER, UNKNOWN_LEADER_EPOCH, UNKNOWN_TOPIC_OR_PARTITION and the like back off and
 * retry until a LeaderAndIsr re-adds or removes it; FENCED_LEADER_EPOCH (we follow an old epoch) removes the
 * partition until the new LeaderAndIsr; OFFSET_OUT_OF_RANGE below the leader's log start restarts the log there,
 * above the leader's log end truncates again (by epoch first; to the leader's HW without epochs, or when the same
 * offset is out of range again).
 *
 * Concurrency: requests are sent outside the lock; their answers, truncations and appends run under it (one at a
 * time), and only for partitions whose FetchState is still the one the request was built from. removePartitions
 * takes the lock, so once it resolves nothing more is appended to those partitions by this fetcher. Adding
 * partitions aborts a long-poll fetch in flight, so they are fetched at once.
 */
export class ReplicaFetcher {
  readonly sourceBrokerId: number;
  readonly #options: ReplicaFetcherOptions;
  readonly #log: Logger;
  readonly #states = new Map<string, FetchState>();
  #lock: Promise<void> = Promise.resolve();
  #wake: (() => void) | undefined;
  /** A wake-up that came while the loop was not asleep: the next sleep returns at once. */
  #woken = false;
  #inFlight: AbortController | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;

  constructor(options: ReplicaFetcherOptions) {
    this.sourceBrokerId = options.sourceBrokerId;
    this.#options = options;
    this.#log = options.logger.child({ [Binding.component]: 'replica-fetcher', sourceBroker: options.sourceBrokerId });
  }

  get partitionCount(): number {
    return this.#states.size;
  }

  /** The states of the partitions fetched (tests, and moving them to a fetcher for a new address). */
  states(): FetchState[] {
    return [...this.#states.values()];
  }

  /** Starts the loop (once). */
  start(): void {
    this.#running ??= this.#run();
  }

  /** Adds (or restarts) partitions; each starts by truncating unless given a state to resume from. */
  addPartitions(entries: readonly { partition: Partition; leaderEpoch: number; resume?: FetchState }[]): void {
    for (const { partition, leaderEpoch, resume } of entries) {
      this.#states.set(key(partition), {
        partition,
        leaderEpoch,
        phase: resume?.phase ?? 'truncating',
        fetchOffset: resume?.fetchOffset ?? partition.log.logEndOffset,
        delayedUntilMs: 0,
        lastAskedEpoch: -1,
        outOfRangeAt: -1,
      });
    }
    this.#inFlight?.abort();
    this.#wakeUp();
  }

  /** Stops fetching these partitions; resolves once no answer for them is being applied any more. */
  removePartitions(partitions: readonly { topic: string; partition: number }[]): Promise<void> {
    return this.#exclusive(() => {
      for (const p of partitions) this.#states.delete(`${p.topic}-${p.partition}`);
      return Promise.resolve();
    });
  }

  /** Stops the loop and closes the channel; resolves when the loop has ended. Idempotent. */
  async shutdown(): Promise<void> {
    this.#stopped = true;
    this.#inFlight?.abort();
    this.#wakeUp();
    await this.#running;
    this.#options.channel.close();
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      try {
        const truncated = await this.#truncatePartitions();
        const fetched = await this.#fetchOnce();
        if (!truncated && !fetched) await this.#idle();
      } catch (err) {
        if (this.#stopped) break;
        if (!isAbort(err)) {
          this.#log.warn({ err }, 'replica fetch failed; backing off');
          await this.#sleep(this.#options.config.replicaFetchBackoffMs);
        }
      }
    }
  }

  /** Waits until a partition's backoff ends or partitions change. */
  #idle(): Promise<void> {
    const now = Date.now();
    let until = Infinity;
    for (const s of this.#states.values()) until = Math.min(until, s.delayedUntilMs);
    return this.#sleep(until === Infinity ? undefined : Math.max(1, until - now));
  }

  /** Sleeps `ms` (forever when undefined) or until woken. */
  #sleep(ms: number | undefined): Promise<void> {
    if (this.#woken) {
      this.#woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        if (this.#wake === done) this.#wake = undefined;
        resolve();
      };
      const timer = ms === undefined ? undefined : setTimeout(done, ms).unref();
      this.#wake = done;
    });
  }

  #wakeUp(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    if (wake === undefined) this.#woken = true;
    else wake();
  }

  #exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#lock.then(task);
    this.#lock = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  #ready(phase: FetchState['phase'], now: number): FetchState[] {
    const ready: FetchState[] = [];
    for (const s of this.#states.values()) if (s.phase === phase && s.delayedUntilMs <= now) ready.push(s);
    return ready;
  }

  #isCurrent(state: FetchState): boolean {
    return this.#states.get(key(state.partition)) === state && !this.#stopped;
  }

  /** One round of truncation for the partitions that need it; false when none did. */
  async #truncatePartitions(): Promise<boolean> {
    const ready = this.#ready('truncating', Date.now());
    if (ready.length === 0) return false;
    const withEpochs = ready.filter((s) => s.partition.log.latestEpoch !== undefined);
    // a log without epochs can only trust its HW (Kafka's behaviour for old message formats)
    const withoutEpochs = ready.filter((s) => s.partition.log.latestEpoch === undefined);
    if (withoutEpochs.length > 0) {
      await this.#exclusive(async () => {
        for (const s of withoutEpochs) {
          if (this.#isCurrent(s)) await this.#truncate(s, { offset: s.partition.highWatermark, completed: true });
        }
      });
    }
    if (withEpochs.length === 0) return true;
    const asked = withEpochs.map((s) => ({ state: s, epoch: s.partition.log.latestEpoch! }));
    const response = await this.#options.channel.send(
      OffsetForLeaderEpoch,
      OFFSET_FOR_LEADER_EPOCH_VERSION,
      {
        replicaId: this.#options.brokerId,
        topics: groupByTopic(asked, ({ state, epoch }) => ({
          partition: state.partition.partition,
          currentLeaderEpoch: state.leaderEpoch,
          leaderEpoch: epoch,
        })),
      },
      { timeoutMs: this.#options.config.replicaSocketTimeoutMs },
    );
    await this.#exclusive(async () => {
      const answers = new Map<string, (typeof response.topics)[number]['partitions'][number]>();
      for (const t of response.topics) for (const p of t.partitions) answers.set(`${t.topic}-${p.partition}`, p);
      for (const { state, epoch } of asked) {
        const answer = answers.get(key(state.partition));
        if (answer === undefined || !this.#isCurrent(state)) continue;
        if (answer.errorCode !== ErrorCode.NONE) {
          this.#onPartitionError(state, answer.errorCode, 'OffsetForLeaderEpoch');
          continue;
        }
        const point = truncationPoint(state.partition.log, state.partition.highWatermark, answer);
        // a truncation that no longer lowers the latest epoch would ask the same question forever
        if (!point.completed && epoch === state.lastAskedEpoch) point.completed = true;
        state.lastAskedEpoch = epoch;
        await this.#truncate(state, point);
      }
    });
    return true;
  }

  async #truncate(state: FetchState, point: { offset: number; completed: boolean }): Promise<void> {
    const { partition } = state;
    if (point.offset < partition.log.logEndOffset) {
      if (point.offset < partition.highWatermark) {
        this.#log.warn(
          { [Binding.tp]: key(partition), offset: point.offset, highWatermark: partition.highWatermark },
          'truncating below the high watermark',
        );
      }
      this.#log.info(
        { [Binding.tp]: key(partition), offset: point.offset, logEndOffset: partition.log.logEndOffset },
        'truncating to the leader',
      );
      await partition.truncateTo(point.offset);
    } else {
      // drops an epoch assigned at our log end that the leader never saw
      await partition.truncateTo(partition.log.logEndOffset);
    }
    if (point.completed) {
      state.phase = 'fetching';
      state.fetchOffset = partition.log.logEndOffset;
    }
  }

  /** One Fetch for the partitions ready to fetch; false when none were. */
  async #fetchOnce(): Promise<boolean> {
    const ready = this.#ready('fetching', Date.now());
    if (ready.length === 0) return false;
    const { config } = this.#options;
    const sent = ready.map((state) => ({ state, fetchOffset: state.fetchOffset }));
    const abort = new AbortController();
    this.#inFlight = abort;
    let leased;
    try {
      leased = await this.#options.channel.sendLeased(
        Fetch,
        FETCH_VERSION,
        {
          replicaId: this.#options.brokerId,
          maxWaitMs: config.replicaFetchWaitMaxMs,
          minBytes: config.replicaFetchMinBytes,
          maxBytes: config.replicaFetchResponseMaxBytes,
          isolationLevel: 0,
          sessionId: 0,
          sessionEpoch: -1,
          topics: groupByTopic(sent, ({ state, fetchOffset }) => ({
            partition: state.partition.partition,
            currentLeaderEpoch: state.leaderEpoch,
            fetchOffset,
            logStartOffset: state.partition.log.logStartOffset,
            partitionMaxBytes: config.replicaFetchMaxBytes,
          })),
          forgottenTopicsData: [],
          rackId: '',
        },
        { timeoutMs: Math.max(config.replicaSocketTimeoutMs, config.replicaFetchWaitMaxMs), signal: abort.signal },
      );
    } finally {
      if (this.#inFlight === abort) this.#inFlight = undefined;
    }
    const response = leased.body;
    try {
      if (response.errorCode !== ErrorCode.NONE) {
        throw new Error(`fetch refused: ${errorInfo(response.errorCode).name}`);
      }
      await this.#applyResponse(sent, response);
    } finally {
      // the log has written the records to its file, and keeps no view of them
      leased.release();
    }
    return true;
  }

  async #applyResponse(
    sent: readonly { state: FetchState; fetchOffset: number }[],
    response: FetchResponse,
  ): Promise<void> {
    await this.#exclusive(async () => {
      const answers = new Map<string, (typeof response.responses)[number]['partitions'][number]>();
      for (const t of response.responses)
        for (const p of t.partitions) answers.set(`${t.topic}-${p.partitionIndex}`, p);
      for (const { state, fetchOffset } of sent) {
        const answer = answers.get(key(state.partition));
        // the state moved on (re-added, truncated, removed) since the request left: its answer is stale
        if (answer === undefined || !this.#isCurrent(state) || state.fetchOffset !== fetchOffset) continue;
        await this.#applyFetched(state, answer);
      }
    });
  }

  async #applyFetched(
    state: FetchState,
    answer: { errorCode: number; highWatermark: number; logStartOffset: number; records: Buffer | null },
  ): Promise<void> {
    const { partition } = state;
    if (answer.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE) return this.#onOutOfRange(state, answer);
    if (answer.errorCode !== ErrorCode.NONE) return this.#onPartitionError(state, answer.errorCode, 'Fetch');
    try {
      if (answer.records !== null && answer.records.length > 0) {
        const info = await partition.appendAsFollower(answer.records);
        state.fetchOffset = info.lastOffset + 1;
      }
      await partition.updateFollowerOffsets(answer.highWatermark, answer.logStartOffset);
    } catch (err) {
      this.#log.error({ err, [Binding.tp]: key(partition) }, 'cannot append the leader’s records; backing off');
      this.#delay(state);
    }
  }

  /**
   * Our fetch offset is outside the leader's log: below its start, restart our log there; past its end, our log
   * diverged (truncate by epoch again, or without epochs to the leader's HW, at most our log end).
   */
  async #onOutOfRange(state: FetchState, answer: { highWatermark: number; logStartOffset: number }): Promise<void> {
    const { partition } = state;
    const tp = key(partition);
    if (answer.logStartOffset >= 0 && state.fetchOffset < answer.logStartOffset) {
      this.#log.info(
        { [Binding.tp]: tp, leaderLogStartOffset: answer.logStartOffset },
        'restarting the log at the leader’s start',
      );
      await partition.truncateFullyAndStartAt(answer.logStartOffset);
      state.fetchOffset = answer.logStartOffset;
    } else if (partition.log.latestEpoch !== undefined && state.outOfRangeAt !== state.fetchOffset) {
      state.outOfRangeAt = state.fetchOffset;
      state.phase = 'truncating';
      state.lastAskedEpoch = -1;
    } else if (answer.highWatermark >= 0) {
      // no epochs, or truncating by them did not help: the leader's HW is an offset both logs hold
      await this.#truncate(state, { offset: answer.highWatermark, completed: true });
    } else {
      this.#delay(state);
    }
  }

  #onPartitionError(state: FetchState, errorCode: number, what: string): void {
    const tp = key(state.partition);
    if (errorCode === ErrorCode.FENCED_LEADER_EPOCH) {
      // the leader is in a newer epoch: this follow is over until the controller's LeaderAndIsr
      this.#log.info({ [Binding.tp]: tp, leaderEpoch: state.leaderEpoch }, `${what}: fenced; waiting for LeaderAndIsr`);
      this.#states.delete(tp);
      return;
    }
    this.#log.info({ [Binding.tp]: tp, error: errorInfo(errorCode as ErrorCode).name }, `${what} failed; backing off`);
    this.#delay(state);
  }

  #delay(state: FetchState): void {
    state.delayedUntilMs = Date.now() + this.#options.config.replicaFetchBackoffMs;
  }
}

function key(p: { topic: string; partition: number }): string {
  return `${p.topic}-${p.partition}`;
}

function isAbort(err: unknown): boolean {
  return err instanceof BrokerChannelError && err.reason === 'aborted';
}

/** Groups per-partition request entries by topic, in first-seen order. */
function groupByTopic<T extends { state: FetchState }, P>(
  entries: readonly T[],
  toPartition: (entry: T) => P,
): { topic: string; partitions: P[] }[] {
  const byTopic = new Map<string, P[]>();
  for (const entry of entries) {
    const topic = entry.state.partition.topic;
    let list = byTopic.get(topic);
    if (list === undefined) byTopic.set(topic, (list = []));
    list.push(toPartition(entry));
  }
  return [...byTopic].map(([topic, partitions]) => ({ topic, partitions }));
}

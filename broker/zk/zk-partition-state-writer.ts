import type { AlterIsrChange, PartitionStateWriter } from '../replica/partition-state-writer.js';
import { Binding, type Logger } from '../logger.js';
import type { KafkaZkStore } from './kafka-zk-store.js';
import { LeaderRecoveryState, type ZkTopicPartition } from './zk-topic-data.js';

/** How long ISR changes gather before one notification tells the controller about all of them. */
const DEFAULT_NOTIFICATION_DELAY_MS = 250;

export interface ZkPartitionStateWriterOptions {
  store: KafkaZkStore;
  logger: Logger;
  /** Batching window of ISR change notifications (Kafka waits up to 5 s; a short window keeps metadata fresh). */
  notificationDelayMs?: number;
}

/**
 * A leader's ISR changes in ZooKeeper mode (Kafka's ZkIsrManager): a conditional write of
 * `/brokers/topics/<t>/partitions/<p>/state` on the partition epoch (its zkVersion), unfenced by any controller
 * epoch (the leader is not the controller), and then an ISR change notification so the controller re-reads the
 * states and sends UpdateMetadata. Notifications are batched: every partition changed within the window goes into
 * one `/isr_change_notification/isr_change_<n>` znode.
 *
 * Concurrency: writes for different partitions run concurrently (each partition has at most one in flight); the
 * pending notification set is flushed by one timer at a time. A notification that fails to be written is kept and
 * tried again with the next flush; close() makes a last attempt.
 */
export class ZkPartitionStateWriter implements PartitionStateWriter {
  readonly #store: KafkaZkStore;
  readonly #log: Logger;
  readonly #delayMs: number;
  readonly #pending = new Map<string, ZkTopicPartition>();
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(options: ZkPartitionStateWriterOptions) {
    this.#store = options.store;
    this.#log = options.logger.child({ [Binding.component]: 'zk-partition-state-writer' });
    this.#delayMs = options.notificationDelayMs ?? DEFAULT_NOTIFICATION_DELAY_MS;
  }

  async alterIsr(change: AlterIsrChange): Promise<number | null> {
    const result = await this.#store.partitionStates.updateState(
      change.topic,
      change.partition,
      {
        leader: change.leader,
        leaderEpoch: change.leaderEpoch,
        isr: change.isr,
        controllerEpoch: change.controllerEpoch,
        leaderRecoveryState: LeaderRecoveryState.RECOVERED,
      },
      change.partitionEpoch,
      null,
    );
    if (result.outcome === 'stale') return null;
    this.#notifyLater({ topic: change.topic, partition: change.partition });
    return result.zkVersion;
  }

  /** Writes the pending notification now and stops batching; later changes are notified at once. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#flush();
  }

  #notifyLater(tp: ZkTopicPartition): void {
    this.#pending.set(`${tp.topic}-${tp.partition}`, tp);
    if (this.#closed) {
      this.#flush().catch(() => undefined);
      return;
    }
    this.#scheduleFlush();
  }

  #scheduleFlush(): void {
    if (this.#closed || this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      // #flush logs its own failures
      this.#flush().catch(() => undefined);
    }, this.#delayMs);
    this.#timer.unref();
  }

  /** One notification for everything pending; flushes run one after another. */
  #flush(): Promise<void> {
    this.#flushing = this.#flushing.then(async () => {
      if (this.#pending.size === 0) return;
      const partitions = [...this.#pending.values()];
      this.#pending.clear();
      try {
        await this.#store.notifications.createIsrChange(partitions);
      } catch (err) {
        this.#log.warn({ err, partitions: partitions.length }, 'cannot write an ISR change notification; will retry');
        for (const tp of partitions) this.#pending.set(`${tp.topic}-${tp.partition}`, tp);
        this.#scheduleFlush();
      }
    });
    return this.#flushing;
  }
}

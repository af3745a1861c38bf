import { Binding, type Logger } from '../logger.js';
import type { KafkaZkStore } from '../zk/kafka-zk-store.js';
import type { ZkClient } from '../zk/zk-client.js';
import { ZkClosedError } from '../zk/zk-errors.js';
import { sequenceNumberOf, SequencePrefix, ZkPaths } from '../zk/zk-paths.js';
import type { BrokerLifecycle } from './controller.js';

export interface ZkTopicConfigListenerOptions {
  readonly zk: ZkClient;
  readonly store: KafkaZkStore;
  /** Where a topic's overrides are applied (its logs' configs). */
  readonly lifecycle: Pick<BrokerLifecycle, 'updateTopicConfig'>;
  readonly logger: Logger;
  /** Notifications older than this are deleted when notifications are processed (Kafka: 15 minutes). */
  readonly changeExpirationMs?: number;
  readonly nowMs?: () => number;
}

/** Kafka's ZkNodeChangeNotificationListener default. */
const CHANGE_EXPIRATION_MS = 15 * 60 * 1000;
/** Pause before processing notifications again after a pass failed (ZooKeeper unreachable, most likely). */
const RETRY_BACKOFF_MS = 1_000;

/**
 * Every broker's view of the topic config overrides in ZooKeeper, kept current and applied to the broker's logs
 * (Kafka's ZkConfigManager with its ConfigChangeListener and TopicConfigHandler).
 *
 * ZooKeeper: `/config/topics/<t>` holds a topic's overrides; a writer (AlterConfigs on any broker) then creates a
 * sequential `/config/changes/config_change_<n>` naming the topic. This listener watches `/config/changes`, and
 * for each notification with a sequence number above the last one processed it reads the topic's config znode
 * and applies the whole override set through {@link BrokerLifecycle.updateTopicConfig}; notifications of other
 * entity types (clients, users, brokers) are skipped. Each pass deletes notifications older than
 * `changeExpirationMs`, whichever broker wrote them.
 *
 * Start: the last sequence number is taken first, then every topic's config is read and applied, so a change
 * made meanwhile is applied again at worst, never missed. A new session (watches died with the old one) runs a
 * pass at once. A failed pass is retried after a pause.
 *
 * Concurrency: watches and session events only enqueue; one queue runs start, passes and {@link refresh} in
 * order. Every application reads the config znode at that point, so the last one applied is the newest read,
 * whatever order the notifications and refreshes arrived in. Invariant: the cache holds what was last applied.
 */
export class ZkTopicConfigListener {
  readonly #zk: ZkClient;
  readonly #store: KafkaZkStore;
  readonly #lifecycle: Pick<BrokerLifecycle, 'updateTopicConfig'>;
  readonly #log: Logger;
  readonly #expirationMs: number;
  readonly #nowMs: () => number;
  readonly #overrides = new Map<string, Readonly<Record<string, string>>>();
  readonly #onChange = () => void this.#enqueue(() => this.#processChanges());
  #tail: Promise<unknown> = Promise.resolve();
  #lastSequence = -1;
  #unsubscribe: (() => void) | null = null;
  #retry: NodeJS.Timeout | null = null;
  #started = false;
  #stopped = false;

  constructor(options: ZkTopicConfigListenerOptions) {
    this.#zk = options.zk;
    this.#store = options.store;
    this.#lifecycle = options.lifecycle;
    this.#log = options.logger.child({ [Binding.component]: 'topic-config-listener' });
    this.#expirationMs = options.changeExpirationMs ?? CHANGE_EXPIRATION_MS;
    this.#nowMs = options.nowMs ?? Date.now;
  }

  /** Applies every topic's overrides and starts watching; resolves once they are applied. */
  start(): Promise<void> {
    if (this.#started || this.#stopped) return this.#tail.then(() => undefined);
    this.#started = true;
    this.#unsubscribe = this.#zk.addSessionListener({ newSession: this.#onChange });
    return this.#enqueue(() => this.#load(), { retry: false });
  }

  /** Stops watching and waits for the work under way; idempotent. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    if (this.#retry !== null) clearTimeout(this.#retry);
    this.#retry = null;
    await this.#tail;
  }

  /** A topic's overrides as last applied; undefined when no config of it was seen. */
  overrides(topic: string): Readonly<Record<string, string>> | undefined {
    return this.#overrides.get(topic);
  }

  /**
   * Reads the configs of `topics` now and applies them, without waiting for a notification: for the broker that
   * wrote them, so that it serves them at once.
   */
  refresh(topics: readonly string[]): Promise<void> {
    return this.#enqueue(() => this.#apply(topics), { retry: false });
  }

  async #load(): Promise<void> {
    await this.#zk.ensurePath(ZkPaths.configChanges);
    await this.#zk.ensurePath(ZkPaths.configEntityType('topics'));
    const changes = await this.#watchChanges();
    const last = changes.at(-1);
    if (last !== undefined) this.#lastSequence = sequenceOf(last);
    const topics = await this.#zk.getChildren(ZkPaths.configEntityType('topics'));
    const configs = await Promise.all(topics.map((t) => this.#store.topics.readConfig(t)));
    for (const [i, topic] of topics.entries()) {
      const overrides = Object.freeze(configs[i]!);
      this.#overrides.set(topic, overrides);
      // Logs were opened with the broker defaults; a topic without overrides has nothing to change.
      if (Object.keys(overrides).length > 0) await this.#lifecycle.updateTopicConfig(topic, overrides);
    }
    this.#log.info({ topics: topics.length, lastChange: this.#lastSequence }, 'topic configs loaded');
    await this.#purge(changes);
  }

  /** One pass over `/config/changes`: apply what is new, re-arm the watch, purge what is old. */
  async #processChanges(): Promise<void> {
    const changes = await this.#watchChanges();
    const fresh = changes.filter((name) => sequenceOf(name) > this.#lastSequence);
    if (fresh.length > 0) {
      const topics = new Set<string>();
      for (const { name, content } of await this.#store.notifications.readConfigChanges(fresh)) {
        if (content.entityType === 'topics') topics.add(content.entityName);
        else this.#log.debug({ notification: name, entityType: content.entityType }, 'config change ignored');
      }
      await this.#apply([...topics]);
      this.#lastSequence = sequenceOf(fresh.at(-1)!);
    }
    await this.#purge(changes);
  }

  /** The notification names, oldest first, with the child watch armed again. */
  async #watchChanges(): Promise<string[]> {
    const children = await this.#zk.getChildren(ZkPaths.configChanges, this.#onChange);
    return children.filter((c) => c.startsWith(SequencePrefix.configChange)).sort();
  }

  async #apply(topics: readonly string[]): Promise<void> {
    const configs = await Promise.all(topics.map((t) => this.#store.topics.readConfig(t)));
    for (const [i, topic] of topics.entries()) {
      const overrides = Object.freeze(configs[i]!);
      this.#overrides.set(topic, overrides);
      await this.#lifecycle.updateTopicConfig(topic, overrides);
      this.#log.info({ topic, overrides }, 'topic config applied');
    }
  }

  /** Deletes the notifications among `names` created longer than the expiration ago. */
  async #purge(names: readonly string[]): Promise<void> {
    const now = this.#nowMs();
    const stats = await Promise.all(names.map((n) => this.#zk.exists(`${ZkPaths.configChanges}/${n}`)));
    const expired = names.filter((_, i) => stats[i] !== null && now - stats[i]!.ctimeMs > this.#expirationMs);
    if (expired.length === 0) return;
    await this.#store.notifications.deleteConfigChanges(expired);
    this.#log.debug({ notifications: expired }, 'purged expired config change notifications');
  }

  /**
   * Runs `task` after the earlier ones. A failed pass is logged and retried after a pause (its watch may not be
   * armed); a failed start or refresh rejects to its caller instead.
   */
  #enqueue(task: () => Promise<void>, options: { retry: boolean } = { retry: true }): Promise<void> {
    const run = async () => {
      if (this.#stopped) return;
      try {
        await task();
      } catch (err) {
        if (!options.retry) throw err;
        if (this.#stopped || err instanceof ZkClosedError) return;
        this.#log.error({ err }, 'processing config change notifications failed; retrying');
        this.#retry ??= setTimeout(() => {
          this.#retry = null;
          this.#onChange();
        }, RETRY_BACKOFF_MS);
        this.#retry.unref();
      }
    };
    const next = this.#tail.then(run, run);
    this.#tail = next.catch(() => undefined);
    return next;
  }
}

function sequenceOf(name: string): number {
  return Number(sequenceNumberOf(name, SequencePrefix.configChange));
}

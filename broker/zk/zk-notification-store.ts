import type { ZkClient } from './zk-client.js';
import { ZkNoNodeError } from './zk-errors.js';
import { SequenceCreatePath, SequencePrefix, ZkPaths, type ConfigEntityType } from './zk-paths.js';
import {
  decodeConfigChange,
  decodeIsrChange,
  encodeConfigChange,
  encodeEntityConfig,
  encodeIsrChange,
  type ZkConfigChange,
  type ZkTopicPartition,
} from './zk-topic-data.js';

/** One sequential notification znode, read: its name (`isr_change_0000000004`) and content. */
export interface ZkNotification<T> {
  readonly name: string;
  readonly content: T;
}

/**
 * Kafka's sequential notification znodes: ISR changes a leader wrote itself (`/isr_change_notification/isr_change_<n>`,
 * read and deleted by the controller) and entity config changes (`/config/changes/config_change_<n>`, read by
 * every broker, deleted by age). Persistent sequential znodes, so that they outlive their writer's session.
 *
 * Concurrency: stateless over ZkClient. A notification deleted between its listing and its read is skipped.
 */
export class ZkNotificationStore {
  readonly #zk: ZkClient;

  constructor(zk: ZkClient) {
    this.#zk = zk;
  }

  /** Tells the controller the ISR of `partitions` changed (Kafka's propagateIsrChanges); returns the znode name. */
  async createIsrChange(partitions: readonly ZkTopicPartition[]): Promise<string> {
    const path = await this.#zk.create(SequenceCreatePath.isrChange, encodeIsrChange(partitions), {
      mode: 'persistent_sequential',
      createParents: true,
    });
    return nameOf(path);
  }

  /** The names of pending ISR change notifications, oldest first. */
  listIsrChanges(): Promise<string[]> {
    return this.#list(ZkPaths.isrChangeNotification, SequencePrefix.isrChange);
  }

  /** The named ISR change notifications still present, in the order given. */
  readIsrChanges(names: readonly string[]): Promise<ZkNotification<ZkTopicPartition[]>[]> {
    return this.#read(ZkPaths.isrChangeNotification, names, decodeIsrChange);
  }

  /** Deletes the named ISR change notifications; ones already gone are fine. */
  async deleteIsrChanges(names: readonly string[]): Promise<void> {
    await Promise.all(names.map((name) => this.#deleteIfPresent(`${ZkPaths.isrChangeNotification}/${name}`)));
  }

  /**
   * Writes a topic's config overrides to `/config/topics/<t>` and then announces the change (Kafka's
   * AdminZkClient.changeTopicConfig: config first, so that a broker reading the notification sees the new config).
   */
  async changeTopicConfig(topic: string, config: Readonly<Record<string, string>>): Promise<string> {
    const path = ZkPaths.topicConfig(topic);
    const data = encodeEntityConfig(config);
    try {
      await this.#zk.setData(path, data);
    } catch (err) {
      if (!(err instanceof ZkNoNodeError)) throw err;
      await this.#zk.create(path, data, { createParents: true });
    }
    return this.createConfigChange('topics', topic);
  }

  /** Creates a version-2 config change notification for `<entityType>/<entityName>`; returns the znode name. */
  async createConfigChange(entityType: ConfigEntityType, entityName: string): Promise<string> {
    const path = await this.#zk.create(SequenceCreatePath.configChange, encodeConfigChange(entityType, entityName), {
      mode: 'persistent_sequential',
      createParents: true,
    });
    return nameOf(path);
  }

  /** The names of config change notifications, oldest first. */
  listConfigChanges(): Promise<string[]> {
    return this.#list(ZkPaths.configChanges, SequencePrefix.configChange);
  }

  /** The named config change notifications still present, in the order given. */
  readConfigChanges(names: readonly string[]): Promise<ZkNotification<ZkConfigChange>[]> {
    return this.#read(ZkPaths.configChanges, names, decodeConfigChange);
  }

  /** Deletes the named config change notifications (Kafka purges those older than 15 minutes); gone ones are fine. */
  async deleteConfigChanges(names: readonly string[]): Promise<void> {
    await Promise.all(names.map((name) => this.#deleteIfPresent(`${ZkPaths.configChanges}/${name}`)));
  }

  async #list(parent: string, prefix: string): Promise<string[]> {
    let children: string[];
    try {
      children = await this.#zk.getChildren(parent);
    } catch (err) {
      if (err instanceof ZkNoNodeError) return [];
      throw err;
    }
    // the 10-digit sequence suffix sorts as text
    return children.filter((c) => c.startsWith(prefix)).sort();
  }

  async #read<T>(
    parent: string,
    names: readonly string[],
    decode: (path: string, bytes: Buffer) => T,
  ): Promise<ZkNotification<T>[]> {
    const reads = await Promise.all(
      names.map(async (name) => {
        const path = `${parent}/${name}`;
        try {
          return { name, content: decode(path, (await this.#zk.getData(path)).data) };
        } catch (err) {
          if (err instanceof ZkNoNodeError) return null;
          throw err;
        }
      }),
    );
    return reads.filter((r): r is ZkNotification<T> => r !== null);
  }

  async #deleteIfPresent(path: string): Promise<void> {
    try {
      await this.#zk.delete(path);
    } catch (err) {
      if (!(err instanceof ZkNoNodeError)) throw err;
    }
  }
}

function nameOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

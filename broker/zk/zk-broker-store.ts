import type { ZkClient } from './zk-client.js';
import { decodeBrokerInfo, type ZkBrokerInfo } from './zk-data.js';
import { ZkNoNodeError } from './zk-errors.js';
import { ZkPaths } from './zk-paths.js';

/** A live broker as registered: its id, BrokerInfo and epoch (the registration znode's czxid). */
export interface ZkRegisteredBroker {
  readonly brokerId: number;
  readonly info: ZkBrokerInfo;
  readonly brokerEpoch: number;
}

/**
 * Reads the broker registry `/brokers/ids` (KafkaZkClient.getSortedBrokerList, getAllBrokerAndEpochsInCluster).
 * Concurrency: stateless over ZkClient; a broker that leaves between listing and reading is left out.
 */
export class ZkBrokerStore {
  readonly #zk: ZkClient;

  constructor(zk: ZkClient) {
    this.#zk = zk;
  }

  /** The ids of the registered brokers, ascending; children that are not broker ids are ignored. */
  async brokerIds(): Promise<number[]> {
    let children: string[];
    try {
      children = await this.#zk.getChildren(ZkPaths.brokerIds);
    } catch (err) {
      if (err instanceof ZkNoNodeError) return [];
      throw err;
    }
    return children
      .filter((c) => /^\d+$/.test(c))
      .map(Number)
      .sort((a, b) => a - b);
  }

  /** One broker's registration, or null when it is not registered. */
  async readBroker(brokerId: number): Promise<ZkRegisteredBroker | null> {
    try {
      const { data, stat } = await this.#zk.getData(ZkPaths.brokerId(brokerId));
      return { brokerId, info: decodeBrokerInfo(brokerId, data), brokerEpoch: stat.czxid };
    } catch (err) {
      if (err instanceof ZkNoNodeError) return null;
      throw err;
    }
  }

  /** Every registered broker, by ascending id. */
  async allBrokers(): Promise<ZkRegisteredBroker[]> {
    const reads = await Promise.all((await this.brokerIds()).map((id) => this.readBroker(id)));
    return reads.filter((b): b is ZkRegisteredBroker => b !== null);
  }
}

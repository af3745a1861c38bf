import { randomUuid } from '../metadata/uuid.js';
import type { ZkClient } from './zk-client.js';
import { decodeClusterId, encodeClusterId } from './zk-data.js';
import { InconsistentClusterIdError, ZkNodeExistsError, ZkNoNodeError } from './zk-errors.js';
import { PERSISTENT_ZK_PATHS, ZkPaths } from './zk-paths.js';

/** Makes sure Kafka's persistent top-level paths exist, as every Kafka broker does at start. */
export async function createTopLevelPaths(zk: ZkClient): Promise<void> {
  for (const path of PERSISTENT_ZK_PATHS) await zk.ensurePath(path);
}

/**
 * The cluster id, from `/cluster/id` (Kafka's createOrGetClusterId). When the znode is absent it is created with
 * `storedClusterId` (meta.properties' id) or, for a broker without one, a new id; the first broker's proposal
 * wins a race. A stored id that differs from ZooKeeper's refuses start-up with InconsistentClusterIdError: the
 * log dirs belong to another cluster (or zookeeper.connect points at the wrong ensemble or chroot).
 */
export async function resolveClusterId(zk: ZkClient, storedClusterId: string | null): Promise<string> {
  for (;;) {
    let clusterId: string;
    try {
      clusterId = decodeClusterId((await zk.getData(ZkPaths.clusterId)).data);
    } catch (err) {
      if (!(err instanceof ZkNoNodeError)) throw err;
      const proposed = storedClusterId ?? randomUuid();
      try {
        await zk.create(ZkPaths.clusterId, encodeClusterId(proposed), { createParents: true });
        return proposed;
      } catch (createErr) {
        if (createErr instanceof ZkNodeExistsError) continue;
        throw createErr;
      }
    }
    if (storedClusterId !== null && storedClusterId !== clusterId) {
      throw new InconsistentClusterIdError(clusterId, storedClusterId);
    }
    return clusterId;
  }
}

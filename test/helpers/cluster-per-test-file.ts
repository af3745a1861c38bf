import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { ClusterProcesses, type ClusterOptions } from './cluster-processes.js';
import { zooKeeperForTests, type TestZooKeeper } from './zookeeper.js';

/** This test file's cluster: available from beforeAll on. */
export interface ClusterTestFile {
  readonly cluster: ClusterProcesses;
}

/**
 * One ZooKeeper and one cluster of broker processes for the calling test file (beforeAll), stopped after all.
 * When a test fails, the last lines of every broker's output go to stderr and the cluster's directory (whole
 * outputs, log dirs) is kept.
 */
export function clusterPerTestFile(
  name: string,
  options: Omit<ClusterOptions, 'zookeeperConnect'> = {},
): ClusterTestFile {
  let zookeeper: TestZooKeeper | undefined;
  let cluster: ClusterProcesses | undefined;
  let failed = false;
  beforeAll(async () => {
    zookeeper = await zooKeeperForTests();
    cluster = await ClusterProcesses.start({ ...options, zookeeperConnect: await zookeeper.chrootFor(name) });
  }, 180_000);
  // a test that failed half-way may have left brokers down or frozen: the next one starts with all of them running
  beforeEach(async () => {
    await cluster?.heal();
  }, 180_000);
  afterEach((context) => {
    if (context.task.result?.state !== 'fail' || cluster === undefined) return;
    failed = true;
    process.stderr.write(`\n${context.task.name} failed; the cluster's brokers said:\n${cluster.tail()}\n`);
  });
  afterAll(async () => {
    await cluster?.shutdown(failed);
    await zookeeper?.stop();
  }, 120_000);
  return {
    get cluster(): ClusterProcesses {
      if (cluster === undefined) throw new Error('the cluster starts in beforeAll');
      return cluster;
    },
  };
}

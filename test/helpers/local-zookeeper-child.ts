/**
 * Starts a local ZooKeeper, prints `{ pid, connectString }` as one JSON line and idles until killed: lets a test
 * kill the owning Node process with SIGKILL and check the JVM does not outlive it.
 */
import { startLocalZooKeeper } from '../../broker/zk/local-zookeeper.js';

const zk = await startLocalZooKeeper();
process.stdout.write(`${JSON.stringify({ pid: zk.pid, connectString: zk.connectString })}\n`);
setInterval(() => undefined, 60_000);

import { createClient, type Option } from 'node-zookeeper-client';
import type { ZkClient } from '../../broker/zk/index.js';
import type { TcpProxy } from './tcp-proxy.js';

/**
 * Ends `zk`'s session on the server while `zk` cannot see it, as after a network partition longer than the
 * session timeout, without waiting that long. `zk` must reach ZooKeeper through `proxy`:
 *
 * 1. the proxy cuts `zk` off (it keeps trying to reconnect, and keeps believing in its session);
 * 2. a second client joins the same session directly (id and password, the technique of ZooKeeper's own tests and
 *    Curator's KillSession) and closes it: the server deletes the session's ephemerals and fires their watches;
 * 3. the caller checks what it wants while `zk` is still cut off, then calls `heal()`: `zk` reconnects, is told
 *    the session expired, and opens a new one.
 *
 * Joining without the partition is racy: the first client reconnects within milliseconds and takes the session
 * back before the second can close it.
 */
export async function killSessionBehindPartition(
  zk: ZkClient,
  proxy: TcpProxy,
  directHosts: string,
  timeoutMs = 20_000,
): Promise<{ heal(): void }> {
  const { sessionId, password } = zk.sessionCredentials();
  proxy.partition();
  // the library reads sessionId and sessionPassword from its options, but its typings omit them
  const options = { sessionTimeout: 30_000, sessionId, sessionPassword: password } as Partial<Option>;
  const intruder = createClient(directHosts + zk.chroot, options);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('could not join the session to close it')), timeoutMs);
    intruder.once('connected', () => {
      intruder.once('disconnected', () => {
        clearTimeout(timer);
        resolve();
      });
      intruder.close();
    });
    intruder.connect();
  });
  return { heal: () => proxy.heal() };
}

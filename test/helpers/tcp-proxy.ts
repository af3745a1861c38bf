import { createConnection, createServer, type Socket } from 'node:net';
import { once } from 'node:events';

/** A loopback TCP proxy in front of ZooKeeper whose link a test can cut and restore (a network partition). */
export interface TcpProxy {
  /** `127.0.0.1:<port>` of the proxy. */
  readonly address: string;
  /** Drops every connection and refuses new ones until heal(). */
  partition(): void;
  heal(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const pairs = new Set<[Socket, Socket]>();
  let partitioned = false;
  const server = createServer((client) => {
    if (partitioned) {
      client.destroy();
      return;
    }
    const upstream = createConnection({ host: targetHost, port: targetPort });
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  const dropAll = () => {
    for (const [a, b] of pairs) {
      a.destroy();
      b.destroy();
    }
    pairs.clear();
  };
  return {
    address: `127.0.0.1:${port}`,
    partition() {
      partitioned = true;
      dropAll();
    },
    heal() {
      partitioned = false;
    },
    async close() {
      dropAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { ListenerAddress } from '../config.js';
import { Binding, type Logger } from '../logger.js';
import { Connection, type RequestHandler } from './connection.js';
import { FrameBufferPool } from './frame-buffer-pool.js';

/** Where a listener actually bound: the real address and port, also for host '' and port 0. */
export type BoundListener = ListenerAddress;

export interface SocketServerOptions {
  listeners: readonly ListenerAddress[];
  handler: RequestHandler;
  /** socket.request.max.bytes */
  maxFrameBytes: number;
  /** connections.max.idle.ms */
  idleMs: number;
  /** Per connection; defaults to DEFAULT_MAX_IN_FLIGHT_REQUESTS. */
  maxInFlightRequests?: number;
  logger: Logger;
}

/**
 * Accepts TCP connections on every listener and hands each socket to a Connection with the shared handler.
 *
 * Owns one net.Server per listener, the set of open connections and the pool their large request frames are
 * assembled in. `start()` runs once; if any listener fails to bind, the ones already bound are closed before the
 * error is rethrown. `close()` stops accepting and destroys open connections at once: unwritten responses are
 * dropped, so the broker should stop its request sources (or let them finish) before closing the network.
 * `close()` is idempotent and resolves when every listener and connection is closed.
 */
export class SocketServer {
  readonly #servers: Server[] = [];
  readonly #connections = new Set<Connection>();
  readonly #framePool = new FrameBufferPool();
  #nextConnection = 0;
  #started = false;
  #closing: Promise<void> | undefined;

  get connectionCount(): number {
    return this.#connections.size;
  }

  async start(options: SocketServerOptions): Promise<BoundListener[]> {
    if (this.#started) throw new Error('SocketServer.start() called twice');
    this.#started = true;
    const log = options.logger.child({ [Binding.component]: 'socket-server' });
    const bound: BoundListener[] = [];
    try {
      for (const listener of options.listeners) bound.push(await this.#listen(listener, options, log));
    } catch (err) {
      await this.close();
      throw err;
    }
    log.info({ listeners: bound }, 'listening');
    return bound;
  }

  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    const stopped = this.#servers.map(
      // The callback's error (server never listening) is irrelevant: either way it no longer accepts.
      (server) => new Promise<void>((resolve) => server.close(() => resolve())),
    );
    const connections = [...this.#connections];
    for (const connection of connections) connection.close('server shutting down');
    await Promise.all([...stopped, ...connections.map((c) => c.closed)]);
  }

  #listen(listener: ListenerAddress, options: SocketServerOptions, log: Logger): Promise<BoundListener> {
    // Kafka sets TCP_NODELAY: responses are already batched by cork/uncork, so Nagle only adds latency.
    const server = createServer({ noDelay: true });
    this.#servers.push(server);
    server.on('connection', (socket) => this.#accept(socket, listener.name, options, log));
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      const onListening = (): void => {
        server.off('error', reject);
        server.on('error', (err) => log.error({ err, listener: listener.name }, 'listener error'));
        const address = server.address() as AddressInfo;
        resolve({ name: listener.name, host: address.address, port: address.port });
      };
      if (listener.host === '') server.listen(listener.port, onListening);
      else server.listen(listener.port, listener.host, onListening);
    });
  }

  #accept(socket: Socket, listenerName: string, options: SocketServerOptions, log: Logger): void {
    // A socket reset before we saw it has no remote address; there is nothing to serve.
    if (this.#closing !== undefined || socket.remoteAddress === undefined) {
      socket.destroy();
      return;
    }
    const id = `${socket.localAddress}:${socket.localPort}-${socket.remoteAddress}:${socket.remotePort}-${this.#nextConnection++}`;
    const connection = new Connection({
      id,
      listenerName,
      socket,
      handler: options.handler,
      logger: log,
      maxFrameBytes: options.maxFrameBytes,
      idleMs: options.idleMs,
      maxInFlightRequests: options.maxInFlightRequests,
      framePool: this.#framePool,
    });
    this.#connections.add(connection);
    void connection.closed.then(() => this.#connections.delete(connection));
  }
}

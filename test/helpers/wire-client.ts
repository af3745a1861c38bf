import { connect, type Socket } from 'node:net';
import { FrameDecoder } from '../../protocol/index.js';

/**
 * A bare Kafka-protocol connection for broker tests: writes request chunks as given and hands back whole
 * response frames (without their size prefix) in arrival order.
 */
export class WireClient {
  readonly #socket: Socket;
  readonly #decoder = new FrameDecoder(64 << 20);
  readonly #frames: Buffer[] = [];
  readonly #waiters: ((frame: Buffer | null) => void)[] = [];
  #ended = false;
  /** Resolves when the broker closes (or the socket fails). */
  readonly closed: Promise<void>;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => {
      for (const frame of this.#decoder.push(chunk)) this.#deliver(frame);
    });
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.#ended = true;
        for (const waiter of this.#waiters.splice(0)) waiter(null);
        resolve();
      }),
    );
  }

  static connect(port: number, host = '127.0.0.1'): Promise<WireClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host }, () => {
        socket.off('error', reject);
        resolve(new WireClient(socket));
      });
      socket.once('error', reject);
    });
  }

  send(chunks: readonly Buffer[]): void {
    for (const chunk of chunks) this.#socket.write(chunk);
  }

  /** The next response frame; null if the connection closed first. */
  nextFrame(): Promise<Buffer | null> {
    const frame = this.#frames.shift();
    if (frame !== undefined) return Promise.resolve(frame);
    if (this.#ended) return Promise.resolve(null);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  close(): void {
    this.#socket.destroy();
  }

  #deliver(frame: Buffer): void {
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) waiter(frame);
    else this.#frames.push(frame);
  }
}

import { connect, type Socket } from 'node:net';
import {
  ApiKey,
  decodeResponse,
  encodeRequest,
  FrameDecoder,
  type ApiSchema,
  type RequestInput,
  type ResponseOf,
} from '../../protocol/index.js';
import { Binding, type Logger } from '../logger.js';
import { FrameBufferPool } from '../network/frame-buffer-pool.js';

/** The default largest response frame (a follower's Fetch asks for up to replica.fetch.response.max.bytes). */
export const DEFAULT_MAX_RESPONSE_FRAME_BYTES = 100 * 1024 * 1024;
/** What one socket read takes at most (Node's own default). */
const READ_BUFFER_BYTES = 64 * 1024;

export interface BrokerChannelOptions {
  readonly host: string;
  readonly port: number;
  /** Request header client id, e.g. `broker-1-fetcher-2` or `controller-1`. */
  readonly clientId: string;
  /** Default per-request timeout, and the connect timeout. */
  readonly requestTimeoutMs: number;
  readonly logger: Logger;
  /** Largest response frame accepted (default 100 MiB). */
  readonly maxFrameBytes?: number;
  /**
   * Response frames spread over socket reads and up to this size are assembled in pooled buffers, which
   * sendLeased's release() returns (a follower's fetch responses). Default: none pooled.
   */
  readonly pooledFrameBytes?: number;
}

/** A response whose bytes the caller borrows: call release() once nothing reads `body` (or its views) any more. */
export interface LeasedResponse<T> {
  readonly body: T;
  readonly release: () => void;
}

export interface SendOptions {
  /** Overrides the channel's requestTimeoutMs for this request (a long-poll Fetch waits longer). */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/**
 * Why a send failed. `connect`: no connection could be made (refused, unreachable, connect timeout).
 * `disconnected`: the connection broke (or a malformed response closed it) with the request in flight.
 * `timeout`: no response in time. `closed`: the channel was closed. `aborted`: the caller's signal fired.
 */
export type BrokerChannelErrorReason = 'connect' | 'disconnected' | 'timeout' | 'closed' | 'aborted';

export class BrokerChannelError extends Error {
  override name = 'BrokerChannelError';

  constructor(
    readonly reason: BrokerChannelErrorReason,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A request on the wire waiting for its response; `resolve` and `reject` also drop its timer and abort listener. */
interface Pending {
  readonly schema: ApiSchema;
  readonly version: number;
  /** `frame` holds the bytes `body` has views of. */
  resolve(body: unknown, frame: Buffer): void;
  reject(err: Error): void;
}

/** One TCP connection and the requests on it; replaced whole on reconnect, so a dead socket's events touch nothing. */
interface Wire {
  readonly socket: Socket;
  readonly decoder: FrameDecoder;
  readonly pending: Map<number, Pending>;
  connected: boolean;
  /** Set once the connection failed or was closed: its pending requests are settled, nothing more is read. */
  failed: boolean;
}

/**
 * A Kafka-protocol connection from this broker to another: the controller's LeaderAndIsr / UpdateMetadata /
 * StopReplica, a follower's Fetch and OffsetForLeaderEpoch. (broker/ may not import client/, so it has its own.)
 *
 * Owns at most one TCP connection (noDelay), opened on the first send and again on the first send after it broke.
 * Requests are pipelined: each is written at once with the next correlation id, and its response is matched by
 * correlation id, so any number may be in flight. Socket reads land in one reused buffer; response frames are
 * cut from them by FrameDecoder and copied once (a frame inside one read out of it; one spread over reads, as
 * they arrive, into a buffer of its size, pooled when `pooledFrameBytes` is set) and decoded as views, so a
 * Fetch's record data is never copied again. sendLeased hands the frame's buffer back to the pool when its
 * caller is done; send leaves it to the GC.
 *
 * Failure: a timeout or abort fails only that request (its late response is dropped); a connect error fails the
 * requests waiting for that connection with `connect`, a broken connection fails those in flight with
 * `disconnected`, and the next send reconnects; the channel itself never retries. A malformed response frame is
 * logged and closes the connection as a break does. After close() every send rejects with `closed`.
 *
 * Concurrency: single-threaded; send may be called at any time, from any number of callers.
 */
export class BrokerChannel {
  readonly host: string;
  readonly port: number;
  readonly #clientId: string;
  readonly #requestTimeoutMs: number;
  readonly #maxFrameBytes: number;
  readonly #log: Logger;
  readonly #framePool: FrameBufferPool | undefined;
  #wire: Wire | undefined;
  #correlationId = 0;
  #closed = false;

  constructor(options: BrokerChannelOptions) {
    this.host = options.host;
    this.port = options.port;
    this.#clientId = options.clientId;
    this.#requestTimeoutMs = options.requestTimeoutMs;
    this.#maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_RESPONSE_FRAME_BYTES;
    // one request at a time needs a large frame (a fetcher's Fetch); a second buffer covers an abandoned long poll
    this.#framePool =
      options.pooledFrameBytes === undefined
        ? undefined
        : new FrameBufferPool({ bufferBytes: options.pooledFrameBytes, maxFree: 2 });
    this.#log = options.logger.child({
      [Binding.component]: 'broker-channel',
      [Binding.remote]: `${options.host}:${options.port}`,
      [Binding.clientId]: options.clientId,
    });
  }

  /**
   * Sends one request and resolves with its decoded response body. Requests that get no response (Produce with
   * acks=0) are refused: nothing would ever settle them but the timeout. Encoding errors (an unsupported version,
   * a value the version cannot carry) reject with the codec's error.
   */
  async send<A extends ApiSchema>(
    api: A,
    version: number,
    request: RequestInput<A>,
    options: SendOptions = {},
  ): Promise<ResponseOf<A>> {
    return (await this.sendLeased(api, version, request, options)).body;
  }

  /**
   * send, for a response whose frame may come from the pool: the caller calls release() once it no longer reads
   * the body, and the frame's buffer serves a later response.
   */
  async sendLeased<A extends ApiSchema>(
    api: A,
    version: number,
    request: RequestInput<A>,
    options: SendOptions = {},
  ): Promise<LeasedResponse<ResponseOf<A>>> {
    if (this.#closed) throw new BrokerChannelError('closed', `channel to ${this.#address} closed`);
    const { signal } = options;
    if (signal?.aborted === true) throw this.#aborted(signal);
    if (api.key === ApiKey.Produce && (request as { acks?: number }).acks === 0) {
      throw new TypeError('a Produce with acks=0 gets no response; send it with acks 1 or -1');
    }
    const correlationId = this.#nextCorrelationId();
    const chunks = encodeRequest(api, { apiVersion: version, correlationId, clientId: this.#clientId }, request);
    const wire = this.#wire ?? this.#open();
    const timeoutMs = options.timeoutMs ?? this.#requestTimeoutMs;
    // no await above: the request is written during the call, so calls go on the wire in call order
    return new Promise<LeasedResponse<ResponseOf<A>>>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        wire.pending.delete(correlationId);
      };
      const onAbort = () => {
        done();
        reject(this.#aborted(signal!));
      };
      const timer = setTimeout(() => {
        done();
        reject(
          new BrokerChannelError(
            'timeout',
            `no response from ${this.#address} to ${api.name} v${version} ` +
              `(correlation id ${correlationId}) within ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      wire.pending.set(correlationId, {
        schema: api,
        version,
        resolve: (body, frame) => {
          done();
          // at most once: a second release could return the buffer while a later frame has it
          let lent: Buffer | undefined = frame;
          const release = (): void => {
            if (lent !== undefined) this.#framePool?.release(lent);
            lent = undefined;
          };
          resolve({ body: body as ResponseOf<A>, release });
        },
        reject: (err) => {
          done();
          reject(err);
        },
      });
      // before 'connect' the socket buffers the writes and sends them once connected
      wire.socket.cork();
      for (const chunk of chunks) wire.socket.write(chunk);
      wire.socket.uncork();
    });
  }

  /** Closes the connection; pending and later sends reject with BrokerChannelError('closed'). Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#wire !== undefined) {
      this.#fail(this.#wire, new BrokerChannelError('closed', `channel to ${this.#address} closed`));
    }
  }

  get #address(): string {
    return `${this.host}:${this.port}`;
  }

  #nextCorrelationId(): number {
    const id = this.#correlationId;
    this.#correlationId = id === 0x7fff_ffff ? 0 : id + 1;
    return id;
  }

  #aborted(signal: AbortSignal): BrokerChannelError {
    return new BrokerChannelError('aborted', `request to ${this.#address} aborted`, { cause: signal.reason });
  }

  #open(): Wire {
    // Every read lands in this one buffer rather than a fresh 64 KiB one: a follower's replication stream would
    // otherwise allocate (and make the GC account for) a buffer per read.
    const readBuffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
    const socket = connect({
      host: this.host,
      port: this.port,
      noDelay: true,
      onread: {
        buffer: readBuffer,
        callback: (n) => {
          this.#onData(wire, readBuffer.subarray(0, n));
          return true;
        },
      },
    });
    const wire: Wire = {
      socket,
      decoder: new FrameDecoder(this.#maxFrameBytes, this.#framePool?.allocate),
      pending: new Map(),
      connected: false,
      failed: false,
    };
    this.#wire = wire;
    const connectTimer = setTimeout(() => {
      this.#fail(
        wire,
        new BrokerChannelError('connect', `no connection to ${this.#address} within ${this.#requestTimeoutMs} ms`),
      );
    }, this.#requestTimeoutMs);
    socket.once('connect', () => {
      clearTimeout(connectTimer);
      wire.connected = true;
      this.#log.debug('connected');
    });
    // 'close' always follows 'error'; the first failure decides the reason
    socket.on('error', (err) => {
      clearTimeout(connectTimer);
      this.#fail(
        wire,
        wire.connected
          ? new BrokerChannelError('disconnected', `connection to ${this.#address} failed: ${err.message}`, {
              cause: err,
            })
          : new BrokerChannelError('connect', `cannot connect to ${this.#address}: ${err.message}`, { cause: err }),
      );
    });
    socket.once('close', () => {
      clearTimeout(connectTimer);
      this.#fail(wire, new BrokerChannelError('disconnected', `connection to ${this.#address} closed by the peer`));
    });
    return wire;
  }

  /** `chunk` is a view of the read buffer, which the next read overwrites: frames inside it are copied out. */
  #onData(wire: Wire, chunk: Buffer): void {
    if (wire.failed) return;
    let frames: Buffer[];
    try {
      frames = wire.decoder.push(chunk);
    } catch (err) {
      this.#malformed(wire, err as Error);
      return;
    }
    for (const cut of frames) {
      const frame = cut.buffer === chunk.buffer ? Buffer.from(cut) : cut;
      if (frame.length < 4) {
        this.#malformed(wire, new Error(`response frame of ${frame.length} bytes has no correlation id`));
        return;
      }
      const correlationId = frame.readInt32BE(0);
      const pending = wire.pending.get(correlationId);
      if (pending === undefined) {
        // its request timed out or was aborted
        this.#log.debug({ [Binding.corr]: correlationId }, 'dropped a response nobody waits for');
        this.#framePool?.release(frame);
        continue;
      }
      let body: unknown;
      try {
        body = decodeResponse(pending.schema, pending.version, frame).body;
      } catch (err) {
        this.#framePool?.release(frame);
        this.#malformed(wire, err as Error);
        return;
      }
      pending.resolve(body, frame);
    }
  }

  #malformed(wire: Wire, err: Error): void {
    this.#log.warn({ err }, 'malformed response; closing the connection');
    this.#fail(
      wire,
      new BrokerChannelError('disconnected', `malformed response from ${this.#address}: ${err.message}`, {
        cause: err,
      }),
    );
  }

  /** Ends `wire` and rejects everything in flight on it with `err`; the next send opens a new connection. */
  #fail(wire: Wire, err: BrokerChannelError): void {
    if (this.#wire === wire) this.#wire = undefined;
    if (!wire.failed) {
      wire.failed = true;
      wire.socket.destroy();
      if (err.reason !== 'closed') this.#log.debug({ err, inFlight: wire.pending.size }, 'connection ended');
    }
    for (const pending of [...wire.pending.values()]) pending.reject(err);
  }
}

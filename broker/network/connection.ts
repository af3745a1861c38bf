import type { Socket } from 'node:net';
import { FrameDecoder, FrameSizeError } from '../../protocol/index.js';
import { Binding, type Logger } from '../logger.js';
import type { FrameBufferPool } from './frame-buffer-pool.js';

/**
 * How one request ends: response chunks to write (size prefix included), nothing (acks=0), or closing. `written`
 * runs once the socket has taken the chunks (or failed to), so buffers they borrow can be reused; a response
 * dropped because the connection closed never calls it.
 */
export type RequestOutcome =
  { kind: 'respond'; chunks: Buffer[]; written?: () => void } | { kind: 'none' } | { kind: 'close'; reason: string };

export interface RequestContext {
  connectionId: string;
  /** The listener the connection arrived on (Metadata answers with that listener's endpoints). */
  listenerName: string;
  remote: string;
  /** The connection's child logger (bound to conn and remote); derive a per-request child from it. */
  logger: Logger;
  /** Aborted when the connection closes, so long-polls can stop waiting for a response nobody will read. */
  signal: AbortSignal;
}

/**
 * Two-phase result (ARCHITECTURE.md §2.4). Returning from the handler call is the dispatch phase: whatever must
 * happen in request order (offset assignment, group state changes) happens before it returns. `completed`
 * settles later; a rejection is a broker bug or request-level fault and closes the connection.
 */
export interface HandlerResult {
  completed: Promise<RequestOutcome>;
}

/**
 * Called once per frame, synchronously and in frame order. `frame` excludes the size prefix and is a view of a
 * network chunk or a pooled buffer reused once `completed` settles: copy any part kept after that, responses
 * included.
 */
export type RequestHandler = (frame: Buffer, ctx: RequestContext) => HandlerResult;

export const DEFAULT_MAX_IN_FLIGHT_REQUESTS = 100;

export interface ConnectionOptions {
  id: string;
  listenerName: string;
  socket: Socket;
  handler: RequestHandler;
  /** The server's logger; the connection binds conn and remote on a child. */
  logger: Logger;
  /** socket.request.max.bytes: larger (or negative) frames close the connection. */
  maxFrameBytes: number;
  /** connections.max.idle.ms: no bytes either way and no request pending for this long closes the connection. */
  idleMs: number;
  maxInFlightRequests?: number;
  /** Where frames spread over several reads are assembled; without one each gets a fresh buffer. */
  framePool?: FrameBufferPool;
}

/** A dispatched request waiting for its turn to be written; `outcome` is set once `completed` resolves. */
interface InFlight {
  outcome: RequestOutcome | undefined;
}

/**
 * One client connection: owns its socket, frame decoder, in-flight queue and idle timer.
 *
 * Concurrency: frames are dispatched to the handler synchronously in arrival order, without waiting for
 * earlier responses, so a long-poll delays only the writing of later responses. Responses are written strictly
 * in request order (Java clients reject out-of-order correlation ids): the head of the in-flight FIFO is written
 * as soon as it settles, together with any settled entries behind it, in one corked write.
 *
 * Invariants: at most `maxInFlightRequests` requests are dispatched and unwritten; further frames wait in a
 * backlog and reading is paused, as it is while the socket's write buffer is full ('drain' resumes it).
 * After closing starts nothing is dispatched or written; late handler results are caught and dropped.
 * Any bad input (frame size, handler failure) closes only this connection, never the process.
 */
export class Connection {
  readonly id: string;
  readonly remote: string;
  /** Resolves once the socket has closed and all per-connection state is released. Never rejects. */
  readonly closed: Promise<void>;
  readonly #socket: Socket;
  readonly #handler: RequestHandler;
  readonly #log: Logger;
  readonly #decoder: FrameDecoder;
  readonly #framePool: FrameBufferPool | undefined;
  readonly #maxInFlight: number;
  readonly #idleMs: number;
  readonly #abort = new AbortController();
  readonly #ctx: RequestContext;
  #inFlight: InFlight[] = [];
  #backlog: Buffer[] = [];
  #writeBlocked = false;
  #readPaused = false;
  #closing = false;

  constructor(options: ConnectionOptions) {
    const { socket } = options;
    this.id = options.id;
    this.remote = `${socket.remoteAddress}:${socket.remotePort}`;
    this.#socket = socket;
    this.#handler = options.handler;
    this.#log = options.logger.child({ [Binding.conn]: this.id, [Binding.remote]: this.remote });
    this.#framePool = options.framePool;
    this.#decoder = new FrameDecoder(options.maxFrameBytes, options.framePool?.allocate);
    this.#maxInFlight = options.maxInFlightRequests ?? DEFAULT_MAX_IN_FLIGHT_REQUESTS;
    this.#idleMs = options.idleMs;
    this.#ctx = {
      connectionId: this.id,
      listenerName: options.listenerName,
      remote: this.remote,
      logger: this.#log,
      signal: this.#abort.signal,
    };
    this.closed = new Promise((resolve) => socket.once('close', resolve)).then(() => this.#release());
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    // 'close' always follows 'error'; resets and broken pipes are routine for a server, so debug only.
    socket.on('error', (err) => this.#log.debug({ err }, 'socket error'));
    socket.on('timeout', () => this.#onIdle());
    // Node's socket timeout is an unref'ed timer refreshed by every read and write, cleared on destroy.
    socket.setTimeout(this.#idleMs);
    this.#log.debug('connection accepted');
  }

  /** Requests dispatched whose responses are not yet written. */
  get inFlightCount(): number {
    return this.#inFlight.length;
  }

  /** Destroys the socket at once; unwritten responses are dropped. Idempotent. */
  close(reason: string): void {
    if (this.#socket.destroyed) return;
    this.#log.debug({ reason }, 'closing connection');
    this.#closing = true;
    this.#socket.destroy();
  }

  #onData(chunk: Buffer): void {
    if (this.#closing) return;
    let frames: Buffer[];
    try {
      frames = this.#decoder.push(chunk);
    } catch (err) {
      this.#fail(err instanceof FrameSizeError ? 'invalid frame size' : 'undecodable byte stream', err);
      return;
    }
    for (const frame of frames) this.#backlog.push(frame);
    this.#pump();
  }

  /** Dispatches backlogged frames up to the in-flight limit, then pauses or resumes reading to match. */
  #pump(): void {
    while (!this.#closing && this.#backlog.length > 0 && this.#inFlight.length < this.#maxInFlight) {
      this.#dispatch(this.#backlog.shift()!);
    }
    this.#updateFlow();
  }

  #dispatch(frame: Buffer): void {
    let result: HandlerResult;
    try {
      result = this.#handler(frame, this.#ctx);
    } catch (err) {
      this.#framePool?.release(frame);
      this.#fail('request handler threw', err);
      return;
    }
    const entry: InFlight = { outcome: undefined };
    this.#inFlight.push(entry);
    result.completed
      .then(
        (outcome) => {
          this.#framePool?.release(frame);
          entry.outcome = outcome;
          this.#flush();
        },
        (err: unknown) => {
          this.#framePool?.release(frame);
          this.#fail('request handler failed', err);
        },
      )
      // #flush should not throw; if it does, that is one broken connection, not an unhandled rejection.
      .catch((err: unknown) => this.#fail('writing a response failed', err));
  }

  /** Writes every settled response at the head of the FIFO, in order, in one corked batch. */
  #flush(): void {
    if (this.#closing) return;
    let corked = false;
    let full = false;
    let closeReason: string | undefined;
    while (this.#inFlight[0]?.outcome !== undefined) {
      const outcome = this.#inFlight.shift()!.outcome!;
      if (outcome.kind === 'close') {
        closeReason = outcome.reason;
        break;
      }
      if (outcome.kind === 'none') continue;
      if (!corked) {
        this.#socket.cork();
        corked = true;
      }
      const last = outcome.chunks.length - 1;
      for (let i = 0; i <= last; i++) {
        full = !this.#socket.write(outcome.chunks[i]!, i === last ? outcome.written : undefined) || full;
      }
    }
    if (corked) this.#socket.uncork();
    if (closeReason !== undefined) {
      this.#endAfterWrites(closeReason);
      return;
    }
    if (full && !this.#writeBlocked) {
      this.#writeBlocked = true;
      this.#socket.once('drain', () => {
        this.#writeBlocked = false;
        this.#updateFlow();
      });
    }
    this.#pump();
  }

  #updateFlow(): void {
    if (this.#closing) return;
    const pause = this.#writeBlocked || this.#backlog.length > 0 || this.#inFlight.length >= this.#maxInFlight;
    if (pause && !this.#readPaused) this.#socket.pause();
    else if (!pause && this.#readPaused) this.#socket.resume();
    this.#readPaused = pause;
  }

  #onIdle(): void {
    if (this.#closing) {
      this.#socket.destroy();
    } else if (this.#inFlight.length > 0) {
      // A pending long-poll is not idleness; the timer fired once, so arm it again.
      this.#socket.setTimeout(this.#idleMs);
    } else {
      this.#log.debug({ idleMs: this.#idleMs }, 'closing idle connection');
      this.close('idle');
    }
  }

  /** A handler asked to close: earlier responses are already queued, so let them reach the client first. */
  #endAfterWrites(reason: string): void {
    this.#log.info({ reason }, 'closing connection at handler request');
    this.#closing = true;
    this.#socket.end(() => this.#socket.destroy());
  }

  #fail(reason: string, err: unknown): void {
    if (this.#closing) {
      this.#log.debug({ err, reason }, 'request failed after the connection closed');
      return;
    }
    this.#log.warn({ err, reason }, 'closing connection');
    this.#closing = true;
    this.#socket.destroy();
  }

  #release(): void {
    this.#closing = true;
    this.#inFlight = [];
    if (this.#framePool !== undefined) for (const frame of this.#backlog) this.#framePool.release(frame);
    this.#backlog = [];
    this.#socket.setTimeout(0);
    this.#abort.abort();
    this.#log.debug('connection closed');
  }
}

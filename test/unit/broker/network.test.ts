import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../broker/logger.js';
import type { RequestContext, RequestHandler, RequestOutcome } from '../../../broker/network/connection.js';
import { SocketServer, type SocketServerOptions } from '../../../broker/network/socket-server.js';
import { FrameDecoder } from '../../../protocol/index.js';

const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'silent' });

/** Polls a condition until it holds; fails with `what` after `timeoutMs`. */
async function waitFor(cond: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function frame(payload: string): Buffer {
  const body = Buffer.from(payload);
  const prefix = Buffer.alloc(4);
  prefix.writeInt32BE(body.length);
  return Buffer.concat([prefix, body]);
}

/** The response a test handler sends: the request payload, framed (prefix and body as two chunks). */
function echo(f: Buffer): RequestOutcome {
  const prefix = Buffer.alloc(4);
  prefix.writeInt32BE(f.length);
  return { kind: 'respond', chunks: [prefix, Buffer.from(f)] };
}

/** A loopback client that collects the response frames it receives. */
class Client {
  readonly frames: string[] = [];
  closed = false;
  readonly #decoder = new FrameDecoder(1 << 20);

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.frames.push(...this.#decoder.push(chunk).map((f) => f.toString())));
    socket.on('close', () => (this.closed = true));
    socket.on('error', () => undefined);
  }

  static async open(port: number): Promise<Client> {
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return new Client(socket);
  }

  send(...payloads: string[]): void {
    this.socket.write(Buffer.concat(payloads.map(frame)));
  }
}

let server: SocketServer | undefined;
const clients: Client[] = [];

async function serve(
  handler: RequestHandler,
  overrides: Partial<SocketServerOptions> = {},
): Promise<{ port: number; client: () => Promise<Client> }> {
  server = new SocketServer();
  const [bound] = await server.start({
    listeners: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 0 }],
    handler,
    maxFrameBytes: 1024,
    idleMs: 60_000,
    logger,
    ...overrides,
  });
  const port = bound!.port;
  return {
    port,
    client: async () => {
      const c = await Client.open(port);
      clients.push(c);
      return c;
    },
  };
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.socket.destroy();
  await server?.close();
  server = undefined;
});

describe('SocketServer and Connection', () => {
  it('echoes requests over a real loopback socket and reports the bound port', async () => {
    const { port, client } = await serve((f) => ({ completed: Promise.resolve(echo(f)) }));
    expect(port).toBeGreaterThan(0);
    const c = await client();
    c.send('a', 'bb', 'ccc');
    await waitFor(() => c.frames.length === 3, 'three responses');
    expect(c.frames).toEqual(['a', 'bb', 'ccc']);
  });

  it('writes responses in request order and keeps dispatching while an earlier request is pending', async () => {
    const first = deferred<RequestOutcome>();
    const seen: string[] = [];
    const { client } = await serve((f) => {
      seen.push(f.toString());
      return { completed: f.toString() === 'one' ? first.promise : Promise.resolve(echo(f)) };
    });
    const c = await client();
    c.send('one', 'two', 'three');
    await waitFor(() => seen.length === 3, 'all three dispatched while the first is pending');
    expect(seen).toEqual(['one', 'two', 'three']);
    expect(c.frames).toEqual([]);
    first.resolve(echo(Buffer.from('one')));
    await waitFor(() => c.frames.length === 3, 'three responses');
    expect(c.frames).toEqual(['one', 'two', 'three']);
  });

  it("writes nothing for a 'none' outcome", async () => {
    const { client } = await serve((f) => ({
      completed: Promise.resolve(f.toString() === 'quiet' ? { kind: 'none' } : echo(f)),
    }));
    const c = await client();
    c.send('quiet', 'loud');
    await waitFor(() => c.frames.length === 1, 'one response');
    c.send('end');
    await waitFor(() => c.frames.length === 2, 'second response');
    expect(c.frames).toEqual(['loud', 'end']);
  });

  it("delivers earlier responses, then closes on a 'close' outcome", async () => {
    const seen: string[] = [];
    const { client } = await serve((f) => {
      seen.push(f.toString());
      return {
        completed: Promise.resolve(f.toString() === 'bye' ? { kind: 'close', reason: 'test' } : echo(f)),
      };
    });
    const c = await client();
    c.send('hi', 'bye', 'after');
    await waitFor(() => c.closed, 'client closed');
    expect(c.frames).toEqual(['hi']);
  });

  it.each([
    ['an oversized frame', 1025],
    ['a negative frame size', -1],
  ])('%s closes only that connection', async (_name, size) => {
    const seen: string[] = [];
    const { client } = await serve((f) => {
      seen.push(f.toString());
      return { completed: Promise.resolve(echo(f)) };
    });
    const bad = await client();
    const good = await client();
    const prefix = Buffer.alloc(4);
    prefix.writeInt32BE(size);
    bad.socket.write(prefix);
    await waitFor(() => bad.closed, 'bad client closed');
    good.send('still here');
    await waitFor(() => good.frames.length === 1, 'good client answered');
    expect(good.frames).toEqual(['still here']);
    expect(seen).toEqual(['still here']);
    expect(server!.connectionCount).toBe(1);
  });

  it('closes the connection when the handler throws or rejects, and keeps serving others', async () => {
    const { client } = await serve((f) => {
      if (f.toString() === 'throw') throw new Error('boom');
      if (f.toString() === 'reject') return { completed: Promise.reject(new Error('late boom')) };
      return { completed: Promise.resolve(echo(f)) };
    });
    const thrower = await client();
    const rejecter = await client();
    const good = await client();
    thrower.send('throw');
    rejecter.send('reject');
    await waitFor(() => thrower.closed && rejecter.closed, 'failing clients closed');
    good.send('ok');
    await waitFor(() => good.frames.length === 1, 'good client answered');
  });

  it('drops pending work when the client disconnects mid-request, without unhandled rejections', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const pending = [deferred<RequestOutcome>(), deferred<RequestOutcome>()];
      const contexts: RequestContext[] = [];
      const { client } = await serve((_f, ctx) => {
        contexts.push(ctx);
        return { completed: pending[contexts.length - 1]!.promise };
      });
      const c = await client();
      c.send('one', 'two');
      await waitFor(() => contexts.length === 2, 'both dispatched');
      c.socket.destroy();
      await waitFor(() => server!.connectionCount === 0, 'connection released');
      expect(contexts[0]!.signal.aborted).toBe(true);
      pending[0]!.resolve(echo(Buffer.from('one')));
      pending[1]!.reject(new Error('aborted long-poll'));
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('closes a connection idle for longer than idleMs', async () => {
    const { client } = await serve((f) => ({ completed: Promise.resolve(echo(f)) }), { idleMs: 50 });
    const c = await client();
    c.send('x');
    await waitFor(() => c.frames.length === 1, 'response');
    await waitFor(() => c.closed, 'idle close');
    expect(server!.connectionCount).toBe(0);
  });

  it('close() closes clients, refuses new ones and is idempotent', async () => {
    const { port, client } = await serve(() => ({ completed: new Promise<RequestOutcome>(() => undefined) }));
    const a = await client();
    const b = await client();
    a.send('pending');
    await waitFor(() => server!.connectionCount === 2, 'two connections');
    await Promise.all([server!.close(), server!.close()]);
    await server!.close();
    await waitFor(() => a.closed && b.closed, 'clients closed');
    await expect(Client.open(port)).rejects.toThrow();
  });

  it('stops dispatching at maxInFlightRequests until responses are written', async () => {
    const pending: ReturnType<typeof deferred<RequestOutcome>>[] = [];
    const seen: string[] = [];
    let resolved = 0;
    let maxOutstanding = 0;
    const { client } = await serve(
      (f) => {
        seen.push(f.toString());
        maxOutstanding = Math.max(maxOutstanding, seen.length - resolved);
        const d = deferred<RequestOutcome>();
        pending.push(d);
        return { completed: d.promise };
      },
      { maxInFlightRequests: 3 },
    );
    const c = await client();
    const payloads = Array.from({ length: 8 }, (_, i) => `r${i}`);
    c.send(...payloads);
    await waitFor(() => seen.length === 3, 'three dispatched');
    // Answer in order as requests arrive; each written response admits exactly one more request.
    while (resolved < payloads.length) {
      await waitFor(() => pending.length > resolved, `request ${resolved} dispatched`);
      expect(seen.length - resolved).toBeLessThanOrEqual(3);
      pending[resolved]!.resolve(echo(Buffer.from(seen[resolved]!)));
      resolved++;
    }
    await waitFor(() => c.frames.length === payloads.length, 'all responses');
    expect(c.frames).toEqual(payloads);
    expect(maxOutstanding).toBe(3);
  });

  it('reuses the buffer of a large frame only after its request completes', async () => {
    const hold = deferred<RequestOutcome>();
    const held: { frame?: Buffer } = {};
    const seen: string[] = [];
    const { client } = await serve(
      (f) => {
        seen.push(f.toString('latin1', 0, 1));
        if (f[0] === 0x61) {
          held.frame = f;
          return { completed: hold.promise };
        }
        return { completed: Promise.resolve(echo(f.subarray(0, 1))) };
      },
      { maxFrameBytes: 1 << 20 },
    );
    const c = await client();
    // 200 KB each: every frame spans several socket reads, so each is assembled in a pooled buffer
    const big = (letter: string): string => letter.repeat(200_000);
    c.send(big('a'), big('b'), big('c'), big('d'), big('e'));
    await waitFor(() => seen.length === 5, 'all five dispatched');
    // b..e completed while a was held: their buffers went round the pool, and a's stayed a's
    expect(held.frame!.every((byte) => byte === 0x61)).toBe(true);
    hold.resolve(echo(Buffer.from('a')));
    await waitFor(() => c.frames.length === 5, 'five responses');
    expect(c.frames).toEqual(['a', 'b', 'c', 'd', 'e']);
  });
});

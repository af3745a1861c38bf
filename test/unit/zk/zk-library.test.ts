import { createClient, Exception } from 'node-zookeeper-client';
import { afterEach, describe, expect, it } from 'vitest';
import { buildTransaction, multiOutcome, stopClient, toZkError, toZkStat } from '../../../broker/zk/zk-library.js';
import {
  ZkBadVersionError,
  ZkError,
  ZkErrorCode,
  ZkNodeExistsError,
  ZkNoNodeError,
  ZkNotEmptyError,
  ZkSessionExpiredError,
  type ZkOp,
} from '../../../broker/zk/index.js';

/** The library's clients: created without connecting, which is all the transaction builder needs. */
const clients: ReturnType<typeof createClient>[] = [];
const idleClient = () => {
  const client = createClient('127.0.0.1:1');
  clients.push(client);
  return client;
};
afterEach(async () => {
  for (const client of clients.splice(0)) await stopClient(client);
});

/** The library builds its exceptions with Exception.create(code), missing from its typings. */
const libraryException = (code: number) => (Exception as unknown as { create(code: number): Exception }).create(code);

const long = (n: bigint) => {
  const buf = Buffer.alloc(8);
  buf.writeBigInt64BE(n);
  return buf;
};

describe('transactions', () => {
  it('keep version 0 in check, setData and delete (the library would turn it into -1, "any version")', () => {
    const ops: ZkOp[] = [
      { type: 'check', path: '/controller_epoch', version: 0 },
      { type: 'setData', path: '/a', data: Buffer.from('x'), version: 0 },
      { type: 'delete', path: '/b', version: 0 },
      { type: 'check', path: '/c', version: 5 },
      { type: 'delete', path: '/d' },
      { type: 'create', path: '/e', data: Buffer.from('y'), mode: 'ephemeral' },
    ];
    const raw = (buildTransaction(idleClient(), ops) as unknown as { ops: { version?: number; mode?: number }[] }).ops;
    expect(raw.map((op) => op.version)).toEqual([0, 0, 0, 5, -1, undefined]);
    expect(raw[5]?.mode).toBe(1);
  });
});

describe('multi results', () => {
  const ops: ZkOp[] = [
    { type: 'check', path: '/controller_epoch', version: 3 },
    { type: 'create', path: '/t' },
    { type: 'setData', path: '/s', data: null },
  ];

  it('report the op that failed, by index and code', () => {
    const outcome = multiOutcome(ops, [
      { type: -1, err: 0 },
      { type: -1, err: ZkErrorCode.NODE_EXISTS },
      { type: -1, err: ZkErrorCode.RUNTIME_INCONSISTENCY },
    ]);
    expect('error' in outcome && outcome.error).toBeInstanceOf(ZkNodeExistsError);
    if (!('error' in outcome)) throw new Error('expected a failure');
    expect(outcome.error.opIndex).toBe(1);
    expect(outcome.error.path).toBe('/t');
  });

  it('convert every result of a committed multi', () => {
    const stat = {
      czxid: long(0x1_0000_0005n),
      mzxid: long(0x1_0000_0009n),
      pzxid: long(0x1_0000_0009n),
      ctime: long(1_700_000_000_000n),
      mtime: long(1_700_000_000_500n),
      version: 4,
      cversion: 0,
      aversion: 0,
      ephemeralOwner: long(0n),
      dataLength: 0,
      numChildren: 0,
    };
    const outcome = multiOutcome(ops, [{ type: 13 }, { type: 1, path: '/t' }, { type: 5, stat }]);
    expect(outcome).toEqual({
      results: [{ type: 'check' }, { type: 'create', path: '/t' }, { type: 'setData', stat: toZkStat(stat) }],
    });
  });
});

describe('stats and errors', () => {
  it('read longs from the library’s 8-byte buffers, session ids as bigint', () => {
    const stat = toZkStat({
      czxid: long(0x3_0000_0010n),
      mzxid: long(0x3_0000_0011n),
      pzxid: long(0x3_0000_0010n),
      ctime: long(1_700_000_000_000n),
      mtime: long(1_700_000_000_001n),
      version: 2,
      cversion: 1,
      aversion: 0,
      ephemeralOwner: long(0x100018179290003n),
      dataLength: 10,
      numChildren: 1,
    });
    expect(stat).toEqual({
      czxid: 0x3_0000_0010,
      mzxid: 0x3_0000_0011,
      pzxid: 0x3_0000_0010,
      ctimeMs: 1_700_000_000_000,
      mtimeMs: 1_700_000_000_001,
      version: 2,
      cversion: 1,
      aversion: 0,
      ephemeralOwner: 0x100018179290003n,
      dataLength: 10,
      numChildren: 1,
    });
  });

  it('map the library’s exceptions to our classes, keeping the code', () => {
    const cases: [number, new (...args: never[]) => ZkError][] = [
      [Exception.NO_NODE, ZkNoNodeError],
      [Exception.NODE_EXISTS, ZkNodeExistsError],
      [Exception.BAD_VERSION, ZkBadVersionError],
      [Exception.NOT_EMPTY, ZkNotEmptyError],
      [Exception.SESSION_EXPIRED, ZkSessionExpiredError],
    ];
    for (const [code, cls] of cases) {
      const err = toZkError(libraryException(code), '/p');
      expect(err).toBeInstanceOf(cls);
      expect(err.code).toBe(code);
      expect(err.message).toContain('/p');
    }
    const other = toZkError(libraryException(Exception.NO_AUTH), '/p');
    expect(other.constructor).toBe(ZkError);
    expect(other.message).toContain('NO_AUTH');
  });

  it('wrap the library’s argument assertions', () => {
    const err = toZkError(new Error('data must be equal of smaller than 1048576 bytes.'), '/big');
    expect(err).toBeInstanceOf(ZkError);
    expect(err.code).toBe(ZkErrorCode.BAD_ARGUMENTS);
    expect(err.cause).toBeInstanceOf(Error);
  });
});

describe('stopping a library client', () => {
  it('works on a client that never connected (the library’s close() throws there)', async () => {
    const client = idleClient();
    expect(() => client.close()).toThrow(TypeError);
    await stopClient(idleClient());
  });

  it('ends the reconnect loop of a client that cannot connect', async () => {
    const client = idleClient();
    client.connect();
    await new Promise((r) => setImmediate(r));
    await stopClient(client);
    // CLOSED (-2) is the library's terminal state: its socket-close handler retries from every other state
    const manager = (client as unknown as { connectionManager: { state: number } }).connectionManager;
    await expect.poll(() => manager.state, { timeout: 5_000 }).toBe(-2);
  });
});

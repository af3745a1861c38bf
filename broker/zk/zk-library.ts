/**
 * The seam to node-zookeeper-client: converts its Stat, Event, Exception and transaction results to ours, and
 * works around three of its behaviours (ARCHITECTURE.md §10, checked against version 1.1.3):
 * - `Transaction.check/setData/remove` turn version 0 into -1 (`version || -1`), which would make a check of a
 *   freshly created node (version 0) match any version; {@link buildTransaction} puts the 0 back.
 * - `close()` on a client that never connected throws inside the library, and on a disconnected client it can
 *   leave the reconnect loop running; {@link stopClient} stops such a client by its connection manager.
 * - Errors are library `Exception`s, assertion errors or plain Errors; {@link toZkError} maps them all.
 */

import { CreateMode, Event, Exception, State, type Client, type Stat, type Transaction } from 'node-zookeeper-client';
import { ZkError, ZkErrorCode, zkErrorFor } from './zk-errors.js';
import type { ZkCreateMode, ZkOp, ZkOpResult, ZkStat, ZkWatchEvent, ZkWatchEventType } from './zk-types.js';

/** How long a graceful close waits for the server to end the session before dropping the socket. */
const CLOSE_TIMEOUT_MS = 3_000;

const CREATE_MODES: Record<ZkCreateMode, number> = {
  persistent: CreateMode.PERSISTENT,
  ephemeral: CreateMode.EPHEMERAL,
  persistent_sequential: CreateMode.PERSISTENT_SEQUENTIAL,
  ephemeral_sequential: CreateMode.EPHEMERAL_SEQUENTIAL,
};

export function libraryCreateMode(mode: ZkCreateMode): number {
  return CREATE_MODES[mode];
}

/** A library Stat (longs as 8-byte big-endian buffers) as ours. */
export function toZkStat(stat: Stat): ZkStat {
  return {
    czxid: longToNumber(stat.czxid),
    mzxid: longToNumber(stat.mzxid),
    pzxid: longToNumber(stat.pzxid),
    ctimeMs: longToNumber(stat.ctime),
    mtimeMs: longToNumber(stat.mtime),
    version: stat.version,
    cversion: stat.cversion,
    aversion: stat.aversion,
    ephemeralOwner: stat.ephemeralOwner.readBigInt64BE(0),
    dataLength: stat.dataLength,
    numChildren: stat.numChildren,
  };
}

function longToNumber(buf: Buffer): number {
  const value = buf.readBigInt64BE(0);
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new ZkError(ZkErrorCode.MARSHALLING_ERROR, null, `long ${value} out of range`);
  return n;
}

/** A session id (8 bytes) as the signed long Java shows in stat.ephemeralOwner. */
export function sessionIdOf(buf: Buffer): bigint {
  return buf.readBigInt64BE(0);
}

const EVENT_TYPES: Record<number, ZkWatchEventType> = {
  [Event.NODE_CREATED]: 'created',
  [Event.NODE_DELETED]: 'deleted',
  [Event.NODE_DATA_CHANGED]: 'dataChanged',
  [Event.NODE_CHILDREN_CHANGED]: 'childrenChanged',
};

export function toWatchEvent(event: Event): ZkWatchEvent | null {
  const type = EVENT_TYPES[event.getType()];
  return type === undefined ? null : { type, path: event.getPath() };
}

/** Any error from the library (or thrown synchronously by its argument checks) as a ZkError. */
export function toZkError(err: unknown, path: string | null, opIndex?: number): ZkError {
  if (err instanceof ZkError) return err;
  if (err instanceof Exception) {
    return zkErrorFor(err.getCode(), path, opIndex === undefined ? undefined : { opIndex });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new ZkError(ZkErrorCode.BAD_ARGUMENTS, path, `ZooKeeper request refused: ${message}`, { cause: err });
}

export function isConnectionLoss(err: unknown): boolean {
  return err instanceof Exception && err.getCode() === ZkErrorCode.CONNECTION_LOSS;
}

/** The library's transaction for `ops`, with the version-0 fix (see the file comment). */
export function buildTransaction(client: Client, ops: readonly ZkOp[]): Transaction {
  const tx = client.transaction();
  const raw = (tx as unknown as { ops: { version?: number }[] }).ops;
  for (const op of ops) {
    switch (op.type) {
      case 'create':
        tx.create(op.path, op.data ?? undefined, libraryCreateMode(op.mode ?? 'persistent'));
        break;
      case 'setData':
        tx.setData(op.path, op.data, op.version ?? -1);
        break;
      case 'delete':
        tx.remove(op.path, op.version ?? -1);
        break;
      case 'check':
        tx.check(op.path, op.version);
        break;
    }
    const version = op.type === 'create' ? undefined : op.version;
    if (version === 0) raw[raw.length - 1]!.version = 0;
  }
  return tx;
}

export interface RawOpResult {
  readonly type: number;
  readonly err?: number;
  readonly path?: string;
  readonly stat?: Stat;
}

/** Our results for a committed multi, or the failing op's error (ZooKeeper reports every op; the first non-OK failed). */
export function multiOutcome(
  ops: readonly ZkOp[],
  results: readonly RawOpResult[] | undefined,
): { results: ZkOpResult[] } | { error: ZkError } {
  const list = results ?? [];
  const failed = list.findIndex((r) => r.err !== undefined && r.err !== ZkErrorCode.OK);
  if (failed !== -1) {
    return { error: zkErrorFor(list[failed]!.err!, ops[failed]?.path ?? null, { opIndex: failed }) };
  }
  return {
    results: ops.map((op, i): ZkOpResult => {
      const r = list[i];
      switch (op.type) {
        case 'create':
          return { type: 'create', path: r?.path ?? op.path };
        case 'setData':
          if (r?.stat === undefined)
            throw new ZkError(ZkErrorCode.MARSHALLING_ERROR, op.path, 'multi result lacks a stat');
          return { type: 'setData', stat: toZkStat(r.stat) };
        case 'delete':
          return { type: 'delete' };
        case 'check':
          return { type: 'check' };
      }
    }),
  };
}

interface ConnectionManagerInternals {
  readonly state: number;
  readonly socket?: { destroy(): void };
  setState(state: number): void;
  readonly constructor: { readonly STATES: { readonly CLOSING: number; readonly CLOSED: number } };
}

/**
 * Ends a library client. A connected one closes its session properly (the server deletes its ephemerals at once)
 * and we wait for that; any other is stopped by its connection manager: the CLOSING state makes the socket's
 * close end the reconnect loop instead of retrying.
 */
export async function stopClient(client: Client): Promise<void> {
  if (client.getState() === State.SYNC_CONNECTED) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        forceStop(client);
        resolve();
      }, CLOSE_TIMEOUT_MS);
      timer.unref();
      client.once('disconnected', () => {
        clearTimeout(timer);
        resolve();
      });
      client.close();
    });
    return;
  }
  forceStop(client);
}

function forceStop(client: Client): void {
  const manager = (client as unknown as { connectionManager: ConnectionManagerInternals }).connectionManager;
  const states = manager.constructor.STATES;
  if (manager.state === states.CLOSED) return;
  manager.setState(states.CLOSING);
  manager.socket?.destroy();
}

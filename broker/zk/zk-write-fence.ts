import { fencedMultiAt } from './controller-election.js';
import type { ZkClient } from './zk-client.js';
import type { ZkOp, ZkOpResult } from './zk-types.js';

/**
 * How a write is guarded. A controller write carries the zkVersion of `/controller_epoch` its epoch bump wrote
 * (ControllerElection.epochZkVersion): a check of it goes first in the same multi, so a deposed controller's write
 * fails with ControllerMovedError and changes nothing. `null` is an unfenced write (a leader's own ISR change, an
 * admin request on any broker), guarded only by the znode versions it names.
 */
export type ZkWriteFence = { readonly controllerEpochZkVersion: number } | null;

/** Applies `ops` atomically behind `fence`; a failing op throws its ZkError with `opIndex` counting `ops` only. */
export function multiBehind(zk: ZkClient, fence: ZkWriteFence, ops: readonly ZkOp[]): Promise<ZkOpResult[]> {
  return fence === null ? zk.multi(ops) : fencedMultiAt(zk, fence.controllerEpochZkVersion, ops);
}

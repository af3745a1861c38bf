import { ErrorCode } from '../../protocol/index.js';

/** What a controller request says about who sent it and to whom. */
export interface ControllerRequestStamp {
  readonly controllerEpoch: number;
  /** The registration of this broker the controller addressed; -1 (old versions) skips the check. */
  readonly brokerEpoch: number;
}

/** A request's turn: its task's value, or why it was refused without running. */
export type GateOutcome<T> =
  { readonly admitted: true; readonly value: T } | { readonly admitted: false; readonly errorCode: ErrorCode };

/**
 * Admits the active controller's requests to this broker (LeaderAndIsr, UpdateMetadata, StopReplica), as Kafka's
 * ReplicaManager and MetadataCache do: a request from a controller epoch older than one already seen comes from a
 * deposed controller and is refused with STALE_CONTROLLER_EPOCH; one addressed to an earlier registration of this
 * broker (broker epoch below the current one: sent before a restart or session loss) with STALE_BROKER_EPOCH.
 *
 * Concurrency: admitted requests run one at a time in arrival order, so their effects apply in the order the
 * controller sent them even when pipelined on one connection or split over two (the controller's channel is one
 * FIFO per broker). The epoch is checked when a request's turn comes, after the ones before it took effect.
 */
export class ControllerRequestGate {
  readonly #brokerEpoch: () => number;
  #controllerEpoch = -1;
  #tail: Promise<unknown> = Promise.resolve();

  /** @param brokerEpoch this broker's current registration epoch (ZooKeeper czxid); -1 while unregistered. */
  constructor(brokerEpoch: () => number) {
    this.#brokerEpoch = brokerEpoch;
  }

  /** The highest controller epoch admitted so far (-1 before the first request). */
  get controllerEpoch(): number {
    return this.#controllerEpoch;
  }

  /** Runs `task` in turn if the stamp is current; otherwise resolves with the refusal's error code. */
  run<T>(stamp: ControllerRequestStamp, task: () => Promise<T>): Promise<GateOutcome<T>> {
    const turn = this.#tail.then(async (): Promise<GateOutcome<T>> => {
      if (stamp.controllerEpoch < this.#controllerEpoch) {
        return { admitted: false, errorCode: ErrorCode.STALE_CONTROLLER_EPOCH };
      }
      const current = this.#brokerEpoch();
      if (stamp.brokerEpoch !== -1 && current !== -1 && stamp.brokerEpoch < current) {
        return { admitted: false, errorCode: ErrorCode.STALE_BROKER_EPOCH };
      }
      this.#controllerEpoch = stamp.controllerEpoch;
      return { admitted: true, value: await task() };
    });
    this.#tail = turn.catch(() => undefined);
    return turn;
  }
}

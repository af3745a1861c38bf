/**
 * The controller's single event queue (Kafka's ControllerEventManager): ZooKeeper watches, requests from brokers
 * and timers only put events; one loop runs them to completion one at a time, in order, so controller state is
 * never touched by two events at once. A failed event does not stop the loop.
 *
 * Concurrency: put() may be called from anywhere; the returned promise settles with the event's own outcome.
 * Invariant: after close(), events not yet started reject with ControllerQueueClosedError.
 */
export class ControllerEventQueue {
  #tail: Promise<unknown> = Promise.resolve();
  #closed = false;

  /** Runs `process` after every event put before it has settled. */
  put<T>(process: () => Promise<T>): Promise<T> {
    const run = (): Promise<T> => (this.#closed ? Promise.reject(new ControllerQueueClosedError()) : process());
    const next = this.#tail.then(run, run);
    this.#tail = next.catch(() => undefined);
    return next;
  }

  /** Refuses further events; resolves once the event running now (and any started before) has settled. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#tail;
  }
}

/** The controller is shutting down: the event was not run. */
export class ControllerQueueClosedError extends Error {
  override name = 'ControllerQueueClosedError';

  constructor() {
    super('the controller is shut down');
  }
}

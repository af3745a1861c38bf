/**
 * Runs async tasks one at a time in submission order. Each Log owns one, so appends, rolls, truncations and
 * segment deletions never interleave across an `await`. A failed task does not stop the queue.
 */
export class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const next = this.#tail.then(task, task);
    this.#tail = next.catch(() => undefined);
    return next;
  }

  /** Resolves once every task submitted so far has finished. */
  async idle(): Promise<void> {
    await this.#tail;
  }
}

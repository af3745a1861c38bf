import type { TruncationListener } from './log-types.js';
import type { StorageLogger } from './logger.js';

/**
 * Who a Log tells about its truncations (LogManager moves the cleaner's checkpoint back, the cleaner abandons a
 * cleaning whose input changed). A failing listener is logged and does not stop the others or the truncation.
 */
export class TruncationListeners {
  readonly #listeners = new Set<TruncationListener>();

  constructor(readonly logger: StorageLogger) {}

  /** Returns the unsubscribe function. */
  add(listener: TruncationListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  notify(offset: number): void {
    for (const listener of this.#listeners) {
      try {
        listener(offset);
      } catch (err) {
        this.logger.error({ err, offset }, 'truncation listener failed');
      }
    }
  }
}

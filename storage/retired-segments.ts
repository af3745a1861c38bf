import type { StorageLogger } from './logger.js';
import type { LogSegment } from './segment.js';

/**
 * Segments a Log has retired (retention, the cleaner's swap), already renamed `.deleted`, waiting
 * file.delete.delay.ms before their files are removed, so reads that took them before they were retired can finish.
 *
 * Concurrency: called from the owning Log's queue; the timers run on their own and only delete files.
 */
export class RetiredSegments {
  readonly #pending = new Map<LogSegment, NodeJS.Timeout>();

  constructor(readonly logger: StorageLogger) {}

  /** Removes `segments` after `delayMs` (at once when it is 0 or less). */
  async deleteLater(segments: readonly LogSegment[], delayMs: number): Promise<void> {
    if (delayMs <= 0) {
      for (const s of segments) await s.deleteIfExists();
      return;
    }
    for (const s of segments) {
      const timer = setTimeout(() => {
        this.#pending.delete(s);
        s.deleteIfExists().catch((err: unknown) =>
          this.logger.error({ err, baseOffset: s.baseOffset }, 'cannot delete a retired segment'),
        );
      }, delayMs);
      timer.unref();
      this.#pending.set(s, timer);
    }
  }

  /** Removes every segment still waiting now (the log is closing or being deleted). */
  async deleteAllNow(): Promise<void> {
    for (const [s, timer] of this.#pending) {
      clearTimeout(timer);
      await s.deleteIfExists();
    }
    this.#pending.clear();
  }
}

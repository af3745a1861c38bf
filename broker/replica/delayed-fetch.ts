/** Subscribes a listener to one partition's notifications; returns the function that removes it. */
export type Subscribe = (listener: () => void) => () => void;

export interface DelayedFetchOptions<T> {
  /** The notifications that may complete the fetch (a consumer's: HW moves; a follower's: appends). */
  watch: readonly Subscribe[];
  /** A watched partition changed after the caller's last read (before we subscribed): re-read at once. */
  changedSinceRead: boolean;
  maxWaitMs: number;
  signal: AbortSignal | undefined;
  read: () => Promise<T>;
  isComplete: (result: T) => boolean;
  /** Registers the expiry for shutdown; returns the function that removes it. */
  register: (expire: () => void) => () => void;
  onError: (err: unknown) => void;
}

/**
 * A fetch that waits (Kafka's DelayedFetch, without a purgatory: each wait holds its own subscriptions). It
 * re-reads when a watched notification fires, at most one read in flight (changes during a read cause one more),
 * and resolves with the first result that isComplete accepts. Expiry (maxWaitMs, the signal aborting or the
 * registered expiry being called at shutdown) resolves with a final read, as Kafka's onExpiration answers with
 * whatever is there. The timer is unref'ed; the timer, subscriptions and listeners are all removed on completion.
 */
export function awaitDelayedFetch<T>(options: DelayedFetchOptions<T>): Promise<T> {
  const { read, isComplete, signal } = options;
  return new Promise((resolve) => {
    let finished = false;
    let reading = false;
    let changedWhileReading = false;
    const finish = (result: T | Promise<T>): void => {
      finished = true;
      clearTimeout(timer);
      for (const unsubscribe of unsubscribes) unsubscribe();
      signal?.removeEventListener('abort', expire);
      unregister();
      resolve(result);
    };
    const expire = (): void => {
      if (!finished) finish(read());
    };
    const recheck = async (): Promise<void> => {
      if (reading) {
        changedWhileReading = true;
        return;
      }
      reading = true;
      try {
        do {
          changedWhileReading = false;
          const result = await read();
          if (finished) return;
          if (isComplete(result)) return finish(result);
        } while (changedWhileReading);
      } finally {
        reading = false;
      }
    };
    const onChange = (): void => {
      if (!finished) recheck().catch(options.onError);
    };
    const timer = setTimeout(expire, options.maxWaitMs);
    timer.unref();
    signal?.addEventListener('abort', expire, { once: true });
    const unregister = options.register(expire);
    const unsubscribes = options.watch.map((subscribe) => subscribe(onChange));
    if (options.changedSinceRead) onChange();
  });
}

/** Each buffer holds a first batch of up to 1 MiB (the default max.message.bytes) plus Log.read's look-ahead. */
const BUFFER_BYTES = 1024 * 1024 + 64 * 1024;
/** Idle buffers kept; more concurrent fetches allocate, and what they return beyond this is left to the GC. */
const MAX_FREE = 8;

/**
 * Fetch read buffers reused across requests (ARCHITECTURE.md §6): a fresh large Buffer per fetch costs page
 * faults on first touch and external-memory GC pressure, which dominated the fetch path's CPU profile. A buffer is
 * lent to one response and comes back once the socket has taken its bytes.
 */
export class ReadBufferPool {
  readonly #free: Buffer[] = [];

  /** Buffers for one response: take() as partitions are read, release() all after the response is written. */
  lease(): ReadBufferLease {
    return new ReadBufferLease(this.#free);
  }
}

export class ReadBufferLease {
  readonly #free: Buffer[];
  #taken: Buffer[] = [];

  constructor(free: Buffer[]) {
    this.#free = free;
  }

  /** A buffer for a read of up to `maxBytes`, or undefined when that does not fit one (the read allocates). */
  take(maxBytes: number): Buffer | undefined {
    if (maxBytes > BUFFER_BYTES - 64 * 1024) return undefined;
    // allocUnsafe is safe here: Log.read returns views of only the bytes it read
    const buffer = this.#free.pop() ?? Buffer.allocUnsafe(BUFFER_BYTES);
    this.#taken.push(buffer);
    return buffer;
  }

  /** Returns every buffer taken; none of them may be read again by this lease's holder. Idempotent. */
  release(): void {
    for (const buffer of this.#taken) if (this.#free.length < MAX_FREE) this.#free.push(buffer);
    this.#taken = [];
  }
}

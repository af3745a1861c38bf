import { SipHash128 } from './siphash.js';

/** Writes a 128-bit digest of key[start, end) into out[0..3]. The map's default is keyed SipHash-2-4-128. */
export type KeyDigest = (key: Uint8Array, start: number, end: number, out: Uint32Array) => void;

export interface OffsetMapOptions {
  /**
   * Memory budget in bytes for the table (log.cleaner.dedupe.buffer.size; default 128 MiB, at most 2 GiB). The
   * map allocates floor(memoryBytes / 24) slots rounded down to a prime, once, and never grows.
   */
  memoryBytes?: number;
  /**
   * Fraction of the slots the map fills before it reports isFull and refuses new keys
   * (log.cleaner.io.buffer.load.factor; default 0.9). In (0, 1].
   */
  loadFactor?: number;
  /** 16-byte SipHash key; random by default. Fixed keys are for tests and reproducible benchmarks. */
  hashKey?: Uint8Array;
  /** Replaces the digest function. For tests that need real digest collisions; never use in production. */
  digest?: KeyDigest;
}

/** Bytes each slot takes: a 16-byte digest and an 8-byte offset. */
export const OFFSET_MAP_BYTES_PER_ENTRY = 24;
export const DEFAULT_OFFSET_MAP_MEMORY_BYTES = 128 * 1024 * 1024;
export const DEFAULT_OFFSET_MAP_LOAD_FACTOR = 0.9;
const MAX_MEMORY_BYTES = 2 * 1024 * 1024 * 1024;
const DIGEST_WORDS = 4;

/**
 * Key → latest offset for the dirty section of a compacted log, in a fixed memory budget (Kafka's SkimpyOffsetMap).
 * The cleaner feeds it every keyed record of the dirty section in offset order, then keeps a record only when its
 * offset is at least the map's offset for its key.
 *
 * Layout: an open-addressing table of `slots` entries (a prime) held in two typed arrays allocated once: digests
 * (4 uint32 words per slot) and offsets (a float64 per slot, holding offset + 1 so that 0 means empty and a fresh
 * allocation needs no fill). Collisions of slot positions are resolved by double hashing: the first digest word
 * picks the slot, the second the step, and a prime table size makes every step visit every slot. At the default
 * load factor 0.9 a miss probes ~10 slots on average, a hit ~2.6.
 *
 * Digest collisions: keys are not stored, only a 128-bit digest, so two distinct keys with equal digests are one
 * entry; the older record of the two would then be compacted away. The digest is SipHash-2-4-128 keyed with a
 * random per-map secret (see siphash.ts): the chance is about n²/2^129 (n = 10^8 keys: 10^-23) and, the key being
 * secret, producers cannot craft colliding keys. Kafka makes the same trade with MD5.
 *
 * Invariants: size ≤ maxEntries ≤ slots; an entry is never removed except by clear(); offsets are ≥ 0.
 * Concurrency: synchronous and single-owner (one cleaning at a time uses a map); no I/O.
 */
export class OffsetMap {
  /** Table capacity: the largest prime ≤ memoryBytes / 24. */
  readonly slots: number;
  /** How many distinct keys fit before isFull: floor(slots × loadFactor). */
  readonly maxEntries: number;
  readonly #digests: Uint32Array;
  readonly #offsets: Float64Array;
  readonly #digest: KeyDigest;
  /** Scratch for the digest of the key being looked up. */
  readonly #h = new Uint32Array(DIGEST_WORDS);
  #size = 0;
  #latestOffset = -1;
  #lookups = 0;
  #probes = 0;

  constructor(options: OffsetMapOptions = {}) {
    const memoryBytes = options.memoryBytes ?? DEFAULT_OFFSET_MAP_MEMORY_BYTES;
    const loadFactor = options.loadFactor ?? DEFAULT_OFFSET_MAP_LOAD_FACTOR;
    if (!Number.isSafeInteger(memoryBytes) || memoryBytes < 2 * OFFSET_MAP_BYTES_PER_ENTRY) {
      throw new RangeError(`offset map memory must be at least ${2 * OFFSET_MAP_BYTES_PER_ENTRY} bytes`);
    }
    if (memoryBytes > MAX_MEMORY_BYTES) {
      throw new RangeError(`offset map memory of ${memoryBytes} bytes exceeds the maximum ${MAX_MEMORY_BYTES}`);
    }
    if (!(loadFactor > 0 && loadFactor <= 1)) throw new RangeError(`load factor ${loadFactor} is not in (0, 1]`);
    this.slots = largestPrimeAtMost(Math.floor(memoryBytes / OFFSET_MAP_BYTES_PER_ENTRY));
    this.maxEntries = Math.max(1, Math.floor(this.slots * loadFactor));
    this.#digests = new Uint32Array(this.slots * DIGEST_WORDS);
    this.#offsets = new Float64Array(this.slots);
    if (options.digest !== undefined) {
      this.#digest = options.digest;
    } else {
      const sip = new SipHash128(options.hashKey);
      this.#digest = (key, start, end, out) => sip.hash(key, start, end, out);
    }
  }

  /** Distinct keys held. */
  get size(): number {
    return this.#size;
  }

  /** True once maxEntries keys are held: put() then accepts only keys already present. */
  get isFull(): boolean {
    return this.#size >= this.maxEntries;
  }

  /** size / slots, as Kafka reports it. */
  get utilization(): number {
    return this.#size / this.slots;
  }

  /** The last offset put() or updateLatestOffset() recorded; -1 when none. Records above it were not mapped. */
  get latestOffset(): number {
    return this.#latestOffset;
  }

  /** Bytes held by the table (digests + offsets); never more than the configured budget. */
  get memoryBytes(): number {
    return this.#digests.byteLength + this.#offsets.byteLength;
  }

  /** Extra probes per lookup since the last clear(): 0 means every key found its slot at once. */
  get collisionRate(): number {
    return this.#lookups === 0 ? 0 : (this.#probes - this.#lookups) / this.#lookups;
  }

  /**
   * Maps `key` to `offset` (replacing any earlier offset; the cleaner feeds offsets in increasing order) and
   * records `offset` as latestOffset. Returns false, storing nothing, when the key is new and the map is full.
   */
  put(key: Uint8Array, offset: number): boolean {
    if (!(offset >= 0 && Number.isSafeInteger(offset))) throw new RangeError(`offset ${offset} is not a valid offset`);
    const slot = this.#find(key);
    if (slot < 0) return false;
    const offsets = this.#offsets;
    if (offsets[slot] === 0) {
      if (this.#size >= this.maxEntries) return false;
      const h = this.#h;
      const digests = this.#digests;
      const at = slot * DIGEST_WORDS;
      digests[at] = h[0]!;
      digests[at + 1] = h[1]!;
      digests[at + 2] = h[2]!;
      digests[at + 3] = h[3]!;
      this.#size++;
    }
    offsets[slot] = offset + 1;
    this.#latestOffset = offset;
    return true;
  }

  /** The offset stored for `key`, or -1 when the key is absent. */
  get(key: Uint8Array): number {
    const slot = this.#find(key);
    return slot < 0 ? -1 : this.#offsets[slot]! - 1;
  }

  /** Records that every offset up to `offset` has been mapped (Kafka advances it past control and aborted batches). */
  updateLatestOffset(offset: number): void {
    this.#latestOffset = offset;
  }

  /** Empties the map for the next cleaning; touches every page of the table, as Kafka's does. */
  clear(): void {
    this.#offsets.fill(0); // digests in empty slots are never read: emptiness is offset 0
    this.#size = 0;
    this.#latestOffset = -1;
    this.#lookups = 0;
    this.#probes = 0;
  }

  /**
   * The slot holding key's digest, or the empty slot where it would go, or -1 when the key is absent and no slot
   * is empty (a completely full table, possible only with loadFactor 1). Leaves the digest in #h.
   */
  #find(key: Uint8Array): number {
    const h = this.#h;
    this.#digest(key, 0, key.length, h);
    const h0 = h[0]!;
    const h1 = h[1]!;
    const h2 = h[2]!;
    const h3 = h[3]!;
    const slots = this.slots;
    const digests = this.#digests;
    const offsets = this.#offsets;
    let slot = h0 % slots;
    const step = 1 + (h1 % (slots - 1));
    // With a prime table size, `slots` steps of any step length visit every slot once.
    for (let probes = 1; probes <= slots; probes++) {
      const at = slot * DIGEST_WORDS;
      if (
        offsets[slot] === 0 ||
        (digests[at] === h0 && digests[at + 1] === h1 && digests[at + 2] === h2 && digests[at + 3] === h3)
      ) {
        this.#lookups++;
        this.#probes += probes;
        return slot;
      }
      slot += step;
      if (slot >= slots) slot -= slots;
    }
    this.#lookups++;
    this.#probes += slots;
    return -1;
  }
}

function largestPrimeAtMost(n: number): number {
  for (let candidate = n; candidate > 2; candidate--) {
    if (isPrime(candidate)) return candidate;
  }
  return 2;
}

function isPrime(n: number): boolean {
  if (n < 2) return false;
  if (n % 2 === 0) return n === 2;
  for (let d = 3; d * d <= n; d += 2) {
    if (n % d === 0) return false;
  }
  return true;
}

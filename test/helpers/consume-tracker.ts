/** One record handed to the application by a consumer. */
export interface Delivery {
  readonly consumer: string;
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}

/** Where a consumer reports what it delivered and which commits succeeded. */
export interface DeliverySink {
  delivered(consumer: string, topic: string, partition: number, offset: number): void;
  committed(topic: string, partition: number, nextOffset: number): void;
}

/**
 * Every (partition, offset) a group's consumers delivered, and every commit they saw succeed, in the order the
 * test observed them, to prove the group-consumption guarantee: nothing is skipped, and an offset is delivered
 * again only if it was never covered by a successful commit before the repeat (at-least-once, with repeats
 * confined to what lies beyond the last commit).
 */
export class ConsumeTracker implements DeliverySink {
  readonly #deliveries: Delivery[] = [];
  /** Per topic/partition: how often each offset was delivered. */
  readonly #seen = new Map<string, Map<number, number>>();
  /** Per topic/partition: the highest committed next-offset seen so far. */
  readonly #committed = new Map<string, number>();
  /** Repeats of an offset that a successful commit had already covered. */
  readonly #repeatsBelowCommit: string[] = [];

  delivered(consumer: string, topic: string, partition: number, offset: number): void {
    const key = `${topic}/${partition}`;
    const seen = this.#seen.get(key) ?? new Map<number, number>();
    this.#seen.set(key, seen);
    const times = seen.get(offset) ?? 0;
    seen.set(offset, times + 1);
    const committed = this.#committed.get(key) ?? 0;
    if (times > 0 && offset < committed)
      this.#repeatsBelowCommit.push(`${key}@${offset} again by ${consumer} (committed ${committed})`);
    this.#deliveries.push({ consumer, topic, partition, offset });
  }

  /** A commit of `nextOffset` (the next record to read) for `topic`/`partition` succeeded. */
  committed(topic: string, partition: number, nextOffset: number): void {
    const key = `${topic}/${partition}`;
    this.#committed.set(key, Math.max(this.#committed.get(key) ?? 0, nextOffset));
  }

  get deliveries(): readonly Delivery[] {
    return this.#deliveries;
  }

  /** Number of deliveries by `consumer`, or by `consumer` from `topic`. */
  deliveredBy(consumer: string, topic?: string): number {
    return this.#deliveries.filter((d) => d.consumer === consumer && (topic === undefined || d.topic === topic)).length;
  }

  /** Number of distinct offsets delivered for `topic`. */
  distinct(topic: string): number {
    let n = 0;
    for (const [key, seen] of this.#seen) if (key.startsWith(`${topic}/`)) n += seen.size;
    return n;
  }

  /** True once every offset below `ends[partition]` of `topic` has been delivered at least once. */
  hasAll(topic: string, ends: readonly number[]): boolean {
    return this.missing(topic, ends).length === 0;
  }

  /** `topic/partition@offset` for each offset below `ends[partition]` never delivered (first 20). */
  missing(topic: string, ends: readonly number[]): string[] {
    const out: string[] = [];
    ends.forEach((end, partition) => {
      const seen = this.#seen.get(`${topic}/${partition}`);
      for (let offset = 0; offset < end && out.length < 20; offset++)
        if (seen?.has(offset) !== true) out.push(`${topic}/${partition}@${offset}`);
    });
    return out;
  }

  /** Offsets delivered beyond the end of their partition (must never happen). */
  beyond(topic: string, ends: readonly number[]): string[] {
    return this.#deliveries
      .filter((d) => d.topic === topic && d.offset >= (ends[d.partition] ?? 0))
      .map((d) => `${d.topic}/${d.partition}@${d.offset}`);
  }

  /** Repeated deliveries of offsets a successful commit had covered before the repeat. */
  repeatsBelowCommit(): readonly string[] {
    return this.#repeatsBelowCommit;
  }

  /** Number of deliveries that repeated an offset already delivered. */
  repeats(): number {
    let n = 0;
    for (const seen of this.#seen.values()) for (const times of seen.values()) n += times - 1;
    return n;
  }

  /**
   * Repeated offsets whose first delivery was not by one of `consumers` (e.g. the members that crashed, whose
   * uncommitted tail is the only thing allowed to come again when nobody records commits).
   */
  repeatsNotFirstReadBy(consumers: readonly string[]): string[] {
    const first = new Map<string, string>();
    const out: string[] = [];
    for (const d of this.#deliveries) {
      const key = `${d.topic}/${d.partition}@${d.offset}`;
      const by = first.get(key);
      if (by === undefined) first.set(key, d.consumer);
      else if (!consumers.includes(by)) out.push(`${key} first by ${by}, again by ${d.consumer}`);
    }
    return out;
  }

  /** The partitions of `topic` each consumer delivered from, as consumer → sorted partitions. */
  partitionsByConsumer(topic: string): Map<string, number[]> {
    const sets = new Map<string, Set<number>>();
    for (const d of this.#deliveries) {
      if (d.topic !== topic) continue;
      const set = sets.get(d.consumer) ?? new Set<number>();
      set.add(d.partition);
      sets.set(d.consumer, set);
    }
    return new Map([...sets].map(([c, s]) => [c, [...s].sort((a, b) => a - b)]));
  }
}

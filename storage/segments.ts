import type { LogSegment } from './segment.js';

/**
 * The segments of one log, ordered by base offset (Kafka's LogSegments). Segments are almost always added at the
 * end, so a sorted array with binary search beats a tree here. Not thread-safe: only the owning Log's serial queue
 * mutates it; readers take a snapshot of the array (`all`) and tolerate a segment being removed meanwhile.
 */
export class LogSegments {
  #segments: LogSegment[] = [];

  get size(): number {
    return this.#segments.length;
  }

  /** The segments in offset order (a snapshot: later adds and removes do not change it). */
  get all(): readonly LogSegment[] {
    return this.#segments;
  }

  get first(): LogSegment | undefined {
    return this.#segments[0];
  }

  get active(): LogSegment {
    const last = this.#segments.at(-1);
    if (last === undefined) throw new Error('log has no segments');
    return last;
  }

  add(segment: LogSegment): void {
    const at = this.#insertionPoint(segment.baseOffset);
    const existing = this.#segments[at];
    const copy = [...this.#segments];
    if (existing !== undefined && existing.baseOffset === segment.baseOffset) copy[at] = segment;
    else copy.splice(at, 0, segment);
    this.#segments = copy;
  }

  remove(segment: LogSegment): void {
    this.#segments = this.#segments.filter((s) => s !== segment);
  }

  clear(): LogSegment[] {
    const removed = this.#segments;
    this.#segments = [];
    return removed;
  }

  /** The segment holding `offset`: the last one whose base offset is ≤ offset. */
  floor(offset: number): LogSegment | undefined {
    const at = this.#insertionPoint(offset + 1) - 1;
    return at >= 0 ? this.#segments[at] : undefined;
  }

  /** Segments after `segment`, in order. */
  higher(segment: LogSegment): LogSegment[] {
    const at = this.#segments.indexOf(segment);
    return at < 0 ? [] : this.#segments.slice(at + 1);
  }

  /** The base offset of the segment after `segment`, or undefined for the last one. */
  nextBaseOffset(segment: LogSegment): number | undefined {
    const at = this.#segments.indexOf(segment);
    return at < 0 ? undefined : this.#segments[at + 1]?.baseOffset;
  }

  get sizeInBytes(): number {
    return this.#segments.reduce((n, s) => n + s.size, 0);
  }

  /** First index whose base offset is ≥ offset. */
  #insertionPoint(offset: number): number {
    let lo = 0;
    let hi = this.#segments.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#segments[mid]!.baseOffset < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

import { randomBytes } from 'node:crypto';

/**
 * SipHash-2-4 with a 128-bit tag (Aumasson and Bernstein; reference vectors in the test), in plain JS over 32-bit
 * halves because JS has no fast 64-bit integers.
 *
 * Why SipHash and not MD5 (Kafka's SkimpyOffsetMap) or a fast unkeyed hash: the offset map keeps a key's digest
 * instead of the key, so two keys with one digest alias and compaction then deletes the older one's latest value.
 * A keyed PRF with a random per-process key makes that a ~n²/2^129 accident nobody can aim at. With an unkeyed
 * hash, a producer who can write to a compacted topic could craft a key that collides with someone else's (for
 * murmur-style hashes that is easy), and erase it. MD5 would also do, but node:crypto costs ~1.5 µs per key in
 * call overhead and allocation (measured); this runs in ~0.1 µs for typical keys and allocates nothing.
 *
 * Not thread-safe in any sense that matters in Node: the instance is stateless between calls.
 */
export class SipHash128 {
  readonly #k0l: number;
  readonly #k0h: number;
  readonly #k1l: number;
  readonly #k1h: number;

  /** `key`: 16 bytes; a random one by default. */
  constructor(key: Uint8Array = randomBytes(16)) {
    if (key.length !== 16) throw new RangeError(`SipHash key must be 16 bytes, got ${key.length}`);
    this.#k0l = le32(key, 0);
    this.#k0h = le32(key, 4);
    this.#k1l = le32(key, 8);
    this.#k1h = le32(key, 12);
  }

  /**
   * Tag of data[start, end) as four uint32 words in `out`: the two little-endian 64-bit halves of the tag, each as
   * (low word, high word). The byte string of the tag is out[0..3] written little-endian.
   */
  hash(data: Uint8Array, start: number, end: number, out: Uint32Array): void {
    // State v0..v3, each as (low, high) 32-bit halves held as int32 (`| 0`), which V8 keeps in registers; uint32
    // values above 2^31 would become heap doubles. The carry out of a low-half sum is bit 31 of
    // (a & b) | ((a | b) & ~sum).
    let v0l = (this.#k0l ^ 0x70736575) | 0;
    let v0h = (this.#k0h ^ 0x736f6d65) | 0;
    let v1l = (this.#k1l ^ 0x6e646f6d ^ 0xee) | 0; // 0xee: the 128-bit variant
    let v1h = (this.#k1h ^ 0x646f7261) | 0;
    let v2l = (this.#k0l ^ 0x6e657261) | 0;
    let v2h = (this.#k0h ^ 0x6c796765) | 0;
    let v3l = (this.#k1l ^ 0x79746573) | 0;
    let v3h = (this.#k1h ^ 0x74656462) | 0;
    let t: number;
    let lo: number;

    const length = end - start;
    const wordsEnd = start + (length & ~7);
    // Message words, then one final word holding the tail bytes and the length; then the two finalisation phases.
    // `phase` picks what happens after each group of rounds, so the round code is written once.
    let at = start;
    let ml = 0;
    let mh = 0;
    let rounds: number;
    let phase = 0; // 0: message words, 1: last word done, 2: first half of the tag done
    for (;;) {
      if (phase === 0) {
        if (at < wordsEnd) {
          ml = data[at]! | (data[at + 1]! << 8) | (data[at + 2]! << 16) | (data[at + 3]! << 24) | 0;
          mh = data[at + 4]! | (data[at + 5]! << 8) | (data[at + 6]! << 16) | (data[at + 7]! << 24) | 0;
          at += 8;
        } else {
          ml = 0;
          mh = (length & 0xff) << 24;
          const tail = end - at;
          for (let i = 0; i < tail; i++) {
            const byte = data[at + i]!;
            if (i < 4) ml |= byte << (8 * i);
            else mh |= byte << (8 * (i - 4));
          }
          phase = 1;
        }
        v3l = (v3l ^ ml) | 0;
        v3h = (v3h ^ mh) | 0;
        rounds = 2;
      } else {
        rounds = 4;
      }

      for (let r = 0; r < rounds; r++) {
        // v0 += v1; v1 <<<= 13; v1 ^= v0; v0 <<<= 32
        lo = (v0l + v1l) | 0;
        v0h = (v0h + v1h + (((v0l & v1l) | ((v0l | v1l) & ~lo)) >>> 31)) | 0;
        v0l = lo;
        t = v1h;
        v1h = (v1h << 13) | (v1l >>> 19) | 0;
        v1l = (v1l << 13) | (t >>> 19) | 0;
        v1l = (v1l ^ v0l) | 0;
        v1h = (v1h ^ v0h) | 0;
        t = v0h;
        v0h = v0l;
        v0l = t;
        // v2 += v3; v3 <<<= 16; v3 ^= v2
        lo = (v2l + v3l) | 0;
        v2h = (v2h + v3h + (((v2l & v3l) | ((v2l | v3l) & ~lo)) >>> 31)) | 0;
        v2l = lo;
        t = v3h;
        v3h = (v3h << 16) | (v3l >>> 16) | 0;
        v3l = (v3l << 16) | (t >>> 16) | 0;
        v3l = (v3l ^ v2l) | 0;
        v3h = (v3h ^ v2h) | 0;
        // v0 += v3; v3 <<<= 21; v3 ^= v0
        lo = (v0l + v3l) | 0;
        v0h = (v0h + v3h + (((v0l & v3l) | ((v0l | v3l) & ~lo)) >>> 31)) | 0;
        v0l = lo;
        t = v3h;
        v3h = (v3h << 21) | (v3l >>> 11) | 0;
        v3l = (v3l << 21) | (t >>> 11) | 0;
        v3l = (v3l ^ v0l) | 0;
        v3h = (v3h ^ v0h) | 0;
        // v2 += v1; v1 <<<= 17; v1 ^= v2; v2 <<<= 32
        lo = (v2l + v1l) | 0;
        v2h = (v2h + v1h + (((v2l & v1l) | ((v2l | v1l) & ~lo)) >>> 31)) | 0;
        v2l = lo;
        t = v1h;
        v1h = (v1h << 17) | (v1l >>> 15) | 0;
        v1l = (v1l << 17) | (t >>> 15) | 0;
        v1l = (v1l ^ v2l) | 0;
        v1h = (v1h ^ v2h) | 0;
        t = v2h;
        v2h = v2l;
        v2l = t;
      }

      if (phase === 0) {
        v0l = (v0l ^ ml) | 0;
        v0h = (v0h ^ mh) | 0;
      } else if (phase === 1) {
        v0l = (v0l ^ ml) | 0;
        v0h = (v0h ^ mh) | 0;
        v2l = (v2l ^ 0xee) | 0;
        phase = 2;
      } else if (phase === 2) {
        out[0] = v0l ^ v1l ^ v2l ^ v3l;
        out[1] = v0h ^ v1h ^ v2h ^ v3h;
        v1l = (v1l ^ 0xdd) | 0;
        phase = 3;
      } else {
        out[2] = v0l ^ v1l ^ v2l ^ v3l;
        out[3] = v0h ^ v1h ^ v2h ^ v3h;
        return;
      }
    }
  }
}

function le32(b: Uint8Array, at: number): number {
  return b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24) | 0;
}

import { describe, expect, it } from 'vitest';
import { ReadBufferPool } from '../../../broker/replica/read-buffer-pool.js';

describe('ReadBufferPool', () => {
  it('lends buffers per lease and reuses them only after release', () => {
    const pool = new ReadBufferPool();
    const first = pool.lease();
    const a = first.take(64 * 1024)!;
    const b = first.take(1024 * 1024)!;
    expect(a).not.toBe(b);
    expect(a.length).toBeGreaterThanOrEqual(1024 * 1024 + 64 * 1024);
    // still lent: a second lease gets fresh buffers
    const second = pool.lease();
    const c = second.take(1)!;
    expect([a, b]).not.toContain(c);
    first.release();
    first.release();
    expect([a, b]).toContain(pool.lease().take(1));
  });

  it('has no buffer for reads larger than a buffer minus the look-ahead', () => {
    expect(new ReadBufferPool().lease().take(1024 * 1024 + 1)).toBeUndefined();
  });
});

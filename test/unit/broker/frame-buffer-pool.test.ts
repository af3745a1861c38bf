import { describe, expect, it } from 'vitest';
import { FrameBufferPool } from '../../../broker/network/frame-buffer-pool.js';

describe('FrameBufferPool', () => {
  it('lends a buffer of exactly the size asked and reuses it only after release', () => {
    const pool = new FrameBufferPool();
    const a = pool.allocate(200_000);
    expect(a.length).toBe(200_000);
    const b = pool.allocate(300_000);
    expect(b.buffer).not.toBe(a.buffer);
    pool.release(a);
    expect(pool.freeCount).toBe(1);
    const c = pool.allocate(100_000);
    expect(c.buffer).toBe(a.buffer);
    expect(pool.freeCount).toBe(0);
  });

  it('ignores a second release and frames it did not lend', () => {
    const pool = new FrameBufferPool();
    const a = pool.allocate(100_000);
    pool.release(a);
    pool.release(a);
    pool.release(Buffer.alloc(100_000));
    expect(pool.freeCount).toBe(1);
    // were the double release counted, two frames would now share one buffer
    expect(pool.allocate(100_000).buffer).not.toBe(pool.allocate(100_000).buffer);
  });

  it('does not pool small or oversized frames', () => {
    const pool = new FrameBufferPool();
    for (const size of [10, 1000, 4 << 20]) {
      const frame = pool.allocate(size);
      expect(frame.length).toBe(size);
      pool.release(frame);
    }
    expect(pool.freeCount).toBe(0);
  });

  it('pools frames up to its buffer size and keeps at most maxFree idle buffers', () => {
    const pool = new FrameBufferPool({ bufferBytes: 4 << 20, maxFree: 1 });
    const [a, b] = [pool.allocate(3 << 20), pool.allocate(3 << 20)];
    expect(a.buffer.byteLength).toBe(4 << 20);
    pool.release(pool.allocate((4 << 20) + 1));
    expect(pool.freeCount).toBe(0);
    pool.release(a);
    pool.release(b);
    expect(pool.freeCount).toBe(1);
  });
});

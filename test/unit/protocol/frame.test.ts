import { describe, expect, it } from 'vitest';
import { FrameDecoder } from '../../../protocol/frame.js';
import { FrameSizeError } from '../../../protocol/protocol-error.js';

function frame(payload: Buffer): Buffer {
  const out = Buffer.alloc(4 + payload.length);
  out.writeInt32BE(payload.length, 0);
  payload.copy(out, 4);
  return out;
}

describe('FrameDecoder', () => {
  it('cuts frames however the stream is chunked', () => {
    const payloads = Array.from({ length: 50 }, (_, i) => Buffer.alloc(i * 37, i));
    const stream = Buffer.concat(payloads.map(frame));
    for (const chunkSize of [1, 2, 3, 5, 7, 64, 1000, stream.length]) {
      const decoder = new FrameDecoder(1 << 20);
      const got: Buffer[] = [];
      for (let at = 0; at < stream.length; at += chunkSize)
        got.push(...decoder.push(stream.subarray(at, at + chunkSize)));
      expect(got.length).toBe(payloads.length);
      got.forEach((g, i) => expect(g.equals(payloads[i]!)).toBe(true));
      expect(decoder.bufferedBytes).toBe(0);
    }
  });

  it('returns views, not copies, for frames inside one chunk', () => {
    const chunk = Buffer.concat([frame(Buffer.from('abc')), frame(Buffer.from('de'))]);
    const [a, b] = new FrameDecoder(100).push(chunk);
    expect(a!.buffer).toBe(chunk.buffer);
    expect(b!.toString()).toBe('de');
  });

  it('assembles a frame spread over chunks in one buffer from the allocator, and returns that buffer', () => {
    const given: Buffer[] = [];
    const decoder = new FrameDecoder(1 << 20, (size) => {
      const buffer = Buffer.alloc(size);
      given.push(buffer);
      return buffer;
    });
    const payload = Buffer.from(Array.from({ length: 3000 }, (_, i) => i % 251));
    const stream = Buffer.concat([frame(payload), frame(Buffer.from('x'))]);
    const got: Buffer[] = [];
    for (let at = 0; at < stream.length; at += 1024) {
      got.push(...decoder.push(stream.subarray(at, at + 1024)));
      if (got.length === 0) expect(decoder.bufferedBytes).toBe(Math.min(at + 1024, 3004));
    }
    expect(given.map((b) => b.length)).toEqual([3000]);
    expect(got[0]).toBe(given[0]);
    expect(got[0]!.equals(payload)).toBe(true);
    expect(got[1]!.toString()).toBe('x');
    expect(decoder.bufferedBytes).toBe(0);
  });

  it('rejects a size above the maximum before the frame arrives', () => {
    const decoder = new FrameDecoder(1000);
    const head = Buffer.alloc(4);
    head.writeInt32BE(1001, 0);
    expect(() => decoder.push(head)).toThrow(FrameSizeError);
    expect(decoder.bufferedBytes).toBe(0);
  });

  it('rejects a negative size, also when the prefix is split across chunks', () => {
    const decoder = new FrameDecoder(1000);
    decoder.push(Buffer.from([0xff, 0xff]));
    expect(() => decoder.push(Buffer.from([0xff, 0xfe]))).toThrow(/negative frame size -2/);
    expect(() => decoder.push(Buffer.alloc(4))).toThrow(FrameSizeError);
  });

  it('accepts an empty frame and a frame of exactly the maximum', () => {
    const decoder = new FrameDecoder(10);
    const frames = decoder.push(Buffer.concat([frame(Buffer.alloc(0)), frame(Buffer.alloc(10, 1))]));
    expect(frames.map((f) => f.length)).toEqual([0, 10]);
  });
});

/** One compression codec: whole-buffer in, whole-buffer out. Failures reject; compression.ts classifies them. */
export interface Codec {
  readonly name: string;
  compress(data: Buffer): Promise<Buffer>;
  decompress(data: Buffer): Promise<Buffer>;
}

/**
 * `buf[0, length)` as a view, or as a copy when most of `buf` would be slack: decoded records are views into the
 * decompressed buffer, and a retained record should not pin a mostly empty block.
 */
export function usedPart(buf: Buffer, length: number): Buffer {
  return length * 2 < buf.length ? Buffer.from(buf.subarray(0, length)) : buf.subarray(0, length);
}

/** Runs a synchronous codec call so that a throw becomes a rejection, as callers of an async codec expect. */
export function settle<T>(fn: () => T): Promise<T> {
  return new Promise((resolve) => resolve(fn()));
}

import { describe, expect, it } from 'vitest';
import { decodeRequest, decodeResponse, encodeRequest, encodeResponse, toBuffer } from '../../../protocol/codec.js';
import { FrameDecoder } from '../../../protocol/frame.js';
import { ALL_APIS } from '../../../protocol/messages/index.js';
import { ProtocolError } from '../../../protocol/protocol-error.js';
import type { ApiSchema } from '../../../protocol/schema/dsl.js';
import { sampleMessage } from '../../helpers/sample-values.js';

/**
 * Feeds random and mutated frames to the request and response decoders. Every failure must be a typed
 * ProtocolError (never a RangeError, TypeError or hang), and hostile lengths must be refused before allocation.
 */
let seed = 0x5eed;
function rand(n: number): number {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed % n;
}

interface Sample {
  schema: ApiSchema;
  version: number;
  request: Buffer;
  response: Buffer;
}

function corpus(): Sample[] {
  const out: Sample[] = [];
  for (const schema of ALL_APIS) {
    for (let version = schema.minVersion; version <= schema.maxVersion; version++) {
      const req = sampleMessage(schema, version, 'request', version + 1);
      const res = sampleMessage(schema, version, 'response', version + 2);
      const header = { apiVersion: version, correlationId: 9, clientId: 'fuzz' };
      out.push({
        schema,
        version,
        request: toBuffer(encodeRequest(schema, header, req as never)).subarray(4),
        response: toBuffer(encodeResponse(schema, version, 9, res as never)).subarray(4),
      });
    }
  }
  return out;
}

function mutate(frame: Buffer): Buffer {
  const out = Buffer.from(frame);
  switch (rand(6)) {
    case 0: // flip a few bytes, sparing the api key and version so we reach the body decoders
      for (let i = 0, n = 1 + rand(4); i < n && out.length > 4; i++) out[4 + rand(out.length - 4)] = rand(256);
      return out;
    case 1: // truncate
      return out.subarray(0, rand(out.length + 1));
    case 2: // a hostile length: int32 max, -2, or a huge varint, at a random position
      if (out.length >= 8) {
        const at = 4 + rand(out.length - 7);
        const hostile = [0x7fffffff, -2, 0x7ffffffe, 0x10000][rand(4)]!;
        out.writeInt32BE(hostile, at);
      }
      return out;
    case 3: // inject varint continuation bytes
      if (out.length > 6) out.fill(0xff, 4 + rand(out.length - 5), Math.min(out.length, 4 + rand(out.length) + 6));
      return out;
    case 4: // append garbage
      return Buffer.concat([out, Buffer.from(Array.from({ length: 1 + rand(16) }, () => rand(256)))]);
    default: // random body behind a valid prefix
      return Buffer.concat([
        out.subarray(0, Math.min(8, out.length)),
        Buffer.from(Array.from({ length: rand(64) }, () => rand(256))),
      ]);
  }
}

function expectTyped(fn: () => unknown): 'ok' | 'error' {
  try {
    fn();
    return 'ok';
  } catch (err) {
    if (!(err instanceof ProtocolError)) throw new Error(`untyped failure: ${String(err)}`, { cause: err });
    return 'error';
  }
}

describe('decoder fuzzing', () => {
  const samples = corpus();

  it('100,000 random and mutated frames fail only with typed protocol errors', () => {
    let errors = 0;
    const total = 100_000;
    for (let i = 0; i < total; i++) {
      const s = samples[rand(samples.length)]!;
      if (i % 10 === 0) {
        const random = Buffer.from(Array.from({ length: rand(48) }, () => rand(256)));
        if (expectTyped(() => decodeRequest(random)) === 'error') errors++;
        continue;
      }
      const useRequest = i % 2 === 0;
      const frame = mutate(useRequest ? s.request : s.response);
      const outcome = useRequest
        ? expectTyped(() => decodeRequest(frame))
        : expectTyped(() => decodeResponse(s.schema, s.version, frame));
      if (outcome === 'error') errors++;
    }
    // many mutations still decode to some valid value (and trailing bytes are tolerated); the rest are caught
    expect(errors).toBeGreaterThan(total / 5);
  });

  it('refuses element counts that cannot fit in the frame, without allocating them', () => {
    // Metadata v1 request: topics array claiming 2^31-1 elements in a 4-byte body
    const frame = Buffer.from('0003000100000001ffff7fffffff', 'hex');
    const before = process.memoryUsage().heapUsed;
    expect(() => decodeRequest(frame)).toThrow(/cannot fit/);
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(16 << 20);
  });

  it('the frame decoder fails typed on random streams', () => {
    for (let i = 0; i < 2000; i++) {
      const decoder = new FrameDecoder(1 << 16);
      const stream = Buffer.from(Array.from({ length: rand(64) }, () => rand(256)));
      expectTyped(() => decoder.push(stream));
    }
  });
});

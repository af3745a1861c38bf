import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../../protocol/protocol-error.js';
import {
  BatchHeader,
  batchViews,
  buildCompressedRecordBatch,
  CompressionType,
  decodeBatch,
  decodeMessageSet,
  RecordBatchView,
} from '../../../protocol/records/index.js';

/**
 * Mutated record batches, with the CRC recomputed so the mutation reaches the record and decompression decoders:
 * every failure must be a typed ProtocolError (CorruptRecordError, UnsupportedCompressionError), never a crash.
 */
let seed = 0xbeef;
function rand(n: number): number {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed % n;
}

async function expectTyped(fn: () => Promise<unknown>): Promise<'ok' | 'error'> {
  try {
    await fn();
    return 'ok';
  } catch (err) {
    if (!(err instanceof ProtocolError)) throw new Error(`untyped failure: ${String(err)}`, { cause: err });
    return 'error';
  }
}

describe('record decoder fuzzing', () => {
  it('20,000 mutated batches of every codec fail only with typed errors', async () => {
    const originals: Buffer[] = [];
    for (const compression of Object.values(CompressionType)) {
      originals.push(
        await buildCompressedRecordBatch(
          Array.from({ length: 20 }, (_, i) => ({
            key: i % 3 === 0 ? null : `key-${i}`,
            value: `value ${i} `.repeat(1 + (i % 5)),
            headers: i % 2 === 0 ? [{ key: 'h', value: Buffer.from([i]) }] : [],
          })),
          { compression },
        ),
      );
    }
    let errors = 0;
    for (let i = 0; i < 20_000; i++) {
      const batch = Buffer.from(originals[rand(originals.length)]!);
      const mutations = 1 + rand(3);
      for (let m = 0; m < mutations; m++) {
        const at =
          rand(4) === 0
            ? BatchHeader.ATTRIBUTES + rand(BatchHeader.RECORDS - BatchHeader.ATTRIBUTES)
            : BatchHeader.RECORDS + rand(batch.length - BatchHeader.RECORDS);
        batch[at] = rand(256);
      }
      const view = new RecordBatchView(batch, 0);
      batch.writeUInt32BE(view.computeCrc(), BatchHeader.CRC);
      if ((await expectTyped(() => decodeBatch(view))) === 'error') errors++;
    }
    // most single-byte changes land in keys and values and still decode; the rest must have been caught typed
    expect(errors).toBeGreaterThan(100);
  });

  it('random byte streams fail typed in the batch iterator and the legacy decoder', async () => {
    for (let i = 0; i < 5000; i++) {
      const buf = Buffer.from(Array.from({ length: rand(120) }, () => rand(256)));
      await expectTyped(async () => {
        for (const view of batchViews(buf)) await decodeBatch(view);
      });
      await expectTyped(() => decodeMessageSet(buf));
    }
  });
});

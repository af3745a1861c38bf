import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  batchViews,
  buildCompressedRecordBatch,
  CompressionType,
  decodeBatch,
  type Record,
} from '../../../protocol/index.js';
import { FakeBroker } from '../../helpers/fake-broker.js';
import { kcat } from '../../helpers/kcat.js';

/**
 * Compression against librdkafka (kcat), both directions, for every codec: what kcat compresses our codecs
 * decompress, and what our codecs compress kcat reads. The broker side is FakeBroker, built only from our
 * protocol layer.
 */
const CODECS = [
  ['gzip', CompressionType.Gzip],
  ['snappy', CompressionType.Snappy],
  ['lz4', CompressionType.Lz4],
  ['zstd', CompressionType.Zstd],
] as const;

const lines = (tag: string): string[] =>
  Array.from({ length: 200 }, (_, i) => `${tag} record number ${i} with a compressible payload payload payload`);

describe('compression round-trips with kcat (librdkafka)', () => {
  let broker: FakeBroker;
  beforeAll(async () => {
    broker = await FakeBroker.start();
  });
  afterAll(() => broker.close());

  for (const [name, id] of CODECS) {
    it(`decodes what kcat writes with -z ${name}`, async () => {
      const topic = `from-kcat-${name}`;
      const values = lines(name);
      await kcat(
        ['-b', broker.bootstrap, '-P', '-t', topic, '-p', '0', '-z', name, '-X', 'linger.ms=50'],
        values.join('\n') + '\n',
      );
      const records: Record[] = [];
      const codecs = new Set<number>();
      for (const stored of broker.batches(topic)) {
        for (const view of batchViews(stored)) {
          codecs.add(view.compression);
          records.push(...(await decodeBatch(view)));
        }
      }
      expect([...codecs]).toEqual([id]);
      expect(records.map((r) => r.value?.toString())).toEqual(values);
      expect(records.map((r) => r.offset)).toEqual(values.map((_, i) => i));
    });

    it(`kcat reads what we write with ${name}`, async () => {
      const topic = `to-kcat-${name}`;
      const values = lines(`ours-${name}`);
      const half = values.length / 2;
      for (const part of [values.slice(0, half), values.slice(half)]) {
        const batch = await buildCompressedRecordBatch(
          part.map((v, i) => ({ key: `k${i}`, value: v, headers: [{ key: 'h', value: Buffer.from('1') }] })),
          { compression: id },
        );
        broker.append(topic, batch);
      }
      const out = await kcat([
        '-b',
        broker.bootstrap,
        '-C',
        '-t',
        topic,
        '-p',
        '0',
        '-o',
        'beginning',
        '-e',
        '-q',
        '-f',
        '%k=%s\n',
      ]);
      expect(out.trimEnd().split('\n')).toEqual(values.map((v, i) => `k${i % half}=${v}`));
    });
  }
});

import { describe, expect, it } from 'vitest';
import { ALL_APIS } from '../../../protocol/messages/index.js';
import { messageCodec } from '../../../protocol/schema/compile.js';
import { containsDeep, sampleMessage } from '../../helpers/sample-values.js';

/**
 * Every declared (api, version), both directions: a sample with every field of that version set to a non-default
 * value survives encode → decode, and re-encoding the decoded value gives the same bytes.
 */
describe('every api and version round-trips', () => {
  for (const schema of ALL_APIS) {
    for (let version = schema.minVersion; version <= schema.maxVersion; version++) {
      for (const direction of ['request', 'response'] as const) {
        it(`${schema.name} v${version} ${direction}`, () => {
          const codec = messageCodec(schema, version, direction);
          const sample = sampleMessage(schema, version, direction, schema.key * 100 + version);
          const bytes = Buffer.concat(codec.encode(sample));
          const decoded = codec.decode(bytes);
          expect(containsDeep(decoded, sample)).toEqual([]);
          expect(Buffer.concat(codec.encode(decoded as never)).equals(bytes)).toBe(true);
        });
      }
    }
  }

  it('declarations are consistent', () => {
    const keys = new Set<number>();
    for (const schema of ALL_APIS) {
      expect(keys.has(schema.key), `duplicate key ${schema.key}`).toBe(false);
      keys.add(schema.key);
      expect(schema.minVersion).toBeLessThanOrEqual(schema.maxVersion);
    }
  });
});

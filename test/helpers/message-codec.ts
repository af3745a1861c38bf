import { messageCodec } from '../../protocol/schema/compile.js';
import type { ApiSchema, RequestInput, RequestOf, ResponseInput, ResponseOf } from '../../protocol/schema/dsl.js';

/**
 * Whole-body encode/decode for one API at any version, so that each message test does not redeclare the same four
 * closures over `messageCodec`. Encoding joins the codec's chunks into one Buffer; inputs stay type-checked against
 * the schema. Plain function properties (not methods), so tests can destructure them.
 */
export interface Codecs<A extends ApiSchema> {
  encodeRequest: (version: number, value: RequestInput<A>) => Buffer;
  encodeResponse: (version: number, value: ResponseInput<A>) => Buffer;
  decodeRequest: (version: number, body: Buffer) => RequestOf<A>;
  decodeResponse: (version: number, body: Buffer) => ResponseOf<A>;
}

export function codecs<A extends ApiSchema>(schema: A): Codecs<A> {
  return {
    encodeRequest: (version, value) => Buffer.concat(messageCodec(schema, version, 'request').encode(value)),
    encodeResponse: (version, value) => Buffer.concat(messageCodec(schema, version, 'response').encode(value)),
    decodeRequest: (version, body) => messageCodec(schema, version, 'request').decode(body),
    decodeResponse: (version, body) => messageCodec(schema, version, 'response').decode(body),
  };
}

/**
 * A flexible body with its top-level tag section replaced by `tagSectionHex` (count, then tag/size/bytes per field),
 * for the "unknown tagged field is skipped" tests. The body must end in an empty tag section (one 0x00 byte), which
 * is what we encode when no top-level tagged field is set.
 */
export function withTopLevelTags(body: Buffer, tagSectionHex: string): Buffer {
  if (body[body.length - 1] !== 0) throw new Error('the body does not end in an empty top-level tag section');
  return Buffer.concat([body.subarray(0, body.length - 1), Buffer.from(tagSectionHex, 'hex')]);
}

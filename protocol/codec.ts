import {
  peekRequestApi,
  readRequestHeader,
  readResponseHeader,
  requestHeaderSize,
  requestHeaderVersion,
  responseHeaderSize,
  responseHeaderVersion,
  writeRequestHeader,
  writeResponseHeader,
  type RequestHeader,
} from './header.js';
import { apiSchema } from './messages/index.js';
import { Reader } from './primitives/reader.js';
import { SizeCounter, Writer } from './primitives/writer.js';
import { UnsupportedVersionError } from './protocol-error.js';
import { messageCodec } from './schema/compile.js';
import type { ApiSchema, Decoded, Encodable } from './schema/dsl.js';

/**
 * Whole-message encoding: size prefix + header + body, for both directions. Encoders return chunks in wire
 * order (record data borrowed, not copied) ready for a corked socket write; decoders take one frame without its
 * size prefix (as FrameDecoder yields it) and return views into it.
 */
export interface DecodedRequest {
  header: RequestHeader;
  schema: ApiSchema;
  body: unknown;
  /** Bytes after the body. Tolerated, as Kafka does (some clients write stray fields); callers may log them. */
  trailingBytes: number;
}

/**
 * Decode a request frame. An unknown API key or unsupported version throws UnsupportedVersionError carrying the
 * key and version; bad bytes throw ProtocolDecodeError.
 */
export function decodeRequest(frame: Buffer): DecodedRequest {
  const { apiKey, apiVersion } = peekRequestApi(frame);
  const schema = apiSchema(apiKey);
  if (schema === undefined || apiVersion < schema.minVersion || apiVersion > schema.maxVersion) {
    throw new UnsupportedVersionError(apiKey, apiVersion);
  }
  const r = new Reader(frame);
  const header = readRequestHeader(r, requestHeaderVersion(schema, apiVersion));
  const codec = messageCodec(schema, apiVersion, 'request');
  const body = codec.read(r);
  return { header, schema, body, trailingBytes: r.remaining };
}

/** Encode a request with its header and 4-byte size prefix. */
export function encodeRequest<A extends ApiSchema>(
  schema: A,
  header: Omit<RequestHeader, 'apiKey'>,
  body: Encodable<A['request']>,
): Buffer[] {
  const full: RequestHeader = { ...header, apiKey: schema.key };
  const headerVersion = requestHeaderVersion(schema, header.apiVersion);
  const codec = messageCodec(schema, header.apiVersion, 'request');
  const counter = new SizeCounter();
  counter.inline += 4;
  requestHeaderSize(full, headerVersion, counter);
  codec.size(body, counter);
  const w = new Writer(counter.inline);
  w.int32(counter.total - 4);
  writeRequestHeader(w, full, headerVersion);
  codec.write(w, body);
  return w.finish();
}

/** Encode a response with its header and 4-byte size prefix. */
export function encodeResponse<A extends ApiSchema>(
  schema: A,
  version: number,
  correlationId: number,
  body: Encodable<A['response']>,
): Buffer[] {
  const headerVersion = responseHeaderVersion(schema, version);
  const codec = messageCodec(schema, version, 'response');
  const counter = new SizeCounter();
  counter.inline += 4 + responseHeaderSize(headerVersion);
  codec.size(body, counter);
  const w = new Writer(counter.inline);
  w.int32(counter.total - 4);
  writeResponseHeader(w, correlationId, headerVersion);
  codec.write(w, body);
  return w.finish();
}

/**
 * Decode a response frame (without its size prefix) for a request of the given API and version. Bytes after the
 * body are ignored, as Kafka's clients ignore them.
 */
export function decodeResponse<A extends ApiSchema>(
  schema: A,
  version: number,
  frame: Buffer,
): { correlationId: number; body: Decoded<A['response']> } {
  const r = new Reader(frame);
  const { correlationId } = readResponseHeader(r, responseHeaderVersion(schema, version));
  const body = messageCodec(schema, version, 'response').read(r);
  return { correlationId, body };
}

/** Concatenate encoded chunks (tests, small messages); hot paths write the chunks directly. */
export function toBuffer(chunks: Buffer[]): Buffer {
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

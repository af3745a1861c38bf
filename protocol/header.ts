import { ProtocolDecodeError } from './protocol-error.js';
import type { Reader } from './primitives/reader.js';
import type { SizeCounter, Writer } from './primitives/writer.js';
import { utf8Length } from './primitives/writer.js';
import { isFlexible, readTaggedFields } from './schema/compile.js';
import type { ApiSchema } from './schema/dsl.js';

/**
 * Request and response headers, and the one place that decides which header version an (api, version) uses.
 *
 * Request header v0: apiKey int16, apiVersion int16, correlationId int32; v1 adds clientId (nullable string, the
 * classic int16 form even in v2); v2 adds a tagged-field section. Response header v0: correlationId; v1 adds a
 * tagged-field section. Flexible versions use request v2 / response v1, except that the ApiVersions response
 * header is always v0 (KIP-511: a client must be able to read it before it knows our versions) and
 * ControlledShutdown v0 uses request header v0.
 */
export interface RequestHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
}

const API_VERSIONS_KEY = 18;
const CONTROLLED_SHUTDOWN_KEY = 7;

export function requestHeaderVersion(schema: ApiSchema, version: number): 0 | 1 | 2 {
  if (schema.key === CONTROLLED_SHUTDOWN_KEY && version === 0) return 0;
  return isFlexible(schema, version) ? 2 : 1;
}

export function responseHeaderVersion(schema: ApiSchema, version: number): 0 | 1 {
  if (schema.key === API_VERSIONS_KEY) return 0;
  return isFlexible(schema, version) ? 1 : 0;
}

export function requestHeaderSize(header: RequestHeader, headerVersion: number, counter: SizeCounter): void {
  counter.inline += 8;
  if (headerVersion >= 1) counter.inline += 2 + (header.clientId === null ? 0 : utf8Length(header.clientId));
  if (headerVersion >= 2) counter.inline += 1;
}

export function writeRequestHeader(w: Writer, header: RequestHeader, headerVersion: number): void {
  w.int16(header.apiKey);
  w.int16(header.apiVersion);
  w.int32(header.correlationId);
  if (headerVersion >= 1) {
    if (header.clientId === null) w.int16(-1);
    else {
      const n = utf8Length(header.clientId);
      w.int16(n);
      w.utf8(header.clientId, n);
    }
  }
  if (headerVersion >= 2) w.uvarint(0);
}

/** The fixed prefix every request starts with, readable before the API is known. */
export function peekRequestApi(frame: Buffer): { apiKey: number; apiVersion: number; correlationId: number } {
  if (frame.length < 8) throw new ProtocolDecodeError(`request of ${frame.length} bytes is shorter than a header`);
  return { apiKey: frame.readInt16BE(0), apiVersion: frame.readInt16BE(2), correlationId: frame.readInt32BE(4) };
}

export function readRequestHeader(r: Reader, headerVersion: number): RequestHeader {
  const apiKey = r.int16();
  const apiVersion = r.int16();
  const correlationId = r.int32();
  const clientId = headerVersion >= 1 ? r.nullableString() : null;
  if (headerVersion >= 2) readTaggedFields(r, () => false);
  return { apiKey, apiVersion, correlationId, clientId };
}

export function responseHeaderSize(headerVersion: number): number {
  return headerVersion >= 1 ? 5 : 4;
}

export function writeResponseHeader(w: Writer, correlationId: number, headerVersion: number): void {
  w.int32(correlationId);
  if (headerVersion >= 1) w.uvarint(0);
}

export function readResponseHeader(r: Reader, headerVersion: number): { correlationId: number } {
  const correlationId = r.int32();
  if (headerVersion >= 1) readTaggedFields(r, () => false);
  return { correlationId };
}

import { Reader } from '@platformatic/kafka';

/**
 * @platformatic/kafka's per-version API modules (e.g. `heartbeatV4`), used as an independent oracle for our codec
 * from the flexible versions on, where kafkajs stops. Their `createRequest(...).buffer` is a request body as is; the
 * helpers here cover what every test otherwise repeats: running a module's response parser, and its UUID text.
 */

/** The part of a platformatic API module (`export * as heartbeatV4`) that parses a response body. */
export interface PlatformaticApiModule<R> {
  api: { key: number; version: number };
  parseResponse(correlationId: number, apiKey: number, apiVersion: number, reader: Reader): R;
}

/** platformatic's parse of a response body (the bytes after the response header) at the module's own key/version. */
export function platformaticParse<R>(mod: PlatformaticApiModule<R>, body: Buffer): R {
  return mod.parseResponse(1, mod.api.key, mod.api.version, Reader.from(body));
}

/** 32 hex digits as platformatic prints a UUID: dashed 8-4-4-4-12. */
export function dashedUuid(hex: string): string {
  return hex.replace(/(.{8})(.{4})(.{4})(.{4})(.{12})/, '$1-$2-$3-$4-$5');
}

/** Our UUID text (22 chars of base64url) as platformatic's dashed hex. */
export function platformaticUuid(id: string): string {
  return dashedUuid(Buffer.from(id, 'base64url').toString('hex'));
}

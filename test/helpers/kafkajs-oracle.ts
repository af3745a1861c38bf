import { createRequire } from 'node:module';

/**
 * kafkajs' own protocol encoders and decoders, used as an independent oracle for our codec. kafkajs ships its
 * sources without an exports map, so `kafkajs/src/protocol/requests/<api>/v<N>/{request,response}` load directly.
 */
const require = createRequire(import.meta.url);

interface KafkajsEncoder {
  buffer: Buffer;
}
interface KafkajsRequest {
  apiKey: number;
  apiVersion: number;
  encode(): Promise<KafkajsEncoder> | KafkajsEncoder;
}
interface KafkajsResponse {
  decode(body: Buffer): Promise<unknown>;
  parse(data: unknown): Promise<unknown>;
}

/** The request body (no header) kafkajs writes for `api` (kafkajs' folder name, e.g. 'produce') at `version`. */
export async function kafkajsRequestBody(api: string, version: number, args: object): Promise<Buffer> {
  const make = require(`kafkajs/src/protocol/requests/${api}/v${version}/request`) as (a: object) => KafkajsRequest;
  const encoder = await make(args).encode();
  return encoder.buffer;
}

/**
 * kafkajs' decoding of a response body (the bytes after the correlation id / response header). A few response modules
 * (deleteRecords) are factories over the request, for their error messages; they are called with `requestArgs`.
 */
export async function kafkajsDecodeResponse(
  api: string,
  version: number,
  body: Buffer,
  requestArgs: object = {},
): Promise<unknown> {
  const mod = require(`kafkajs/src/protocol/requests/${api}/v${version}/response`) as
    KafkajsResponse | ((a: object) => KafkajsResponse);
  return (typeof mod === 'function' ? mod(requestArgs) : mod).decode(body);
}

/**
 * kafkajs (2.2.4) puts a flexible request header's empty tag section (one 0x00 byte) at the start of the body it
 * encodes, and expects the response header's one at the start of the body it decodes (its only flexible APIs are
 * AlterPartitionReassignments and ListPartitionReassignments v0). These two move that byte across the boundary.
 */
const HEADER_TAGS = Buffer.from([0]);

/** The request body kafkajs writes for a flexible version, without its leading header tag byte (checked to be 0). */
export async function kafkajsFlexibleRequestBody(api: string, version: number, args: object): Promise<Buffer> {
  const body = await kafkajsRequestBody(api, version, args);
  if (body[0] !== 0) throw new Error(`kafkajs ${api} v${version}: no leading header tag byte (got ${body[0]})`);
  return body.subarray(1);
}

/** kafkajs' decoding of a flexible response body, behind the response header tag byte it expects. */
export async function kafkajsDecodeFlexibleResponse(api: string, version: number, body: Buffer): Promise<unknown> {
  return kafkajsDecodeResponse(api, version, Buffer.concat([HEADER_TAGS, body]));
}

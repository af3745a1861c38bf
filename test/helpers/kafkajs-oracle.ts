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

/** kafkajs' decoding of a response body (the bytes after the correlation id / response header). */
export async function kafkajsDecodeResponse(api: string, version: number, body: Buffer): Promise<unknown> {
  const mod = require(`kafkajs/src/protocol/requests/${api}/v${version}/response`) as KafkajsResponse;
  return mod.decode(body);
}

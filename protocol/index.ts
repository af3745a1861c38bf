/**
 * protocol/: Kafka's wire protocol with no I/O. Primitives, the schema DSL and codec engine, every API's
 * declaration, headers, framing, error codes, and the record-batch format (also the on-disk format).
 */
export { ApiKey } from './api-keys.js';
export * from './codec.js';
export * from './consumer-protocol.js';
export * from './errors.js';
export { FrameDecoder } from './frame.js';
export * from './header.js';
export * from './messages/index.js';
export { Reader, ZERO_UUID } from './primitives/reader.js';
export { BORROW_MIN_BYTES, SizeCounter, Writer } from './primitives/writer.js';
export * from './protocol-error.js';
export * from './records/index.js';
export { isFlexible, messageCodec, type MessageCodec } from './schema/compile.js';
export type {
  ApiSchema,
  Decoded,
  Encodable,
  RequestInput,
  RequestOf,
  ResponseInput,
  ResponseOf,
} from './schema/dsl.js';

import { type ApiHandler, CloseConnection, NO_RESPONSE } from '../../broker/api/router.js';
import { createLogger } from '../../broker/logger.js';
import {
  type ApiSchema,
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  type RequestInput,
  type RequestOf,
  type ResponseOf,
  toBuffer,
} from '../../protocol/index.js';

const logger = createLogger({ level: 'silent' });

export interface CallOptions {
  clientId?: string;
  /** host:port of the client as the connection reports it. */
  remote?: string;
  listenerName?: string;
}

/**
 * One request through a handler and the wire codecs both ways, so each version's fields are what a client sends
 * and reads. The request frame is overwritten as soon as the handler has taken it, as the network layer reuses
 * pooled frames once a request completes: a handler that kept a view of it answers garbage.
 */
export async function callHandler<A extends ApiSchema>(
  schema: A,
  handler: ApiHandler<A>,
  apiVersion: number,
  input: RequestInput<A>,
  { clientId = 'test', remote = 'test', listenerName = 'PLAINTEXT' }: CallOptions = {},
): Promise<ResponseOf<A>> {
  const frame = toBuffer(encodeRequest(schema, { apiVersion, correlationId: 7, clientId }, input));
  const { header, body } = decodeRequest(frame.subarray(4));
  const connection = { connectionId: 'c1', listenerName, remote, logger, signal: new AbortController().signal };
  const response = handler({ header, body: body as RequestOf<A>, connection, logger });
  frame.fill(0xee);
  const answered = await response;
  if (answered === NO_RESPONSE || answered instanceof CloseConnection) throw new Error('expected a response body');
  const out = toBuffer(encodeResponse(schema, apiVersion, 7, answered));
  return decodeResponse(schema, apiVersion, out.subarray(4)).body;
}

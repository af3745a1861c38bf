import {
  ApiVersions,
  decodeRequest,
  encodeResponse,
  ErrorCode,
  peekRequestApi,
  type ApiSchema,
  type RequestHeader,
  type RequestOf,
  type ResponseInput,
} from '../../protocol/index.js';
import { Binding, type Logger } from '../logger.js';
import type { RequestContext, RequestHandler, RequestOutcome } from '../network/connection.js';

/** What a handler returns when the request gets no response at all (Produce with acks=0). */
export const NO_RESPONSE = Symbol('no response');

/**
 * What a handler returns to answer by closing the connection: the one signal a client gets when it asked for no
 * response (Produce with acks=0 that failed, as Kafka does).
 */
export class CloseConnection {
  constructor(readonly reason: string) {}
}

export interface ApiRequest<A extends ApiSchema> {
  readonly header: RequestHeader;
  readonly body: RequestOf<A>;
  readonly connection: RequestContext;
  /** The connection's logger bound to api, v, corr and clientId; made on first use (most requests log nothing). */
  readonly logger: Logger;
  /**
   * Runs `release` once the response no longer needs the buffers it borrows: the socket has taken it, or there
   * is none. Not run if the connection closes first (the buffers are then the GC's). Absent where no connection
   * writes the response (handlers called directly).
   */
  readonly onResponseWritten?: (release: () => void) => void;
}

class Request<A extends ApiSchema> implements ApiRequest<A> {
  #logger: Logger | undefined;
  /** Set by onResponseWritten; most requests have nothing to release. */
  written: (() => void) | undefined;

  constructor(
    readonly schema: A,
    readonly header: RequestHeader,
    readonly body: RequestOf<A>,
    readonly connection: RequestContext,
  ) {}

  get logger(): Logger {
    this.#logger ??= this.connection.logger.child({
      [Binding.api]: this.schema.name,
      [Binding.v]: this.header.apiVersion,
      [Binding.corr]: this.header.correlationId,
      [Binding.clientId]: this.header.clientId,
    });
    return this.#logger;
  }

  // a property, not a method: handlers destructure their request
  readonly onResponseWritten = (release: () => void): void => {
    const earlier = this.written;
    this.written =
      earlier === undefined
        ? release
        : () => {
            earlier();
            release();
          };
  };
}

/**
 * A handler's synchronous part runs in request order on its connection (the dispatch phase: do there whatever
 * must follow the order of requests); the promise it returns may settle later, a long poll for instance. It
 * answers every error a client can cause with error codes in the response; a rejection is a broker fault and
 * closes the connection.
 */
export type ApiHandler<A extends ApiSchema> = (
  request: ApiRequest<A>,
) => Promise<ResponseInput<A> | typeof NO_RESPONSE | CloseConnection>;

/** One advertised API: Kafka's ApiVersions entry. */
export interface ApiVersionRange {
  apiKey: number;
  minVersion: number;
  maxVersion: number;
}

interface Registration {
  schema: ApiSchema;
  minVersion: number;
  maxVersion: number;
  advertised: boolean;
  handler: ApiHandler<ApiSchema>;
}

/** The versions a handler serves; `advertised: false` keeps an inter-broker API out of ApiVersions (see below). */
export interface VersionRange {
  readonly min: number;
  readonly max: number;
  readonly advertised?: boolean;
}

const UNSUPPORTED_API_VERSIONS_VERSION = 0;

/**
 * Routes request frames to the handler registered for their API and version, and encodes what handlers return.
 * The registrations are the broker's API surface: ApiVersions advertises them, except the inter-broker APIs
 * (LeaderAndIsr, UpdateMetadata, …) which only our own brokers send, at versions they know: protocol-surface.md
 * leaves them out so that no client ever picks them up.
 *
 * Requests the router answers itself, as Kafka does: an ApiVersions version it does not know gets
 * UNSUPPORTED_VERSION with the v0 body listing what is supported (KIP-511, so the client can retry with a version
 * both know). Any other unknown API or unsupported version, and a frame that does not decode, closes that
 * connection with a logged reason (Kafka's SocketServer does the same: the client cannot parse any answer).
 */
export class Router {
  readonly #routes = new Map<number, Registration>();

  /** Serves `schema` versions min..max with `handler`. One registration per API. */
  register<A extends ApiSchema>(schema: A, range: VersionRange, handler: ApiHandler<A>): this {
    if (this.#routes.has(schema.key)) throw new Error(`${schema.name} is registered twice`);
    if (range.min < schema.minVersion || range.max > schema.maxVersion || range.min > range.max) {
      throw new RangeError(
        `${schema.name} ${range.min}-${range.max} is outside the declared ${schema.minVersion}-${schema.maxVersion}`,
      );
    }
    this.#routes.set(schema.key, {
      schema,
      minVersion: range.min,
      maxVersion: range.max,
      advertised: range.advertised ?? true,
      handler: handler as unknown as ApiHandler<ApiSchema>,
    });
    return this;
  }

  /** The ApiVersions table: every advertised registration, by API key. */
  advertised(): ApiVersionRange[] {
    return [...this.#routes.values()]
      .filter((r) => r.advertised)
      .map((r) => ({ apiKey: r.schema.key, minVersion: r.minVersion, maxVersion: r.maxVersion }))
      .sort((a, b) => a.apiKey - b.apiKey);
  }

  /** The Connection's RequestHandler. */
  readonly handle: RequestHandler = (frame, connection) => ({ completed: this.#route(frame, connection) });

  #route(frame: Buffer, connection: RequestContext): Promise<RequestOutcome> {
    let peeked: ReturnType<typeof peekRequestApi>;
    try {
      peeked = peekRequestApi(frame);
    } catch (err) {
      return this.#close(connection, 'request shorter than a header', err);
    }
    const { apiKey, apiVersion, correlationId } = peeked;
    const route = this.#routes.get(apiKey);
    if (route === undefined || apiVersion < route.minVersion || apiVersion > route.maxVersion) {
      if (apiKey === ApiVersions.key) return Promise.resolve(this.#unsupportedApiVersions(correlationId));
      const what =
        route === undefined ? `unsupported API key ${apiKey}` : `unsupported ${route.schema.name} v${apiVersion}`;
      return this.#close(connection, what);
    }
    let header: RequestHeader;
    let body: unknown;
    try {
      ({ header, body } = decodeRequest(frame));
    } catch (err) {
      return this.#close(connection, `malformed ${route.schema.name} v${apiVersion} request`, err);
    }
    const request = new Request(route.schema, header, body as RequestOf<ApiSchema>, connection);
    if (connection.logger.isLevelEnabled('trace')) request.logger.trace('request');
    return route.handler(request).then((response): RequestOutcome => {
      const { written } = request;
      if (response === NO_RESPONSE || response instanceof CloseConnection) {
        written?.();
        // answered by closing, after the responses before it (not encoded as a body: it is not one)
        return response === NO_RESPONSE ? { kind: 'none' } : { kind: 'close', reason: response.reason };
      }
      const chunks = encodeResponse(route.schema, apiVersion, correlationId, response);
      return written === undefined ? { kind: 'respond', chunks } : { kind: 'respond', chunks, written };
    });
  }

  /** An ApiVersions response body advertising every registration. */
  apiVersionsResponse(errorCode: number): ResponseInput<typeof ApiVersions> {
    return {
      errorCode,
      apiKeys: this.advertised(),
      throttleTimeMs: 0,
      supportedFeatures: [],
      finalizedFeaturesEpoch: -1,
      finalizedFeatures: [],
      zkMigrationReady: false,
    };
  }

  #unsupportedApiVersions(correlationId: number): RequestOutcome {
    const body = this.apiVersionsResponse(ErrorCode.UNSUPPORTED_VERSION);
    return {
      kind: 'respond',
      chunks: encodeResponse(ApiVersions, UNSUPPORTED_API_VERSIONS_VERSION, correlationId, body),
    };
  }

  #close(connection: RequestContext, reason: string, err?: unknown): Promise<RequestOutcome> {
    connection.logger.warn({ err, reason }, 'closing connection: request cannot be answered');
    return Promise.resolve({ kind: 'close', reason });
  }
}

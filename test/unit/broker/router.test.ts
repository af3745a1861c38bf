import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { API_VERSIONS_RANGE, apiVersionsHandler } from '../../../broker/api/handlers/api-versions.js';
import { NO_RESPONSE, Router } from '../../../broker/api/router.js';
import { createLogger } from '../../../broker/logger.js';
import { SocketServer } from '../../../broker/network/socket-server.js';
import {
  ApiVersions,
  decodeResponse,
  encodeRequest,
  ErrorCode,
  Heartbeat,
  Metadata,
  type ApiSchema,
  type RequestInput,
} from '../../../protocol/index.js';
import { WireClient } from '../../helpers/wire-client.js';

const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'silent' });

function request<A extends ApiSchema>(schema: A, apiVersion: number, correlationId: number, body: RequestInput<A>) {
  return encodeRequest(schema, { apiVersion, correlationId, clientId: 'router-test' }, body);
}

const API_VERSIONS_V3 = { clientSoftwareName: 'samsa-test', clientSoftwareVersion: '1.0' };

describe('Router over a socket server', () => {
  let server: SocketServer;
  let port: number;
  let router: Router;
  const heartbeats: number[] = [];
  const released: number[] = [];

  beforeEach(async () => {
    heartbeats.length = 0;
    released.length = 0;
    router = new Router();
    router.register(ApiVersions, API_VERSIONS_RANGE, apiVersionsHandler(router));
    // a stand-in API: acks=0-like requests get no response when the member id says so
    router.register(Heartbeat, { min: 0, max: 4 }, ({ header, body, onResponseWritten }) => {
      heartbeats.push(header.correlationId);
      onResponseWritten?.(() => released.push(header.correlationId));
      if (body.memberId === 'silent') return Promise.resolve(NO_RESPONSE);
      return Promise.resolve({ throttleTimeMs: 0, errorCode: ErrorCode.NONE });
    });
    server = new SocketServer();
    const [bound] = await server.start({
      listeners: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 0 }],
      handler: router.handle,
      maxFrameBytes: 1 << 20,
      idleMs: 60_000,
      logger,
    });
    port = bound!.port;
  });

  afterEach(async () => {
    await server.close();
  });

  it('advertises exactly its registrations, at every ApiVersions version', async () => {
    const client = await WireClient.connect(port);
    for (let v = API_VERSIONS_RANGE.min; v <= API_VERSIONS_RANGE.max; v++) {
      client.send(request(ApiVersions, v, 100 + v, API_VERSIONS_V3));
      const { correlationId, body } = decodeResponse(ApiVersions, v, (await client.nextFrame())!);
      expect(correlationId).toBe(100 + v);
      expect(body.errorCode).toBe(ErrorCode.NONE);
      expect(body.apiKeys).toEqual([
        { apiKey: Heartbeat.key, minVersion: 0, maxVersion: 4 },
        { apiKey: ApiVersions.key, minVersion: 0, maxVersion: 3 },
      ]);
    }
    client.close();
  });

  it('answers an ApiVersions version it does not serve with UNSUPPORTED_VERSION and the v0 body (KIP-511)', async () => {
    const client = await WireClient.connect(port);
    client.send(request(ApiVersions, 4, 7, API_VERSIONS_V3));
    const { correlationId, body } = decodeResponse(ApiVersions, 0, (await client.nextFrame())!);
    expect(correlationId).toBe(7);
    expect(body.errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION);
    expect(body.apiKeys.map((k) => k.apiKey)).toEqual([Heartbeat.key, ApiVersions.key]);
    // a version from the future that no schema knows gets the same answer, and the connection stays usable
    const future = request(ApiVersions, 3, 8, API_VERSIONS_V3);
    future[0]!.writeInt16BE(77, 6); // api_version sits after the size prefix and api_key
    client.send(future);
    expect(decodeResponse(ApiVersions, 0, (await client.nextFrame())!).body.errorCode).toBe(
      ErrorCode.UNSUPPORTED_VERSION,
    );
    client.send(request(ApiVersions, 3, 9, API_VERSIONS_V3));
    expect(decodeResponse(ApiVersions, 3, (await client.nextFrame())!).correlationId).toBe(9);
    client.close();
  });

  it('refuses a client software name Kafka would refuse with INVALID_REQUEST', async () => {
    const client = await WireClient.connect(port);
    client.send(request(ApiVersions, 3, 1, { clientSoftwareName: '-bad name', clientSoftwareVersion: '1' }));
    const { body } = decodeResponse(ApiVersions, 3, (await client.nextFrame())!);
    expect(body.errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect(body.apiKeys.length).toBe(2);
    client.close();
  });

  it.each([
    ['an API it does not serve', () => request(Metadata, 9, 1, { topics: null, allowAutoTopicCreation: true })],
    ['a version outside the registered range', () => request(ApiVersions, 3, 1, API_VERSIONS_V3).map(stampHeartbeatV5)],
    ['a body that does not decode', () => [truncatedHeartbeat()]],
  ])('closes only the connection that sent %s', async (_, frame) => {
    const bad = await WireClient.connect(port);
    const good = await WireClient.connect(port);
    bad.send(frame());
    expect(await bad.nextFrame()).toBeNull();
    await bad.closed;
    good.send(request(ApiVersions, 2, 5, API_VERSIONS_V3));
    expect(decodeResponse(ApiVersions, 2, (await good.nextFrame())!).correlationId).toBe(5);
    good.close();
  });

  it('writes nothing for a request whose handler answers NO_RESPONSE, and answers the next in order', async () => {
    // onResponseWritten releases at once without a response, and after the socket has taken one
    const client = await WireClient.connect(port);
    client.send(request(Heartbeat, 3, 1, { groupId: 'g', generationId: 1, memberId: 'silent', groupInstanceId: null }));
    client.send(request(Heartbeat, 3, 2, { groupId: 'g', generationId: 1, memberId: 'm', groupInstanceId: null }));
    const { correlationId } = decodeResponse(Heartbeat, 3, (await client.nextFrame())!);
    expect(correlationId).toBe(2);
    expect(heartbeats).toEqual([1, 2]);
    expect(released).toEqual([1, 2]);
    client.close();
  });

  it('refuses registrations outside the declared versions and duplicates', () => {
    const r = new Router();
    expect(() => r.register(ApiVersions, { min: 0, max: 9 }, apiVersionsHandler(r))).toThrow(RangeError);
    r.register(ApiVersions, API_VERSIONS_RANGE, apiVersionsHandler(r));
    expect(() => r.register(ApiVersions, API_VERSIONS_RANGE, apiVersionsHandler(r))).toThrow(/twice/);
  });
});

/** Relabels a framed request as Heartbeat v5 (a version Heartbeat does not have). */
function stampHeartbeatV5(chunk: Buffer, index: number): Buffer {
  if (index !== 0) return chunk;
  const copy = Buffer.from(chunk);
  copy.writeInt16BE(Heartbeat.key, 4);
  copy.writeInt16BE(5, 6);
  return copy;
}

/** A Heartbeat v3 frame cut off inside its body. */
function truncatedHeartbeat(): Buffer {
  const whole = Buffer.concat(
    request(Heartbeat, 3, 1, { groupId: 'group', generationId: 1, memberId: 'm', groupInstanceId: null }),
  );
  const cut = whole.subarray(0, whole.length - 6);
  cut.writeInt32BE(cut.length - 4, 0);
  return cut;
}

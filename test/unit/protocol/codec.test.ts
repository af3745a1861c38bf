import { describe, expect, it } from 'vitest';
import { decodeRequest, decodeResponse, encodeRequest, encodeResponse, toBuffer } from '../../../protocol/codec.js';
import { requestHeaderVersion, responseHeaderVersion } from '../../../protocol/header.js';
import { ApiVersions, ControlledShutdown, Fetch, Metadata, Produce } from '../../../protocol/messages/index.js';
import { UnsupportedVersionError } from '../../../protocol/protocol-error.js';

describe('headers', () => {
  it('chooses header versions by flexibility, with the ApiVersions and ControlledShutdown exceptions', () => {
    expect(requestHeaderVersion(Produce, 8)).toBe(1);
    expect(requestHeaderVersion(Produce, 9)).toBe(2);
    expect(responseHeaderVersion(Produce, 9)).toBe(1);
    expect(responseHeaderVersion(Metadata, 8)).toBe(0);
    expect(requestHeaderVersion(ApiVersions, 3)).toBe(2);
    expect(responseHeaderVersion(ApiVersions, 3)).toBe(0);
    expect(requestHeaderVersion(ControlledShutdown, 0)).toBe(0);
    expect(requestHeaderVersion(ControlledShutdown, 1)).toBe(1);
  });

  it('encodes request header v2 with a classic client id and a tag section (golden bytes)', () => {
    const bytes = toBuffer(
      encodeRequest(
        ApiVersions,
        { apiVersion: 3, correlationId: 1, clientId: 'k' },
        { clientSoftwareName: 'a', clientSoftwareVersion: '1' },
      ),
    );
    // size 0x11 | key 18 | v3 | corr 1 | clientId int16 len 1 'k' | tags 0 | compact 'a' | compact '1' | tags 0
    expect(bytes.toString('hex')).toBe(
      '00000011' + '0012' + '0003' + '00000001' + '00016b' + '00' + '0261' + '0231' + '00',
    );
  });

  it('decodes what it encodes, both directions', () => {
    const frame = toBuffer(
      encodeRequest(
        Metadata,
        { apiVersion: 12, correlationId: 42, clientId: null },
        {
          topics: null,
          allowAutoTopicCreation: true,
        },
      ),
    );
    const decoded = decodeRequest(frame.subarray(4));
    expect(decoded.schema).toBe(Metadata);
    expect(decoded.header).toEqual({ apiKey: 3, apiVersion: 12, correlationId: 42, clientId: null });
    expect((decoded.body as { topics: unknown }).topics).toBeNull();

    const res = toBuffer(encodeResponse(ApiVersions, 3, 7, { errorCode: 35, apiKeys: [] }));
    expect(res.readInt32BE(4)).toBe(7);
    expect(res[8]).toBe(0); // body starts right after the v0 header: error code high byte
    expect(decodeResponse(ApiVersions, 3, res.subarray(4)).body.errorCode).toBe(35);
  });

  it('tolerates bytes after a request body, as Kafka does, and reports how many', () => {
    const frame = toBuffer(encodeRequest(ApiVersions, { apiVersion: 0, correlationId: 1, clientId: 'c' }, {}));
    const decoded = decodeRequest(Buffer.concat([frame.subarray(4), Buffer.from([1, 2])]));
    expect(decoded.trailingBytes).toBe(2);
    expect(decoded.header.correlationId).toBe(1);
  });

  it('reports unknown keys and versions with the key and version', () => {
    const frame = Buffer.from('00c8000100000005ffff', 'hex');
    expect(() => decodeRequest(frame)).toThrow(UnsupportedVersionError);
    const tooNew = Buffer.from('0001006400000005ffff', 'hex');
    try {
      decodeRequest(tooNew);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(UnsupportedVersionError);
      expect((err as UnsupportedVersionError).apiKey).toBe(Fetch.key);
      expect((err as UnsupportedVersionError).apiVersion).toBe(100);
    }
  });

  it('passes large record data through without copying it', () => {
    const records = Buffer.alloc(100_000, 1);
    const chunks = encodeRequest(
      Produce,
      { apiVersion: 7, correlationId: 1, clientId: 'c' },
      {
        acks: 1,
        timeoutMs: 1000,
        topicData: [{ name: 't', partitionData: [{ index: 0, records }] }],
      },
    );
    expect(chunks).toContain(records);
    const body = decodeRequest(toBuffer(chunks).subarray(4)).body as {
      topicData: { partitionData: { records: Buffer }[] }[];
    };
    expect(body.topicData[0]!.partitionData[0]!.records.equals(records)).toBe(true);
  });
});

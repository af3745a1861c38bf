import { describe, expect, it } from 'vitest';
import {
  decodeBrokerInfo,
  decodeClusterId,
  decodeController,
  decodeControllerEpoch,
  decodeProducerIdBlock,
  encodeBrokerInfo,
  encodeClusterId,
  encodeController,
  encodeControllerEpoch,
  encodeProducerIdBlock,
  ZkDataError,
} from '../../../broker/zk/index.js';

/**
 * Fixtures: znode contents as Kafka 3.x writes them in ZooKeeper mode (read with zookeeper-shell `get`), in the
 * formats documented by kafka.zk.ZkData (BrokerIdZNode version 5, ControllerZNode version 2, ClusterIdZNode).
 */
const BROKER_V5 =
  '{"features":{},"listener_security_protocol_map":{"PLAINTEXT":"PLAINTEXT"},"endpoints":["PLAINTEXT://localhost:9091"],' +
  '"jmx_port":-1,"port":9091,"host":"localhost","version":5,"timestamp":"1707276552023"}';
const BROKER_V5_RACK_TWO_LISTENERS =
  '{"features":{},"listener_security_protocol_map":{"CLIENT":"PLAINTEXT","REPLICATION":"SSL"},' +
  '"endpoints":["CLIENT://host1:9092","REPLICATION://host1:9093"],"rack":"dc1","jmx_port":-1,"port":9092,' +
  '"host":"host1","version":5,"timestamp":"2233345666"}';
/** ZkData's documented version 4 example (no features, no protocol map needed for well-known names). */
const BROKER_V4_DOC =
  '{"version":4,"host":"localhost","port":9092,"jmx_port":9999,"timestamp":"2233345666",' +
  '"endpoints":["CLIENT://host1:9092","REPLICATION://host1:9093"],"listener_security_protocol_map":' +
  '{"CLIENT":"SASL_PLAINTEXT","REPLICATION":"PLAINTEXT"},"rack":"dc1"}';
const BROKER_V2_DOC =
  '{"version":2,"host":"localhost","port":9092,"jmx_port":9999,"timestamp":"2233345666",' +
  '"endpoints":["PLAINTEXT://host1:9092", "SSL://host1:9093"]}';
const BROKER_V1_DOC = '{"version":1,"host":"localhost","port":9092,"jmx_port":9999,"timestamp":"2233345666"}';
const CONTROLLER_V2 = '{"version":2,"brokerid":0,"timestamp":"1685460739018","kraftControllerEpoch":-1}';
const CLUSTER_ID = '{"version":"1","id":"Sfr7YvlkRHSHrmSrwq9mug"}';

const json = (text: string) => Buffer.from(text, 'utf8');

describe('broker registration (/brokers/ids/<id>)', () => {
  it('encodes version 5 byte for byte as Kafka 3.x does', () => {
    const bytes = encodeBrokerInfo({
      endpoints: [{ listenerName: 'PLAINTEXT', host: 'localhost', port: 9091, securityProtocol: 'PLAINTEXT' }],
      rack: null,
      timestampMs: 1707276552023,
    });
    expect(bytes.toString()).toBe(BROKER_V5);
  });

  it('puts the rack after the endpoints and the first PLAINTEXT endpoint at the top level', () => {
    const bytes = encodeBrokerInfo({
      endpoints: [
        { listenerName: 'CLIENT', host: 'host1', port: 9092, securityProtocol: 'PLAINTEXT' },
        { listenerName: 'REPLICATION', host: 'host1', port: 9093, securityProtocol: 'SSL' },
      ],
      rack: 'dc1',
      timestampMs: 2233345666,
    });
    expect(bytes.toString()).toBe(BROKER_V5_RACK_TWO_LISTENERS);
  });

  it('writes host null and port -1 without a PLAINTEXT endpoint, and brackets IPv6 hosts', () => {
    const text = encodeBrokerInfo({
      endpoints: [{ listenerName: 'SECURE', host: '::1', port: 9093, securityProtocol: 'SSL' }],
      rack: null,
      timestampMs: 1,
    }).toString();
    expect(JSON.parse(text)).toMatchObject({ endpoints: ['SECURE://[::1]:9093'], host: null, port: -1 });
    expect(decodeBrokerInfo(3, Buffer.from(text)).endpoints).toEqual([
      { listenerName: 'SECURE', host: '::1', port: 9093, securityProtocol: 'SSL' },
    ]);
  });

  it('decodes versions 5, 4, 2 and 1', () => {
    expect(decodeBrokerInfo(1, json(BROKER_V5_RACK_TWO_LISTENERS))).toEqual({
      version: 5,
      endpoints: [
        { listenerName: 'CLIENT', host: 'host1', port: 9092, securityProtocol: 'PLAINTEXT' },
        { listenerName: 'REPLICATION', host: 'host1', port: 9093, securityProtocol: 'SSL' },
      ],
      rack: 'dc1',
      jmxPort: -1,
      timestampMs: 2233345666,
      features: {},
    });
    expect(decodeBrokerInfo(1, json(BROKER_V4_DOC)).endpoints.map((e) => e.securityProtocol)).toEqual([
      'SASL_PLAINTEXT',
      'PLAINTEXT',
    ]);
    expect(decodeBrokerInfo(1, json(BROKER_V2_DOC)).endpoints).toEqual([
      { listenerName: 'PLAINTEXT', host: 'host1', port: 9092, securityProtocol: 'PLAINTEXT' },
      { listenerName: 'SSL', host: 'host1', port: 9093, securityProtocol: 'SSL' },
    ]);
    expect(decodeBrokerInfo(1, json(BROKER_V1_DOC))).toMatchObject({
      version: 1,
      endpoints: [{ listenerName: 'PLAINTEXT', host: 'localhost', port: 9092, securityProtocol: 'PLAINTEXT' }],
      rack: null,
      jmxPort: 9999,
    });
  });

  it('reads supported feature ranges', () => {
    const text = BROKER_V5.replace(
      '"features":{}',
      '"features":{"metadata.version":{"min_version":1,"max_version":7}}',
    );
    expect(decodeBrokerInfo(0, json(text)).features).toEqual({ 'metadata.version': { minVersion: 1, maxVersion: 7 } });
  });

  it('round-trips', () => {
    const info = {
      endpoints: [
        { listenerName: 'INTERNAL', host: '10.0.0.1', port: 19092, securityProtocol: 'PLAINTEXT' },
        { listenerName: 'EXTERNAL', host: 'broker.example', port: 9092, securityProtocol: 'SASL_SSL' },
      ],
      rack: 'rack-a',
      timestampMs: 1_700_000_000_000,
    };
    expect(decodeBrokerInfo(7, encodeBrokerInfo(info))).toEqual({
      version: 5,
      jmxPort: -1,
      features: {},
      ...info,
    });
  });

  it.each([
    ['not JSON', '{"version":5,'],
    ['not an object', '[1,2]'],
    ['no version', '{"jmx_port":-1,"endpoints":[]}'],
    ['version 0', '{"version":0,"jmx_port":-1,"endpoints":[]}'],
    ['a bad endpoint', '{"version":5,"jmx_port":-1,"endpoints":["PLAINTEXT:/x:1"]}'],
    [
      'an unmapped listener',
      '{"version":5,"jmx_port":-1,"listener_security_protocol_map":{"A":"SSL"},"endpoints":["B://h:1"]}',
    ],
    ['a listener name without a protocol map', '{"version":3,"jmx_port":-1,"endpoints":["CLIENT://h:1"]}'],
    ['a string port in version 1', '{"version":1,"host":"h","port":"x","jmx_port":-1}'],
  ])('refuses %s with a ZkDataError naming the znode', (_what, text) => {
    const decode = () => decodeBrokerInfo(4, json(text));
    expect(decode).toThrow(ZkDataError);
    expect(decode).toThrow(/\/brokers\/ids\/4/);
  });
});

describe('controller (/controller, /controller_epoch)', () => {
  it('encodes version 2 with kraftControllerEpoch -1, byte for byte', () => {
    expect(encodeController(0, 1685460739018).toString()).toBe(CONTROLLER_V2);
  });

  it('decodes versions 2 and 1', () => {
    expect(decodeController(json(CONTROLLER_V2))).toEqual({
      brokerId: 0,
      timestampMs: 1685460739018,
      kraftControllerEpoch: -1,
    });
    expect(decodeController(json('{"version":1,"brokerid":3,"timestamp":"1"}'))).toEqual({
      brokerId: 3,
      timestampMs: 1,
      kraftControllerEpoch: null,
    });
  });

  it('refuses a controller without a broker id', () => {
    expect(() => decodeController(json('{"version":2,"timestamp":"1"}'))).toThrow(ZkDataError);
  });

  it('keeps the epoch as plain decimal text', () => {
    expect(encodeControllerEpoch(17).toString()).toBe('17');
    expect(decodeControllerEpoch(json('17'))).toBe(17);
    expect(() => decodeControllerEpoch(json('{"epoch":1}'))).toThrow(ZkDataError);
    expect(() => decodeControllerEpoch(json(''))).toThrow(ZkDataError);
  });
});

describe('cluster id (/cluster/id)', () => {
  it('writes the version as a string, as Kafka does', () => {
    expect(encodeClusterId('Sfr7YvlkRHSHrmSrwq9mug').toString()).toBe(CLUSTER_ID);
    expect(decodeClusterId(json(CLUSTER_ID))).toBe('Sfr7YvlkRHSHrmSrwq9mug');
  });

  it('refuses a missing or empty id', () => {
    expect(() => decodeClusterId(json('{"version":"1"}'))).toThrow(ZkDataError);
    expect(() => decodeClusterId(json('{"version":"1","id":""}'))).toThrow(ZkDataError);
  });
});

describe('producer id block (/latest_producer_id_block)', () => {
  it('writes the block bounds as decimal strings and reads them back', () => {
    const text = encodeProducerIdBlock({ brokerId: 2, blockStart: 1000, blockEnd: 1999 }).toString();
    expect(text).toBe('{"version":1,"broker":2,"block_start":"1000","block_end":"1999"}');
    expect(decodeProducerIdBlock(json(text))).toEqual({ brokerId: 2, blockStart: 1000, blockEnd: 1999 });
  });
});

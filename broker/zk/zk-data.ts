/**
 * The data of Kafka's znodes (kafka.zk.ZkData in Kafka 3.x), encoded byte for byte as Kafka writes it (compact
 * JSON, keys in the order Kafka's maps produce) and decoded with validation: a znode that is not what Kafka would
 * write throws ZkDataError. Paths are in zk-paths.ts; topic-level data in zk-topic-data.ts.
 */

import { ZkDataError } from './zk-errors.js';
import { ZkJson, jsonBytes } from './zk-json.js';
import { ZkPaths } from './zk-paths.js';

/** Kafka writes broker registrations in version 5 since 2.7 (KIP-584 added `features`). */
export const BROKER_INFO_VERSION = 5;
/** Kafka's /controller version since 3.4 (KIP-866 added kraftControllerEpoch; -1 for a ZooKeeper controller). */
export const CONTROLLER_VERSION = 2;
/** The controller epoch Kafka writes when creating /controller_epoch: the first controller then writes 1. */
export const INITIAL_CONTROLLER_EPOCH = 0;
/** No JMX: Kafka writes -1 for jmx_port then. */
export const NO_JMX_PORT = -1;

/** One advertised endpoint of a broker (Kafka's EndPoint). */
export interface ZkBrokerEndpoint {
  readonly listenerName: string;
  readonly host: string;
  readonly port: number;
  readonly securityProtocol: string;
}

/** A supported feature's range, as in a v5 registration's `features`. */
export interface ZkFeatureRange {
  readonly minVersion: number;
  readonly maxVersion: number;
}

/** The content of `/brokers/ids/<id>` (Kafka's BrokerInfo). */
export interface ZkBrokerInfo {
  readonly version: number;
  readonly endpoints: readonly ZkBrokerEndpoint[];
  readonly rack: string | null;
  readonly jmxPort: number;
  readonly timestampMs: number;
  readonly features: Readonly<Record<string, ZkFeatureRange>>;
}

/** `host:port`, with an IPv6 host in brackets (Kafka's Utils.formatAddress). */
export function formatAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * `/brokers/ids/<id>` in version 5. Like Kafka it also writes the first PLAINTEXT endpoint as the top-level host and
 * port for old clients (null and -1 when there is none).
 */
export function encodeBrokerInfo(info: {
  readonly endpoints: readonly ZkBrokerEndpoint[];
  readonly rack: string | null;
  readonly timestampMs: number;
  readonly jmxPort?: number;
  readonly features?: Readonly<Record<string, ZkFeatureRange>>;
}): Buffer {
  const plaintext = info.endpoints.find((e) => e.securityProtocol === 'PLAINTEXT');
  const features: Record<string, { min_version: number; max_version: number }> = {};
  for (const [name, range] of Object.entries(info.features ?? {})) {
    features[name] = { min_version: range.minVersion, max_version: range.maxVersion };
  }
  const protocolMap: Record<string, string> = {};
  for (const e of info.endpoints) protocolMap[e.listenerName] = e.securityProtocol;
  return jsonBytes({
    features,
    listener_security_protocol_map: protocolMap,
    endpoints: info.endpoints.map((e) => `${e.listenerName}://${formatAddress(e.host, e.port)}`),
    ...(info.rack === null ? {} : { rack: info.rack }),
    jmx_port: info.jmxPort ?? NO_JMX_PORT,
    port: plaintext?.port ?? -1,
    host: plaintext?.host ?? null,
    version: BROKER_INFO_VERSION,
    timestamp: String(info.timestampMs),
  });
}

const SECURITY_PROTOCOL_NAMES = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'];
const ENDPOINT = /^([A-Za-z0-9_-]+):\/\/\[?([0-9a-zA-Z\-%._:]*)\]?:(-?\d+)$/;

/** Reads `/brokers/ids/<id>` of any version from 1 (host and port only) to 5. */
export function decodeBrokerInfo(brokerId: number, bytes: Buffer): ZkBrokerInfo {
  const json = ZkJson.parse(ZkPaths.brokerId(brokerId), bytes);
  const version = json.int('version');
  if (version < 1) throw json.fail(`unsupported broker registration version ${version}`);
  let endpoints: ZkBrokerEndpoint[];
  if (version === 1) {
    endpoints = [
      { listenerName: 'PLAINTEXT', host: json.string('host'), port: json.int('port'), securityProtocol: 'PLAINTEXT' },
    ];
  } else {
    const protocolMap = new Map<string, string>();
    for (const [name, protocol] of json.entries('listener_security_protocol_map', true)) {
      protocolMap.set(name, json.asString(protocol, `listener_security_protocol_map.${name}`));
    }
    endpoints = json.stringArray('endpoints').map((text) => {
      const match = ENDPOINT.exec(text);
      if (match === null) throw json.fail(`bad endpoint "${text}"`);
      const listenerName = match[1]!;
      // without a map, listener names are security protocol names (Kafka's default listener map)
      const securityProtocol =
        protocolMap.size === 0
          ? SECURITY_PROTOCOL_NAMES.find((p) => p === listenerName)
          : protocolMap.get(listenerName);
      if (securityProtocol === undefined) throw json.fail(`no security protocol for listener ${listenerName}`);
      return { listenerName, host: match[2]!, port: Number(match[3]), securityProtocol };
    });
  }
  const features: Record<string, ZkFeatureRange> = {};
  for (const [name, range] of json.objectEntries('features')) {
    features[name] = { minVersion: range.int('min_version'), maxVersion: range.int('max_version') };
  }
  return {
    version,
    endpoints,
    rack: json.optionalString('rack'),
    jmxPort: json.int('jmx_port'),
    timestampMs: json.has('timestamp') ? json.longString('timestamp') : -1,
    features,
  };
}

/** The content of `/controller`. */
export interface ZkControllerInfo {
  readonly brokerId: number;
  readonly timestampMs: number;
  /** -1 when a ZooKeeper-mode broker is the controller; null in version 1. */
  readonly kraftControllerEpoch: number | null;
}

export function encodeController(brokerId: number, timestampMs: number): Buffer {
  return jsonBytes({
    version: CONTROLLER_VERSION,
    brokerid: brokerId,
    timestamp: String(timestampMs),
    kraftControllerEpoch: -1,
  });
}

export function decodeController(bytes: Buffer): ZkControllerInfo {
  const json = ZkJson.parse(ZkPaths.controller, bytes);
  return {
    brokerId: json.int('brokerid'),
    timestampMs: json.has('timestamp') ? json.longString('timestamp') : -1,
    kraftControllerEpoch: json.has('kraftControllerEpoch') ? json.int('kraftControllerEpoch') : null,
  };
}

/** `/controller_epoch` holds the epoch as plain decimal text. */
export function encodeControllerEpoch(epoch: number): Buffer {
  return Buffer.from(String(epoch), 'utf8');
}

export function decodeControllerEpoch(bytes: Buffer): number {
  const text = bytes.toString('utf8');
  if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new ZkDataError(ZkPaths.controllerEpoch, text, 'not a decimal epoch');
  }
  return Number(text);
}

/** `/cluster/id`: `{"version":"1","id":"<22-char uuid>"}` (the version is a string there). */
export function encodeClusterId(clusterId: string): Buffer {
  return jsonBytes({ version: '1', id: clusterId });
}

export function decodeClusterId(bytes: Buffer): string {
  const json = ZkJson.parse(ZkPaths.clusterId, bytes);
  const id = json.string('id');
  if (id === '') throw json.fail('empty cluster id');
  return id;
}

/** `/latest_producer_id_block`: the last block of producer ids handed out (ids as decimal strings). */
export interface ZkProducerIdBlock {
  readonly brokerId: number;
  readonly blockStart: number;
  readonly blockEnd: number;
}

export function encodeProducerIdBlock(block: ZkProducerIdBlock): Buffer {
  return jsonBytes({
    version: 1,
    broker: block.brokerId,
    block_start: String(block.blockStart),
    block_end: String(block.blockEnd),
  });
}

export function decodeProducerIdBlock(bytes: Buffer): ZkProducerIdBlock {
  const json = ZkJson.parse(ZkPaths.latestProducerIdBlock, bytes);
  return {
    brokerId: json.int('broker'),
    blockStart: json.longString('block_start'),
    blockEnd: json.longString('block_end'),
  };
}

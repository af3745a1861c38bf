/**
 * The text-level half of broker config loading: reading Java .properties files, SAMSA_* environment variables and
 * --override pairs into Kafka-named string properties, turning one raw string into a typed value, and parsing
 * listeners and their security protocols. broker/config.ts owns the table, the merge and the cross-key rules.
 */

/** A broker property with a bad value (or an unusable --override). The message always names the key. */
export class BrokerConfigError extends Error {
  constructor(
    readonly key: string,
    readonly value: string | undefined,
    readonly reason: string,
  ) {
    super(value === undefined ? `invalid config ${key}: ${reason}` : `invalid value "${value}" for ${key}: ${reason}`);
    this.name = 'BrokerConfigError';
  }
}

export type ConfigType = 'int' | 'long' | 'double' | 'boolean' | 'string' | 'list' | 'password';

/** The parsed value of each config type. */
export interface ConfigTypeValues {
  int: number;
  long: number;
  double: number;
  boolean: boolean;
  string: string;
  password: string;
  list: readonly string[];
}

/** Java's Long.MAX_VALUE as Kafka prints it; Kafka uses it for "never", we read it as Infinity. */
const LONG_MAX_STRING = '9223372036854775807';
const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;

function integer(raw: string, key: string, type: 'int' | 'long'): number {
  const text = raw.trim();
  if (!/^[+-]?\d+$/.test(text)) throw new BrokerConfigError(key, raw, 'not an integer');
  if (type === 'long' && BigInt(text) === BigInt(LONG_MAX_STRING)) return Infinity;
  const value = Number(text);
  const inRange = type === 'int' ? value >= INT_MIN && value <= INT_MAX : Number.isSafeInteger(value);
  if (!inRange) throw new BrokerConfigError(key, raw, `out of range for ${type}`);
  return value;
}

/** `raw` as a value of `type`; throws BrokerConfigError naming `key` when it does not parse. */
export function parseConfigValue<T extends ConfigType>(type: T, raw: string, key: string): ConfigTypeValues[T];
export function parseConfigValue(type: ConfigType, raw: string, key: string): ConfigTypeValues[ConfigType] {
  switch (type) {
    case 'int':
    case 'long':
      return integer(raw, key, type);
    case 'double': {
      const text = raw.trim();
      const value = text === '' ? NaN : Number(text);
      if (!Number.isFinite(value)) throw new BrokerConfigError(key, raw, 'not a number');
      return value;
    }
    case 'boolean': {
      // Kafka's ConfigDef accepts any case for booleans.
      const text = raw.trim().toLowerCase();
      if (text === 'true') return true;
      if (text === 'false') return false;
      throw new BrokerConfigError(key, raw, 'must be true or false');
    }
    case 'string':
    case 'password':
      return raw.trim();
    case 'list':
      return raw
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '');
  }
}

const ESCAPES: Readonly<Record<string, string>> = { t: '\t', n: '\n', r: '\r', f: '\f' };

/** Java's .properties escapes: \t \n \r \f \uXXXX, and a backslash before anything else stands for that char. */
function unescape(text: string): string {
  return text.replace(/\\(u[0-9a-fA-F]{4}|[\s\S])/g, (_, esc: string) =>
    esc.length === 5 ? String.fromCharCode(parseInt(esc.slice(1), 16)) : (ESCAPES[esc] ?? esc),
  );
}

/** Whether the line ends with an odd number of backslashes, i.e. continues on the next line. */
function continues(line: string): boolean {
  const trailing = /\\*$/.exec(line)?.[0].length ?? 0;
  return trailing % 2 === 1;
}

/**
 * Java .properties syntax, as Kafka's server.properties is read: `#`/`!` comment lines, `key=value`, `key: value`
 * or `key value`, a trailing backslash continuing the line (the next line's leading whitespace dropped), and
 * Java's escapes. Keys and values are trimmed; a later duplicate wins, as with java.util.Properties.
 */
export function parseProperties(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split(/\r\n|\n|\r/);
  for (let i = 0; i < lines.length; i++) {
    let line = (lines[i] ?? '').trimStart();
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    while (continues(line) && i + 1 < lines.length) {
      line = line.slice(0, -1) + (lines[++i] ?? '').trimStart();
    }
    if (continues(line)) line = line.slice(0, -1);
    // The key ends at the first unescaped '=', ':' or whitespace.
    const match = /^((?:\\[\s\S]|[^\\=:\s])*)\s*[=:]?\s*([\s\S]*)$/.exec(line);
    const key = unescape(match?.[1] ?? line).trim();
    out[key] = unescape(match?.[2] ?? '').trim();
  }
  return out;
}

const ENV_PREFIX = 'SAMSA_';

/** SAMSA_LOG_DIRS=/data → log.dirs=/data: prefix stripped, lower-cased, `_` read as `.`. Other variables are ignored. */
export function propertiesFromEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || value === undefined) continue;
    out[name.slice(ENV_PREFIX.length).toLowerCase().replaceAll('_', '.')] = value;
  }
  return out;
}

/** `--override key=value` pairs (split at the first `=`, so values may contain `=`), or an already-split record. */
export function propertiesFromOverrides(
  overrides: readonly string[] | Readonly<Record<string, string>>,
): Record<string, string> {
  if (!Array.isArray(overrides)) return { ...(overrides as Readonly<Record<string, string>>) };
  const out: Record<string, string> = {};
  for (const pair of overrides as readonly string[]) {
    const eq = pair.indexOf('=');
    const key = eq < 0 ? pair.trim() : pair.slice(0, eq).trim();
    if (eq <= 0 || key === '')
      throw new BrokerConfigError(key || pair, undefined, `override "${pair}" is not key=value`);
    out[key] = pair.slice(eq + 1);
  }
  return out;
}

/** One endpoint of `listeners` / `advertised.listeners`. */
export interface ListenerAddress {
  /** The listener name, upper-cased as Kafka normalises it (`PLAINTEXT`, `INTERNAL`, ...). */
  readonly name: string;
  /** '' (from `PLAINTEXT://:9092`) means every interface; IPv6 hosts are given without brackets. */
  readonly host: string;
  /** 0 asks the OS for an ephemeral port. */
  readonly port: number;
}

const LISTENER = /^([A-Za-z0-9_-]+):\/\/(?:\[([0-9A-Za-z:.%]+)\]|([^\s:/[\]]*)):(\d+)$/;

/** `NAME://host:port`, `NAME://:port` or `NAME://[v6]:port`; `key` is the property it came from, for errors. */
export function parseListener(text: string, key: string): ListenerAddress {
  const match = LISTENER.exec(text);
  if (match === null) throw new BrokerConfigError(key, text, 'listener must look like NAME://host:port');
  const port = Number(match[4]);
  if (port > 65535) throw new BrokerConfigError(key, text, `port ${port} is out of range`);
  return { name: match[1]!.toUpperCase(), host: match[2] ?? match[3] ?? '', port };
}

export const SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
export type SecurityProtocol = (typeof SECURITY_PROTOCOLS)[number];

/** A listener endpoint with the security protocol its name maps to. */
export interface Listener extends ListenerAddress {
  readonly securityProtocol: SecurityProtocol;
}

/** listener.security.protocol.map entries (NAME:PROTOCOL) as a record keyed by upper-cased name. */
export function securityProtocolMap(entries: readonly string[]): Record<string, SecurityProtocol> {
  const map: Record<string, SecurityProtocol> = {};
  for (const entry of entries) {
    const [name, protocol, ...rest] = entry.split(':').map((s) => s.trim());
    const known = SECURITY_PROTOCOLS.find((p) => p === protocol?.toUpperCase());
    if (!name || known === undefined || rest.length > 0) {
      throw new BrokerConfigError('listener.security.protocol.map', entries.join(','), `bad entry "${entry}"`);
    }
    map[name.toUpperCase()] = known;
  }
  return map;
}

/** A listeners-style list, each name mapped to its protocol; unmapped or repeated names are errors under `key`. */
export function resolveListeners(
  key: string,
  entries: readonly string[],
  protocolMap: Readonly<Record<string, SecurityProtocol>>,
): Listener[] {
  const out: Listener[] = [];
  for (const entry of entries) {
    const address = parseListener(entry, key);
    const securityProtocol = protocolMap[address.name];
    if (securityProtocol === undefined) {
      throw new BrokerConfigError(key, entry, `listener ${address.name} is not in listener.security.protocol.map`);
    }
    if (out.some((l) => l.name === address.name)) {
      throw new BrokerConfigError(key, entries.join(','), `listener name ${address.name} appears twice`);
    }
    out.push({ ...address, securityProtocol });
  }
  return out;
}

/** Object.freeze all the way down, so no part of the config can be changed after start. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

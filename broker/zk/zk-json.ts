import { ZkDataError } from './zk-errors.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * Reads one znode's JSON with typed accessors; every problem (unparsable text, a missing key, a wrong type) is a
 * ZkDataError naming the znode path, the key and the text.
 */
export class ZkJson {
  readonly #path: string;
  readonly #text: string;
  readonly #root: { readonly [key: string]: Json };

  private constructor(path: string, text: string, root: { readonly [key: string]: Json }) {
    this.#path = path;
    this.#text = text;
    this.#root = root;
  }

  /** Parses `bytes` (UTF-8) as a JSON object. */
  static parse(path: string, bytes: Buffer): ZkJson {
    const text = bytes.toString('utf8');
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new ZkDataError(path, text, 'not JSON', { cause: err });
    }
    if (!isObject(value)) throw new ZkDataError(path, text, 'not a JSON object');
    return new ZkJson(path, text, value);
  }

  has(key: string): boolean {
    return this.#root[key] !== undefined && this.#root[key] !== null;
  }

  /** An integer (Kafka writes some, like the broker version, as numbers; a numeric string is accepted). */
  int(key: string): number {
    const v = this.#root[key];
    const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw this.fail(`"${key}" is not an integer`);
    return n;
  }

  /** A long Kafka writes as a decimal string (timestamps, producer id blocks). */
  longString(key: string): number {
    const v = this.#root[key];
    if (typeof v !== 'string' || !/^-?\d+$/.test(v) || !Number.isSafeInteger(Number(v))) {
      throw this.fail(`"${key}" is not a decimal string`);
    }
    return Number(v);
  }

  string(key: string): string {
    const v = this.#root[key];
    if (typeof v !== 'string') throw this.fail(`"${key}" is not a string`);
    return v;
  }

  optionalString(key: string): string | null {
    return this.has(key) ? this.string(key) : null;
  }

  intArray(key: string): number[] {
    return this.asIntArray(this.#root[key], `"${key}"`);
  }

  stringArray(key: string): string[] {
    const v = this.#root[key];
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw this.fail(`"${key}" is not a string array`);
    return v as string[];
  }

  /** An object's entries; absent or null reads as empty when `optional`. */
  entries(key: string, optional = false): [string, Json][] {
    const v = this.#root[key];
    if ((v === undefined || v === null) && optional) return [];
    if (!isObject(v)) throw this.fail(`"${key}" is not an object`);
    return Object.entries(v);
  }

  /** An object of objects (`{"name": {...}}`), each value read by its own ZkJson; absent reads as empty. */
  objectEntries(key: string): [string, ZkJson][] {
    return this.entries(key, true).map(([name, value]) => {
      if (!isObject(value)) throw this.fail(`"${key}.${name}" is not an object`);
      return [name, new ZkJson(this.#path, this.#text, value)];
    });
  }

  /** An array of objects, each read by its own ZkJson. */
  objects(key: string): ZkJson[] {
    const v = this.#root[key];
    if (!Array.isArray(v)) throw this.fail(`"${key}" is not an array`);
    return v.map((item, i) => {
      if (!isObject(item)) throw this.fail(`"${key}"[${i}] is not an object`);
      return new ZkJson(this.#path, this.#text, item);
    });
  }

  asIntArray(v: Json | undefined, what: string): number[] {
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'number' || !Number.isSafeInteger(x))) {
      throw this.fail(`${what} is not an integer array`);
    }
    return v as number[];
  }

  asString(v: Json | undefined, what: string): string {
    if (typeof v !== 'string') throw this.fail(`${what} is not a string`);
    return v;
  }

  fail(reason: string): ZkDataError {
    return new ZkDataError(this.#path, this.#text, reason);
  }
}

function isObject(v: unknown): v is { [key: string]: Json } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** JSON bytes of `value` exactly as given (key order included): Kafka's znodes are compact JSON. */
export function jsonBytes(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

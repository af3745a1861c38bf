import type { AnyField, ApiSchema, Shape } from '../../protocol/schema/dsl.js';

/**
 * Deterministic sample messages generated from a schema declaration: every field that exists in the version
 * gets a non-default value (tagged fields included), so a round trip exercises every field the version has.
 */
export function sampleMessage(schema: ApiSchema, version: number, direction: 'request' | 'response', seed = 1) {
  const flexible = schema.flexibleSince !== null && version >= schema.flexibleSince;
  let state = seed;
  const next = (): number => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state;
  };
  const present = (f: AnyField): boolean => {
    const { since = 0, until = Infinity, tag } = f.options;
    return version >= since && version <= until && (tag === undefined || flexible);
  };
  const value = (f: AnyField, depth: number): unknown => {
    switch (f.type) {
      case 'array': {
        const n = depth > 3 ? 1 : 1 + (next() % 3);
        return Array.from({ length: n }, () => value(f.element!, depth + 1));
      }
      case 'struct':
        return shapeValue(f.shape!, depth + 1);
      case 'primitive':
        switch (f.kind!) {
          case 'int8':
            return (next() % 100) + 1;
          case 'int16':
            return (next() % 30000) + 1;
          case 'uint16':
            return (next() % 60000) + 1;
          case 'int32':
            return (next() % 2_000_000_000) + 1;
          case 'uint32':
            return (next() % 4_000_000_000) + 1;
          case 'int64':
            return next() * 1000 + 7;
          case 'int64n':
            return BigInt(next()) * 1_000_000_007n;
          case 'float64':
            return next() / 7;
          case 'bool':
            return true;
          case 'uuid':
            return Buffer.from(Array.from({ length: 16 }, () => next() & 0xff)).toString('base64url');
          case 'string':
            return `s${next().toString(36)}-é`;
          case 'bytes':
            return Buffer.from(`b${next()}`);
          case 'records':
            return Buffer.alloc(64 + (next() % 8000), next() & 0xff);
        }
    }
  };
  const shapeValue = (shape: Shape, depth: number): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const [name, f] of Object.entries(shape)) if (present(f)) out[name] = value(f, depth);
    return out;
  };
  return shapeValue(schema[direction], 0);
}

/** Every key of `expected` (recursively) has the same value in `actual`; extra keys in `actual` are ignored. */
export function containsDeep(actual: unknown, expected: unknown, path = '$'): string[] {
  if (Buffer.isBuffer(expected)) {
    return Buffer.isBuffer(actual) && actual.equals(expected) ? [] : [`${path}: bytes differ`];
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) return [`${path}: array length differs`];
    return expected.flatMap((e, i) => containsDeep(actual[i], e, `${path}[${i}]`));
  }
  if (expected !== null && typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object') return [`${path}: not an object`];
    return Object.entries(expected).flatMap(([k, v]) =>
      containsDeep((actual as Record<string, unknown>)[k], v, `${path}.${k}`),
    );
  }
  return Object.is(actual, expected) ? [] : [`${path}: ${String(actual)} !== ${String(expected)}`];
}

/**
 * The schema DSL: each Kafka API is declared once, for all its versions, as nested objects of fields.
 *
 * Object key order is wire order. A field exists in versions [since, until] (Kafka's "versions"), may be null from
 * `nullableSince` on (or always with `nullable: true`), and may be a tagged field (`tag`) in flexible versions from
 * `since` on. The TypeScript types of decoded messages (`Decoded`) and of encoder input (`Encodable`) are inferred
 * from the declaration: a field with a version bound, a tag or a default is optional on input, and decoding
 * fills every field absent from a version with its default, so handlers read one shape for every version.
 */

export type PrimitiveKind =
  | 'int8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'int64n'
  | 'float64'
  | 'bool'
  | 'uuid'
  | 'string'
  | 'bytes'
  | 'records';

export interface FieldOptions {
  /** First version that has the field (default 0). */
  readonly since?: number;
  /** Last version that has the field (default: all later versions). */
  readonly until?: number;
  /** Null is allowed in every version where the field exists. */
  readonly nullable?: boolean;
  /** Null is allowed from this version on. */
  readonly nullableSince?: number;
  /** A tagged field (KIP-482) with this tag, in flexible versions within [since, until]. */
  readonly tag?: number;
  /** Value used when the field is absent from a version or omitted on input. */
  readonly default?: unknown;
}

/** Phantom-typed field: D is the decoded type, I the encoder input type, R whether input must supply it. */
export interface Field<D, I, R extends boolean> {
  readonly type: 'primitive' | 'array' | 'struct';
  readonly kind?: PrimitiveKind;
  readonly element?: Field<unknown, unknown, boolean>;
  readonly shape?: Shape;
  readonly options: FieldOptions;
  /** @internal type carriers, never set at run time */
  readonly _decoded?: D;
  readonly _input?: I;
  readonly _required?: R;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyField = Field<any, any, boolean>;
export type Shape = { readonly [name: string]: AnyField };

type IsRequired<O> = O extends { since: number } | { until: number } | { tag: number } | { default: unknown }
  ? false
  : true;
type WithNull<T, O> = O extends { nullable: true } | { nullableSince: number } ? T | null : T;

type RequiredKeys<S extends Shape> = {
  [K in keyof S]: S[K] extends Field<unknown, unknown, true> ? K : never;
}[keyof S];
type OptionalKeys<S extends Shape> = Exclude<keyof S, RequiredKeys<S>>;
type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** The decoded form of a shape: every field present. */
export type Decoded<S extends Shape> = Simplify<{
  -readonly [K in keyof S]: S[K] extends Field<infer D, unknown, boolean> ? D : never;
}>;

/** The encoder input for a shape: version-bounded, tagged and defaulted fields may be omitted. */
export type Encodable<S extends Shape> = Simplify<
  { [K in RequiredKeys<S>]: S[K] extends Field<unknown, infer I, boolean> ? I : never } & {
    [K in OptionalKeys<S>]?: S[K] extends Field<unknown, infer I, boolean> ? I : never;
  }
>;

function primitive<D, I = D>() {
  return <const O extends FieldOptions = object>(
    options?: O,
  ): Field<WithNull<D, O>, WithNull<I, O>, IsRequired<O>> => ({ type: 'primitive', options: options ?? {} });
}

function withKind<F extends (options?: FieldOptions) => AnyField>(kind: PrimitiveKind, make: F): F {
  return ((options?: FieldOptions) => ({ ...make(options), kind })) as F;
}

export const int8 = withKind('int8', primitive<number>());
export const int16 = withKind('int16', primitive<number>());
export const uint16 = withKind('uint16', primitive<number>());
export const int32 = withKind('int32', primitive<number>());
export const uint32 = withKind('uint32', primitive<number>());
/** int64 carried as a JS number; values beyond Number.MAX_SAFE_INTEGER are a decode error. */
export const int64 = withKind('int64', primitive<number>());
/** int64 carried as a bigint, for fields whose full range matters. */
export const int64n = withKind('int64n', primitive<bigint>());
export const float64 = withKind('float64', primitive<number>());
export const bool = withKind('bool', primitive<boolean>());
/** UUIDs in Kafka's text form: 22 characters of URL-safe base64. */
export const uuid = withKind('uuid', primitive<string>());
export const string = withKind('string', primitive<string>());
export const bytes = withKind('bytes', primitive<Buffer>());
/** Record data (a sequence of record batches): kept as an opaque view of the frame, never decoded here. */
export const records = withKind('records', primitive<Buffer>());

type ElementDecoded<E> = E extends Shape ? Decoded<E> : E extends Field<infer D, unknown, boolean> ? D : never;
type ElementInput<E> = E extends Shape ? Encodable<E> : E extends Field<unknown, infer I, boolean> ? I : never;

/** An array of structs (pass a shape) or of primitives (pass a field). */
export function array<const E extends Shape | AnyField, const O extends FieldOptions = object>(
  element: E,
  options?: O,
): Field<WithNull<ElementDecoded<E>[], O>, WithNull<ElementInput<E>[], O>, IsRequired<O>> {
  const isField = typeof (element as AnyField).type === 'string' && 'options' in element;
  return {
    type: 'array',
    element: isField ? (element as AnyField) : struct(element as Shape),
    options: options ?? {},
  };
}

/** A nested struct (Kafka's non-array struct fields, often tagged). */
export function struct<const S extends Shape, const O extends FieldOptions = object>(
  shape: S,
  options?: O,
): Field<WithNull<Decoded<S>, O>, WithNull<Encodable<S>, O>, IsRequired<O>> {
  return { type: 'struct', shape, options: options ?? {} };
}

/** One API: request and response declared side by side for every version. */
export interface ApiSchema<Req extends Shape = Shape, Res extends Shape = Shape> {
  readonly key: number;
  readonly name: string;
  readonly minVersion: number;
  readonly maxVersion: number;
  /** First flexible (KIP-482) version, or null when the API has none. */
  readonly flexibleSince: number | null;
  readonly request: Req;
  readonly response: Res;
}

export function api<const Req extends Shape, const Res extends Shape>(
  schema: ApiSchema<Req, Res>,
): ApiSchema<Req, Res> {
  return schema;
}

export type RequestOf<A extends ApiSchema> = Decoded<A['request']>;
export type ResponseOf<A extends ApiSchema> = Decoded<A['response']>;
export type RequestInput<A extends ApiSchema> = Encodable<A['request']>;
export type ResponseInput<A extends ApiSchema> = Encodable<A['response']>;

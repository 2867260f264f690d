// Argument validators. Every method declares the shape of its (single, per D3.2
// §3.1.1, docs/platform.md) parameter; the daemon checks it before the method runs, so
// a task or command never sees an unexpected type. A schema is typed: Infer<typeof
// schema> is the TypeScript type of a value that passes it, so a method, its clients
// and its documentation share one declaration instead of each restating the shape.
// Each schema also describes itself, in full for system.methodHelp and in outline for
// the README tables.
import type { XmlRpcValue } from './xmlrpc/values.js';

export interface Schema<T = unknown> {
  /** Human-readable type with its bounds, shown by system.methodHelp. */
  readonly describe: string;
  /** The shape without bounds or patterns (`{name, vifs?: [{bridge, mac?}]}`), for tables. */
  readonly outline: string;
  /** An error message for the first problem found, or undefined when v is valid. */
  check(v: unknown, path: string): string | undefined;
  /** Type-level only, never set (a function type, so that inferring T keeps its undefined). */
  readonly __type?: () => T;
}

/** A struct member that may be missing. */
export interface OptionalSchema<T> extends Schema<T | undefined> {
  readonly optional: true;
}

export type Infer<S> = S extends Schema<infer T> ? T : never;

type Fields = Record<string, Schema<any>>;
type Flatten<T> = { [K in keyof T]: T[K] } & {};
export type StructOf<F extends Fields> = Flatten<
  { [K in keyof F as F[K] extends OptionalSchema<any> ? never : K]: Infer<F[K]> } & {
    [K in keyof F as F[K] extends OptionalSchema<any> ? K : never]?: Exclude<Infer<F[K]>, undefined>;
  }
>;

function isStruct(v: unknown): v is Record<string, XmlRpcValue> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date) && !Buffer.isBuffer(v) && Object.getPrototypeOf(v) === Object.prototype;
}

const mk = <T>(describe: string, check: Schema['check'], outline = describe): Schema<T> => ({ describe, outline, check });
const own = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);
/** A member in an outline: its name alone when its type is a plain scalar, else name: shape. */
const member = (k: string, f: Schema<any>): string => {
  const q = 'optional' in f ? '?' : '';
  return /^[[{"]/.test(f.outline) ? `${k}${q}: ${f.outline}` : `${k}${q}`;
};

export const s = {
  any: (): Schema<XmlRpcValue> => mk('any', (v, p) => (v === undefined ? `${p}: missing` : undefined)),
  nil: (): Schema<null | undefined> => mk('nil', (v, p) => (v === null || v === undefined ? undefined : `${p}: expected nil`)),
  bool: (): Schema<boolean> => mk('boolean', (v, p) => (typeof v === 'boolean' ? undefined : `${p}: expected boolean`)),
  int: (o: { min?: number; max?: number } = {}): Schema<number> =>
    mk(
      `int${o.min !== undefined || o.max !== undefined ? ` [${o.min ?? ''}..${o.max ?? ''}]` : ''}`,
      (v, p) => {
        if (typeof v !== 'number' || !Number.isInteger(v)) return `${p}: expected int`;
        if (o.min !== undefined && v < o.min) return `${p}: must be >= ${o.min}`;
        if (o.max !== undefined && v > o.max) return `${p}: must be <= ${o.max}`;
        return undefined;
      },
      'int',
    ),
  double: (): Schema<number> => mk('double', (v, p) => (typeof v === 'number' ? undefined : `${p}: expected double`)),
  str: (o: { max?: number; pattern?: RegExp } = {}): Schema<string> =>
    mk(
      `string${o.pattern ? ` ${o.pattern}` : ''}`,
      (v, p) => {
        if (typeof v !== 'string') return `${p}: expected string`;
        if (v.length > (o.max ?? 65536)) return `${p}: longer than ${o.max ?? 65536}`;
        if (o.pattern && !o.pattern.test(v)) return `${p}: does not match ${o.pattern}`;
        return undefined;
      },
      'string',
    ),
  oneOf: <const V extends readonly string[]>(...values: V): Schema<V[number]> =>
    mk(values.map((x) => JSON.stringify(x)).join('|'), (v, p) => (typeof v === 'string' && values.includes(v) ? undefined : `${p}: expected one of ${values.join(', ')}`)),
  date: (): Schema<Date> => mk('dateTime.iso8601', (v, p) => (v instanceof Date ? undefined : `${p}: expected dateTime.iso8601`)),
  bytes: (o: { max?: number } = {}): Schema<Buffer> =>
    mk('base64', (v, p) => {
      if (!Buffer.isBuffer(v)) return `${p}: expected base64`;
      if (o.max !== undefined && v.length > o.max) return `${p}: more than ${o.max} bytes`;
      return undefined;
    }),
  array: <I extends Schema<any>>(item: I, o: { min?: number; max?: number } = {}): Schema<Array<Infer<I>>> =>
    mk(
      `array of ${item.describe}`,
      (v, p) => {
        if (!Array.isArray(v)) return `${p}: expected array`;
        if (o.min !== undefined && v.length < o.min) return `${p}: fewer than ${o.min} items`;
        if (o.max !== undefined && v.length > o.max) return `${p}: more than ${o.max} items`;
        for (let i = 0; i < v.length; i++) {
          const e = item.check(v[i], `${p}[${i}]`);
          if (e) return e;
        }
        return undefined;
      },
      `[${item.outline}]`,
    ),
  /** A struct with exactly these members (optional ones wrapped in s.optional); unknown members are refused. */
  struct: <F extends Fields>(fields: F): Schema<StructOf<F>> =>
    mk(
      `{${Object.entries(fields).map(([k, f]) => `${k}: ${f.describe}`).join(', ')}}`,
      (v, p) => {
        if (!isStruct(v)) return `${p}: expected struct`;
        for (const k of Object.keys(v)) if (!own(fields, k)) return `${p}: unexpected member ${JSON.stringify(k.slice(0, 40))}`;
        for (const [k, f] of Object.entries(fields)) {
          const e = f.check(own(v, k) ? v[k] : undefined, `${p}.${k}`);
          if (e) return e;
        }
        return undefined;
      },
      `{${Object.entries(fields).map(([k, f]) => member(k, f)).join(', ')}}`,
    ),
  /** A struct used as a map: any member names matching `key`, every value of one schema. */
  map: <V extends Schema<any>>(value: V, o: { key?: RegExp; max?: number } = {}): Schema<Record<string, Infer<V>>> =>
    mk(
      `{${o.key ? `${o.key}` : 'string'}: ${value.describe}}`,
      (v, p) => {
        if (!isStruct(v)) return `${p}: expected struct`;
        const keys = Object.keys(v);
        if (o.max !== undefined && keys.length > o.max) return `${p}: more than ${o.max} members`;
        for (const k of keys) {
          if (o.key && !o.key.test(k)) return `${p}: member ${JSON.stringify(k.slice(0, 40))} does not match ${o.key}`;
          const e = value.check(v[k], `${p}.${k}`);
          if (e) return e;
        }
        return undefined;
      },
      `{name: ${value.outline}}`,
    ),
  optional: <T>(inner: Schema<T>): OptionalSchema<T> => ({
    describe: `${inner.describe}?`,
    outline: inner.outline,
    optional: true,
    check: (v, p) => (v === undefined ? undefined : inner.check(v, p)),
  }),
  either: <A extends Array<Schema<any>>>(...alts: A): Schema<Infer<A[number]>> =>
    mk(
      alts.map((a) => a.describe).join(' | '),
      (v, p) => (alts.some((a) => a.check(v, p) === undefined) ? undefined : `${p}: expected ${alts.map((a) => a.describe).join(' | ')}`),
      alts.map((a) => a.outline).join(' | '),
    ),
  /** The same schema with its outline replaced by prose (a bare string argument says more as "the request text"). */
  titled: <T>(inner: Schema<T>, outline: string): Schema<T> => ({ ...inner, outline }),
};

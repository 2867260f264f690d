// Argument validators. Every method declares the shape of its (single, per D3.2 §3.1.1, docs/platform.md)
// parameter; the daemon checks it before the method runs, so a task or command never
// sees an unexpected type. Each schema also describes itself for system.methodHelp.
import type { XmlRpcValue } from './xmlrpc/values.js';

export interface Schema {
  /** Human-readable type, shown by system.methodHelp. */
  readonly describe: string;
  /** An error message for the first problem found, or undefined when v is valid. */
  check(v: XmlRpcValue | undefined, path: string): string | undefined;
}

function isStruct(v: unknown): v is Record<string, XmlRpcValue> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date) && !Buffer.isBuffer(v) && Object.getPrototypeOf(v) === Object.prototype;
}

const mk = (describe: string, check: Schema['check']): Schema => ({ describe, check });

export const s = {
  any: (): Schema => mk('any', (v, p) => (v === undefined ? `${p}: missing` : undefined)),
  nil: (): Schema => mk('nil', (v, p) => (v === null || v === undefined ? undefined : `${p}: expected nil`)),
  bool: (): Schema => mk('boolean', (v, p) => (typeof v === 'boolean' ? undefined : `${p}: expected boolean`)),
  int: (o: { min?: number; max?: number } = {}): Schema =>
    mk(`int${o.min !== undefined || o.max !== undefined ? ` [${o.min ?? ''}..${o.max ?? ''}]` : ''}`, (v, p) => {
      if (typeof v !== 'number' || !Number.isInteger(v)) return `${p}: expected int`;
      if (o.min !== undefined && v < o.min) return `${p}: must be >= ${o.min}`;
      if (o.max !== undefined && v > o.max) return `${p}: must be <= ${o.max}`;
      return undefined;
    }),
  double: (): Schema => mk('double', (v, p) => (typeof v === 'number' ? undefined : `${p}: expected double`)),
  str: (o: { max?: number; pattern?: RegExp } = {}): Schema =>
    mk(`string${o.pattern ? ` ${o.pattern}` : ''}`, (v, p) => {
      if (typeof v !== 'string') return `${p}: expected string`;
      if (v.length > (o.max ?? 65536)) return `${p}: longer than ${o.max ?? 65536}`;
      if (o.pattern && !o.pattern.test(v)) return `${p}: does not match ${o.pattern}`;
      return undefined;
    }),
  oneOf: (...values: string[]): Schema =>
    mk(values.map((x) => JSON.stringify(x)).join('|'), (v, p) => (typeof v === 'string' && values.includes(v) ? undefined : `${p}: expected one of ${values.join(', ')}`)),
  date: (): Schema => mk('dateTime.iso8601', (v, p) => (v instanceof Date ? undefined : `${p}: expected dateTime.iso8601`)),
  bytes: (o: { max?: number } = {}): Schema =>
    mk('base64', (v, p) => {
      if (!Buffer.isBuffer(v)) return `${p}: expected base64`;
      if (o.max !== undefined && v.length > o.max) return `${p}: more than ${o.max} bytes`;
      return undefined;
    }),
  array: (item: Schema, o: { min?: number; max?: number } = {}): Schema =>
    mk(`array of ${item.describe}`, (v, p) => {
      if (!Array.isArray(v)) return `${p}: expected array`;
      if (o.min !== undefined && v.length < o.min) return `${p}: fewer than ${o.min} items`;
      if (o.max !== undefined && v.length > o.max) return `${p}: more than ${o.max} items`;
      for (let i = 0; i < v.length; i++) {
        const e = item.check(v[i], `${p}[${i}]`);
        if (e) return e;
      }
      return undefined;
    }),
  /** A struct with exactly these members (optional ones wrapped in s.optional); unknown members are refused. */
  struct: (fields: Record<string, Schema>): Schema =>
    mk(`{${Object.entries(fields).map(([k, f]) => `${k}: ${f.describe}`).join(', ')}}`, (v, p) => {
      if (!isStruct(v)) return `${p}: expected struct`;
      for (const k of Object.keys(v)) if (!Object.prototype.hasOwnProperty.call(fields, k)) return `${p}: unexpected member ${JSON.stringify(k.slice(0, 40))}`;
      for (const [k, f] of Object.entries(fields)) {
        const e = f.check(Object.prototype.hasOwnProperty.call(v, k) ? v[k] : undefined, `${p}.${k}`);
        if (e) return e;
      }
      return undefined;
    }),
  optional: (inner: Schema): Schema => mk(`${inner.describe}?`, (v, p) => (v === undefined ? undefined : inner.check(v, p))),
  either: (...alts: Schema[]): Schema =>
    mk(alts.map((a) => a.describe).join(' | '), (v, p) => (alts.some((a) => a.check(v, p) === undefined) ? undefined : `${p}: expected ${alts.map((a) => a.describe).join(' | ')}`)),
};

// A daemon's JSON config file: found by `--config`, read, and checked completely at
// start, so a typo stops the daemon with every problem listed instead of the first.
// Each daemon's config.ts declares its keys with `cfg` below: the same typed schemas
// as its API (daemon/schema.ts) describe each value, and the config's TypeScript type
// is inferred from the declaration. What a file adds to a schema is here, once for
// every daemon: defaults, required keys, unknown keys refused, paths relative to the
// file, and secrets — inline or in a file of their own.
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { s, type Schema } from './schema.js';
import { PRINCIPAL_RE } from '../toolstack/limits.js';

/** Sent as `Authorization: Bearer …`, so header-safe: printable ASCII, no spaces. */
export const SECRET_RE = /^[\x21-\x7e]{16,512}$/;

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    daemon: string,
    readonly problems: string[],
  ) {
    super(`invalid ${daemon} configuration:\n  ${problems.join('\n  ')}`);
  }
}

export interface ReadContext {
  /** The config file's folder, which relative paths are relative to. */
  base: string;
  problems: string[];
}

/** How one config value is read: undefined when missing (no default) or invalid (the problem recorded). */
export interface ConfigSchema<T> {
  /** For the "unknown key" and "required" messages. */
  readonly required: boolean;
  read(v: unknown, path: string, ctx: ReadContext): Promise<T | undefined>;
  /** The same value with a default when the key is missing. */
  default(d: T): ConfigSchema<T> & { readonly defaulted: true };
  /** A missing key is a problem. */
  need(): ConfigSchema<T> & { readonly defaulted: true };
}

type Out<C> = C extends ConfigSchema<infer T> ? T : never;
type Fields = Record<string, ConfigSchema<any>>;
type Flatten<T> = { [K in keyof T]: T[K] } & {};
export type ConfigOf<F extends Fields> = Flatten<
  { [K in keyof F as F[K] extends { defaulted: true } ? K : never]: Out<F[K]> } & {
    [K in keyof F as F[K] extends { defaulted: true } ? never : K]?: Out<F[K]>;
  }
>;
/** The TypeScript type a config declaration reads into. */
export type ConfigType<C> = Out<C>;

function make<T>(read: (v: unknown, path: string, ctx: ReadContext) => Promise<T | undefined>, required = false): ConfigSchema<T> {
  return {
    required,
    read: async (v, path, ctx) => {
      if (v === undefined && required) {
        ctx.problems.push(`${path}: required`);
        return undefined;
      }
      return read(v, path, ctx);
    },
    default: (d) => ({ ...make(async (v, p, c) => (v === undefined ? d : read(v, p, c))), defaulted: true as const }),
    need: () => ({ ...make(read, true), defaulted: true as const }),
  };
}

/** A value one schema of daemon/schema.ts describes; `expected` words the problem. */
function value<T>(schema: Schema<T>, expected: string, then?: (v: T, ctx: ReadContext) => T): ConfigSchema<T> {
  return make(async (v, path, ctx) => {
    if (v === undefined) return undefined;
    if (schema.check(v, path) !== undefined) {
      ctx.problems.push(`${path}: expected ${expected}`);
      return undefined;
    }
    return then ? then(v as T, ctx) : (v as T);
  });
}

const anchor = (file: string, ctx: ReadContext): string => (isAbsolute(file) ? file : resolve(ctx.base, file));

/** A secret file's content, the trailing newline an editor adds dropped. */
export async function readSecretFile(file: string): Promise<string> {
  return (await readFile(file, 'utf8')).replace(/\r?\n$/, '');
}

const isFileRef = (v: unknown): v is { file: string } => v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 1 && typeof (v as { file?: unknown }).file === 'string';

export const cfg = {
  str: (pattern?: RegExp, expected?: string) => value(s.str({ max: 1 << 16, ...(pattern ? { pattern } : {}) }), expected ?? (pattern ? `a string matching ${pattern}` : 'a string')),
  int: (min: number, max: number) => value(s.int({ min, max }), `an integer from ${min} to ${max}`),
  num: (min: number, max: number) =>
    make<number>(async (v, path, ctx) => {
      if (v === undefined) return undefined;
      if (typeof v !== 'number' || !(v >= min && v <= max)) {
        ctx.problems.push(`${path}: expected a number from ${min} to ${max}`);
        return undefined;
      }
      return v;
    }),
  bool: () => value(s.bool(), 'true or false'),
  /** A file path, made absolute against the config file's folder. */
  path: () => value(s.str({ pattern: /^.+$/ }), 'a path', (v, ctx) => anchor(v, ctx)),
  array: <T>(item: Schema<T>, expected: string, o: { max?: number } = {}) => value(s.array(item, o), expected),
  /** A JSON object with exactly these keys: an unknown one is a problem (a misspelt optional key would otherwise be ignored). */
  object: <F extends Fields>(fields: F) =>
    make<ConfigOf<F>>(async (v, path, ctx) => {
      if (v === undefined) return undefined;
      if (v === null || typeof v !== 'object' || Array.isArray(v)) {
        ctx.problems.push(`${path}: expected an object`);
        return undefined;
      }
      const o = v as Record<string, unknown>;
      for (const k of Object.keys(o)) if (!Object.prototype.hasOwnProperty.call(fields, k)) ctx.problems.push(`${path}.${k}: unknown key (known: ${Object.keys(fields).join(', ')})`);
      const out: Record<string, unknown> = {};
      for (const [k, f] of Object.entries(fields)) {
        const r = await f.read(o[k], `${path}.${k}`, ctx);
        if (r !== undefined) out[k] = r;
      }
      return out as ConfigOf<F>;
    }),
  /** Any key names (matching `key`), one kind of value each. */
  map: <T>(item: ConfigSchema<T>, key: RegExp, keyWhat: string) =>
    make<Record<string, T>>(async (v, path, ctx) => {
      if (v === undefined) return undefined;
      if (v === null || typeof v !== 'object' || Array.isArray(v)) {
        ctx.problems.push(`${path}: expected an object`);
        return undefined;
      }
      const out: Record<string, T> = {};
      for (const [k, x] of Object.entries(v)) {
        if (!key.test(k)) ctx.problems.push(`${path}.${k}: ${keyWhat}`);
        const r = await item.read(x, `${path}.${k}`, ctx);
        if (r !== undefined) out[k] = r;
      }
      return out;
    }),
  /**
   * A secret: the string itself, or {"file": path} (relative to the config file) for
   * one kept in a file of its own. Every daemon's secrets are written this one way.
   */
  secret: () =>
    make<string>(async (v, path, ctx) => {
      if (v === undefined) return undefined;
      let secret = v;
      if (isFileRef(v)) {
        const f = anchor(v.file, ctx);
        try {
          secret = await readSecretFile(f);
        } catch (e) {
          ctx.problems.push(`${path}.file: cannot read ${f}: ${(e as Error).message}`);
          return undefined;
        }
      }
      if (typeof secret !== 'string' || !SECRET_RE.test(secret)) {
        ctx.problems.push(`${path}: a secret is 16-512 printable ASCII characters without spaces (or {"file": path})`);
        return undefined;
      }
      return secret;
    }),
  /** The secrets callers authenticate with: one secret (principal "client") or {principal: secret}. */
  principals: () =>
    make<Record<string, string>>(async (v, path, ctx) => {
      if (v === undefined) return undefined;
      if (typeof v === 'string' || isFileRef(v)) {
        const one = await cfg.secret().read(v, path, ctx);
        return one === undefined ? undefined : { client: one };
      }
      const named = await cfg.map(cfg.secret(), PRINCIPAL_RE, `principal names are ${PRINCIPAL_RE.source}`).read(v, path, ctx);
      if (named && Object.keys(named).length === 0 && Object.keys(v as object).length === 0) ctx.problems.push(`${path}: at least one principal`);
      return named;
    }),
};

/**
 * The keys every daemon's config has, with that daemon's defaults: its name, where it
 * listens, the secrets of its callers, who may hot-patch it, its audit log, and the
 * folder upgrade writes to. Spread into the daemon's cfg.object.
 */
export function daemonKeys(d: { name: string; port: number; patches: string }) {
  return {
    name: cfg.str(PRINCIPAL_RE, `a daemon name (${PRINCIPAL_RE.source})`).default(d.name),
    listen: cfg.object({ host: cfg.str(/^[A-Za-z0-9.:-]{1,255}$/, 'an address').default('127.0.0.1'), port: cfg.int(0, 65535).default(d.port) }).default({ host: '127.0.0.1', port: d.port }),
    secret: cfg.principals().need(),
    /** Principals allowed to call `upgrade`: [] disables hot-patching (the default). */
    upgraders: cfg.array(s.str({ pattern: PRINCIPAL_RE }), 'an array of principal names').default([]),
    auditLog: cfg.path(),
    /** Searched before the daemon's shipped modules, and where `upgrade` writes, so the installed code stays read-only. */
    folders: cfg.object({ patches: cfg.path().default(d.patches) }).default({ patches: d.patches }),
  };
}

/** Reads a parsed config object against its declaration; throws a ConfigError listing every problem. */
export async function readConfig<T>(daemon: string, schema: ConfigSchema<T>, raw: unknown, configPath: string, check?: (c: T, problems: string[]) => void): Promise<T> {
  const ctx: ReadContext = { base: dirname(configPath), problems: [] };
  const c = await schema.read(raw ?? null, 'config', ctx);
  // Rules across keys only once every key is there and valid (a missing one is already a problem).
  if (c !== undefined && check && ctx.problems.length === 0) check(c, ctx.problems);
  if (ctx.problems.length > 0 || c === undefined) throw new ConfigError(daemon, ctx.problems.length ? ctx.problems : ['config: expected an object']);
  return c;
}

/** Reads and parses the file; an unreadable file or bad JSON is a ConfigError too. */
export async function loadConfigFile<T>(daemon: string, path: string, parse: (raw: unknown, path: string) => Promise<T>): Promise<T> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new ConfigError(daemon, [`cannot read ${path}: ${(e as Error).message}`]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(daemon, [`${path} is not JSON: ${(e as Error).message}`]);
  }
  return parse(raw, path);
}

/**
 * A daemon main's config step: `--config PATH` (else `defaultPath`), loaded with
 * `load`. Exits 2 on a missing path or a ConfigError (the operator's to fix), 1 on
 * anything else.
 */
export async function configFromArgs<T>(argv: string[], defaultPath: string, load: (path: string) => Promise<T>, log: (m: string) => void): Promise<T> {
  const i = argv.indexOf('--config');
  const path = i < 0 ? defaultPath : argv[i + 1];
  if (!path) {
    log('--config needs a path');
    process.exit(2);
  }
  try {
    return await load(path);
  } catch (e) {
    log((e as Error).message);
    process.exit(e instanceof ConfigError ? 2 : 1);
  }
}

// A daemon's JSON config file: found by `--config`, read, and checked completely
// at start, so a typo stops the daemon with every problem listed instead of the
// first. Each daemon's config.ts describes its own keys with a ConfigChecker.
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';

export type ConfigObject = Record<string, unknown>;

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

/**
 * Collects problems instead of throwing: each check returns undefined for a
 * missing or invalid value (the caller fills in its default) and records why.
 * `path` names the object being checked (`config.listen`), `k` the key in it.
 */
export class ConfigChecker {
  readonly problems: string[] = [];
  /** `base`: the config file's folder, which relative paths are relative to. */
  constructor(readonly base: string) {}

  /** An object with only the given keys: unknown ones are errors (a misspelt optional key would otherwise be silently ignored). */
  obj(v: unknown, path: string, keys: string[]): ConfigObject | undefined {
    if (v === undefined) return undefined;
    if (v === null || typeof v !== 'object' || Array.isArray(v)) {
      this.problems.push(`${path}: expected an object`);
      return undefined;
    }
    for (const k of Object.keys(v)) if (!keys.includes(k)) this.problems.push(`${path}.${k}: unknown key (known: ${keys.join(', ')})`);
    return v as ConfigObject;
  }

  str(o: ConfigObject | undefined, k: string, path: string, re?: RegExp, what = ''): string | undefined {
    const v = o?.[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || (re && !re.test(v))) {
      this.problems.push(`${path}.${k}: expected ${what || (re ? `a string matching ${re}` : 'a string')}`);
      return undefined;
    }
    return v;
  }

  num(o: ConfigObject | undefined, k: string, path: string, min: number, max: number, integer = false): number | undefined {
    const v = o?.[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !(v >= min && v <= max) || (integer && !Number.isInteger(v))) {
      this.problems.push(`${path}.${k}: expected ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`);
      return undefined;
    }
    return v;
  }

  int(o: ConfigObject | undefined, k: string, path: string, min: number, max: number): number | undefined {
    return this.num(o, k, path, min, max, true);
  }

  bool(o: ConfigObject | undefined, k: string, path: string): boolean | undefined {
    const v = o?.[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'boolean') {
      this.problems.push(`${path}.${k}: expected true or false`);
      return undefined;
    }
    return v;
  }

  /** A file path from the config, made absolute against the config file's folder. */
  file(o: ConfigObject | undefined, k: string, path: string): string | undefined {
    const v = this.str(o, k, path, /^.+$/, 'a path');
    return v === undefined ? undefined : this.anchor(v);
  }

  anchor(file: string): string {
    return isAbsolute(file) ? file : resolve(this.base, file);
  }

  /** A secret kept in a file of its own (the trailing newline an editor adds dropped). */
  async readSecret(file: string): Promise<string> {
    return (await readFile(this.anchor(file), 'utf8')).replace(/\r?\n$/, '');
  }
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

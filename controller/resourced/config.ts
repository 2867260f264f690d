// resourced's configuration: one JSON file (default /etc/clickos/resourced.json),
// checked completely at start so every problem is listed at once. Unknown keys are
// errors (a misspelt optional key would otherwise be silently ignored), as in hostd.
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';

export const DEFAULT_CONFIG_PATH = '/etc/clickos/resourced.json';

export interface PmDefaults {
  /** CPU cores a PM of a type that does not say is assumed to use (ClickOS guests have one vcpu and mostly idle). */
  cpu: number;
  /** MiB given to each guest (create_pm's memory) and counted by placement. */
  memoryMiB: number;
  /** Bandwidth reserved per allocation connection, Mbit/s. */
  bandwidthMbps: number;
}

export interface ResourcedConfig {
  name: string;
  listen: { host: string; port: number };
  /** Principals → secrets for callers (users, and the hostds that register). */
  secret: Record<string, string>;
  upgraders: string[];
  auditLog?: string;
  folders: { patches: string };
  hosts: {
    /** The secret resourced sends to a hostd, by host id; `defaultSecret` for the rest. */
    secrets: Record<string, string>;
    defaultSecret?: string;
    /** Principals allowed to call register_host and heartbeat; undefined = any authenticated caller. */
    principals?: string[];
    /** A host that has not sent a heartbeat for this long is dropped. */
    heartbeatTimeoutMs: number;
    /** Per-call timeout towards hostd, and how long a create_pm/delete_pm task may take. */
    callTimeoutMs: number;
    taskTimeoutMs: number;
    pollMs: number;
    /** Memory kept back from a host's total when no heartbeat has reported free memory yet. */
    reserveMiB: number;
  };
  pm: PmDefaults;
  /** Guest names are `<prefix>-<allocation id>-<n>-<module>`. */
  pmPrefix: string;
  /** The bridge every PM vif is put on (openflowd steers traffic between them). */
  bridge: string;
  /** The switch whose flows steer traffic through installed allocations (openflowd); none: PMs only. */
  switch?: SwitchConfig;
  platform: { hostLinkMbps: number; internalMbps: number; uplinkMbps: number; linkDelay: number; internalDelay: number };
  placement: { timeLimitMs: number; seed: number };
  /** click-elements.json for deploy_pm's checker; null: syntax and structure only. Default: clickos-build's. */
  catalog?: string | null;
}

/** ovs-ofctl on this machine, or on the switch host over SSH (key and host key files). */
export type SwitchConfig =
  | { driver: 'ofctl'; target: string }
  | { driver: 'ssh'; target: string; host: string; port: number; username: string; privateKeyFile: string; hostKeyFile?: string };

export class ConfigError extends Error {}

type Obj = Record<string, unknown>;
const SECRET_RE = /^[\x21-\x7e]{16,512}$/;
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/;

class Checker {
  readonly problems: string[] = [];
  constructor(private readonly base: string) {}

  obj(v: unknown, path: string, keys: string[]): Obj | undefined {
    if (v === undefined) return undefined;
    if (v === null || typeof v !== 'object' || Array.isArray(v)) {
      this.problems.push(`${path}: expected an object`);
      return undefined;
    }
    for (const k of Object.keys(v)) if (!keys.includes(k)) this.problems.push(`${path}.${k}: unknown key`);
    return v as Obj;
  }
  num(o: Obj | undefined, k: string, path: string, min: number, max: number, int = false): number | undefined {
    const v = o?.[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !(v >= min && v <= max) || (int && !Number.isInteger(v))) {
      this.problems.push(`${path}.${k}: expected ${int ? 'an integer' : 'a number'} in ${min}..${max}`);
      return undefined;
    }
    return v;
  }
  str(o: Obj | undefined, k: string, path: string, re: RegExp, what: string): string | undefined {
    const v = o?.[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || !re.test(v)) {
      this.problems.push(`${path}.${k}: expected ${what}`);
      return undefined;
    }
    return v;
  }
  path(o: Obj | undefined, k: string, path: string): string | undefined {
    const v = this.str(o, k, path, /^.+$/, 'a path');
    return v === undefined ? undefined : isAbsolute(v) ? v : resolve(this.base, v);
  }
  async secretValue(v: unknown, path: string): Promise<string | undefined> {
    let s = v;
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && typeof (v as Obj).file === 'string') {
      const f = (v as Obj).file as string;
      try {
        s = (await readFile(isAbsolute(f) ? f : resolve(this.base, f), 'utf8')).replace(/\r?\n$/, '');
      } catch (e) {
        this.problems.push(`${path}: cannot read ${f}: ${(e as Error).message}`);
        return undefined;
      }
    }
    if (typeof s !== 'string' || !SECRET_RE.test(s)) {
      this.problems.push(`${path}: a secret is 16-512 printable ASCII characters without spaces (or {"file": path})`);
      return undefined;
    }
    return s;
  }
}

/** Checks a parsed config object; `configPath` anchors relative paths. Throws a ConfigError listing every problem. */
export async function parseConfig(raw: unknown, configPath = DEFAULT_CONFIG_PATH): Promise<ResourcedConfig> {
  const c = new Checker(dirname(configPath));
  const top = c.obj(raw ?? null, 'config', ['name', 'listen', 'secret', 'upgraders', 'auditLog', 'folders', 'hosts', 'pm', 'pmPrefix', 'bridge', 'switch', 'platform', 'placement', 'catalog']) ?? {};
  const listen = c.obj(top.listen, 'config.listen', ['host', 'port']);
  const folders = c.obj(top.folders, 'config.folders', ['patches']);
  const hosts = c.obj(top.hosts, 'config.hosts', ['secrets', 'defaultSecret', 'principals', 'heartbeatTimeoutMs', 'callTimeoutMs', 'taskTimeoutMs', 'pollMs', 'reserveMiB']);
  const pm = c.obj(top.pm, 'config.pm', ['cpu', 'memoryMiB', 'bandwidthMbps']);
  const platform = c.obj(top.platform, 'config.platform', ['hostLinkMbps', 'internalMbps', 'uplinkMbps', 'linkDelay', 'internalDelay']);
  const placement = c.obj(top.placement, 'config.placement', ['timeLimitMs', 'seed']);

  // secret: one string (principal "client") or {principal: secret | {file}}.
  const secret: Record<string, string> = {};
  if (top.secret === undefined) c.problems.push('config.secret: required');
  else if (typeof top.secret === 'string') {
    const v = await c.secretValue(top.secret, 'config.secret');
    if (v) secret.client = v;
  } else {
    const o = c.obj(top.secret, 'config.secret', Object.keys((top.secret as Obj) ?? {})) ?? {};
    for (const [k, v] of Object.entries(o)) {
      if (!/^[A-Za-z0-9_-]{1,64}$/.test(k)) c.problems.push(`config.secret.${k}: principal names are [A-Za-z0-9_-]{1,64}`);
      const s = await c.secretValue(v, `config.secret.${k}`);
      if (s) secret[k] = s;
    }
    if (Object.keys(o).length === 0) c.problems.push('config.secret: at least one principal');
  }

  const hostSecrets: Record<string, string> = {};
  const hs = c.obj(hosts?.secrets, 'config.hosts.secrets', Object.keys((hosts?.secrets as Obj) ?? {}));
  for (const [k, v] of Object.entries(hs ?? {})) {
    const s = await c.secretValue(v, `config.hosts.secrets.${k}`);
    if (s) hostSecrets[k] = s;
  }
  const defaultSecret = hosts?.defaultSecret === undefined ? undefined : await c.secretValue(hosts.defaultSecret, 'config.hosts.defaultSecret');

  let principals: string[] | undefined;
  if (hosts?.principals !== undefined) {
    if (!Array.isArray(hosts.principals) || hosts.principals.some((u) => typeof u !== 'string' || !(u in secret))) c.problems.push('config.hosts.principals: expected an array of principals named in config.secret');
    else principals = hosts.principals as string[];
  }
  let upgraders: string[] = [];
  if (top.upgraders !== undefined) {
    if (!Array.isArray(top.upgraders) || top.upgraders.some((u) => typeof u !== 'string')) c.problems.push('config.upgraders: expected an array of principal names');
    else upgraders = top.upgraders as string[];
  }
  const catalog = top.catalog === null ? null : c.path(top, 'catalog', 'config');

  const config: ResourcedConfig = {
    name: c.str(top, 'name', 'config', /^[A-Za-z0-9_-]{1,64}$/, 'a daemon name ([A-Za-z0-9_-]{1,64})') ?? 'resourced',
    listen: {
      host: c.str(listen, 'host', 'config.listen', /^[^\s]+$/, 'an address') ?? '127.0.0.1',
      port: c.num(listen, 'port', 'config.listen', 0, 65535, true) ?? 7020,
    },
    secret,
    upgraders,
    folders: { patches: c.path(folders, 'patches', 'config.folders') ?? '/var/lib/clickos/resourced' },
    hosts: {
      secrets: hostSecrets,
      ...(defaultSecret ? { defaultSecret } : {}),
      ...(principals ? { principals } : {}),
      heartbeatTimeoutMs: c.num(hosts, 'heartbeatTimeoutMs', 'config.hosts', 100, 86_400_000, true) ?? 35_000,
      callTimeoutMs: c.num(hosts, 'callTimeoutMs', 'config.hosts', 100, 3_600_000, true) ?? 30_000,
      taskTimeoutMs: c.num(hosts, 'taskTimeoutMs', 'config.hosts', 100, 86_400_000, true) ?? 600_000,
      pollMs: c.num(hosts, 'pollMs', 'config.hosts', 10, 60_000, true) ?? 500,
      reserveMiB: c.num(hosts, 'reserveMiB', 'config.hosts', 0, 1 << 24, true) ?? 512,
    },
    pm: {
      cpu: c.num(pm, 'cpu', 'config.pm', 0, 1024) ?? 0.25,
      memoryMiB: c.num(pm, 'memoryMiB', 'config.pm', 8, 1 << 20, true) ?? 16,
      bandwidthMbps: c.num(pm, 'bandwidthMbps', 'config.pm', 0, 1e7) ?? 100,
    },
    pmPrefix: c.str(top, 'pmPrefix', 'config', NAME_RE, 'a name prefix ([A-Za-z0-9][A-Za-z0-9_.-]{0,31})') ?? 'rd',
    bridge: c.str(top, 'bridge', 'config', /^[A-Za-z0-9_.-]{1,15}$/, 'a bridge name (1-15 of A-Za-z0-9_.-)') ?? 'xenbr0',
    platform: {
      hostLinkMbps: c.num(platform, 'hostLinkMbps', 'config.platform', 1, 1e7) ?? 1000,
      internalMbps: c.num(platform, 'internalMbps', 'config.platform', 1, 1e7) ?? 10_000,
      uplinkMbps: c.num(platform, 'uplinkMbps', 'config.platform', 1, 1e7) ?? 10_000,
      linkDelay: c.num(platform, 'linkDelay', 'config.platform', 0, 1e6, true) ?? 1,
      internalDelay: c.num(platform, 'internalDelay', 'config.platform', 0, 1e6, true) ?? 1,
    },
    placement: {
      timeLimitMs: c.num(placement, 'timeLimitMs', 'config.placement', 1, 600_000, true) ?? 2000,
      seed: c.num(placement, 'seed', 'config.placement', 0, 2 ** 31 - 1, true) ?? 1,
    },
    ...(catalog !== undefined ? { catalog } : {}),
  };
  if (top.switch !== undefined) {
    const sw = c.obj(top.switch, 'config.switch', ['driver', 'target', 'host', 'port', 'username', 'privateKeyFile', 'hostKeyFile']);
    const target = c.str(sw, 'target', 'config.switch', /^[^\s]{1,200}$/, 'a bridge name or ovs-ofctl target');
    if (sw && sw.target === undefined) c.problems.push('config.switch.target: required (the bridge, or an ovs-ofctl target)');
    if (sw?.driver === 'ofctl' && target) config.switch = { driver: 'ofctl', target };
    else if (sw?.driver === 'ssh') {
      const host = c.str(sw, 'host', 'config.switch', /^[^\s]{1,255}$/, 'a host name or address');
      const username = c.str(sw, 'username', 'config.switch', /^[A-Za-z0-9_.-]{1,64}$/, 'a user name');
      const privateKeyFile = c.path(sw, 'privateKeyFile', 'config.switch');
      const hostKeyFile = c.path(sw, 'hostKeyFile', 'config.switch');
      const port = c.num(sw, 'port', 'config.switch', 1, 65535, true) ?? 22;
      if (!host || !username || !privateKeyFile) c.problems.push('config.switch: the ssh driver needs host, username and privateKeyFile');
      else if (target) config.switch = { driver: 'ssh', target, host, port, username, privateKeyFile, ...(hostKeyFile ? { hostKeyFile } : {}) };
    } else if (sw) c.problems.push(`config.switch.driver: expected "ofctl" or "ssh"`);
  }
  const audit = c.path(top, 'auditLog', 'config');
  if (audit) config.auditLog = audit;
  if (c.problems.length) throw new ConfigError(`${configPath}: ${c.problems.length} problem(s):\n  ${c.problems.join('\n  ')}`);
  return config;
}

export async function loadConfig(path = DEFAULT_CONFIG_PATH): Promise<ResourcedConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read ${path}: ${(e as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`${path}: not JSON: ${(e as Error).message}`);
  }
  return parseConfig(raw, path);
}

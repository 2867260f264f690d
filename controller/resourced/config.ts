// resourced's configuration: one JSON file (default /etc/clickos/resourced.json),
// checked completely at start (daemon/config-file.ts) so every problem is listed at once.
import { dirname } from 'node:path';
import { ConfigChecker, ConfigError, SECRET_RE, loadConfigFile, type ConfigObject } from '../../daemon/config-file.js';

export { ConfigError };

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

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/;

/** The shared checks plus resourced's secret shape: a string, or {"file": path}. */
class Checker extends ConfigChecker {
  async secretValue(v: unknown, path: string): Promise<string | undefined> {
    let s = v;
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && typeof (v as ConfigObject).file === 'string') {
      const f = (v as ConfigObject).file as string;
      try {
        s = await this.readSecret(f);
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
    const o = c.obj(top.secret, 'config.secret', Object.keys((top.secret as ConfigObject) ?? {})) ?? {};
    for (const [k, v] of Object.entries(o)) {
      if (!/^[A-Za-z0-9_-]{1,64}$/.test(k)) c.problems.push(`config.secret.${k}: principal names are [A-Za-z0-9_-]{1,64}`);
      const s = await c.secretValue(v, `config.secret.${k}`);
      if (s) secret[k] = s;
    }
    if (Object.keys(o).length === 0) c.problems.push('config.secret: at least one principal');
  }

  const hostSecrets: Record<string, string> = {};
  const hs = c.obj(hosts?.secrets, 'config.hosts.secrets', Object.keys((hosts?.secrets as ConfigObject) ?? {}));
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
  const catalog = top.catalog === null ? null : c.file(top, 'catalog', 'config');

  const config: ResourcedConfig = {
    name: c.str(top, 'name', 'config', /^[A-Za-z0-9_-]{1,64}$/, 'a daemon name ([A-Za-z0-9_-]{1,64})') ?? 'resourced',
    listen: {
      host: c.str(listen, 'host', 'config.listen', /^[^\s]+$/, 'an address') ?? '127.0.0.1',
      port: c.int(listen, 'port', 'config.listen', 0, 65535) ?? 7020,
    },
    secret,
    upgraders,
    folders: { patches: c.file(folders, 'patches', 'config.folders') ?? '/var/lib/clickos/resourced' },
    hosts: {
      secrets: hostSecrets,
      ...(defaultSecret ? { defaultSecret } : {}),
      ...(principals ? { principals } : {}),
      heartbeatTimeoutMs: c.int(hosts, 'heartbeatTimeoutMs', 'config.hosts', 100, 86_400_000) ?? 35_000,
      callTimeoutMs: c.int(hosts, 'callTimeoutMs', 'config.hosts', 100, 3_600_000) ?? 30_000,
      taskTimeoutMs: c.int(hosts, 'taskTimeoutMs', 'config.hosts', 100, 86_400_000) ?? 600_000,
      pollMs: c.int(hosts, 'pollMs', 'config.hosts', 10, 60_000) ?? 500,
      reserveMiB: c.int(hosts, 'reserveMiB', 'config.hosts', 0, 1 << 24) ?? 512,
    },
    pm: {
      cpu: c.num(pm, 'cpu', 'config.pm', 0, 1024) ?? 0.25,
      memoryMiB: c.int(pm, 'memoryMiB', 'config.pm', 8, 1 << 20) ?? 16,
      bandwidthMbps: c.num(pm, 'bandwidthMbps', 'config.pm', 0, 1e7) ?? 100,
    },
    pmPrefix: c.str(top, 'pmPrefix', 'config', NAME_RE, 'a name prefix ([A-Za-z0-9][A-Za-z0-9_.-]{0,31})') ?? 'rd',
    bridge: c.str(top, 'bridge', 'config', /^[A-Za-z0-9_.-]{1,15}$/, 'a bridge name (1-15 of A-Za-z0-9_.-)') ?? 'xenbr0',
    platform: {
      hostLinkMbps: c.num(platform, 'hostLinkMbps', 'config.platform', 1, 1e7) ?? 1000,
      internalMbps: c.num(platform, 'internalMbps', 'config.platform', 1, 1e7) ?? 10_000,
      uplinkMbps: c.num(platform, 'uplinkMbps', 'config.platform', 1, 1e7) ?? 10_000,
      linkDelay: c.int(platform, 'linkDelay', 'config.platform', 0, 1e6) ?? 1,
      internalDelay: c.int(platform, 'internalDelay', 'config.platform', 0, 1e6) ?? 1,
    },
    placement: {
      timeLimitMs: c.int(placement, 'timeLimitMs', 'config.placement', 1, 600_000) ?? 2000,
      seed: c.int(placement, 'seed', 'config.placement', 0, 2 ** 31 - 1) ?? 1,
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
      const privateKeyFile = c.file(sw, 'privateKeyFile', 'config.switch');
      const hostKeyFile = c.file(sw, 'hostKeyFile', 'config.switch');
      const port = c.int(sw, 'port', 'config.switch', 1, 65535) ?? 22;
      if (!host || !username || !privateKeyFile) c.problems.push('config.switch: the ssh driver needs host, username and privateKeyFile');
      else if (target) config.switch = { driver: 'ssh', target, host, port, username, privateKeyFile, ...(hostKeyFile ? { hostKeyFile } : {}) };
    } else if (sw) c.problems.push(`config.switch.driver: expected "ofctl" or "ssh"`);
  }
  const audit = c.file(top, 'auditLog', 'config');
  if (audit) config.auditLog = audit;
  if (c.problems.length) throw new ConfigError('resourced', c.problems);
  return config;
}

/** Reads and checks the file; JSON syntax errors are ConfigErrors too. */
export function loadConfig(path = DEFAULT_CONFIG_PATH): Promise<ResourcedConfig> {
  return loadConfigFile('resourced', path, parseConfig);
}

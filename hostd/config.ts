// hostd's configuration: one JSON file (default /etc/clickos/hostd.json), checked
// completely at start (daemon/config-file.ts) so a typo stops the daemon with every
// problem listed, instead of surfacing later as a guest that cannot be created.
import { dirname } from 'node:path';
import { ConfigChecker, ConfigError, SECRET_RE, loadConfigFile, type ConfigObject } from '../daemon/config-file.js';

export { ConfigError };

export const DEFAULT_CONFIG_PATH = '/etc/clickos/hostd.json';

export interface VifConfig {
  bridge: string;
  mac?: string;
}

export interface HostdConfig {
  /** The daemon's name: also what marks its guests in XenStore (see registry.ts). */
  name: string;
  /** Reported to the controller; default the machine's hostname. */
  hostId?: string;
  listen: { host: string; port: number };
  /** The shared secret clients send as `Authorization: Bearer …` (read from secretFile when given). */
  secret: string;
  /** Principals allowed to call `upgrade`: [] disables hot-patching (the default). */
  upgraders: string[];
  auditLog?: string;
  folders: {
    /**
     * Searched before hostd's shipped modules (dist/hostd/{commands,tasks}), and where
     * `upgrade` writes, so the installed code stays read-only (default /var/lib/clickos/hostd).
     */
    patches: string;
  };
  guests: {
    kernel: string;
    ramdisk?: string;
    extra?: string;
    memory: number;
    /** Kernels a create_pm may name besides the default (absolute paths). */
    allowedKernels: string[];
    maxMemoryMiB: number;
    maxConfigBytes: number;
    vifs: VifConfig[];
    bootTimeoutMs: number;
    initGraceMs: number;
    handlerTimeoutMs: number;
    consoleLogDir?: string;
  };
  pool?: {
    size: number;
    prefix: string;
    maxMemoryMiB?: number;
    hostReserveMiB?: number;
    /** The pool's template; missing fields come from `guests`. */
    template: { kernel: string; ramdisk?: string; extra?: string; memory: number; vifs: VifConfig[] };
  };
  controller?: {
    url: string;
    secret: string;
    heartbeatSeconds: number;
    /** The URL the controller should call this hostd back on (default derived from listen). */
    advertiseUrl?: string;
  };
  /** Use `xentop -b` for per-guest CPU% in host_stats (default true; off when xentop is missing). */
  xentop: boolean;
}

// The same rules the toolstack applies (toolstack/validate.ts), repeated as
// patterns so every problem is reported at once instead of the first thrown.
export const NAME_RE = /^(?!.*\.\.)[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
export const BRIDGE_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$/;
/** Unicast (the first octet's low bit clear), as a vif needs. */
export const MAC_RE = /^[0-9a-fA-F][02468aceACE](:[0-9a-fA-F]{2}){5}$/;
export const PATH_RE = /^(?!.*\/\.\.(\/|$))\/[A-Za-z0-9_./+-]+$/;

/** The shared checks plus hostd's own shapes: vifs, and a secret given as `secret` or `secretFile`. */
class Checker extends ConfigChecker {
  vifs(v: unknown, path: string): VifConfig[] | undefined {
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || v.length > 8) {
      this.problems.push(`${path}: expected an array of at most 8 vifs`);
      return undefined;
    }
    return v.map((x, i) => {
      const o = this.obj(x, `${path}[${i}]`, ['bridge', 'mac']) ?? {};
      const bridge = this.str(o, 'bridge', `${path}[${i}]`, BRIDGE_RE, 'a bridge name (1-15 of A-Z a-z 0-9 _ . -)');
      if (o.bridge === undefined) this.problems.push(`${path}[${i}].bridge: required`);
      const mac = this.str(o, 'mac', `${path}[${i}]`, MAC_RE, 'a unicast MAC xx:xx:xx:xx:xx:xx');
      return { bridge: bridge ?? '', ...(mac ? { mac: mac.toLowerCase() } : {}) };
    });
  }

  /** A secret given inline or as a file; exactly one. */
  async secret(o: ConfigObject | undefined, path: string): Promise<string | undefined> {
    const inline = o?.secret;
    const file = this.file(o, 'secretFile', path);
    if ((inline === undefined) === (file === undefined)) {
      this.problems.push(`${path}: give exactly one of secret and secretFile`);
      return undefined;
    }
    let v = inline;
    if (file !== undefined) {
      try {
        v = await this.readSecret(file);
      } catch (e) {
        this.problems.push(`${path}.secretFile: cannot read ${file}: ${(e as Error).message}`);
        return undefined;
      }
    }
    if (typeof v !== 'string' || !SECRET_RE.test(v)) {
      this.problems.push(`${path}: the secret must be 16-512 printable ASCII characters without spaces`);
      return undefined;
    }
    return v;
  }
}

/**
 * Checks a parsed config object; `configPath` anchors relative paths. Throws a
 * ConfigError listing every problem.
 */
export async function parseConfig(raw: unknown, configPath = DEFAULT_CONFIG_PATH): Promise<HostdConfig> {
  const c = new Checker(dirname(configPath));
  const top = c.obj(raw ?? null, 'config', ['name', 'hostId', 'listen', 'secret', 'secretFile', 'upgraders', 'auditLog', 'folders', 'guests', 'pool', 'controller', 'xentop']) ?? {};
  const name = c.str(top, 'name', 'config', /^[A-Za-z0-9_-]{1,64}$/) ?? 'hostd';
  const hostId = c.str(top, 'hostId', 'config', /^[A-Za-z0-9_.-]{1,64}$/);
  const listenO = c.obj(top.listen, 'config.listen', ['host', 'port']);
  const listen = {
    host: c.str(listenO, 'host', 'config.listen', /^[A-Za-z0-9.:-]{1,255}$/, 'an address') ?? '127.0.0.1',
    port: c.int(listenO, 'port', 'config.listen', 0, 65535) ?? 7010,
  };
  const secret = await c.secret(top, 'config');
  let upgraders: string[] = [];
  if (top.upgraders !== undefined) {
    if (!Array.isArray(top.upgraders) || !top.upgraders.every((u) => typeof u === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(u))) {
      c.problems.push('config.upgraders: expected an array of principal names');
    } else upgraders = top.upgraders as string[];
  }
  const auditLog = c.file(top, 'auditLog', 'config');
  const foldersO = c.obj(top.folders, 'config.folders', ['patches']);
  const folders = { patches: c.file(foldersO, 'patches', 'config.folders') ?? '/var/lib/clickos/hostd' };

  const gO = c.obj(top.guests, 'config.guests', ['kernel', 'ramdisk', 'extra', 'memory', 'allowedKernels', 'maxMemoryMiB', 'maxConfigBytes', 'vifs', 'bootTimeoutMs', 'initGraceMs', 'handlerTimeoutMs', 'consoleLogDir']);
  if (!gO) c.problems.push('config.guests: required (at least guests.kernel)');
  const kernel = c.str(gO, 'kernel', 'config.guests', PATH_RE, 'an absolute path');
  if (gO && gO.kernel === undefined) c.problems.push('config.guests.kernel: required');
  const ramdisk = c.str(gO, 'ramdisk', 'config.guests', PATH_RE, 'an absolute path');
  const extra = c.str(gO, 'extra', 'config.guests', /^[^\n\0"\\]{0,1024}$/, 'a kernel command line without newline, NUL, quote or backslash');
  const maxMemoryMiB = c.int(gO, 'maxMemoryMiB', 'config.guests', 4, 1 << 20) ?? 1024;
  const memory = c.int(gO, 'memory', 'config.guests', 4, maxMemoryMiB) ?? Math.min(16, maxMemoryMiB);
  let allowedKernels: string[] = [];
  if (gO?.allowedKernels !== undefined) {
    if (!Array.isArray(gO.allowedKernels) || !gO.allowedKernels.every((k) => typeof k === 'string' && PATH_RE.test(k))) {
      c.problems.push('config.guests.allowedKernels: expected an array of absolute paths');
    } else allowedKernels = gO.allowedKernels as string[];
  }
  const guests: HostdConfig['guests'] = {
    kernel: kernel ?? '',
    ...(ramdisk !== undefined ? { ramdisk } : {}),
    ...(extra !== undefined ? { extra } : {}),
    memory,
    allowedKernels: [...new Set([kernel ?? '', ...allowedKernels])].filter(Boolean),
    maxMemoryMiB,
    maxConfigBytes: c.int(gO, 'maxConfigBytes', 'config.guests', 1, 256 * 1024) ?? 64 * 1024,
    vifs: c.vifs(gO?.vifs, 'config.guests.vifs') ?? [],
    bootTimeoutMs: c.int(gO, 'bootTimeoutMs', 'config.guests', 100, 3_600_000) ?? 60_000,
    initGraceMs: c.int(gO, 'initGraceMs', 'config.guests', 0, 600_000) ?? 3000,
    handlerTimeoutMs: c.int(gO, 'handlerTimeoutMs', 'config.guests', 100, 600_000) ?? 5000,
    ...(gO?.consoleLogDir !== undefined ? { consoleLogDir: c.str(gO, 'consoleLogDir', 'config.guests', PATH_RE, 'an absolute path') ?? '' } : {}),
  };

  let pool: HostdConfig['pool'];
  const pO = c.obj(top.pool, 'config.pool', ['size', 'prefix', 'maxMemoryMiB', 'hostReserveMiB', 'template']);
  if (pO) {
    const tO = c.obj(pO.template, 'config.pool.template', ['kernel', 'ramdisk', 'extra', 'memory', 'vifs']) ?? {};
    const tMaxMem = c.int(pO, 'maxMemoryMiB', 'config.pool', 0, 1 << 24);
    const reserve = c.int(pO, 'hostReserveMiB', 'config.pool', 0, 1 << 24);
    const tRamdisk = c.str(tO, 'ramdisk', 'config.pool.template', PATH_RE, 'an absolute path') ?? guests.ramdisk;
    const tExtra = c.str(tO, 'extra', 'config.pool.template', /^[^\n\0"\\]{0,1024}$/, 'a kernel command line without newline, NUL, quote or backslash') ?? guests.extra;
    pool = {
      size: c.int(pO, 'size', 'config.pool', 0, 256) ?? 0,
      prefix: c.str(pO, 'prefix', 'config.pool', /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,40}$/) ?? `${name}-pool`,
      ...(tMaxMem !== undefined ? { maxMemoryMiB: tMaxMem } : {}),
      ...(reserve !== undefined ? { hostReserveMiB: reserve } : {}),
      template: {
        kernel: c.str(tO, 'kernel', 'config.pool.template', PATH_RE, 'an absolute path') ?? guests.kernel,
        ...(tRamdisk !== undefined ? { ramdisk: tRamdisk } : {}),
        ...(tExtra !== undefined ? { extra: tExtra } : {}),
        memory: c.int(tO, 'memory', 'config.pool.template', 4, guests.maxMemoryMiB) ?? guests.memory,
        vifs: c.vifs(tO.vifs, 'config.pool.template.vifs') ?? guests.vifs,
      },
    };
    if (pO.size === undefined) c.problems.push('config.pool.size: required');
  }

  let controller: HostdConfig['controller'];
  const cO = c.obj(top.controller, 'config.controller', ['url', 'secret', 'secretFile', 'heartbeatSeconds', 'advertiseUrl']);
  if (cO) {
    const url = c.str(cO, 'url', 'config.controller', /^https?:\/\/[^\s]+$/, 'an http(s) URL');
    if (cO.url === undefined) c.problems.push('config.controller.url: required');
    const advertiseUrl = c.str(cO, 'advertiseUrl', 'config.controller', /^https?:\/\/[^\s]+$/, 'an http(s) URL');
    const csecret = await c.secret(cO, 'config.controller');
    controller = {
      url: url ?? '',
      secret: csecret ?? '',
      heartbeatSeconds: c.int(cO, 'heartbeatSeconds', 'config.controller', 1, 3600) ?? 10,
      ...(advertiseUrl ? { advertiseUrl } : {}),
    };
  }

  const xentop = c.bool(top, 'xentop', 'config') ?? true;
  if (c.problems.length > 0) throw new ConfigError('hostd', c.problems);
  return {
    name,
    ...(hostId ? { hostId } : {}),
    listen,
    secret: secret!,
    upgraders,
    ...(auditLog ? { auditLog } : {}),
    folders,
    guests,
    ...(pool ? { pool } : {}),
    ...(controller ? { controller } : {}),
    xentop,
  };
}

/** Reads and checks the file; JSON syntax errors are ConfigErrors too. */
export function loadConfig(path = DEFAULT_CONFIG_PATH): Promise<HostdConfig> {
  return loadConfigFile('hostd', path, parseConfig);
}

// hostd's configuration: one JSON file (default /etc/clickos/hostd.json), declared
// with daemon/config-file.ts's `cfg` and checked completely at start, so a typo stops
// the daemon with every problem listed, instead of surfacing later as a guest that
// cannot be created. Values share their rules with hostd's API (vifs, kernels, memory)
// and with toolstack/limits.ts.
import { s, type Infer } from '../daemon/index.js';
import { ConfigError, cfg, daemonKeys, loadConfigFile, readConfig, type ConfigType } from '../daemon/config-file.js';
import { ABSOLUTE_PATH_RE, HOST_ID_RE, HTTP_URL_RE, MAX_VIFS } from '../toolstack/limits.js';
import { MAX_CONFIG_CHARS, MEMORY_MIB, vif } from './api.js';

export { ConfigError };

export const DEFAULT_CONFIG_PATH = '/etc/clickos/hostd.json';

/** A vif as the config gives it: the same shape and rules as create_pm's (hostd/api.ts). */
export type VifConfig = Infer<typeof vif>;

const vifs = cfg.array(vif, `an array of at most ${MAX_VIFS} vifs [{bridge, mac?}] (bridge: 1-15 of A-Z a-z 0-9 _ . -, not starting with . or -; mac: a unicast MAC xx:xx:xx:xx:xx:xx)`, { max: MAX_VIFS });
const absPath = () => cfg.str(ABSOLUTE_PATH_RE, 'an absolute path');
const cmdline = () => cfg.str(/^[^\n\0"\\]{0,1024}$/, 'a kernel command line without newline, NUL, quote or backslash');
const url = () => cfg.str(HTTP_URL_RE, 'an http(s) URL');

/** The config file's keys: what each holds, its default, whether it is required. */
const schema = cfg.object({
  ...daemonKeys({ name: 'hostd', port: 7010, patches: '/var/lib/clickos/hostd' }),
  /** Reported to the controller; default the machine's hostname. */
  hostId: cfg.str(HOST_ID_RE, `a host id (${HOST_ID_RE.source})`),
  guests: cfg
    .object({
      kernel: absPath().need(),
      ramdisk: absPath(),
      extra: cmdline(),
      memory: cfg.int(MEMORY_MIB.min, MEMORY_MIB.max),
      allowedKernels: cfg.array(s.str({ pattern: ABSOLUTE_PATH_RE }), 'an array of absolute paths').default([]),
      maxMemoryMiB: cfg.int(MEMORY_MIB.min, MEMORY_MIB.max).default(1024),
      maxConfigBytes: cfg.int(1, MAX_CONFIG_CHARS).default(64 * 1024),
      vifs: vifs.default([]),
      bootTimeoutMs: cfg.int(100, 3_600_000).default(60_000),
      initGraceMs: cfg.int(0, 600_000).default(3000),
      handlerTimeoutMs: cfg.int(100, 600_000).default(5000),
      consoleLogDir: absPath(),
    })
    .need(),
  pool: cfg.object({
    size: cfg.int(0, 256).need(),
    prefix: cfg.str(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,40}$/),
    maxMemoryMiB: cfg.int(0, 1 << 24),
    hostReserveMiB: cfg.int(0, 1 << 24),
    /** Missing fields come from `guests`. */
    template: cfg.object({ kernel: absPath(), ramdisk: absPath(), extra: cmdline(), memory: cfg.int(MEMORY_MIB.min, MEMORY_MIB.max), vifs }).default({}),
  }),
  controller: cfg.object({
    /** resourced's URL; `urls` instead for a replicated controller (store: etcd): hostd registers and heartbeats with each. */
    url: url(),
    urls: cfg.array(s.str({ pattern: HTTP_URL_RE }), 'an array of http(s) URLs'),
    secret: cfg.secret().need(),
    heartbeatSeconds: cfg.int(1, 3600).default(10),
    /** The URL the controller should call this hostd back on (default derived from listen). */
    advertiseUrl: url(),
  }),
  /** Use `xentop -b` for per-guest CPU% in host_stats (off when xentop is missing). */
  xentop: cfg.bool().default(true),
});
type Raw = ConfigType<typeof schema>;

/** The config as hostd uses it: the file's values with the defaults that depend on other keys filled in. */
export type HostdConfig = Omit<Raw, 'guests' | 'pool'> & {
  guests: Raw['guests'] & { memory: number };
  pool?: Omit<NonNullable<Raw['pool']>, 'template' | 'prefix'> & {
    prefix: string;
    template: { kernel: string; ramdisk?: string; extra?: string; memory: number; vifs: VifConfig[] };
  };
};

/**
 * Checks a parsed config object; `configPath` anchors relative paths. Throws a
 * ConfigError listing every problem.
 */
export async function parseConfig(raw: unknown, configPath = DEFAULT_CONFIG_PATH): Promise<HostdConfig> {
  return readConfig('hostd', schema, raw, configPath, (c, problems) => {
    const g = c.guests;
    if (c.controller && !c.controller.url === !c.controller.urls?.length) problems.push('config.controller: give url, or urls for a replicated controller (one of the two)');
    if (g.memory !== undefined && g.memory > g.maxMemoryMiB) problems.push(`config.guests.memory: expected an integer from ${MEMORY_MIB.min} to ${g.maxMemoryMiB} (guests.maxMemoryMiB)`);
    if (c.pool?.template.memory !== undefined && c.pool.template.memory > g.maxMemoryMiB) problems.push(`config.pool.template.memory: expected an integer from ${MEMORY_MIB.min} to ${g.maxMemoryMiB} (guests.maxMemoryMiB)`);
  }).then((c) => {
    const g = c.guests;
    const memory = g.memory ?? Math.min(16, g.maxMemoryMiB);
    // The default kernel is always allowed.
    const guests = { ...g, memory, allowedKernels: [...new Set([g.kernel, ...g.allowedKernels])], vifs: g.vifs.map(lowerMac) };
    const { pool: p, ...rest } = c;
    if (!p) return { ...rest, guests };
    const t = p.template;
    const ramdisk = t.ramdisk ?? guests.ramdisk;
    const extra = t.extra ?? guests.extra;
    const pool = {
      ...p,
      prefix: p.prefix ?? `${c.name}-pool`,
      template: { kernel: t.kernel ?? guests.kernel, ...(ramdisk !== undefined ? { ramdisk } : {}), ...(extra !== undefined ? { extra } : {}), memory: t.memory ?? guests.memory, vifs: (t.vifs ?? guests.vifs).map(lowerMac) },
    };
    return { ...rest, guests, pool };
  });
}

const lowerMac = (v: VifConfig): VifConfig => ({ bridge: v.bridge, ...(v.mac ? { mac: v.mac.toLowerCase() } : {}) });

/** Reads and checks the file; JSON syntax errors are ConfigErrors too. */
export function loadConfig(path = DEFAULT_CONFIG_PATH): Promise<HostdConfig> {
  return loadConfigFile('hostd', path, parseConfig);
}

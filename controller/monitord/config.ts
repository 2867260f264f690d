// monitord's configuration: one JSON file (default /etc/clickos/monitord.json), declared
// with daemon/config-file.ts's `cfg` like the other daemons'. What it polls (each hostd,
// openflowd) and where it pushes (resourced's report_stats): controller/README.md.
import { ConfigError, cfg, daemonKeys, loadConfigFile, readConfig, type ConfigType } from '../../daemon/config-file.js';
import { s } from '../../daemon/index.js';
import { HOST_ID_RE, HTTP_URL_RE } from '../../toolstack/limits.js';

export { ConfigError };

export const DEFAULT_CONFIG_PATH = '/etc/clickos/monitord.json';

const endpoint = () => cfg.object({ url: cfg.str(HTTP_URL_RE, 'an http(s) URL').need(), secret: cfg.secret().need() });

const schema = cfg.object({
  ...daemonKeys({ name: 'monitord', port: 7050, patches: '/var/lib/clickos/monitord' }),
  /** Each hostd: its URL, the secret it takes, and the id it registered with at resourced. */
  hosts: cfg
    .array(s.struct({ url: s.str({ max: 2048, pattern: HTTP_URL_RE }), secret: s.str({ max: 1024, pattern: /^\S{16,}$/ }), hostId: s.optional(s.str({ max: 128, pattern: HOST_ID_RE })), name: s.optional(s.str({ max: 128 })) }), 'an array of {url, secret, hostId?, name?}', { max: 4096 })
    .default([]),
  /** openflowd: the switch's flow and port counters. */
  openflowd: endpoint(),
  /** resourced: each snapshot is pushed there (the secret of a principal in its monitor.principals). */
  resourced: endpoint(),
  intervalMs: cfg.int(100, 3_600_000).default(5000),
  timeoutMs: cfg.int(100, 600_000).default(5000),
});

export type MonitordConfig = ConfigType<typeof schema>;

/** Checks a parsed config object; throws a ConfigError listing every problem. */
export function parseConfig(raw: unknown, configPath = DEFAULT_CONFIG_PATH): Promise<MonitordConfig> {
  return readConfig('monitord', schema, raw, configPath);
}

export function loadConfig(path = DEFAULT_CONFIG_PATH): Promise<MonitordConfig> {
  return loadConfigFile('monitord', path, parseConfig);
}

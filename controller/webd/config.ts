// webd's configuration: one JSON file (default /etc/clickos/webd.json), declared with
// daemon/config-file.ts's `cfg` like every daemon's, checked whole at start.
// `secret` is every daemon's principals key: each principal logs in to the page with its
// secret; those named in `readOnly` may look but not act (controller/webd/README.md).
import { s } from '../../daemon/index.js';
import { ConfigError, cfg, loadConfigFile, readConfig, type ConfigType } from '../../daemon/config-file.js';
import { HOST_ID_RE, HTTP_URL_RE, PRINCIPAL_RE } from '../../toolstack/limits.js';

export { ConfigError };

export const DEFAULT_CONFIG_PATH = '/etc/clickos/webd.json';

const daemonLink = () => cfg.object({ url: cfg.str(HTTP_URL_RE, 'an http(s) URL').need(), secret: cfg.secret().need() });

const schema = cfg.object({
  name: cfg.str(PRINCIPAL_RE, `a daemon name (${PRINCIPAL_RE.source})`).default('webd'),
  listen: cfg.object({ host: cfg.str(/^[A-Za-z0-9.:-]{1,255}$/, 'an address').default('127.0.0.1'), port: cfg.int(0, 65535).default(7040) }).default({ host: '127.0.0.1', port: 7040 }),
  /** Who may log in: {principal: secret}, as every daemon's config.secret. */
  secret: cfg.principals().need(),
  /** Principals that may only look (the read-only role); the others are operators. */
  readOnly: cfg.array(s.str({ pattern: PRINCIPAL_RE }), 'an array of principals named in config.secret').default([]),
  auditLog: cfg.path(),
  /** HTTPS with this certificate and key (PEM files); plain HTTP otherwise. */
  tls: cfg.object({ cert: cfg.path().need(), key: cfg.path().need() }),
  /** The resource daemon webd reads and acts through (its own principal there). */
  resourced: daemonLink().need(),
  /** monitord's get_stats for host load and switch counters; none: the page shows no counters. */
  monitord: daemonLink(),
  /** The secret webd presents to each module host's hostd (by host id, defaultSecret for the rest): list_pms, routers, handlers. */
  hosts: cfg
    .object({
      secrets: cfg.map(cfg.secret(), HOST_ID_RE, `host ids are ${HOST_ID_RE.source}`).default({}),
      defaultSecret: cfg.secret(),
    })
    .default({ secrets: {} }),
  /** How often the snapshot the page streams is refreshed. */
  pollMs: cfg.int(100, 600_000).default(1000),
  /** A login lasts this long. */
  sessionSeconds: cfg.int(60, 7 * 86_400).default(8 * 3600),
  /** Per call to resourced, monitord or a hostd; how long an install may take. */
  callTimeoutMs: cfg.int(100, 3_600_000).default(10_000),
  taskTimeoutMs: cfg.int(100, 86_400_000).default(600_000),
});

export type WebdConfig = ConfigType<typeof schema>;

export async function parseConfig(raw: unknown, configPath = DEFAULT_CONFIG_PATH): Promise<WebdConfig> {
  return readConfig('webd', schema, raw, configPath, (c, problems) => {
    for (const p of c.readOnly) if (!(p in c.secret)) problems.push(`config.readOnly: ${p} is not a principal of config.secret`);
  });
}

export function loadConfig(path = DEFAULT_CONFIG_PATH): Promise<WebdConfig> {
  return loadConfigFile('webd', path, parseConfig);
}

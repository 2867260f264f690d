// resourced's configuration: one JSON file (default /etc/clickos/resourced.json),
// declared with daemon/config-file.ts's `cfg` (the mechanism hostd's config uses too)
// and checked completely at start, so every problem is listed at once.
import { s } from '../../daemon/index.js';
import { ConfigError, cfg, daemonKeys, loadConfigFile, readConfig, type ConfigType } from '../../daemon/config-file.js';
import { DEFAULT_STORE_PATH, type StoreConfig } from '../store/open.js';
import { BRIDGE_RE, HOST_ID_RE, HTTP_URL_RE, PRINCIPAL_RE } from '../../toolstack/limits.js';

export { ConfigError };

export const DEFAULT_CONFIG_PATH = '/etc/clickos/resourced.json';
export { DEFAULT_STORE_PATH };

/** ovs-ofctl on this machine, or on the switch host over SSH (key and host key files). */
export type SwitchConfig = (
  | { driver: 'ofctl'; target: string }
  | { driver: 'openflowd'; url: string; secret: string }
  | { driver: 'ssh'; target: string; host: string; port: number; username: string; privateKeyFile: string; hostKeyFile?: string }
) & {
  /**
   * host id → the switch port behind which that host's dom0 switch is joined (a trunk).
   * Such a host's vifs go on `bridge` tagged with a VLAN of their own, and the flows reach
   * them through the uplink with that tag (docs/two-host-lab.md). Other hosts' vifs are
   * ports of this switch itself.
   */
  uplinks: Record<string, string>;
  /** ovs-vsctl for the sFlow export balancer.learn turns on (ofctl, ssh): the bridge (default the target, when it is a bridge name) and ovsdb socket; openflowd has its own (controller/README.md "Sampling"). */
  vsctl?: { bridge?: string; db?: string };
};

const secrets = () => cfg.map(cfg.secret(), HOST_ID_RE, `host ids are ${HOST_ID_RE.source}`);

/** The config file's keys: what each holds, its default, whether it is required. */
const schema = cfg.object({
  ...daemonKeys({ name: 'resourced', port: 7020, patches: '/var/lib/clickos/resourced' }),
  hosts: cfg
    .object({
      /** The secret resourced sends to a hostd, by host id; `defaultSecret` for the rest. */
      secrets: secrets().default({}),
      defaultSecret: cfg.secret(),
      /** Principals allowed to call register_host and heartbeat; missing = any authenticated caller. */
      principals: cfg.array(s.str({ pattern: PRINCIPAL_RE }), 'an array of principals named in config.secret'),
      /** A host that has not sent a heartbeat for this long is dropped. */
      heartbeatTimeoutMs: cfg.int(100, 86_400_000).default(35_000),
      /** Per call towards hostd; how long a create_pm/delete_pm task may take; task.status polling. */
      callTimeoutMs: cfg.int(100, 3_600_000).default(30_000),
      taskTimeoutMs: cfg.int(100, 86_400_000).default(600_000),
      pollMs: cfg.int(10, 60_000).default(500),
    })
    .default({ secrets: {}, heartbeatTimeoutMs: 35_000, callTimeoutMs: 30_000, taskTimeoutMs: 600_000, pollMs: 500 }),
  /** Principals allowed to call report_stats (monitord): its figures steer placement, so nobody unless named. */
  monitor: cfg.object({ principals: cfg.array(s.str({ pattern: PRINCIPAL_RE }), 'an array of principals named in config.secret').default([]) }).default({ principals: [] }),
  /** cpu: cores a PM of a type that does not say is assumed to use; memoryMiB: given to each guest and counted by placement; bandwidthMbps: reserved per connection. */
  pm: cfg
    .object({ cpu: cfg.num(0, 1024).default(0.25), memoryMiB: cfg.int(8, 1 << 20).default(16), bandwidthMbps: cfg.num(0, 1e7).default(100) })
    .default({ cpu: 0.25, memoryMiB: 16, bandwidthMbps: 100 }),
  /** Guest names are `<prefix>-<allocation id>-<n>-<module>`. */
  pmPrefix: cfg.str(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/, 'a name prefix ([A-Za-z0-9][A-Za-z0-9_.-]{0,31})').default('rd'),
  /** The bridge every PM vif is put on (openflowd steers traffic between them). */
  bridge: cfg.str(BRIDGE_RE, 'a bridge name (1-15 of A-Za-z0-9_.-, not starting with . or -)').default('xenbr0'),
  switch: cfg.object({
    driver: cfg.str(/^(ofctl|ssh|openflowd)$/, '"ofctl", "ssh" or "openflowd"').need(),
    target: cfg.str(/^\S{1,200}$/, 'a bridge name or ovs-ofctl target'),
    /** driver "openflowd": the daemon's URL and the secret resourced presents to it. */
    url: cfg.str(HTTP_URL_RE, 'an http(s) URL'),
    secret: cfg.secret(),
    host: cfg.str(/^\S{1,255}$/, 'a host name or address'),
    port: cfg.int(1, 65535).default(22),
    username: cfg.str(/^[A-Za-z0-9_.-]{1,64}$/, 'a user name'),
    privateKeyFile: cfg.path(),
    hostKeyFile: cfg.path(),
    uplinks: cfg.map(cfg.str(BRIDGE_RE, 'a port name (1-15 of A-Za-z0-9_.-)'), HOST_ID_RE, `host ids are ${HOST_ID_RE.source}`).default({}),
    vsctl: cfg.object({ bridge: cfg.str(BRIDGE_RE, 'a bridge name'), db: cfg.str(/^(unix|tcp|ssl):\S{1,4000}$/, 'unix:PATH, tcp:HOST:PORT or ssl:HOST:PORT') }),
  }),
  platform: cfg
    .object({
      hostLinkMbps: cfg.num(1, 1e7).default(1000),
      internalMbps: cfg.num(1, 1e7).default(10_000),
      uplinkMbps: cfg.num(1, 1e7).default(10_000),
      linkDelay: cfg.int(0, 1e6).default(1),
      internalDelay: cfg.int(0, 1e6).default(1),
    })
    .default({ hostLinkMbps: 1000, internalMbps: 10_000, uplinkMbps: 10_000, linkDelay: 1, internalDelay: 1 }),
  placement: cfg
    .object({
      timeLimitMs: cfg.int(1, 600_000).default(2000),
      seed: cfg.int(0, 2 ** 31 - 1).default(1),
      /** Cores from measured load (platform-model.ts cpuCapacity); false: each host's CPU count and declared demand only. */
      measuredCpu: cfg.bool().default(true),
      /** Host links from measured PM traffic (platform-model.ts linkCapacity); false: hostLinkMbps and declared bandwidth only. */
      measuredTraffic: cfg.bool().default(true),
    })
    .default({ timeLimitMs: 2000, seed: 1, measuredCpu: true, measuredTraffic: true }),
  /**
   * Learning a balanced module's traffic (balanced-learning.ts, README "Learning the traffic"):
   * off by default. On: resourced runs an sFlow collector at collector.host:port, asks the
   * switch (openflowd's set_sampling) to sample 1 in samplingRate packets toward it while a
   * balanced allocation is installed, and each intervalMs closes a window and asks the trigger.
   */
  balancer: cfg
    .object({
      learn: cfg.bool().default(false),
      samplingRate: cfg.int(1, 1 << 30).default(100),
      intervalMs: cfg.int(100, 3_600_000).default(10_000),
      maxImbalance: cfg.num(1, 100).default(1.1),
      /** what a rebalance aims for; default halfway between 1 and maxImbalance (controller/balancer trigger.ts) */
      targetImbalance: cfg.num(1, 100),
      confirmations: cfg.int(1, 1000).default(2),
      minIntervalMs: cfg.int(0, 86_400_000).default(30_000),
      /** counters per /depth prefix of the balanced field */
      depth: cfg.int(1, 24).default(16),
      smoothing: cfg.num(0.01, 1).default(0.5),
      /** where the collector listens; the switch must reach it (e.g. a controller link's address) */
      collector: cfg.object({ host: cfg.str(/^[A-Za-z0-9.-]{1,253}$/, 'an IPv4 address or host name').default('127.0.0.1'), port: cfg.int(0, 65535).default(0) }).default({ host: '127.0.0.1', port: 0 }),
      /** the interface whose address the switch's datagrams carry as agent; default: the switch picks */
      agent: cfg.str(/^[A-Za-z0-9_.:-]{1,64}$/, 'an interface name or address'),
      /** bytes of each sampled frame the switch sends */
      header: cfg.int(18, 512).default(64),
    })
    .default({ learn: false, samplingRate: 100, intervalMs: 10_000, maxImbalance: 1.1, confirmations: 2, minIntervalMs: 30_000, depth: 16, smoothing: 0.5, collector: { host: '127.0.0.1', port: 0 }, header: 64 }),
  /**
   * Routed modules (IPRouter in a request; README "Routed modules"): with learn, each runs
   * the routing loop (controller/routing loop.ts) every binSeconds, offloading at most its
   * N heaviest prefixes to the switch; the samples come from the export balancer.* sets.
   */
  routing: cfg
    .object({
      learn: cfg.bool().default(false),
      binSeconds: cfg.num(0.1, 3600).default(10),
      /** TFO's hysteresis: a prefix replaces an offloaded one only when this many times heavier */
      factor: cfg.num(1, 1000).default(2),
    })
    .default({ learn: false, binSeconds: 10, factor: 2 }),
  /** click-elements.json for deploy_pm's checker; null: syntax and structure only. Default: clickos-build's. */
  catalog: cfg.path(),
  /** Where allocations, types and hosts are kept (controller/store/): SQLite by default; memory forgets them on exit. */
  store: cfg
    .object({
      kind: cfg.str(/^(sqlite|memory|etcd)$/, '"sqlite", "memory" or "etcd"').default('sqlite'),
      path: cfg.path().default(DEFAULT_STORE_PATH),
      /** etcd: the cluster's client URLs; the instances elect a leader with a lease of leaseSeconds. */
      endpoints: cfg.array(s.str({ pattern: HTTP_URL_RE }), 'an array of etcd client URLs (http://host:port)'),
      leaseSeconds: cfg.int(1, 600).default(5),
    })
    .default({ kind: 'sqlite', path: DEFAULT_STORE_PATH, leaseSeconds: 5 }),
});

type Raw = ConfigType<typeof schema>;

/** The config as resourced uses it: the file's values, the switch as the driver it names. */
export type ResourcedConfig = Omit<Raw, 'switch' | 'catalog' | 'store'> & {
  store: StoreConfig;
  /** The switch whose flows steer traffic through installed allocations (openflowd); none: PMs only. */
  switch?: SwitchConfig;
  /** click-elements.json for deploy_pm's checker; null: syntax and structure only; missing: clickos-build's. */
  catalog?: string | null;
};
/** Per-PM defaults for types deployed without their own demands. */
export type PmDefaults = ResourcedConfig['pm'];

/** Checks a parsed config object; `configPath` anchors relative paths. Throws a ConfigError listing every problem. */
export async function parseConfig(raw: unknown, configPath = DEFAULT_CONFIG_PATH): Promise<ResourcedConfig> {
  // catalog: null is a value of its own (no catalog), not a missing key.
  const noCatalog = raw !== null && typeof raw === 'object' && (raw as Record<string, unknown>).catalog === null;
  const input = noCatalog ? { ...(raw as Record<string, unknown>), catalog: undefined } : raw;
  const c = await readConfig('resourced', schema, input, configPath, (c, problems) => {
    const p = c.hosts.principals;
    if (p && p.some((u) => !(u in c.secret))) problems.push('config.hosts.principals: expected an array of principals named in config.secret');
    if (c.monitor.principals.some((u) => !(u in c.secret))) problems.push('config.monitor.principals: expected an array of principals named in config.secret');
    if (c.store.kind === 'etcd' && !c.store.endpoints?.length) problems.push('config.store: the etcd store needs endpoints');
    if (c.routing.learn && !c.switch) problems.push('config.routing.learn: the routing loop steers a switch: give config.switch');
    if (c.balancer.learn && !c.switch) problems.push('config.balancer.learn: learning steers a switch: give config.switch');
    if (c.balancer.targetImbalance !== undefined && c.balancer.targetImbalance > c.balancer.maxImbalance) problems.push('config.balancer.targetImbalance: above maxImbalance, a rebalance would fire again at once');
    if (c.switch?.driver === 'ssh' && (!c.switch.host || !c.switch.username || !c.switch.privateKeyFile)) problems.push('config.switch: the ssh driver needs host, username and privateKeyFile');
    if (c.switch && c.switch.driver !== 'openflowd' && !c.switch.target) problems.push(`config.switch: the ${c.switch.driver} driver needs target`);
    if (c.switch?.driver === 'openflowd' && (!c.switch.url || !c.switch.secret)) problems.push('config.switch: the openflowd driver needs url and secret');
    // A vif behind an uplink goes on "<bridge>.<vlan>" (vif-openvswitch's tag syntax), which must still be a bridge name.
    if (c.switch && Object.keys(c.switch.uplinks).length && (c.bridge.includes('.') || c.bridge.length > 10))
      problems.push(`config.bridge: with switch.uplinks, the bridge name must be at most 10 characters and have no '.' (its vifs go on "${c.bridge}.<vlan>")`);
  });
  const { switch: sw, catalog, store, ...rest } = c;
  return {
    ...rest,
    store: store.kind === 'memory' ? { kind: 'memory' } : store.kind === 'etcd' ? { kind: 'etcd', endpoints: store.endpoints ?? [], leaseSeconds: store.leaseSeconds } : { kind: 'sqlite', path: store.path },
    ...(noCatalog ? { catalog: null } : catalog !== undefined ? { catalog } : {}),
    ...(sw
      ? {
          switch:
            sw.driver === 'openflowd'
              ? { driver: 'openflowd' as const, url: sw.url!, secret: sw.secret!, uplinks: sw.uplinks }
              : sw.driver === 'ofctl'
              ? { driver: 'ofctl' as const, target: sw.target!, uplinks: sw.uplinks, ...vsctlOf(sw.vsctl) }
              : { driver: 'ssh' as const, target: sw.target!, host: sw.host!, port: sw.port, username: sw.username!, privateKeyFile: sw.privateKeyFile!, ...(sw.hostKeyFile ? { hostKeyFile: sw.hostKeyFile } : {}), uplinks: sw.uplinks, ...vsctlOf(sw.vsctl) },
        }
      : {}),
  };
}

/** switch.vsctl without its unset keys. */
function vsctlOf(v: { bridge?: string; db?: string } | undefined): { vsctl?: { bridge?: string; db?: string } } {
  return v ? { vsctl: { ...(v.bridge ? { bridge: v.bridge } : {}), ...(v.db ? { db: v.db } : {}) } } : {};
}

/** Reads and checks the file; JSON syntax errors are ConfigErrors too. */
export function loadConfig(path = DEFAULT_CONFIG_PATH): Promise<ResourcedConfig> {
  return loadConfigFile('resourced', path, parseConfig);
}

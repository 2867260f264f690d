// openflowd's configuration: one JSON file (default /etc/clickos/openflowd.json),
// declared with daemon/config-file.ts's `cfg` like hostd's and resourced's. The switch
// is resourced's SwitchConfig idea (controller/resourced/config.ts) plus the native
// driver and the name D3.2 §2.1.2's create_connections must give.
import { ConfigError, cfg, daemonKeys, loadConfigFile, readConfig, type ConfigType } from '../../daemon/config-file.js';
import { DEFAULT_FLOW_PRIORITY, DEFAULT_VLAN_BASE } from './flows.js';
import { BRIDGE_RE } from '../../toolstack/limits.js';

export { ConfigError };

export const DEFAULT_CONFIG_PATH = '/etc/clickos/openflowd.json';
/** The OpenFlow controller port switches connect to with the native driver. */
export const DEFAULT_OPENFLOW_PORT = 6653;

/** ovs-vsctl for the sFlow export (set_sampling): the bridge (default the target when it is a bridge name) and ovsdb-server's socket. */
export interface VsctlConfig {
  bridge?: string;
  db?: string;
}

/** ovs-ofctl here or over SSH, or our OpenFlow channel the switch connects to. */
export type SwitchConfig = { name: string; vsctl?: VsctlConfig } & (
  | { driver: 'ofctl'; target: string }
  | { driver: 'ssh'; target: string; host: string; port: number; username: string; privateKeyFile: string; hostKeyFile?: string }
  | { driver: 'native'; controller: { host: string; port: number } }
);

const schema = cfg.object({
  ...daemonKeys({ name: 'openflowd', port: 7040, patches: '/var/lib/clickos/openflowd' }),
  switch: cfg
    .object({
      /** What create_connections' switch_name must be; default the target. */
      name: cfg.str(/^\S{1,255}$/, 'a switch name'),
      driver: cfg.str(/^(ofctl|ssh|native)$/, '"ofctl", "ssh" or "native"').need(),
      target: cfg.str(/^\S{1,200}$/, 'a bridge name or ovs-ofctl target'),
      host: cfg.str(/^\S{1,255}$/, 'a host name or address'),
      port: cfg.int(1, 65535).default(22),
      username: cfg.str(/^[A-Za-z0-9_.-]{1,64}$/, 'a user name'),
      privateKeyFile: cfg.path(),
      hostKeyFile: cfg.path(),
      /** native: where we listen for the switch (ovs-vsctl set-controller BR tcp:HOST:PORT). */
      controller: cfg
        .object({ host: cfg.str(/^[A-Za-z0-9.:-]{1,255}$/, 'an address').default('127.0.0.1'), port: cfg.int(0, 65535).default(DEFAULT_OPENFLOW_PORT) })
        .default({ host: '127.0.0.1', port: DEFAULT_OPENFLOW_PORT }),
      /** ovs-vsctl for set_sampling (sFlow is an OVSDB column, not OpenFlow): run where ovs-ofctl runs; with native, here. */
      vsctl: cfg.object({ bridge: cfg.str(BRIDGE_RE, 'a bridge name'), db: cfg.str(/^(unix|tcp|ssl):\S{1,4000}$/, 'unix:PATH, tcp:HOST:PORT or ssl:HOST:PORT') }),
    })
    .need(),
  /** How flows are planned (flows.ts FlowPlanOptions). */
  flows: cfg
    .object({
      priority: cfg.int(0, 65535).default(DEFAULT_FLOW_PRIORITY),
      vlanBase: cfg.int(1, 4094).default(DEFAULT_VLAN_BASE),
      table: cfg.int(0, 254).default(0),
      /** Where a FromNet without in_port enters; missing: such a FromNet is refused. */
      networkPort: cfg.int(1, 0xffffff00),
    })
    .default({ priority: DEFAULT_FLOW_PRIORITY, vlanBase: DEFAULT_VLAN_BASE, table: 0 }),
});

type Raw = ConfigType<typeof schema>;

export type OpenflowdConfig = Omit<Raw, 'switch'> & { switch: SwitchConfig };

/** Checks a parsed config object; `configPath` anchors relative paths. Throws a ConfigError listing every problem. */
export async function parseConfig(raw: unknown, configPath = DEFAULT_CONFIG_PATH): Promise<OpenflowdConfig> {
  const c = await readConfig('openflowd', schema, raw, configPath, (c, problems) => {
    const sw = c.switch;
    if (sw.driver !== 'native' && !sw.target) problems.push(`config.switch: the ${sw.driver} driver needs target`);
    if (sw.driver === 'ssh' && (!sw.host || !sw.username || !sw.privateKeyFile)) problems.push('config.switch: the ssh driver needs host, username and privateKeyFile');
    if (sw.driver === 'native' && !sw.name) problems.push('config.switch: the native driver has no target to name the switch by: give name');
    if (sw.driver === 'native' && sw.vsctl && !sw.vsctl.bridge) problems.push('config.switch.vsctl: the native driver has no target to take the bridge from: give bridge');
  });
  const { switch: sw, ...rest } = c;
  const name = sw.name ?? sw.target!;
  const vsctl = sw.vsctl ? { vsctl: { ...(sw.vsctl.bridge ? { bridge: sw.vsctl.bridge } : {}), ...(sw.vsctl.db ? { db: sw.vsctl.db } : {}) } } : {};
  const s: SwitchConfig =
    sw.driver === 'ofctl'
      ? { name, driver: 'ofctl', target: sw.target!, ...vsctl }
      : sw.driver === 'ssh'
        ? { name, driver: 'ssh', target: sw.target!, host: sw.host!, port: sw.port, username: sw.username!, privateKeyFile: sw.privateKeyFile!, ...(sw.hostKeyFile ? { hostKeyFile: sw.hostKeyFile } : {}), ...vsctl }
        : { name, driver: 'native', controller: sw.controller, ...vsctl };
  return { ...rest, switch: s };
}

export function loadConfig(path = DEFAULT_CONFIG_PATH): Promise<OpenflowdConfig> {
  return loadConfigFile('openflowd', path, parseConfig);
}

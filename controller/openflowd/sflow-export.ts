// Open vSwitch's sFlow export on the steered bridge (controller/README.md "Sampling"):
// ovs-vsctl through the same Runner as the driver's ovs-ofctl (this machine, or the
// switch host over SSH). OpenFlow cannot configure sFlow — it is a column of the bridge in
// OVSDB — so the native driver has no export unless openflowd's config names a bridge
// for ovs-vsctl here (switch.vsctl). Setting it again replaces the bridge's sFlow row
// (OVSDB drops the unreferenced one), clearing it twice is harmless: both are idempotent.
import { BRIDGE_RE } from '../../toolstack/limits.js';
import { sflowClearArgs, sflowVsctlArgs, SflowInputError } from '../sflow/sflow.js';
import { OfctlError, type Runner } from './ofctl-driver.js';

/** Where samples go: a collector "host:port", 1 in `rate` packets, the first `header` bytes of each. */
export interface SamplingOn {
  collector: string;
  rate: number;
  header?: number;
  /** the interface (or address) whose address the datagrams carry as agent; default: OVS picks */
  agent?: string;
}

/** The bridge, whether it exports, and each port's OpenFlow number with the ifindex sFlow reports it by. */
export interface SamplingState {
  bridge: string;
  enabled: boolean;
  collector?: string;
  rate?: number;
  ports: Array<{ port: number; name: string; ifindex: number }>;
}

/** openflowd cannot reach the switch's OVSDB (the native driver without switch.vsctl). */
export class SamplingUnsupportedError extends Error {
  override name = 'SamplingUnsupportedError';
}

const COLLECTOR_RE = /^[A-Za-z0-9.-]{1,253}:\d{1,5}$/;
const AGENT_RE = /^[A-Za-z0-9_.:-]{1,64}$/;

export interface SflowExportOptions {
  bridge: string;
  /** ovsdb-server's socket (ovs-vsctl --db); default ovs-vsctl's */
  db?: string;
  program?: string;
}

export class SflowExport {
  readonly bridge: string;

  constructor(
    private readonly run: Runner,
    private readonly o: SflowExportOptions,
  ) {
    if (!BRIDGE_RE.test(o.bridge)) throw new SflowInputError(`'${o.bridge}' is not a bridge name`);
    if (o.db !== undefined && !/^(unix|tcp|ssl):[A-Za-z0-9_./:@-]{1,4000}$/.test(o.db)) throw new SflowInputError(`ovsdb '${o.db}' is not unix:PATH / tcp:HOST:PORT`);
    this.bridge = o.bridge;
  }

  private async vsctl(args: string[]): Promise<string> {
    const r = await this.run([this.o.program ?? 'ovs-vsctl', ...(this.o.db ? [`--db=${this.o.db}`] : []), '--timeout=20', ...args]);
    if (r.exitCode !== 0) throw new OfctlError(`ovs-vsctl ${args.find((a) => !a.startsWith('-')) ?? ''} (bridge ${this.bridge}) failed: ${r.stderr.trim() || `exit ${r.exitCode}`}`);
    return r.stdout;
  }

  /** Turns the export on toward `on.collector` (replacing any), or off with null; answers the state after. */
  async set(on: SamplingOn | null): Promise<SamplingState> {
    if (on) {
      if (!COLLECTOR_RE.test(on.collector) || Number(on.collector.split(':').at(-1)) > 65535) throw new SflowInputError(`collector '${on.collector}' is not host:port`);
      if (on.agent !== undefined && !AGENT_RE.test(on.agent)) throw new SflowInputError(`agent '${on.agent}' is not an interface name or address`);
      if (on.header !== undefined && (!Number.isInteger(on.header) || on.header < 18 || on.header > 512)) throw new SflowInputError(`header ${on.header} is not 18..512 bytes`);
      await this.vsctl(sflowVsctlArgs(this.bridge, on.collector, { sampling: on.rate, header: on.header ?? 64, ...(on.agent ? { agent: on.agent } : {}) }));
    } else await this.vsctl(sflowClearArgs(this.bridge));
    return this.state();
  }

  /** What the bridge's sFlow row says, and its ports. */
  async state(): Promise<SamplingState> {
    const names = new Set((await this.vsctl(['list-ifaces', this.bridge])).split('\n').filter(Boolean));
    const table = JSON.parse(await this.vsctl(['--format=json', '--columns=name,ofport,ifindex', 'list', 'Interface'])) as { data: unknown[][] };
    const ports: SamplingState['ports'] = [];
    for (const [name, ofport, ifindex] of table.data) {
      // OVSDB JSON: an empty optional column is ["set", []]
      if (typeof name === 'string' && names.has(name) && typeof ofport === 'number' && ofport > 0) ports.push({ port: ofport, name, ifindex: typeof ifindex === 'number' ? ifindex : 0 });
    }
    ports.sort((a, b) => a.port - b.port);
    const row = (await this.vsctl(['get', 'bridge', this.bridge, 'sflow'])).trim();
    if (!/^[0-9a-f-]{36}$/.test(row)) return { bridge: this.bridge, enabled: false, ports };
    const [target, sampling] = (await this.vsctl(['get', 'sflow', row, 'targets', 'sampling'])).split('\n');
    const collector = (target ?? '').replace(/[[\]"]/g, '').trim();
    return { bridge: this.bridge, enabled: true, collector, ...(Number(sampling) > 0 ? { rate: Number(sampling) } : {}), ports };
  }
}

/** The bridge ovs-vsctl acts on for a driver target: the target itself when it is a bridge name. */
export function bridgeOfTarget(target: string): string | undefined {
  return BRIDGE_RE.test(target) ? target : undefined;
}

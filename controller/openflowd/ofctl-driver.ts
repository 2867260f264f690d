// The ovs-ofctl driver: each operation is one ovs-ofctl run (-O OpenFlow13, --no-names so
// ports print as numbers). How the command runs is a Runner: a local process here (toolstack/run.ts),
// ssh2 on a switch host in ssh-driver.ts; both share the commands and the parsing.
import { runProgram } from '../../toolstack/run.js';
import { BRIDGE_RE } from '../../toolstack/limits.js';
import { flowKey, type Flow, type FlowEntry, type PortDesc, type PortStats } from '../openflow/model.js';
import { FlowInstallError, type SwitchDriver } from './driver.js';
import { bridgeOfTarget, SflowExport, type SflowExportOptions } from './sflow-export.js';
import { flowLine, parseDumpFlows, parseDumpPorts, parsePortsDesc, refusedFlow, refusedFlowText } from './ofctl-syntax.js';

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs a program with an argument array (never a shell string here), stdin optional. */
export type Runner = (argv: string[], stdin?: string) => Promise<RunResult>;

export class OfctlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OfctlError';
  }
}

/** A bridge name (toolstack/limits.ts's rule) or an ovs-ofctl target such as unix:/run/openvswitch/br0.mgmt or tcp:host:6653. */
const TARGET_RE = new RegExp(`^(?:${BRIDGE_RE.source.replace(/^\^|\$$/g, '')}|(?:unix|tcp|ssl):[A-Za-z0-9_./:@-]{1,4000})$`);

export function checkTarget(target: string): string {
  if (!TARGET_RE.test(target))
    throw new OfctlError(`switch target '${target}' is neither a bridge name nor unix:PATH / tcp:HOST:PORT`);
  return target;
}

export class OfctlCommands implements SwitchDriver {
  private readonly target: string;
  sflow?: SflowExport;

  constructor(target: string, private readonly run: Runner, private readonly program = 'ovs-ofctl', private readonly onClose?: () => Promise<void>, vsctl?: Partial<SflowExportOptions>) {
    this.target = checkTarget(target);
    // ovs-vsctl through the same runner, on the target's bridge unless named (a unix: target names none)
    const bridge = vsctl?.bridge ?? bridgeOfTarget(target);
    if (bridge) this.sflow = new SflowExport(run, { ...vsctl, bridge });
  }

  private async ofctl(args: string[], stdin?: string): Promise<RunResult> {
    return this.run([this.program, '-O', 'OpenFlow13', '--no-names', ...args], stdin);
  }

  private async must(args: string[], stdin?: string): Promise<string> {
    const r = await this.ofctl(args, stdin);
    if (r.exitCode !== 0) throw new OfctlError(`ovs-ofctl ${args[0]} ${this.target} failed: ${r.stderr.trim() || `exit ${r.exitCode}`}`);
    return r.stdout;
  }

  async addFlows(cookie: bigint, flows: Flow[]): Promise<void> {
    // add-flows reads every line first, then sends them one by one: a refusal leaves
    // the earlier ones installed, hence the rollback
    const r = await this.ofctl(['add-flows', this.target, '-'], flows.map((f) => flowLine(cookie, f)).join('\n') + '\n');
    if (r.exitCode === 0) return;
    await this.deleteFlows(cookie).catch(() => {});
    const refused = refusedFlowText(r.stderr);
    const printed = refused ? refusedFlow(refused) : undefined;
    const flow = printed ? flows.find((f) => flowKey(f) === flowKey(printed)) : undefined;
    const reason = r.stderr.split('\n').find((l) => /OFPT_ERROR|ovs-ofctl:/.test(l))?.replace(/^.*?: /, '') ?? r.stderr.trim();
    throw new FlowInstallError(
      `switch refused ${refused ? `flow '${refused.trim()}'` : 'a flow'} of cookie 0x${cookie.toString(16)}: ${reason}; the cookie's flows were removed again`,
      cookie,
      flow,
    );
  }

  async deleteFlows(cookie: bigint): Promise<void> {
    await this.must(['del-flows', this.target, `cookie=0x${cookie.toString(16)}/-1`]);
  }

  async dumpFlows(): Promise<FlowEntry[]> {
    return parseDumpFlows(await this.must(['dump-flows', this.target]));
  }

  async portStats(): Promise<PortStats[]> {
    return parseDumpPorts(await this.must(['dump-ports', this.target]));
  }

  async ports(): Promise<PortDesc[]> {
    return parsePortsDesc(await this.must(['dump-ports-desc', this.target]));
  }

  async close(): Promise<void> {
    await this.onClose?.();
  }
}

export interface OfctlDriverOptions {
  /** bridge name or ovs-ofctl target (unix:/path/br.mgmt) */
  target: string;
  /** extra environment, e.g. OVS_RUNDIR for a private ovs-vswitchd */
  env?: Record<string, string>;
  program?: string;
  /** ovs-vsctl for the sFlow export: the bridge (default the target, when it is a bridge name) and ovsdb socket */
  vsctl?: Partial<SflowExportOptions>;
}

/** Runs programs on this machine (ovs-ofctl, ovs-vsctl), with `env` added. */
export function localRunner(env?: Record<string, string>): Runner {
  return async (argv, stdin) => {
    const r = await runProgram(argv[0]!, argv.slice(1), { input: stdin ?? '', env: env ? { ...process.env, ...env } : undefined, timeoutMs: 60_000 });
    return { exitCode: r.exitCode ?? 1, stdout: r.stdout, stderr: r.stderr || (r.spawnError?.message ?? (r.timedOut ? 'timed out' : '')) };
  };
}

/** ovs-ofctl on this machine. */
export function createOfctlDriver(o: OfctlDriverOptions): SwitchDriver {
  return new OfctlCommands(o.target, localRunner(o.env), o.program, undefined, o.vsctl);
}

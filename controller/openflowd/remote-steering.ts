// The Steering resourced uses when openflowd runs as a daemon of its own: the same
// install/remove/cookies as FlowSteering, over openflowd's XML-RPC API only (api.ts).
// Module vifs are resolved here, from list_ports, exactly as FlowSteering does
// (resolveModulePorts); openflowd then plans and installs. A failure carrying
// plan_refused or switch_refused is thrown as the FlowPlanError or FlowInstallError the
// in-process steering throws, so callers need not know which steering they hold.
import { XmlRpcClient, callApi, errorOf, type ClientOptions, type Encodable, type Failure, type Pending, type Success } from '../../daemon/index.js';
import { openflowdApi, type OpenflowdError } from './api.js';
import { FlowInstallError } from './driver.js';
import { FlowPlanError } from './flows.js';
import { requestText } from './request-text.js';
import { cookieText } from './counters.js';
import { flowLine } from './ofctl-syntax.js';
import type { Flow, PortDesc } from '../openflow/model.js';
import { SamplingUnsupportedError, type SamplingOn, type SamplingState } from './sflow-export.js';
import { resolveModulePorts, WrongSwitchError, type FlowPlace, type SteeredAllocation, type Steering, type SwitchTable } from './steering.js';

/** A failure of openflowd's other than a plan or a switch refusal; `error` is its API code, if any. */
export class OpenflowdCallError extends Error {
  override name = 'OpenflowdCallError';
  constructor(
    message: string,
    readonly error?: OpenflowdError | string,
  ) {
    super(message);
  }
}

export class RemoteSteering implements Steering {
  readonly client: XmlRpcClient;

  /** `uplinks`: host id → the switch port behind which that host's vifs are (as FlowSteering's). */
  constructor(
    client: XmlRpcClient | ClientOptions,
    readonly uplinks: Readonly<Record<string, string>> = {},
  ) {
    this.client = client instanceof XmlRpcClient ? client : new XmlRpcClient(client);
  }

  /** A reply's value; a failure thrown as the error its code stands for. */
  private value<T extends Encodable>(method: string, rv: Success<T> | Failure | Pending, cookie?: bigint): T {
    if (rv.code === 0) return rv.value;
    const error = rv.code === 1 ? errorOf(rv) : undefined;
    const why = `openflowd ${method}: ${rv.message}`;
    if (error === 'plan_refused') throw new FlowPlanError(why);
    if (error === 'switch_refused') throw new FlowInstallError(why, cookie ?? 0n);
    if (error === 'no_sampling') throw new SamplingUnsupportedError(why);
    if (error === 'wrong_switch') {
      const actual = (rv.value as { switch?: unknown }).switch;
      throw new WrongSwitchError(why, typeof actual === 'string' ? actual : undefined);
    }
    throw new OpenflowdCallError(why, error);
  }

  async install(a: SteeredAllocation): Promise<number> {
    const ports = this.value('list_ports', await callApi(this.client, openflowdApi, 'list_ports'));
    const modulePorts = resolveModulePorts(a.modules, ports, this.uplinks);
    const arg = { cookie: String(a.id), request: a.text ?? requestText(a.request), module_ports: modulePorts };
    return this.value('install_flows', await callApi(this.client, openflowdApi, 'install_flows', arg), BigInt(a.id));
  }

  /** openflowd's create_connections: it checks the switch name itself (wrong_switch). */
  async connect(a: SteeredAllocation, at: SwitchTable): Promise<number> {
    const ports = this.value('list_ports', await callApi(this.client, openflowdApi, 'list_ports'));
    const modulePorts = resolveModulePorts(a.modules, ports, this.uplinks);
    const arg = { switch_name: at.name, switch_table_id: at.table, alloc: a.text ?? requestText(a.request), cookie: String(a.id), module_ports: modulePorts };
    return this.value('create_connections', await callApi(this.client, openflowdApi, 'create_connections', arg), BigInt(a.id));
  }

  async remove(id: number): Promise<void> {
    this.value('remove_flows', await callApi(this.client, openflowdApi, 'remove_flows', { cookie: String(id) }), BigInt(id));
  }

  async cookies(): Promise<bigint[]> {
    return this.value('cookies', await callApi(this.client, openflowdApi, 'cookies')).map((c) => BigInt(c));
  }

  /** openflowd's add_flows: each flow as ovs-ofctl text without the cookie (ofctl-syntax.ts parseFlowText reads it). */
  async addFlows(cookie: bigint, flows: Flow[]): Promise<void> {
    const text = flows.map((f) => flowLine(0n, f).replace(/^cookie=0x0,/, ''));
    this.value('add_flows', await callApi(this.client, openflowdApi, 'add_flows', { cookie: cookieText(cookie), flows: text }), cookie);
  }

  async deleteFlows(cookie: bigint): Promise<void> {
    this.value('remove_flows', await callApi(this.client, openflowdApi, 'remove_flows', { cookie: cookieText(cookie) }), cookie);
  }

  async ports(): Promise<PortDesc[]> {
    return this.value('list_ports', await callApi(this.client, openflowdApi, 'list_ports'));
  }

  /** dump_flows: its match text is model.ts matchText's (counters.ts), as FlowSteering's. */
  async flowPlaces(): Promise<FlowPlace[]> {
    return this.value('dump_flows', await callApi(this.client, openflowdApi, 'dump_flows')).map((f) => ({ cookie: BigInt(f.cookie), table: f.table, priority: f.priority, match: f.match, packets: BigInt(f.packets) }));
  }

  /** set_sampling: on toward the collector, or off. */
  async sampling(on: SamplingOn | null): Promise<SamplingState> {
    const arg = on ? { collector: on.collector, rate: on.rate, ...(on.header !== undefined ? { header: on.header } : {}), ...(on.agent !== undefined ? { agent: on.agent } : {}) } : {};
    return this.value('set_sampling', await callApi(this.client, openflowdApi, 'set_sampling', arg));
  }

  async close(): Promise<void> {
    this.client.close();
  }
}

// The link from resourced to openflowd: once hostd has created an allocation's guests,
// their vifs are found on the switch and the allocation's flows installed under its id
// as cookie; deleting the allocation removes exactly those flows. A module's vif k is
// the switch port Xen names vif<domid>.<k> (the guests' vifs join the switch in dom0
// through vif-openvswitch, guests/bridges.ts) — or, on a host whose dom0 has a switch of
// its own joined to this one (`uplinks`), that host's uplink port with the vif's VLAN
// tag (docs/two-host-lab.md).
import type { AllocationRequest } from '../../clickos-build/allocation.js';
import { matchText, type Flow, type PortDesc } from '../openflow/model.js';
import { Openflowd } from './openflowd.js';
import { FlowPlanError, type VifPort } from './flows.js';
import { SamplingUnsupportedError, type SamplingOn, type SamplingState } from './sflow-export.js';

/** What the steering needs of an installed allocation: the request and where each module's guest is. */
export interface SteeredAllocation {
  id: number;
  request: AllocationRequest;
  /** The request as submitted: RemoteSteering sends it as is (else prints `request` back, request-text.ts). */
  text?: string;
  modules: Array<{ module: string; host: string; domid: number; vifs: number; vlans?: number[] }>;
}

/** Where D3.2 §2.1.2's create_connections puts flows: the switch it names and a table of it. */
export interface SwitchTable {
  name: string;
  table: number;
}

/** create_connections named a switch other than the one steered: nothing was installed. */
export class WrongSwitchError extends Error {
  override name = 'WrongSwitchError';
  constructor(
    message: string,
    /** The switch that is steered, when known. */
    readonly actual?: string,
  ) {
    super(message);
  }
}

/** A flow's place on a switch and whose it is. */
export interface FlowPlace {
  cookie: bigint;
  table: number;
  priority: number;
  /** model.ts matchText: equal matches print equal */
  match: string;
  /** the flow's packet counter (a routing group's learning reads it, controller/resourced/routed.ts) */
  packets?: bigint;
}

export interface Steering {
  /** Installs the allocation's flows (all or none); returns how many. */
  install(a: SteeredAllocation): Promise<number>;
  /** install() on the named switch's table `at.table` (openflowd's create_connections); a WrongSwitchError for another switch. */
  connect(a: SteeredAllocation, at: SwitchTable): Promise<number>;
  remove(id: number): Promise<void>;
  /** The cookies of the switch's flows, each once (reconciliation finds leftovers by them). */
  cookies(): Promise<bigint[]>;
  /**
   * Flows the caller made, under a cookie of its own (a balanced group's generation,
   * controller/balancer/cookies.ts), all or none: what a SwitchGroup drives.
   */
  addFlows(cookie: bigint, flows: Flow[]): Promise<void>;
  /** Removes exactly the flows of that cookie. */
  deleteFlows(cookie: bigint): Promise<void>;
  /** The switch's ports by name (a balanced group's outside ports and its replicas' vifs). */
  ports(): Promise<PortDesc[]>;
  /** Where each flow on the switch sits (its match as model.ts matchText prints it) and its cookie: a flow added at the same place replaces it, whatever its cookie. */
  flowPlaces(): Promise<FlowPlace[]>;
  /** The bridge's sFlow export toward a collector, or off with null (openflowd's set_sampling); SamplingUnsupportedError where it cannot be set. */
  sampling(on: SamplingOn | null): Promise<SamplingState>;
  /** Lets go of the switch (or of openflowd's connection). */
  close(): Promise<void>;
}

export const vifPortName = (domid: number, k: number): string => `vif${domid}.${k}`;

/**
 * Each module's vif ports on a switch with these ports: vif<domid>.<k>, or its host's
 * uplink (`uplinks`: host id → port name) tagged with the vif's VLAN. Shared by
 * FlowSteering and RemoteSteering, which asks openflowd's list_ports for `ports`.
 */
export function resolveModulePorts(modules: SteeredAllocation['modules'], ports: PortDesc[], uplinks: Readonly<Record<string, string>> = {}): Record<string, VifPort[]> {
  const byName = new Map(ports.map((p) => [p.name, p.port]));
  const modulePorts: Record<string, VifPort[]> = {};
  for (const m of modules) {
    const uplink = uplinks[m.host];
    if (uplink !== undefined) {
      const port = byName.get(uplink);
      if (typeof port !== 'number') throw new FlowPlanError(`module '${m.module}': host ${m.host}'s uplink ${uplink} is not a port of the switch`);
      if (m.vlans?.length !== m.vifs) throw new FlowPlanError(`module '${m.module}' on ${m.host} (behind uplink ${uplink}) has no VLAN on record for each of its ${m.vifs} vif(s)`);
      modulePorts[m.module] = m.vlans.map((vlan) => ({ port, vlan }));
      continue;
    }
    modulePorts[m.module] = Array.from({ length: m.vifs }, (_, k) => {
      const port = byName.get(vifPortName(m.domid, k));
      if (typeof port !== 'number') throw new FlowPlanError(`module '${m.module}': ${vifPortName(m.domid, k)} is not a port of the switch (is the guest's vif on the switch's bridge?)`);
      return port;
    });
  }
  return modulePorts;
}

export class FlowSteering implements Steering {
  /**
   * `uplinks`: host id → the switch port behind which that host's vifs are, each with its
   * VLAN; `name`: what create_connections' switch_name must say (openflowd's config
   * switch.name; resourced passes its switch.target).
   */
  constructor(
    readonly openflowd: Openflowd,
    readonly uplinks: Readonly<Record<string, string>> = {},
    readonly name?: string,
  ) {}

  install(a: SteeredAllocation): Promise<number> {
    return this.installWith(this.openflowd, a);
  }

  connect(a: SteeredAllocation, at: SwitchTable): Promise<number> {
    if (at.name !== this.name) throw new WrongSwitchError(`the switch steered here is '${this.name ?? '(unnamed)'}', not '${at.name}'`, this.name);
    // A table of the caller's own: the same planner, that table (as openflowd's service does).
    return this.installWith(new Openflowd(this.openflowd.driver, { ...this.openflowd.options, table: at.table }), a);
  }

  private async installWith(o: Openflowd, a: SteeredAllocation): Promise<number> {
    // asked once: the same list resolves the vifs here and the ToNet/in_port names in plan()
    const ports = await o.driver.ports();
    const modulePorts = resolveModulePorts(a.modules, ports, this.uplinks);
    return (await o.install({ id: BigInt(a.id), request: a.request, modulePorts }, ports)).length;
  }

  remove(id: number): Promise<void> {
    return this.openflowd.remove(BigInt(id));
  }

  async cookies(): Promise<bigint[]> {
    return [...new Set((await this.openflowd.driver.dumpFlows()).map((f) => f.cookie))];
  }

  addFlows(cookie: bigint, flows: Flow[]): Promise<void> {
    return this.openflowd.driver.addFlows(cookie, flows);
  }

  deleteFlows(cookie: bigint): Promise<void> {
    return this.openflowd.driver.deleteFlows(cookie);
  }

  ports(): Promise<PortDesc[]> {
    return this.openflowd.driver.ports();
  }

  async flowPlaces(): Promise<FlowPlace[]> {
    return (await this.openflowd.driver.dumpFlows()).map((f) => ({ cookie: f.cookie, table: f.table, priority: f.priority, match: matchText(f.match), packets: f.packets }));
  }

  sampling(on: SamplingOn | null): Promise<SamplingState> {
    const sflow = this.openflowd.driver.sflow;
    if (!sflow) return Promise.reject(new SamplingUnsupportedError('this switch driver cannot configure sFlow (its target is no bridge name)'));
    return sflow.set(on);
  }

  close(): Promise<void> {
    return this.openflowd.driver.close();
  }

}

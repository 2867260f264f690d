// openflowd's service: install and delete an allocation's flows through any driver
// (D3.2 §3.1, docs/platform.md: "inserting and removing the Openflow entries that will direct traffic from
// the outward-facing ports to the necessary module hosts and processing modules and then
// back out"). resourced calls this after hostd has created the modules' guests.
import { matchText, type Flow, type PortDesc } from '../openflow/model.js';
import type { SwitchDriver } from './driver.js';
import { FlowPlanError, planFlows, type FlowPlanOptions, type InstalledAllocation } from './flows.js';

/** Where a flow sits in a switch: flows with equal slots replace each other. */
const slotOf = (f: Flow): string => `${f.table}/${f.priority}/${matchText(f.match)}`;

export type OpenflowdOptions = Omit<FlowPlanOptions, 'portByName'>;

export class Openflowd {
  constructor(readonly driver: SwitchDriver, readonly options: OpenflowdOptions = {}) {}

  /** The flows an allocation needs, with port names resolved on the switch as it is now (or in `ports`, already asked for). */
  async plan(alloc: InstalledAllocation, ports?: PortDesc[]): Promise<Flow[]> {
    ports ??= await this.driver.ports();
    const byName = new Map(ports.map((p) => [p.name, p.port]));
    return planFlows(alloc, {
      ...this.options,
      portByName: (n) => {
        const p = byName.get(n);
        return typeof p === 'number' ? p : undefined;
      },
    });
  }

  /**
   * Installs the allocation's flows under cookie = its id; all or none (the driver rolls
   * back). A switch replaces a flow of equal table, priority and match whatever its cookie,
   * so a flow that would take another allocation's place is refused before anything is
   * installed: the other allocation keeps its traffic.
   */
  async install(alloc: InstalledAllocation, ports?: PortDesc[]): Promise<Flow[]> {
    const flows = await this.plan(alloc, ports);
    const taken = new Map((await this.driver.dumpFlows()).filter((f) => f.cookie !== alloc.id).map((f) => [slotOf(f), f.cookie]));
    for (const f of flows) {
      const owner = taken.get(slotOf(f));
      if (owner !== undefined) throw new FlowPlanError(`flow table=${f.table},priority=${f.priority},${matchText(f.match)} would replace the flow of cookie 0x${owner.toString(16)} (another allocation's): refused, nothing installed`);
    }
    await this.driver.addFlows(alloc.id, flows);
    return flows;
  }

  /** Removes exactly the allocation's flows. */
  async remove(id: bigint): Promise<void> {
    await this.driver.deleteFlows(id);
  }
}

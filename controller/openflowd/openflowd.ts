// openflowd's service: install and delete an allocation's flows through any driver
// (D3.2 §3.1, docs/platform.md: "inserting and removing the Openflow entries that will direct traffic from
// the outward-facing ports to the necessary module hosts and processing modules and then
// back out"). resourced calls this after hostd has created the modules' guests.
import type { Flow, PortDesc } from '../openflow/model.js';
import type { SwitchDriver } from './driver.js';
import { planFlows, type FlowPlanOptions, type InstalledAllocation } from './flows.js';

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

  /** Installs the allocation's flows under cookie = its id; all or none (the driver rolls back). */
  async install(alloc: InstalledAllocation, ports?: PortDesc[]): Promise<Flow[]> {
    const flows = await this.plan(alloc, ports);
    await this.driver.addFlows(alloc.id, flows);
    return flows;
  }

  /** Removes exactly the allocation's flows. */
  async remove(id: bigint): Promise<void> {
    await this.driver.deleteFlows(id);
  }
}

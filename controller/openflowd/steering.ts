// The link from resourced to openflowd: once hostd has created an allocation's guests,
// their vifs are found on the switch and the allocation's flows installed under its id
// as cookie; deleting the allocation removes exactly those flows. A module's vif k is
// the switch port Xen names vif<domid>.<k> (the guests' vifs join the switch in dom0
// through vif-openvswitch, guests/bridges.ts).
import type { AllocationRequest } from '../../clickos-build/allocation.js';
import type { Openflowd } from './openflowd.js';
import { FlowPlanError } from './flows.js';

/** What the steering needs of an installed allocation: the request and where each module's guest is. */
export interface SteeredAllocation {
  id: number;
  request: AllocationRequest;
  modules: Array<{ module: string; domid: number; vifs: number }>;
}

export interface Steering {
  /** Installs the allocation's flows (all or none); returns how many. */
  install(a: SteeredAllocation): Promise<number>;
  remove(id: number): Promise<void>;
  /** The cookies of the switch's flows, each once (reconciliation finds leftovers by them). */
  cookies(): Promise<bigint[]>;
}

export const vifPortName = (domid: number, k: number): string => `vif${domid}.${k}`;

export class FlowSteering implements Steering {
  constructor(readonly openflowd: Openflowd) {}

  async install(a: SteeredAllocation): Promise<number> {
    // asked once: the same list resolves the vifs here and the ToNet/in_port names in plan()
    const ports = await this.openflowd.driver.ports();
    const byName = new Map(ports.map((p) => [p.name, p.port]));
    const modulePorts: Record<string, number[]> = {};
    for (const m of a.modules) {
      modulePorts[m.module] = Array.from({ length: m.vifs }, (_, k) => {
        const port = byName.get(vifPortName(m.domid, k));
        if (typeof port !== 'number') throw new FlowPlanError(`module '${m.module}': ${vifPortName(m.domid, k)} is not a port of the switch (is the guest's vif on the switch's bridge?)`);
        return port;
      });
    }
    return (await this.openflowd.install({ id: BigInt(a.id), request: a.request, modulePorts }, ports)).length;
  }

  remove(id: number): Promise<void> {
    return this.openflowd.remove(BigInt(id));
  }

  async cookies(): Promise<bigint[]> {
    return [...new Set((await this.openflowd.driver.dumpFlows()).map((f) => f.cookie))];
  }
}

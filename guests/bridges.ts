// Which switch a vif joins in dom0 and the hotplug script that joins it: our lean script
// (guests/hotplug/vif-lean, for both kinds) by default, or Xen's own — vif-bridge for a
// Linux bridge, vif-openvswitch for Open vSwitch — with `hotplug: 'xen'`. xl leaves the choice to
// the user and, given the wrong one, fails only after the domain is built, in the
// hotplug script ("Could not find bridge device"); we look first, so a vif on an OVS
// bridge needs no `script=` and a missing bridge fails before anything is created.
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import type { VifSpec } from '../toolstack/index.js';
import { projectRoot } from '../toolstack/project-root.js';
import { runProgram } from '../toolstack/run.js';
import { GuestError } from './errors.js';

export type BridgeKind = 'linux' | 'ovs';

export const OVS_SCRIPT = 'vif-openvswitch';
/** The lean script's path, in the source tree (the same from compiled dist/ and from sources). */
export const LEAN_SCRIPT = join(projectRoot, 'guests', 'hotplug', 'vif-lean');

/** 'lean': guests/hotplug/vif-lean; 'xen': Xen's vif-bridge or vif-openvswitch. */
export type HotplugChoice = 'lean' | 'xen';

const exists = (p: string): Promise<boolean> => access(p).then(() => true, () => false);

/**
 * The bridge named by a vif's `bridge=`. vif-openvswitch also takes "br.TAG" (an
 * access port in VLAN TAG) and "br:T1:T2" (a trunk); the switch is the part before.
 */
export function switchName(bridge: string): string {
  return /^[^.:]+/.exec(bridge)?.[0] ?? bridge;
}

export class Bridges {
  /**
   * `ovs-vsctl br-exists` answers (a process each, slow under emulation), shared by
   * concurrent lookups (a guest's vifs are resolved together); only yes is kept.
   */
  private readonly ovs = new Map<string, Promise<boolean>>();

  constructor(
    private readonly vsctl = 'ovs-vsctl',
    readonly hotplug: HotplugChoice = 'lean',
  ) {}

  /** linux, ovs, or undefined when dom0 has no such bridge. */
  async kind(bridge: string): Promise<BridgeKind | undefined> {
    if (await exists(`/sys/class/net/${bridge}/bridge`)) return 'linux';
    const name = switchName(bridge);
    // an OVS bridge always has its internal port as a network device
    if (!(await exists(`/sys/class/net/${name}`))) return undefined;
    let known = this.ovs.get(name);
    if (!known) {
      known = runProgram(this.vsctl, ['--timeout=10', 'br-exists', name], { timeoutMs: 15_000 }).then((r) => r.exitCode === 0);
      this.ovs.set(name, known);
    }
    if (await known) return 'ovs';
    this.ovs.delete(name);
    return undefined;
  }

  /**
   * The vif with its hotplug script chosen for its bridge (an explicit `script` or a
   * backend other than dom0 is left alone); a bridge dom0 lacks is a GuestError.
   */
  async resolve(v: VifSpec): Promise<VifSpec> {
    if (v.script !== undefined || v.bridge === undefined) return v;
    if (v.backend !== undefined && v.backend !== '0' && v.backend !== 'Domain-0') return v;
    const kind = await this.kind(v.bridge);
    if (kind === undefined) {
      const name = switchName(v.bridge);
      if (name !== v.bridge && (await exists(`/sys/class/net/${name}/bridge`)))
        throw new GuestError(`bridge ${v.bridge}: a VLAN tag or trunk needs an Open vSwitch bridge, and ${name} is a Linux bridge`);
      throw new GuestError(`dom0 has no bridge ${name} (neither a Linux bridge nor an Open vSwitch bridge): create it first`);
    }
    if (this.hotplug === 'lean') return { ...v, script: LEAN_SCRIPT };
    return kind === 'ovs' ? { ...v, script: OVS_SCRIPT } : v;
  }
}

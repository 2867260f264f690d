// dom0's Open vSwitch for lab tests (lab/dom0/openvswitch.sh): one userspace bridge
// in fail-mode secure (nothing moves without flows), network namespaces behind veths
// as the outside world, and stop() that removes all of it. Lab tests run one at a
// time in dom0, so the bridge's name is fixed.
// Shared daemons: one-process.ts runs several files in one process and sets
// LAB_OVS_SHARED=1; then stop() removes the bridge (its ports, flows and sFlow row) and
// the switch's conntrack entries but leaves ovsdb-server and ovs-vswitchd running for the
// next file, and one-process.ts stops them after its last file. Their start and stop cost
// ≈10 s of the emulated dom0 per file.
import { execa } from 'execa';
import { join } from 'node:path';
import { projectRoot } from '../../lab/paths.js';
import { ofport } from '../support/ovs.js';

export const OVS_BRIDGE = 'xenovs0';

export interface Dom0Ovs {
  bridge: string;
  vsctl(...args: string[]): Promise<string>;
  ofctl(...args: string[]): Promise<string>;
  /** the OpenFlow port number of an interface (waits until it has one) */
  port(name: string): Promise<number>;
  /** names of the bridge's ports */
  ports(): Promise<string[]>;
  /** a namespace `ns` whose eth0 (address `cidr`) is a veth into the bridge as `outer`; returns eth0's MAC */
  addHost(outer: string, ns: string, cidr: string): Promise<string>;
  /** several `ip` commands (`addr add …`, `neigh replace …`) in namespace `ns`, one process (`ip -batch`): a spawn costs ≈0.1 s in the emulated dom0 */
  ip(ns: string, commands: string[]): Promise<void>;
  stop(): Promise<void>;
}

const script = join(projectRoot, 'lab', 'dom0', 'openvswitch.sh');

/** Whether the daemons outlive stop() (one-process.ts sets it; a file run alone stops them). */
const shared = (): boolean => process.env.LAB_OVS_SHARED === '1';

/** Stops dom0's Open vSwitch daemons: one-process.ts after its last file. */
export async function stopDom0OvsDaemons(): Promise<void> {
  await execa('bash', [script, 'stop'], { reject: false });
}

export async function startDom0Ovs(): Promise<Dom0Ovs> {
  const namespaces: string[] = [];
  const veths: string[] = [];
  const vsctl = async (...args: string[]) => (await execa('ovs-vsctl', ['--timeout=60', ...args])).stdout;
  const o: Dom0Ovs = {
    bridge: OVS_BRIDGE,
    vsctl,
    ofctl: async (...args) => (await execa('ovs-ofctl', ['-O', 'OpenFlow13', ...args])).stdout,
    port: (name) => ofport(vsctl, name),
    async ports() {
      return (await vsctl('list-ports', OVS_BRIDGE)).split('\n').filter(Boolean);
    },
    async addHost(outer, ns, cidr) {
      await execa('ip', ['netns', 'add', ns]);
      namespaces.push(ns);
      await execa('ip', ['link', 'add', outer, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
      veths.push(outer);
      await o.ip(ns, [`addr add ${cidr} dev eth0`, 'link set eth0 up']);
      await execa('ip', ['link', 'set', outer, 'up']);
      await vsctl('add-port', OVS_BRIDGE, outer);
      return JSON.parse((await execa('ip', ['-n', ns, '-j', 'link', 'show', 'eth0'])).stdout)[0].address as string;
    },
    async ip(ns, commands) {
      await execa('ip', ['-n', ns, '-batch', '-'], { input: commands.join('\n') + '\n' });
    },
    async stop() {
      // deleting a namespace deletes its veth pair; a veth left over (its namespace was not made) goes by name
      const batch = [...namespaces.map((n) => `netns del ${n}`), ...veths.map((v) => `link del ${v}`)];
      if (batch.length) await execa('ip', ['-force', '-batch', '-'], { input: batch.join('\n') + '\n', reject: false });
      if (!shared()) return stopDom0OvsDaemons();
      // conntrack first: it belongs to the bridge's datapath
      await execa('ovs-appctl', ['-T', '30', 'dpctl/flush-conntrack'], { reject: false });
      await execa('ovs-vsctl', ['--timeout=30', '--if-exists', 'del-br', OVS_BRIDGE], { reject: false });
    },
  };
  try {
    await execa('bash', [script, 'start', OVS_BRIDGE]);
    await vsctl('set', 'bridge', OVS_BRIDGE, 'fail-mode=secure');
    await o.ofctl('del-flows', OVS_BRIDGE);
  } catch (e) {
    await o.stop();
    throw e;
  }
  return o;
}

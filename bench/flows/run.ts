// bench/flows: time to install and then remove the flows of 100 allocations (the
// two-module, two-direction chain of the flows tests: 6 flows each, 600 in all) with
// each openflowd driver, side by side in one run against one private Open vSwitch
// (userspace datapath). Each allocation is installed and removed by its own call, as
// resourced would do; every install is confirmed (ovs-ofctl's exit status, or a barrier
// on the native channel) and checked by one dump at the end of each phase.
//   node dist/bench/flows/run.js [allocations]
// Prints `RATIO flows.native_vs_ofctl <native/ovs-ofctl wall time, lower is better>`
// (goal ≤ 0.1) and the same for the SSH driver.
import { performance } from 'node:perf_hooks';
import { parseAllocation } from '../../clickos-build/allocation.js';
import type { Flow } from '../../controller/openflow/model.js';
import type { SwitchDriver } from '../../controller/openflowd/driver.js';
import { planFlows } from '../../controller/openflowd/flows.js';
import { NativeDriver } from '../../controller/openflowd/native-driver.js';
import { createOfctlDriver } from '../../controller/openflowd/ofctl-driver.js';
import { createSshDriver } from '../../controller/openflowd/ssh-driver.js';
import { startChainLab } from '../../test/support/flows-chain.js';
import { startSshd } from '../../test/support/sshd.js';

const N = Number(process.argv[2] ?? 100);

async function measure(name: string, driver: SwitchDriver, check: SwitchDriver, plans: Flow[][]): Promise<number> {
  const cookies = plans.map((_, i) => 0x10000n + BigInt(i));
  const flowCount = plans.reduce((n, p) => n + p.length, 0);
  const t0 = performance.now();
  for (const [i, c] of cookies.entries()) await driver.addFlows(c, plans[i]);
  const t1 = performance.now();
  const installed = (await check.dumpFlows()).length;
  const t2 = performance.now();
  for (const c of cookies) await driver.deleteFlows(c);
  const t3 = performance.now();
  const left = (await check.dumpFlows()).length;
  if (installed !== flowCount || left !== 0) throw new Error(`${name}: ${installed} flows installed (expected ${flowCount}), ${left} left after removal`);
  const ms = t1 - t0 + (t3 - t2);
  console.log(`flows.${name}: install ${N} allocations ${(t1 - t0).toFixed(1)} ms, remove ${(t3 - t2).toFixed(1)} ms, total ${ms.toFixed(1)} ms (${((ms / N) * 1000).toFixed(0)} µs per allocation)`);
  return ms;
}

async function main() {
  const lab = await startChainLab('bf', { controllerLink: true });
  const sshd = await startSshd().catch(async (e) => {
    await lab.stop();
    throw e;
  });
  const native = new NativeDriver({ host: lab.ovs.controllerHost, port: 0 });
  let ssh: SwitchDriver | null = null;
  try {
    const ofctl = createOfctlDriver({ target: lab.ovs.target });
    const ports = new Map((await ofctl.ports()).map((p) => [p.name, p.port]));
    // allocations must not overlap (same match and priority would replace each other's
    // flows): each gets its own destination and its own VLAN pair on the shared stand-ins
    const plans = Array.from({ length: N }, (_, i) =>
      planFlows(
        { id: BigInt(i + 1), request: parseAllocation(lab.request.replace(/10\.77\.0\.2/g, `10.78.${i >> 8}.${i & 255}`), 'bench'), modulePorts: { a: [lab.ports.a], b: [lab.ports.b] } },
        { portByName: (n) => { const p = ports.get(n); return typeof p === 'number' ? p : undefined; }, vlanBase: 100 + 2 * i },
      ),
    );
    const port = await native.listen();
    await lab.ovs.vsctl('set-controller', lab.ovs.bridge, `tcp:${lab.ovs.controllerHost}:${port}`);
    await native.channel.waitReady();
    ssh = await createSshDriver({ host: '127.0.0.1', port: sshd.port, username: sshd.username, privateKey: sshd.privateKey, hostKey: sshd.hostKey, target: lab.ovs.target });

    const tOfctl = await measure('ofctl', ofctl, ofctl, plans);
    const tNative = await measure('native', native, ofctl, plans);
    const tSsh = await measure('ssh', ssh, ofctl, plans);
    console.log(`RATIO flows.native_vs_ofctl ${(tNative / tOfctl).toPrecision(3)}`);
    console.log(`RATIO flows.ssh_vs_ofctl ${(tSsh / tOfctl).toPrecision(3)}`);
  } finally {
    await ssh?.close();
    await native.close();
    await sshd.stop();
    await lab.stop();
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(`bench/flows: ${(e as Error).stack ?? e}`);
    process.exit(1);
  },
);

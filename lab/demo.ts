// `npm run demo`: the main job. Boots the lab (real Xen 4.17 in QEMU), then in
// dom0, with the `clickos` CLI as a user would: creates a ClickOS-protocol guest
// with a vif on xenbr0, installs and starts a Click configuration, shows it
// Running, reads its handlers, and tears everything down.
// `--keep` leaves the lab and the guest running for exploring with `clickos-lab exec`.
import { join } from 'node:path';
import { down, exec, up } from './lab.js';
import { guestKernel, guestRamdisk } from './guest-kit.js';
import { projectRoot } from './paths.js';

const keep = process.argv.includes('--keep');
const NAME = 'demo';
const CLICKOS = join(projectRoot, 'bin', 'clickos.js');

const GUEST_CFG = `# A ClickOS-style guest: the lab's test kernel with the ClickOS-protocol stand-in
name = "${NAME}"
type = "pv"
kernel = "${guestKernel}"
ramdisk = "${guestRamdisk}"
extra = "console=hvc0"
memory = 96
vif = [ "bridge=xenbr0,mac=00:16:3e:de:00:01" ]
on_crash = "destroy"
`;

const CLICK_CONFIG = `// Count what arrives on vif 0 and send it back out.
src :: FromDevice(0);
sink :: ToDevice(0);
counter :: Counter();
src -> counter -> sink;
`;

async function dom0(argv: string[], stdin?: string): Promise<string> {
  const r = await exec(argv, { stdin, timeoutMs: 300_000 });
  if (r.exitCode !== 0) throw new Error(`${argv.join(' ')} failed (exit ${r.exitCode}):\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** Runs the CLI in dom0 and shows the command and its output (timings included). */
async function clickos(...args: string[]): Promise<string> {
  process.stdout.write(`\n$ clickos ${args.join(' ')}\n`);
  const r = await exec(['node', CLICKOS, ...args], { timeoutMs: 300_000 });
  process.stdout.write(r.stdout + r.stderr);
  if (r.exitCode !== 0) throw new Error(`clickos ${args.join(' ')} failed (exit ${r.exitCode})`);
  return r.stdout;
}

async function main(): Promise<void> {
  await up();
  await dom0(['sh', '-c', 'cat > /tmp/demo.cfg'], GUEST_CFG);
  await dom0(['sh', '-c', 'cat > /tmp/fwd.click'], CLICK_CONFIG);
  await clickos('-t', 'create', '/tmp/demo.cfg');
  const domid = (await dom0(['xl', 'domid', NAME])).trim();
  const t0 = Date.now();
  for (;;) {
    if ((await exec(['xenstore-exists', `/local/domain/${domid}/data/clickos`])).exitCode === 0) break;
    if (Date.now() - t0 > 180_000) throw new Error('the guest did not create data/clickos within 180 s');
    await new Promise((r) => setTimeout(r, 300));
  }
  process.stdout.write(`\nthe guest created data/clickos after ${((Date.now() - t0) / 1000).toFixed(1)} s of boot\n`);
  await clickos('-t', 'install', '-s', NAME, '/tmp/fwd.click');
  await clickos('status', NAME);
  await clickos('-t', 'read', NAME, 'src', 'class');
  await clickos('read', NAME, 'counter', 'config');
  await clickos('read', NAME, 'src', 'count');
  await clickos('list');
  if (keep) {
    process.stdout.write(`\nleft running: try \`npx clickos-lab exec -- node bin/clickos.js status\`; \`npx clickos-lab down\` when done\n`);
    return;
  }
  await clickos('-t', 'stop', NAME, '0');
  await clickos('remove', NAME, '0');
  await clickos('-t', 'destroy', NAME);
}

main()
  .catch((e: Error) => {
    process.stderr.write(`demo: ${e.message}\n`);
    process.exitCode = 1;
  })
  .finally(async () => {
    if (!keep || process.exitCode) await down();
  });

// `npm run demo`: the main job. Builds ClickOS from its pinned sources (once; cached),
// boots the lab (real Xen 4.17 in QEMU), then in dom0, with the `clickos` CLI as a user
// would: creates a real ClickOS guest with a vif on xenbr0, installs and starts a Click
// configuration, shows it Running, reads its handlers, prints the boot timeline
// (create → data/clickos → Running) and tears everything down.
// `--keep` leaves the lab and the guest running for exploring with `clickos-lab exec`, and
// starts the controller and webd in dom0 for the platform's page (lab/demo-page.ts).
import { join } from 'node:path';
import { down, exec, readState, up } from './lab.js';
import { startPage } from './demo-page.js';
import { ensureHostPackages, HOST_PACKAGES } from './host-packages.js';
import { clickosKernel } from './clickos-image.js';
import { projectRoot } from './paths.js';

const keep = process.argv.includes('--keep');
const NAME = 'demo';
const CLICKOS = join(projectRoot, 'bin', 'clickos.js');

const GUEST_CFG = `# A ClickOS guest: the lab's image, built from lab/clickos/*.click
name = "${NAME}"
type = "pv"
kernel = "${clickosKernel}"
memory = 16
vif = [ "bridge=xenbr0,mac=00:16:3e:de:00:01" ]
on_crash = "preserve"
`;

const CLICK_CONFIG = `// Count what arrives on vif 0 and send it back out.
src :: FromDevice(0);
sink :: ToDevice(0);
counter :: Counter;
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

/** The host port QEMU forwards to dom0's service port (webd listens there). */
function servicePort(): number {
  const p = readState()?.servicePort;
  if (!p) throw new Error('the lab has no service port forward (an old lab state: `npx clickos-lab down` and run again)');
  return p;
}

async function main(): Promise<void> {
  // --keep's page runs Open vSwitch in dom0 from the host's binaries (lab/demo-page.ts);
  // up() installs only what the lab itself needs
  if (keep) await ensureHostPackages((m) => process.stdout.write(`demo: ${m}\n`), { packages: HOST_PACKAGES.filter((p) => p.name === 'openvswitch-switch') });
  await up();
  await dom0(['sh', '-c', 'cat > /tmp/demo.cfg'], GUEST_CFG);
  await dom0(['sh', '-c', 'cat > /tmp/fwd.click'], CLICK_CONFIG);
  const t0 = Date.now();
  await clickos('-t', 'create', '/tmp/demo.cfg');
  const created = Date.now();
  const domid = (await dom0(['xl', 'domid', NAME])).trim();
  for (;;) {
    if ((await exec(['xenstore-exists', `/local/domain/${domid}/data/clickos`])).exitCode === 0) break;
    if (Date.now() - t0 > 180_000) throw new Error('ClickOS did not create data/clickos within 180 s');
    await new Promise((r) => setTimeout(r, 300));
  }
  const booted = Date.now();
  await clickos('-t', 'install', '-s', NAME, '/tmp/fwd.click');
  const running = Date.now();
  const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
  process.stdout.write(
    `\nboot timeline (from the host, through the lab's exec channel): create returned ${s(created - t0)}, ` +
      `data/clickos ${s(booted - t0)}, router Running (confirmed on ClickOS's console) ${s(running - t0)}\n`,
  );
  process.stdout.write(`\n$ xl console-log: the guest's last lines\n${(await dom0(['sh', '-c', `tail -n 6 /var/log/xen/console/guest-${NAME}.log`])).replace(/\r/g, '')}`);
  await clickos('status', NAME);
  await clickos('-t', 'read', NAME, 'src', 'class');
  await clickos('read', NAME, 'counter', 'class');
  await clickos('read', NAME, 'src', 'count');
  await clickos('read', NAME, 'counter', 'count');
  await clickos('list');
  if (keep) {
    process.stdout.write(`\nstarting the controller's daemons and webd in dom0 (a minute or two under emulation)\n`);
    process.stdout.write(`${await startPage(servicePort())}\n`);
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

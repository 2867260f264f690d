// `npm run demo`: the main job for now. Boots the lab (real Xen 4.17 in QEMU),
// creates the test guest with a vif on xenbr0 through `xl`, waits until the guest
// reports itself and its network interface in XenStore, shows it, and tears down.
// `--keep` leaves the lab and the guest running for exploring with `clickos-lab exec`.
import { down, exec, up } from './lab.js';
import { testGuestConfig } from './guest-kit.js';

const keep = process.argv.includes('--keep');
const NAME = 'demo';
const MAC = '00:16:3e:de:00:01';

function say(msg: string): void {
  process.stdout.write(`${msg}\n`);
}

async function dom0(argv: string[], stdin?: string): Promise<string> {
  const r = await exec(argv, { stdin, timeoutMs: 300_000 });
  if (r.exitCode !== 0) throw new Error(`${argv.join(' ')} failed (exit ${r.exitCode}):\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

async function waitKey(path: string, timeoutMs: number): Promise<string> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const r = await exec(['xenstore-read', path]);
    if (r.exitCode === 0) return r.stdout.trim();
    if (Date.now() > end) throw new Error(`timed out waiting for ${path}`);
    await new Promise((res) => setTimeout(res, 300));
  }
}

async function main(): Promise<void> {
  await up();
  const t0 = Date.now();
  const secs = (): string => ((Date.now() - t0) / 1000).toFixed(1);
  await dom0(['sh', '-c', 'cat > /tmp/demo.cfg'], testGuestConfig({ name: NAME, vifs: [`bridge=xenbr0,mac=${MAC}`] }));
  await dom0(['xl', 'create', '/tmp/demo.cfg']);
  const domid = (await dom0(['xl', 'domid', NAME])).trim();
  say(`xl create: domain ${NAME} is domid ${domid} (${secs()}s)`);
  say(`vif hotplug: ${await waitKey(`/local/domain/0/backend/vif/${domid}/0/hotplug-status`, 60_000)} (${secs()}s)`);
  say(`guest wrote data/ready=${await waitKey(`/local/domain/${domid}/data/ready`, 120_000)} (${secs()}s)`);
  say(`guest sees eth0 with MAC ${await waitKey(`/local/domain/${domid}/data/net/eth0/mac`, 120_000)} (${secs()}s)`);
  say('');
  say((await dom0(['xl', 'list'])).trimEnd());
  say((await dom0(['xl', 'network-list', NAME])).trimEnd());
  if (keep) {
    say(`\nleft running: try \`npx clickos-lab exec -- xl list\`; \`npx clickos-lab down\` when done`);
    return;
  }
  await dom0(['xl', 'destroy', NAME]);
  say(`\nxl destroy: done (${secs()}s)`);
}

main()
  .catch((e: Error) => {
    process.stderr.write(`demo: ${e.message}\n`);
    process.exitCode = 1;
  })
  .finally(async () => {
    if (!keep || process.exitCode) await down();
  });

// Measured load in placement, on the two-host lab (called from two-host.test.ts, whose
// context it takes: resourced, the two lab hosts, the net/sink namespaces, the chain
// a → b already installed and passing traffic). Real load, real figures: a UDP flood
// from "net" through the chain's guests loads the lab host that has one CPU (its dom0's
// netback and switch, its ClickOS guest); its hostd measures it with xentop and sends it
// with each heartbeat; resourced's placement (platform-model.ts cpuCapacity) then puts
// the next module on the other host. The test first shows that, idle, the same request
// is planned on the busy-to-be host (plan_allocation), so it fails if measured load is
// ignored. With `monitor`, monitord runs as its own process, polls both hostds
// (host_stats, pm_stats) and pushes to resourced: the busy host's PM shows its vif
// counters in get_pm_info.
//
// In two-host.test.ts, once "a datagram through both hosts and its echo" passed (before
// lab host "a" is powered off):
//   await t.test('measured load', (t) => measuredLoad(t, { user, busy: HOSTS[0].id, other: HOSTS[1].id,
//     flood: { ns: nsNet, dst: '10.77.0.2', port: 5000 }, probeRequest: PROBE_REQUEST,
//     monitor: { resourcedUrl: rdUrl, secret: SECRETS.monitor, hostdSecret: SECRETS.hostd,
//       hosts: HOSTS.map((h) => ({ id: h.id, url: `http://127.0.0.1:${readState(h.lab)!.servicePort}/RPC2` })) } }));
// with PROBE_REQUEST = measuredLoadRequest('thnet') and resourced's config given
// `secret.monitor` and `monitor: {principals: ['monitor']}` (only needed with `monitor`).
import type { Test } from 'tap';
import { execa } from 'execa';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XmlRpcClient, callApi } from '../../daemon/index.js';
import { monitordApi } from '../../controller/monitord/api.js';
import { projectRoot } from '../../lab/paths.js';
import { DaemonProcess } from '../support/daemon-process.js';
import { call } from '../lab/helpers.js';
import { waitFor } from '../support/wait.js';

/** A one-module allocation of the Probe type: traffic for an address nobody uses, in and out through `port`. */
export const measuredLoadRequest = (port: string): string =>
  `BASESYS=xen.clickos\nin :: FromNet("ip,in_port=${port},nw_dst=10.77.9.9")\nout :: ToNet("${port}")\np :: Probe()\nin -> p -> out\n`;
const PROBE_SRC = 'src :: FromDevice(0);\nc :: Counter();\nsink :: ToDevice(0);\nsrc -> c -> sink;\n';
/** The chain's Fwd type declares 0.6 cores (two-host.test.ts); the busy host runs one of them. */
const FWD_CPU = 0.6;

export interface MeasuredLoadContext {
  /** resourced, as its user principal. */
  user: XmlRpcClient;
  /** The host to load (two-host's "a": one CPU, the chain's module a on it) and the other. */
  busy: string;
  other: string;
  /** Where the flood starts (the "net" namespace) and where it goes (sink's echo server). */
  flood: { ns: string; dst: string; port: number };
  probeRequest: string;
  /** How long the load may take to show in the figures (default 30 s). */
  loadTimeoutMs?: number;
  monitor?: { resourcedUrl: string; secret: string; hostdSecret: string; hosts: Array<{ id: string; url: string }> };
}

type Host = { host_id: string; cpu_percent: number | null; busy_cores: number | null; usable_cores: number; measured_by: string; pms: string[] };

// The sender: UDP datagrams as fast as the socket takes them, without checksums (flows-chain.ts says why), for `seconds`.
const FLOOD = (dst: string, port: number, seconds: number) => `import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, 11, 1)
s.setblocking(False)
end = time.time() + ${seconds}
payload = b'x' * 1000
while time.time() < end:
    try:
        s.sendto(payload, ('${dst}', ${port}))
    except BlockingIOError:
        time.sleep(0.0005)
`;

export async function measuredLoad(t: Test, c: MeasuredLoadContext): Promise<void> {
  const started = Date.now();
  const hosts = async (): Promise<Host[]> => (await call(c.user, 'list_hosts')).value as Host[];
  const host = async (id: string): Promise<Host> => (await hosts()).find((h) => h.host_id === id)!;
  const plan = async (): Promise<Record<string, string>> => {
    const r = await call(c.user, 'plan_allocation', c.probeRequest);
    if (r.code !== 0) throw new Error(`plan_allocation: ${r.message}`);
    return r.value as Record<string, string>;
  };
  let monitor: XmlRpcClient | undefined;
  const monitord = new DaemonProcess('monitord', join(projectRoot, 'dist', 'controller', 'monitord', 'main.js'));
  const dir = await mkdtemp(join(tmpdir(), 'measured-load-'));
  let flood: ReturnType<typeof execa> | undefined;
  let allocation: number | undefined;
  t.teardown(async () => {
    flood?.kill('SIGKILL');
    await flood?.catch(() => {});
    monitor?.close();
    await monitord.stop('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    if (allocation !== undefined) await call(c.user, 'delete_allocation', allocation).catch(() => {});
  });

  const idle = await host(c.busy);
  t.not(idle.cpu_percent, null, `${c.busy} reports a measured CPU% (xentop in its dom0): ${idle.cpu_percent}%`);
  // The probe declares half of what the idle host has left beside its Fwd PM (dom0's own
  // work under emulation is not nothing): idle, it fits there with room to spare.
  const probeCpu = Math.floor(((idle.usable_cores - FWD_CPU) / 2) * 100) / 100;
  if (probeCpu < 0.02) throw new Error(`${c.busy} is busy before any load (${JSON.stringify(idle)}): no room to show the difference`);
  t.equal((await call(c.user, 'deploy_pm', { name: 'Probe', src: PROBE_SRC, cpu: probeCpu })).code, 0, `the Probe type is deployed (${probeCpu} cores)`);
  t.same(await plan(), { p: c.busy }, `idle: the probe would go to ${c.busy} (usable ${idle.usable_cores} cores, measured ${idle.cpu_percent}%)`);

  if (c.monitor) {
    const m = c.monitor;
    // monitord as its own process: it polls both hostds and pushes to resourced (report_stats).
    const secret = 'monitord-get-stats-0123456789';
    const config = join(dir, 'monitord.json');
    await writeFile(config, JSON.stringify({
      listen: { host: '127.0.0.1', port: 0 },
      secret: { user: secret },
      folders: { patches: join(dir, 'patches') },
      hosts: m.hosts.map((h) => ({ url: h.url, secret: m.hostdSecret, name: h.id, hostId: h.id })),
      resourced: { url: m.resourcedUrl, secret: m.secret },
      intervalMs: 2000,
      timeoutMs: 10_000,
    }));
    monitor = new XmlRpcClient({ url: await monitord.start(config), secret, timeoutMs: 30_000 });
  }

  // Load: the flood through the chain's guests. The busy host has one CPU for its dom0 and its guest.
  flood = execa('ip', ['netns', 'exec', c.flood.ns, 'python3', '-c', FLOOD(c.flood.dst, c.flood.port, 120)], { reject: false, stdio: 'ignore' });
  const needed = FWD_CPU + probeCpu; // the chain's module there and the probe
  const loaded = await waitFor(`${c.busy}'s measured load to leave less than ${needed} cores`, async () => {
    const h = await host(c.busy);
    return h.usable_cores < needed ? h : undefined;
  }, c.loadTimeoutMs ?? 30_000, 1000).catch(async (e: Error) => {
    throw new Error(`${e.message}; last figures: ${JSON.stringify(await hosts())}`);
  });
  t.pass(`${c.busy} busy: ${loaded.cpu_percent}% of its CPU (${loaded.busy_cores} cores), ${loaded.usable_cores} usable (measured by ${loaded.measured_by})`);
  const other = await host(c.other);
  t.ok(other.usable_cores >= needed, `${c.other} still has room: ${other.usable_cores} usable cores (${other.cpu_percent}%)`);
  t.same(await plan(), { p: c.other }, `loaded: the probe would go to ${c.other}`);
  const inst = await call(c.user, 'install_allocation', c.probeRequest);
  t.equal(inst.code, 0, inst.message);
  allocation = inst.value as number;
  type Info = { allocations: Array<{ id: number; pms: Array<{ module: string; host: string; name: string; traffic?: { vifs: Array<{ inPackets: number }> } }> }> };
  const info = async () => ((await call(c.user, 'get_pm_info')).value as Info).allocations;
  t.same((await info()).find((a) => a.id === allocation)!.pms.map((p) => [p.module, p.host]), [['p', c.other]], `installed: the probe runs on ${c.other}, not on the busy ${c.busy}`);

  if (c.monitor) {
    // pm_stats through monitord: the busy host's chain PM shows the flood in its vif counters.
    const reported = await waitFor('a monitord poll pushed', async () => {
      const rv = await callApi(monitor!, monitordApi, 'get_stats');
      return rv.code === 0 ? rv.value.reported : undefined;
    }, 20_000, 500);
    t.ok(reported.ok, `monitord pushes to resourced (${JSON.stringify(reported)})`);
    const seen = await waitFor('monitord\'s report of the busy host\'s PM traffic', async () => {
      const pm = (await info()).flatMap((a) => a.pms).find((p) => p.host === c.busy && p.traffic);
      const inPackets = pm?.traffic?.vifs.reduce((n, v) => n + v.inPackets, 0) ?? 0;
      return inPackets > 1000 ? { pm: pm!.name, inPackets } : undefined;
    }, 20_000, 1000);
    t.pass(`get_pm_info: ${seen.pm} on ${c.busy} received ${seen.inPackets} packets (hostd pm_stats via monitord)`);
  }

  const del = await call(c.user, 'delete_allocation', allocation);
  t.equal(del.code, 0, del.message);
  allocation = undefined;
  flood.kill('SIGKILL');
  await flood.catch(() => {});
  t.comment(`measured load: ${((Date.now() - started) / 1000).toFixed(1)} s (meant to stay under 60 s)`);
}

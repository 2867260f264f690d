// Measured load in placement (platform-model.ts cpuCapacity): the rule alone, then
// resourced with hostd STAND-INS (test/support/resourced-standin.ts: real daemon
// processes whose host CPU% is set by the test through standin_set_load — real hostd
// measures it with xentop; test/lab-multi/measured-load.ts does it with real load):
// with equal declared demand a module goes to host X; once X's heartbeats report it
// busy, the next one goes to Y — which declared demand alone would never do. Then
// monitord's report_stats: only its principal, newest figures win, PM traffic and
// switch counters in get_pm_info, and a real monitord pushing to resourced.
import t from 'tap';
import { cpuCapacity, linkCapacity } from '../../controller/resourced/platform-model.js';
import { rate } from '../../controller/resourced/measured.js';
import { createMonitord } from '../../controller/monitord/index.js';
import { XmlRpcClient } from '../../daemon/index.js';
import type { HostStats, PmStats } from '../../hostd/api.js';
import { HOSTS_SECRET, STANDIN_SECRET, USER_SECRET, py, python, startResourced, startStandins, waitFor } from '../support/resourced.js';

const MONITOR_SECRET = 'monitor-secret-0123456789abcdef';

function stats(nrCpus: number, cpuPercent: number | null, pms: Array<{ name: string; cpuPercent: number | null }> = []): HostStats {
  return {
    hostname: 'h', xenVersion: '4.17', nrCpus, totalMemoryMiB: 4096, freeMemoryMiB: 2048, cpuPercent, dom0LoadAvg: [0, 0, 0], pms: pms.length, pool: null,
    domains: pms.map((p, i) => ({ name: p.name, domid: i + 1, pm: true, state: 'r', memoryMiB: 16, vcpus: 1, cpuSeconds: 0, cpuPercent: p.cpuPercent })),
  };
}

t.test('the capacity rule: cores = nrCpus − max(0, busy − Σ min(measured, declared) of our PMs)', async (t) => {
  const ours = new Map([['pm1', 0.5], ['pm2', 0.5]]);
  t.same(cpuCapacity(stats(4, null), ours), { cores: 4, busy: null, standsIn: 0 }, 'no measurement (no xentop): the CPU count');
  t.same(cpuCapacity(stats(4, 0), ours).cores, 4, 'idle');
  t.same(cpuCapacity(stats(4, 50), new Map()), { cores: 2, busy: 2, standsIn: 0 }, 'dom0 or a foreign guest busy with 2 of 4 cores: 2 left');
  t.same(cpuCapacity(stats(2, 20, [{ name: 'pm1', cpuPercent: 40 }]), ours), { cores: 2, busy: 0.4, standsIn: 0.4 }, 'our PM using less than its 0.5 declared: its use is its reservation, nothing else is taken');
  t.same(cpuCapacity(stats(2, 60, [{ name: 'pm1', cpuPercent: 100 }]), ours), { cores: 1.3, busy: 1.2, standsIn: 0.5 }, 'our PM using 1 core of its 0.5 declared: the 0.5 beyond, and the 0.2 of the rest, are load');
  t.same(cpuCapacity(stats(2, 25, [{ name: 'pm1', cpuPercent: null }]), ours).cores, 2, 'a PM without its own figure is taken at its declared demand');
  t.same(cpuCapacity(stats(2, 25, [{ name: 'foreign', cpuPercent: 50 }]), ours).cores, 1.5, 'a guest that is not ours is load like any other');
  t.same(cpuCapacity(stats(1, 100), new Map()).cores, 0, 'saturated: nothing left');
  t.same(cpuCapacity(stats(1, 250), new Map()).cores, 0, 'never below 0');
});

t.test('the link rule: mbps = hostLinkMbps − max(0, through − Σ min(measured, declared) of our PMs)', async (t) => {
  const declared = new Map([['pm1', 10], ['pm2', 10]]);
  t.same(linkCapacity(100, undefined, declared), { mbps: 100, through: null, standsIn: 0 }, 'no measurement yet: the configured link');
  t.same(linkCapacity(100, new Map([['pm1', 4]]), declared), { mbps: 100, through: 4, standsIn: 4 }, 'a PM under its declared bandwidth takes nothing more');
  t.same(linkCapacity(100, new Map([['pm1', 70], ['pm2', 5]]), declared), { mbps: 40, through: 75, standsIn: 15 }, 'pm1 carrying 60 beyond its declared 10: 60 gone');
  t.same(linkCapacity(100, new Map([['foreign', 30]]), declared), { mbps: 70, through: 30, standsIn: 0 }, 'a guest that is not ours is load like any other');
  t.same(linkCapacity(100, new Map([['pm1', 500]]), declared).mbps, 0, 'never below 0');

  const at = (s: number, inBytes: number, outBytes: number, vif = 0) => ({ time: new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString(), click: [], vifs: [{ vif, device: `vif1.${vif}`, inPackets: inBytes / 1000, inBytes, outPackets: outBytes / 1000, outBytes }] });
  t.same(rate(at(0, 0, 0), at(2, 2_500_000, 2_000_000)), { mbps: 10, pps: 1250, over: 2 }, 'through-rate: the larger side, 2.5 MB in 2 s = 10 Mb/s');
  t.equal(rate(at(2, 5, 5), at(2, 9, 9)), undefined, 'no interval, no rate');
  t.equal(rate(at(0, 9000, 9000), at(1, 1000, 1000)), undefined, 'a counter that went back (the guest was recreated): no rate');
  t.same(rate(at(0, 0, 0, 0), at(1, 1000, 1000, 1)), { mbps: 0, pps: 0, over: 1 }, 'a vif that was not there before counts from its next sample');
});

const MODULE = 'BASESYS=xen.clickos\nin :: FromNet("ip")\nout :: ToNet("tun1")\nm :: Counting()\nin -> m -> out\n';
const COUNTING = 'src :: FromDevice(0);\nc :: Counter();\nsink :: ToDevice(0);\nsrc -> c -> sink;\n';

t.test('placement follows the measured load of stand-in hosts', async (t) => {
  const { url } = await startResourced(t, { secret: { user: USER_SECRET, hosts: HOSTS_SECRET, monitor: MONITOR_SECRET }, monitor: { principals: ['monitor'] } });
  const [x] = await startStandins(t, url, [{ hostId: 'mh-x', nrCpus: 2, cpuPercent: 0 }, { hostId: 'mh-y', nrCpus: 2, cpuPercent: 0 }]);
  const setLoad = async (cpuPercent: number | null) => {
    const c = new XmlRpcClient({ url: x!.url, secret: STANDIN_SECRET });
    t.teardown(() => c.close());
    t.equal(((await c.call('standin_set_load', { cpuPercent })) as { code: number }).code, 0);
  };
  type Host = { host_id: string; cpu_percent: number | null; busy_cores: number | null; usable_cores: number; measured_at: string; measured_by: string; heartbeats: number };
  const hosts = async (): Promise<Host[]> => (await py(url, 'list_hosts')).reply!.value;
  await waitFor('both stand-ins to heartbeat', async () => ((await hosts()).filter((h) => h.heartbeats > 0).length === 2 ? true : undefined));
  t.equal((await py(url, 'deploy_pm', { name: 'Counting', src: COUNTING, cpu: 0.5 })).reply!.code, 0);
  const where = async (id: number) => ((await py(url, 'get_pm_info')).reply!.value.allocations as Array<{ id: number; pms: Array<{ host: string }> }>).find((a) => a.id === id)!.pms[0]!.host;

  const first = (await py(url, 'install_allocation', MODULE, 'task')).reply!;
  t.equal(first.code, 0, first.message);
  t.equal(await where(first.value), 'mh-x', 'idle hosts of equal size: the first goes to X (first in id order)');
  t.same((await py(url, 'plan_allocation', MODULE)).reply!.value, { m: 'mh-x' }, 'and so would the next: 0.5 + 0.5 of 2 cores');

  // X now reports 90% of its 2 cores busy: 1.8 cores, 0.5 of which its PM's declared
  // demand stands for; 2 − 1.3 = 0.7 usable, less than the 1.0 two PMs declare.
  await setLoad(90);
  const busy = await waitFor('X\'s heartbeat to carry the load', async () => (await hosts()).find((h) => h.host_id === 'mh-x' && h.cpu_percent === 90));
  t.same([busy.busy_cores, busy.usable_cores, busy.measured_by], [1.8, 0.7, 'heartbeat'], 'list_hosts shows the measured figures');
  t.ok(Date.now() - Date.parse(busy.measured_at) < 5000, `measured_at is recent (${busy.measured_at})`);
  t.same((await py(url, 'plan_allocation', MODULE)).reply!.value, { m: 'mh-y' }, 'plan_allocation: Y now');
  const second = (await py(url, 'install_allocation', MODULE, 'task')).reply!;
  t.equal(second.code, 0, second.message);
  t.equal(await where(second.value), 'mh-y', 'the next module goes to Y: X is busy though its declared demand leaves room');

  await setLoad(0);
  await waitFor('X idle again', async () => (await hosts()).find((h) => h.host_id === 'mh-x' && h.cpu_percent === 0));
  t.same((await py(url, 'plan_allocation', MODULE)).reply!.value, { m: 'mh-x' }, 'X idle again: X again');
  await setLoad(null);
  await waitFor('X without a measurement', async () => (await hosts()).find((h) => h.host_id === 'mh-x' && h.cpu_percent === null && h.usable_cores === 2));
  t.pass('no measurement (no xentop): the CPU count, as before');
  t.equal((await py(url, 'plan_allocation', 'BASESYS=xen.clickos\nm :: Nope()\n')).reply!.value.error, 'refused', 'a malformed request is refused');
});

t.test('placement.measuredCpu false: declared demand and CPU counts only, whatever is measured', async (t) => {
  const { url } = await startResourced(t, { placement: { timeLimitMs: 300, measuredCpu: false } });
  await startStandins(t, url, [{ hostId: 'mh-x', nrCpus: 2, cpuPercent: 95 }, { hostId: 'mh-y', nrCpus: 2, cpuPercent: 0 }]);
  await waitFor('both stand-ins to heartbeat', async () => (((await py(url, 'list_hosts')).reply!.value as Array<{ heartbeats: number }>).filter((h) => h.heartbeats > 0).length === 2 ? true : undefined));
  t.equal((await py(url, 'deploy_pm', { name: 'Counting', src: COUNTING, cpu: 0.5 })).reply!.code, 0);
  const x = ((await py(url, 'list_hosts')).reply!.value as Array<{ host_id: string; usable_cores: number }>).find((h) => h.host_id === 'mh-x')!;
  t.equal(x.usable_cores, 0.1, 'list_hosts still shows what X measures (0.1 cores usable)');
  t.same((await py(url, 'plan_allocation', MODULE)).reply!.value, { m: 'mh-x' }, 'but placement takes X as idle: its 2 cores');
});

t.test('report_stats: monitord\'s figures, its principal only; PM traffic and switch counters in get_pm_info', async (t) => {
  const { url, rd } = await startResourced(t, {
    secret: { user: USER_SECRET, hosts: HOSTS_SECRET, monitor: MONITOR_SECRET },
    monitor: { principals: ['monitor'] },
    hosts: { principals: ['hosts'], defaultSecret: STANDIN_SECRET, heartbeatTimeoutMs: 60_000, pollMs: 20, taskTimeoutMs: 20_000 },
  });
  // Heartbeats every 30 s: what the report sets is not overtaken during the test.
  await startStandins(t, url, [{ hostId: 'mh-z', nrCpus: 4, cpuPercent: 0, heartbeatMs: 30_000 }]);
  await waitFor('the stand-in to register', async () => (rd.hosts.get('mh-z') ? true : undefined));
  t.equal((await py(url, 'deploy_pm', { name: 'Counting', src: COUNTING, cpu: 0.5 })).reply!.code, 0);
  const inst = (await py(url, 'install_allocation', MODULE, 'task')).reply!;
  t.equal(inst.code, 0, inst.message);
  const pm = rd.allocations.get(inst.value)!.pms[0]!;
  const traffic: PmStats = {
    domid: pm.domid!, name: pm.name, time: new Date().toISOString(),
    vifs: [{ vif: 0, device: `vif${pm.domid}.0`, inPackets: 5e9, inBytes: 7e12, outPackets: 4, outBytes: 400 }],
    click: [{ rid: 0, element: 'c', class: 'Counter', count: 5e9, byteCount: 7e12 }],
  };
  const report = {
    time: new Date().toISOString(),
    hosts: [{ host_id: 'mh-z', stats: { ...stats(4, 75, [{ name: pm.name, cpuPercent: null }]), hostname: 'mh-z' }, pms: [traffic] }, { host_id: 'mh-unknown', stats: stats(1, 0) }],
    switch: { allocations: [{ cookie: `0x${inst.value.toString(16)}`, flows: 2, packets: 12, bytes: 3400 }, { cookie: '0xdeadbeef', flows: 1, packets: 1, bytes: 1 }] },
  };
  // Node's client (monitord's): counters past 2^31 travel as doubles, which Python's xmlrpc.client would refuse to send as ints.
  const as = async (secret: string, method: string, arg: unknown) => {
    const c = new XmlRpcClient({ url, secret });
    try {
      return (await c.call(method, arg as never)) as unknown as { code: number; message: string; value: any };
    } finally {
      c.close();
    }
  };
  t.same((await as(USER_SECRET, 'report_stats', report)).value, { error: 'forbidden' }, 'a user may not');
  t.same((await as(HOSTS_SECRET, 'report_stats', report)).value, { error: 'forbidden' }, 'nor a hostd');
  t.equal(rd.hosts.get('mh-z')!.statsFrom, 'register_host', 'nothing taken');
  t.same((await as(MONITOR_SECRET, 'report_stats', report)).value, { hosts: 1, pms: 1, unknown: ['mh-unknown'] }, 'a host resourced does not know is listed back');
  const [hostsNow, info] = await python(url, [['list_hosts', null], ['get_pm_info', null]]);
  t.match(hostsNow!.reply!.value[0], { host_id: 'mh-z', cpu_percent: 75, busy_cores: 3, usable_cores: 1.5, measured_by: 'monitord' }, 'list_hosts (Python\'s client): 4 − (3 − 0.5 declared) = 1.5');
  const a = info!.reply!.value.allocations[0];
  t.same(a.pms[0].traffic, { time: traffic.time, vifs: traffic.vifs, click: traffic.click }, 'get_pm_info: the PM\'s vif and Click counters, past 2^32');
  t.match(a.switch, { flows: 2, packets: 12, bytes: 3400 }, 'and its flows\' switch counters');
  const old = { ...report, time: new Date(Date.now() - 60_000).toISOString(), hosts: [{ host_id: 'mh-z', stats: stats(4, 5) }] };
  t.equal((await as(MONITOR_SECRET, 'report_stats', old)).code, 0);
  t.equal(rd.hosts.get('mh-z')!.stats.cpuPercent, 75, 'an older report does not replace newer figures');
  const bad = await as(MONITOR_SECRET, 'report_stats', { ...report, time: 'yesterday' });
  t.same([bad.code, bad.value.error], [1, 'refused'], bad.message);
});

t.test('placement follows the measured traffic through a host\'s PMs (host links)', async (t) => {
  // Links of 30 Mb/s, 10 declared per connection: a module between two outside ports
  // takes 10 each way on its host's link (in and out), so X could take two more.
  const { url, rd } = await startResourced(t, {
    secret: { user: USER_SECRET, hosts: HOSTS_SECRET, monitor: MONITOR_SECRET },
    monitor: { principals: ['monitor'] },
    hosts: { principals: ['hosts'], defaultSecret: STANDIN_SECRET, heartbeatTimeoutMs: 60_000, pollMs: 20, taskTimeoutMs: 20_000 },
    platform: { hostLinkMbps: 30 },
    pm: { memoryMiB: 64, bandwidthMbps: 10 },
    placement: { timeLimitMs: 300, measuredCpu: false },
  });
  await startStandins(t, url, [{ hostId: 'mh-x', nrCpus: 4, cpuPercent: 0, heartbeatMs: 30_000 }, { hostId: 'mh-y', nrCpus: 4, cpuPercent: 0, heartbeatMs: 30_000 }]);
  await waitFor('both stand-ins to register', async () => (rd.hosts.get('mh-x') && rd.hosts.get('mh-y') ? true : undefined));
  t.equal((await py(url, 'deploy_pm', { name: 'Counting', src: COUNTING, cpu: 0.5 })).reply!.code, 0);
  const inst = (await py(url, 'install_allocation', MODULE, 'task')).reply!;
  t.equal(inst.code, 0, inst.message);
  const pm = rd.allocations.get(inst.value)!.pms[0]!;
  t.equal(pm.host, 'mh-x', 'the first module goes to X');
  t.same((await py(url, 'plan_allocation', MODULE)).reply!.value, { m: 'mh-x' }, 'and so would the next: 20 of X\'s 30 Mb/s');
  const as = async (arg: unknown) => {
    const c = new XmlRpcClient({ url, secret: MONITOR_SECRET });
    try {
      return (await c.call('report_stats', arg as never)) as unknown as { code: number; message: string };
    } finally {
      c.close();
    }
  };
  // Two monitord reports 2 s apart: 6.25 MB entered the PM, 25 Mb/s through it.
  const base = Date.now() - 10_000;
  const report = (s: number, bytes: number) => ({
    time: new Date(base + s * 1000).toISOString(),
    hosts: [{ host_id: 'mh-x', pms: [{ domid: pm.domid!, name: pm.name, time: new Date(base + s * 1000).toISOString(), click: [], vifs: [{ vif: 0, device: `vif${pm.domid}.0`, inPackets: bytes / 1250, inBytes: bytes, outPackets: bytes / 1250, outBytes: bytes }] }] }],
  });
  t.equal((await as(report(0, 1_000_000))).code, 0);
  type Host = { host_id: string; traffic_mbps: number | null; usable_link_mbps: number };
  const x = async () => ((await py(url, 'list_hosts')).reply!.value as Host[]).find((h) => h.host_id === 'mh-x')!;
  t.match(await x(), { traffic_mbps: null, usable_link_mbps: 30 }, 'one report: counters, no rate yet');
  t.equal((await as(report(2, 7_250_000))).code, 0);
  t.match(await x(), { traffic_mbps: 25, usable_link_mbps: 15 }, 'list_hosts: 25 Mb/s through its PM, 15 beyond the PM\'s 10 declared: 30 − 15 = 15 usable');
  const info = (await py(url, 'get_pm_info')).reply!.value.allocations[0];
  t.same(info.pms[0].traffic.rate, { mbps: 25, pps: 2500, over: 2 }, 'get_pm_info: the PM\'s measured rate');
  t.same((await py(url, 'plan_allocation', MODULE)).reply!.value, { m: 'mh-y' }, 'the next module goes to Y: X\'s link is busy though declared bandwidth leaves room');
  const second = (await py(url, 'install_allocation', MODULE, 'task')).reply!;
  t.equal(second.code, 0, second.message);
  t.equal(rd.allocations.get(second.value)!.pms[0]!.host, 'mh-y', 'and install_allocation puts it there');
  t.equal((await as(report(4, 7_250_000))).code, 0);
  t.match(await x(), { traffic_mbps: 0, usable_link_mbps: 30 }, 'the traffic stops: X\'s link is free again');
  t.same((await py(url, 'plan_allocation', MODULE)).reply!.value, { m: 'mh-x' }, 'X again');
});

t.test('a real monitord polls the hosts and pushes to resourced', async (t) => {
  const { url, rd } = await startResourced(t, {
    secret: { user: USER_SECRET, hosts: HOSTS_SECRET, monitor: MONITOR_SECRET },
    monitor: { principals: ['monitor'] },
    hosts: { principals: ['hosts'], defaultSecret: STANDIN_SECRET, heartbeatTimeoutMs: 60_000, pollMs: 20, taskTimeoutMs: 20_000 },
  });
  const [z] = await startStandins(t, url, [{ hostId: 'mh-z', nrCpus: 2, cpuPercent: 40, heartbeatMs: 30_000 }]);
  await waitFor('the stand-in to register', async () => (rd.hosts.get('mh-z') ? true : undefined));
  const m = createMonitord({
    hosts: [{ url: z!.url, secret: STANDIN_SECRET, name: 'host z', hostId: 'mh-z' }],
    resourced: { url, secret: MONITOR_SECRET },
    secret: MONITOR_SECRET,
    intervalMs: 60_000,
    timeoutMs: 5000,
  });
  t.teardown(() => m.close());
  const snap = await m.monitor.poll();
  t.same(snap.reported, { ok: true, unknown: [] }, 'report_stats accepted');
  t.match(snap.hosts[0], { ok: true, hostId: 'mh-z', pmsError: /pm_stats/ }, 'the stand-in has no pm_stats: recorded, its host figures still go');
  t.match(rd.hosts.get('mh-z'), { statsFrom: 'monitord', stats: { cpuPercent: 40 } }, 'resourced holds monitord\'s figures');
  const wrong = createMonitord({ hosts: [{ url: z!.url, secret: STANDIN_SECRET, hostId: 'mh-z' }], resourced: { url, secret: USER_SECRET }, secret: MONITOR_SECRET, intervalMs: 60_000 });
  t.teardown(() => wrong.close());
  t.match((await wrong.monitor.poll()).reported, { ok: false, error: /forbidden|not allowed/ }, 'with a user\'s secret the push is refused, and said so');
});

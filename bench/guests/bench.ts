// Runs inside dom0 (see bench/run.ts), on real ClickOS (the lab's image).
// 1. request → Running (start confirmed on ClickOS's console) through the warm pool vs
//    through xl create + install + start: RATIO guests.instantiate_pool_vs_xl.
// 2. XenStore requests per instantiate, counted at a proxy in front of xenstored that xl,
//    libxl's hotplug scripts and our client all go through: RATIO guests.xenstore_ops_vs_xl.
// 3. vif hotplug: our lean script against Xen's vif-bridge, attach → connected: RATIO
//    guests.hotplug_lean_vs_xen.
// 4. Scale: N guests (default 100) one after another, each with a vif and a Running router
//    (capped at 1% of a CPU: a ClickOS router polls; dom0's weight is the lab's 65535,
//    lab/dom0/boot.sh), the creation time of each, RATIO
//    guests.growth (Nth / 1st), memory per guest, dom0's CPU while they idle; then on the
//    first 10, installs sequential vs parallel (RATIO guests.parallel_install); then every
//    guest destroyed and checked gone: domain, vif, XenStore home, console log.
import { XenStore } from '../../xenstore/index.js';
import { Xl } from '../../toolstack/index.js';
import { ClickosGuests, WarmPool, type Guest } from '../../guests/index.js';
import { guestConfig } from '../../toolstack/index.js';
import { existsSync, readFileSync } from 'node:fs';
import { clickosKernel } from '../../lab/clickos-image.js';
import { countingProxy } from './xs-counting-proxy.js';

const N = Number(process.env.GUESTS_BENCH_N ?? 100);
/** Counts what the vif brings and drops it: 100 routers echoing into one bridge would flood it. */
const CONFIG = 'src :: FromDevice(0);\nc :: Counter;\nd :: Discard;\nsrc -> c -> d;\n';
const TEMPLATE = { kernel: clickosKernel, memory: 16, vifs: [{ bridge: 'xenbr0' }] };

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = process.hrtime.bigint();
  const v = await fn();
  return [v, Number(process.hrtime.bigint() - t0) / 1e9];
}

const SETTLE_MS = Number(process.env.GUESTS_BENCH_SETTLE_MS ?? 3000);
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, SETTLE_MS));
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ROUNDS = Number(process.env.GUESTS_BENCH_POOL_ROUNDS ?? 5);

/** Pool path vs create path, each request → Running with the start confirmed by the guest's console. */
async function poolVsXl(xs: XenStore, xl: Xl): Promise<void> {
  const guests = new ClickosGuests({ xs, xl, bootTimeoutMs: 600_000, initGraceMs: 120_000 });
  // The xl path as an xl user has it: Xen's own vif-bridge hotplug script.
  const viaXlGuests = new ClickosGuests({ xs, xl, bootTimeoutMs: 600_000, initGraceMs: 120_000, hotplug: 'xen' });
  const template = TEMPLATE;
  const config = 'src :: FromDevice(0);\nc :: Counter;\nsink :: ToDevice(0);\nsrc -> c -> sink;\n';
  const pool = new WarmPool({ guests, template, size: ROUNDS, prefix: 'bench-pool', autoRefill: false });
  const made: number[] = [];
  try {
    await pool.start();
    const viaXl: number[] = [];
    const viaPool: number[] = [];
    const phases: [number, number, number][] = [];
    for (let i = 0; i < ROUNDS; i++) {
      // Each path starts on a quiet host: the guest the previous path started is still
      // doing its after-start work (console lines, its interface scan) for a moment.
      await settle();
      const [a, tx] = await timed(async () => {
        const g = await viaXlGuests.create({ ...template, name: `bench-xl${i}` });
        made.push(g.domid);
        const rid = await viaXlGuests.install(g.domid, config, 'bench');
        return viaXlGuests.start(g.domid, rid);
      });
      await settle();
      // The pool path as instantiate() runs it, timed per phase: claim (one transaction),
      // install (one transaction), start (status written, then the guest's console line).
      const [b, tp] = await timed(async () => {
        const [inst, tClaim] = await timed(() => pool.acquire({ name: `bench-pl${i}` }));
        const [rid, tInstall] = await timed(() => guests.install(inst.domid, config, 'bench'));
        const [st, tStart] = await timed(() => guests.start(inst.domid, rid));
        phases.push([tClaim, tInstall, tStart]);
        return { ...inst, ...st };
      });
      made.push(b.domid);
      if (!a.confirmed || !b.confirmed || b.source !== 'pool') throw new Error('a start was not confirmed, or the pool did not serve the request');
      viaXl.push(tx);
      viaPool.push(tp);
      const [c, n, st] = phases[i]!;
      console.log(`# round ${i + 1}: xl create + install + start ${tx.toFixed(3)} s, pool ${tp.toFixed(3)} s (claim ${(c * 1000).toFixed(0)} ms, install ${(n * 1000).toFixed(0)} ms, start until the guest's console confirms ${(st * 1000).toFixed(0)} ms)`);
      // Both routers poll their vCPU (docs/clickos.md): left Running, they would slow every later round.
      for (const d of made.splice(0)) await guests.destroy(d).catch(() => {});
    }
    console.log(`# request → Running, median of ${ROUNDS}: xl path ${median(viaXl).toFixed(3)} s, pool path ${median(viaPool).toFixed(3)} s`);
    console.log(`RATIO guests.instantiate_pool_vs_xl ${(median(viaPool) / median(viaXl)).toFixed(3)}`);
  } finally {
    await pool.close({ destroyIdle: true });
    for (const d of made) await guests.destroy(d).catch(() => {});
  }
}

/** XenStore requests of one instantiate: the pool path (ours) vs xl create + the same install and start. */
async function xenstoreOps(xl: Xl): Promise<void> {
  const proxy = await countingProxy('/tmp/bench-xs-proxy.sock');
  const saved = process.env.XENSTORED_PATH;
  process.env.XENSTORED_PATH = proxy.path; // xl and the hotplug scripts it spawns inherit it
  const xs = await XenStore.connect({ path: proxy.path });
  const guests = new ClickosGuests({ xs, xl, bootTimeoutMs: 600_000, initGraceMs: 120_000 });
  const pool = new WarmPool({ guests, template: TEMPLATE, size: 1, prefix: 'bench-ops', autoRefill: false });
  const config = 'src :: FromDevice(0);\nc :: Counter;\nsink :: ToDevice(0);\nsrc -> c -> sink;\n';
  const made: number[] = [];
  try {
    await pool.start();
    await settle();
    proxy.reset();
    const inst = await pool.instantiate({ name: 'bench-ops-pool', config });
    const ours = proxy.count();
    made.push(inst.domid);
    await settle();
    proxy.reset();
    const domid = await xl.create(guestConfig({ ...TEMPLATE, name: 'bench-ops-xl', vifs: [{ bridge: 'xenbr0', script: 'vif-bridge' }] }));
    const create = proxy.count();
    made.push(domid);
    await guests.control.waitForRoot(domid, 600_000);
    proxy.reset();
    const rid = await guests.install(domid, config, 'bench');
    await guests.start(domid, rid);
    const install = proxy.count();
    console.log(`# XenStore requests per instantiate: pool path ${ours}; xl path ${create + install} (xl create with vif-bridge ${create}, install + start ${install})`);
    console.log(`RATIO guests.xenstore_ops_vs_xl ${(ours / (create + install)).toFixed(3)}`);
  } finally {
    await pool.close({ destroyIdle: true });
    for (const d of made) await guests.destroy(d).catch(() => {});
    xs.close();
    if (saved === undefined) delete process.env.XENSTORED_PATH;
    else process.env.XENSTORED_PATH = saved;
    await proxy.close();
  }
}

/** vif attach → hotplug-status connected, then detach: our lean script against Xen's vif-bridge, alternating. */
async function hotplug(xs: XenStore, xl: Xl): Promise<void> {
  const lean = new ClickosGuests({ xs, xl, bootTimeoutMs: 600_000 });
  const xen = new ClickosGuests({ xs, xl, bootTimeoutMs: 600_000, hotplug: 'xen' });
  const g = await lean.create({ ...TEMPLATE, vifs: [], name: 'bench-hotplug' });
  const times: Record<'lean' | 'xen', number[]> = { lean: [], xen: [] };
  try {
    for (let i = 0; i < ROUNDS; i++) {
      for (const [kind, m] of [['lean', lean], ['xen', xen]] as const) {
        await settle();
        const [dev, secs] = await timed(() => m.vifs.attach(g.domid, { bridge: 'xenbr0' }));
        times[kind].push(secs);
        await m.vifs.detach(g.domid, dev.devid);
      }
    }
    console.log(`# vif attach until hotplug-status connected, median of ${ROUNDS}: lean script ${median(times.lean).toFixed(3)} s, Xen's vif-bridge ${median(times.xen).toFixed(3)} s`);
    console.log(`RATIO guests.hotplug_lean_vs_xen ${(median(times.lean) / median(times.xen)).toFixed(3)}`);
  } finally {
    await lean.destroy(g.domid).catch(() => {});
  }
}

/**
 * dom0's busy and total CPU time in jiffies, from its own /proc/stat: xl list's Time(s) for
 * dom0 ran about 6× faster than the wall clock under emulation (615% of 2 vCPUs in one run).
 */
function dom0CpuTicks(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  const idle = (f[3] ?? 0) + (f[4] ?? 0); // idle + iowait
  return { busy: total - idle, total };
}

async function main(): Promise<void> {
  const xs = await XenStore.connect();
  const xl = new Xl({ timeoutMs: 600_000 });
  const only = process.env.GUESTS_BENCH_ONLY;
  if (!only || only === 'pool') await poolVsXl(xs, xl);
  if (!only || only === 'ops') await xenstoreOps(xl);
  if (!only || only === 'hotplug') await hotplug(xs, xl);
  if (only && only !== 'scale') return xs.close();
  // The grace bounds the confirmed stops of the forced removals between rounds.
  const guests = new ClickosGuests({ xs, xl, bootTimeoutMs: 600_000, initGraceMs: 60_000 });
  const made: Guest[] = [];
  try {
    const free0 = (await xl.info()).freeMemoryMiB;
    const curve: number[] = [];
    for (let i = 0; i < N; i++) {
      const [g, secs] = await timed(async () => {
        const g = await guests.create({ ...TEMPLATE, name: `bench-g${i}`, cap: 1 });
        const rid = await guests.install(g.domid, CONFIG, 'bench');
        await guests.control.start(g.domid, rid);
        return g;
      });
      made.push(g);
      curve.push(secs);
      console.log(`# guest ${i + 1}: request → Running in ${secs.toFixed(2)} s`);
    }
    const free1 = (await xl.info()).freeMemoryMiB;
    const running = (await Promise.all(made.map(async (g) => (await guests.routers(g.domid))[0]?.status))).filter((s) => s === 'Running').length;
    const c0 = dom0CpuTicks();
    await new Promise((r) => setTimeout(r, 20_000));
    const c1 = dom0CpuTicks();
    console.log(`# ${N} guests up, ${running} routers Running, each with a vif`);
    console.log(`BENCH guests.memory_per_guest_mib ${((free0 - free1) / N).toFixed(1)}`);
    // Percent of all dom0's vCPUs (100 = every vCPU busy).
    console.log(`BENCH guests.dom0_cpu_idle_percent ${((100 * (c1.busy - c0.busy)) / (c1.total - c0.total)).toFixed(1)}`);
    // The Nth against the 1st, as the issue asks; one slow boot under emulation sways it, so the
    // medians of the first and last five are printed beside it.
    const ends = Math.min(5, Math.floor(N / 2));
    console.log(`# creation: 1st ${curve[0]!.toFixed(2)} s, ${N}th ${curve[N - 1]!.toFixed(2)} s; median of the first ${ends} ${median(curve.slice(0, ends)).toFixed(2)} s, of the last ${ends} ${median(curve.slice(-ends)).toFixed(2)} s`);
    console.log(`RATIO guests.growth ${(curve[N - 1]! / curve[0]!).toFixed(2)}`);
    console.log(`RATIO guests.growth_median5 ${(median(curve.slice(-ends)) / median(curve.slice(0, ends))).toFixed(2)}`);

    const some = made.slice(0, 10);
    // Uncapped for this part: at 1% a guest took minutes to print a stop on its console.
    for (const g of some) await xl.run(['sched-credit2', '-d', String(g.domid), '-c', '0']);
    for (const g of some) await guests.remove(g.domid, 0, { force: true });
    const [, seq] = await timed(async () => {
      for (const g of some) await guests.control.start(g.domid, await guests.install(g.domid, CONFIG, 'seq'));
    });
    for (const g of some) await guests.remove(g.domid, 0, { force: true });
    const [, par] = await timed(() => Promise.all(some.map(async (g) => guests.control.start(g.domid, await guests.install(g.domid, CONFIG, 'par')))));
    console.log(`# ${some.length} installs+starts: sequential ${seq.toFixed(2)} s, parallel ${par.toFixed(2)} s`);
    console.log(`RATIO guests.parallel_install ${(par / seq).toFixed(2)}`);
  } finally {
    for (const g of made) await guests.destroy(g.domid).catch(() => {});
    const left = {
      domains: (await xl.list()).filter((d) => d.name.startsWith('bench-g')).length,
      logs: made.filter((g) => existsSync(`/var/log/xen/console/guest-${g.name}.log`)).length,
      xenstore: (await Promise.all(made.map((g) => xs.exists(`/local/domain/${g.domid}`)))).filter(Boolean).length,
      vifs: (await Promise.all(made.map((g) => xs.exists(`/local/domain/0/backend/vif/${g.domid}`)))).filter(Boolean).length,
    };
    console.log(`# after destroying ${made.length}: ${left.domains} domains, ${left.vifs} vif backends, ${left.xenstore} XenStore homes, ${left.logs} console logs left`);
    xs.close();
  }
}

main().catch((e: Error) => {
  console.error(e.message);
  process.exit(1);
});

// Runs inside dom0 (see bench/run.ts). Guests one after another up to N, each
// created (vif-less, booted to data/clickos) and given a running router: the
// per-guest curve and RATIO guests.growth (Nth / 1st). Then, on those guests,
// routers installed and started sequentially vs all in parallel:
// RATIO guests.parallel_install (parallel / sequential, lower is better).
// First, request → Running (start confirmed on the console) through the warm pool
// vs through xl create + install + start: RATIO guests.instantiate_pool_vs_xl.
import { XenStore } from '../../xenstore/index.js';
import { Xl } from '../../toolstack/index.js';
import { ClickosGuests, WarmPool, type Guest } from '../../guests/index.js';
import { guestKernel, guestRamdisk } from '../../lab/guest-kit.js';

const N = Number(process.env.GUESTS_BENCH_N ?? 20);
const CONFIG = 'src :: InfiniteSource();\nc :: Counter();\nd :: Discard();\nsrc -> c -> d;\n';

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
  const template = { kernel: guestKernel, ramdisk: guestRamdisk, memory: 96, vifs: [{ bridge: 'xenbr0' }] };
  const config = 'src :: FromDevice(0);\nc :: Counter();\nsink :: ToDevice(0);\nsrc -> c -> sink;\n';
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
        const g = await guests.create({ ...template, name: `bench-xl${i}` });
        made.push(g.domid);
        const rid = await guests.install(g.domid, config, 'bench');
        return guests.start(g.domid, rid);
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
    }
    console.log(`# request → Running, median of ${ROUNDS}: xl path ${median(viaXl).toFixed(3)} s, pool path ${median(viaPool).toFixed(3)} s`);
    console.log(`RATIO guests.instantiate_pool_vs_xl ${(median(viaPool) / median(viaXl)).toFixed(3)}`);
  } finally {
    await pool.close({ destroyIdle: true });
    for (const d of made) await xl.destroy(d).catch(() => {});
  }
}

async function main(): Promise<void> {
  const xs = await XenStore.connect();
  const xl = new Xl({ timeoutMs: 600_000 });
  await poolVsXl(xs, xl);
  // The grace bounds the confirmed stops of the forced removals between rounds.
  const guests = new ClickosGuests({ xs, xl, bootTimeoutMs: 600_000, initGraceMs: 60_000 });
  const made: Guest[] = [];
  try {
    const curve: number[] = [];
    for (let i = 0; i < N; i++) {
      const [g, secs] = await timed(async () => {
        const g = await guests.create({ name: `bench-g${i}`, kernel: guestKernel, ramdisk: guestRamdisk, memory: 96 });
        const rid = await guests.install(g.domid, CONFIG, 'bench');
        await guests.control.start(g.domid, rid);
        return g;
      });
      made.push(g);
      curve.push(secs);
      console.log(`# guest ${i + 1}: request → Running in ${secs.toFixed(2)} s`);
    }
    for (const g of made) await guests.remove(g.domid, 0, { force: true });

    const [, seq] = await timed(async () => {
      for (const g of made) await guests.control.start(g.domid, await guests.install(g.domid, CONFIG, 'seq'));
    });
    for (const g of made) await guests.remove(g.domid, 0, { force: true });
    const [, par] = await timed(() => Promise.all(made.map(async (g) => guests.control.start(g.domid, await guests.install(g.domid, CONFIG, 'par')))));
    console.log(`# ${N} installs+starts: sequential ${seq.toFixed(2)} s, parallel ${par.toFixed(2)} s`);
    console.log(`RATIO guests.growth ${(curve[N - 1]! / curve[0]!).toFixed(2)}`);
    console.log(`RATIO guests.parallel_install ${(par / seq).toFixed(2)}`);
  } finally {
    for (const g of made) await xl.destroy(g.domid).catch(() => {});
    xs.close();
  }
}

main().catch((e: Error) => {
  console.error(e.message);
  process.exit(1);
});

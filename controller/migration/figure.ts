// D3.2's Figure 2.7 as two text tables (bench/balancer prints them).
import { Rng } from '../placement/rng.js';
import { flowMigration, precopy, SEED_COPY, type CopyModel } from './downtime.js';
import { processWithStates, survivingShare } from './flow-process.js';
import { statesLeft } from './idle-phase.js';

export const IDLE_LENGTHS_S = [0, 0.1, 0.2, 0.5, 1, 2, 5, 10];
export const STATE_COUNTS = [10, 100, 1_000, 10_000, 100_000, 1_000_000];

/** Figure 2.7(a): states left against idle-phase length, simulated and from the closed form. */
export function figureA(states: number, seed: number): string {
  const p = processWithStates(states);
  const { initial, points } = statesLeft(new Rng(seed), p, IDLE_LENGTHS_S);
  const rows = points.map((x) => `| ${x.idleS} | ${x.left} | ${x.share.toPrecision(3)} | ${survivingShare(p, x.idleS).toPrecision(3)} |`);
  return [`Figure 2.7(a): states left on the old replica (${initial} at the start; Poisson arrivals, Pareto durations mean 200 ms, min 100 ms)`, '| idle phase (s) | states left | share | share (closed form) |', '|---|---|---|---|', ...rows].join('\n');
}

/** Figure 2.7(b): downtime against the number of states, pre-copy and ours after an idle phase of idleS. */
export function figureB(idleS: number, seed: number, counts = STATE_COUNTS, m: CopyModel = SEED_COPY): { table: string; rows: Array<{ states: number; precopyS: number; oursS: number }> } {
  const rows = counts.map((n, i) => {
    const p = processWithStates(n);
    const pre = precopy(new Rng(seed + i), p, m);
    const ours = flowMigration(new Rng(seed + i), p, idleS, m);
    return { states: n, precopyS: pre.downtimeS, oursS: ours.downtimeS, rounds: pre.rounds };
  });
  const ms = (s: number) => (s * 1000).toPrecision(3);
  const table = [
    `Figure 2.7(b): downtime (ms), ${m.stateBytes} B states, pre-copy at ${m.precopyBps / 1e6} Mb/s then ${m.stopBps / 1e9} Gb/s; ours: ${idleS} s idle phase, then freeze-and-copy at ${m.stopBps / 1e9} Gb/s`,
    '| states | pre-copy | rounds | ours | ours / pre-copy |',
    '|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.states} | ${ms(r.precopyS)} | ${r.rounds} | ${ms(r.oursS)} | ${r.precopyS > 0 ? (r.oursS / r.precopyS).toPrecision(3) : '—'} |`),
  ].join('\n');
  return { table, rows };
}

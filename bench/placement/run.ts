/**
 * Entry point: node dist/bench/placement/run.js [--set ci|some|all] [--cap SECONDS]
 *                                             [--seed N] [--only NAME,NAME…]
 *   all (default): all 59 instances of D3.2 §3.2.4 (docs/platform.md; 4 basic, 55 large); ≈4 minutes
 *   some:    the basic instances and, per size, D10, D11, D12, D13, D16, D20 (34 instances)
 *   ci:      the basic instances and NS4000-D13 (what CI runs; ≈2 s)
 * Each instance is capped at --cap seconds of placement (default 20; D3.2 ran up to
 * 3600). An instance stops earlier once feasible or at a proven lower bound; only the
 * ones that do neither (the infeasible D10s, NS12000-D11) use the whole cap.
 */
import { allInstances, report, runInstance } from './bench.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const set = arg('set') ?? 'all';
const capS = Number(arg('cap') ?? 20);
const seed = Number(arg('seed') ?? 1);
let names: string[];
if (arg('only')) names = arg('only')!.split(',');
else if (set === 'ci') names = ['NS40', 'NS44', 'NS48', 'NS52', 'NS4000-D13'];
else if (set === 'some') names = allInstances().filter((n) => !n.includes('-D') || /-D(10|11|12|13|16|20)$/.test(n));
else names = allInstances();

const t0 = performance.now();
console.log(`bench/placement: ${names.length} instances, cap ${capS} s each, seed ${seed}, node ${process.version}`);
const ratios: string[] = [];
for (const name of names) {
  const lines = report(runInstance(name, capS * 1000, seed));
  for (const l of lines) console.log(l);
  ratios.push(...lines.filter((l) => l.startsWith('RATIO ')));
}
console.log(`\nbench/placement: done in ${((performance.now() - t0) / 1000).toFixed(1)} s; ${ratios.length} RATIO lines`);

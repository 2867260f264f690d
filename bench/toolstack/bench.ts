// Runs inside dom0 (see bench/run.ts): create -p → destroy of the same guest
// config through our driver and through xl directly, alternating, several
// rounds. RATIO toolstack.create_overhead = ours / xl wall time (lower is better).
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Xl, guestConfig } from '../../toolstack/index.js';
import { clickosKernel } from '../../lab/clickos-image.js';

const run = promisify(execFile);
const ROUNDS = Number(process.env.TS_BENCH_ROUNDS ?? 12);

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

async function main(): Promise<void> {
  const xl = new Xl();
  const cfg = guestConfig({ name: 'bench-ts', kernel: clickosKernel, memory: 16 });
  const file = join(mkdtempSync(join(tmpdir(), 'bench-')), 'bench-ts.cfg');
  writeFileSync(file, cfg.toString());
  const ours: number[] = [];
  const direct: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    ours.push(await timed(async () => xl.destroy(await xl.create(cfg, { paused: true }))));
    direct.push(await timed(async () => {
      await run('xl', ['create', '-p', file]);
      await run('xl', ['destroy', 'bench-ts']);
    }));
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(`# create -p → destroy, ${ROUNDS} rounds: ours median ${median(ours).toFixed(3)} s, xl median ${median(direct).toFixed(3)} s`);
  console.log(`RATIO toolstack.create_overhead ${(median(ours) / median(direct)).toFixed(3)}`);
}

main().catch((e: Error) => {
  console.error(e.message);
  process.exit(1);
});

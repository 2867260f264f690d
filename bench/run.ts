// `npm run bench [name...]`: boots the lab, builds the C side of each benchmark
// against Debian's Xen headers, runs the benchmarks inside dom0 and prints their
// RATIO lines. Benchmarks of host-side code (placement, flows, hostd's daemon, the Click parser,
// heavy-hitter offloading, the balancer, the controller's store) run on the host.
import { join } from 'node:path';
import { execa } from 'execa';
import { compileWithLibxenstore } from '../lab/xen-c.js';
import { down, exec, up } from '../lab/lab.js';
import { paths, projectRoot } from '../lab/paths.js';

function buildLibxenstoreBench(): Promise<string> {
  const src = join(projectRoot, 'bench', 'xenstore', 'libxenstore-bench.c');
  return compileWithLibxenstore(src, join(paths.cache, 'bench', 'libxenstore-bench'), (m) => process.stderr.write(`bench: ${m}\n`));
}

const LAB_BENCHES = ['xenstore', 'toolstack', 'guests'];
const HOST_BENCHES: Record<string, string> = { placement: 'run.js', flows: 'run.js', hostd: 'run.js', click: 'run.js', 'clickos-image': 'run.js', offload: 'run.js', balancer: 'run.js', 'controller-store': 'run.js', 'controller-reconcile': 'run.js', 'controller-failover': 'run.js' };

async function main(): Promise<number> {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((w) => !LAB_BENCHES.includes(w) && !(w in HOST_BENCHES));
  if (unknown.length) throw new Error(`unknown benchmark ${unknown.join(', ')}: choose from ${[...LAB_BENCHES, ...Object.keys(HOST_BENCHES)].join(', ')}`);
  const pick = (n: string): boolean => wanted.length === 0 || wanted.includes(n);
  let status = 0;
  for (const [name, file] of Object.entries(HOST_BENCHES)) {
    if (!pick(name)) continue;
    const r = await execa('node', [join(projectRoot, 'dist', 'bench', name, file)], { stdio: 'inherit', reject: false });
    if (r.exitCode !== 0) status = 1;
  }
  const lab = LAB_BENCHES.filter(pick);
  if (lab.length === 0) return status;
  const cBench = lab.includes('xenstore') ? await buildLibxenstoreBench() : '';
  await up({ ownerPid: process.pid });
  try {
    for (const name of lab) {
      const args = name === 'xenstore' ? [cBench] : [];
      const r = await exec(['node', join(projectRoot, 'dist', 'bench', name, 'bench.js'), ...args], {
        cwd: projectRoot,
        timeoutMs: 120 * 60_000,
        onStdout: (b) => process.stdout.write(b),
        onStderr: (b) => process.stderr.write(b),
      });
      if (r.exitCode !== 0) status = 1;
    }
    return status;
  } finally {
    await down();
  }
}

main().then(
  (code) => process.exit(code),
  (e: Error) => {
    console.error(`bench: ${e.message}`);
    process.exit(1);
  },
);

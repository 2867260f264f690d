// `npm run bench`: boots the lab, builds the C side of each benchmark against
// Debian's Xen headers, runs the benchmarks inside dom0 and prints their RATIO lines.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { download, extract } from '../lab/debian.js';
import { down, exec, up } from '../lab/lab.js';
import { paths, projectRoot } from '../lab/paths.js';

async function buildLibxenstoreBench(): Promise<string> {
  const tree = join(paths.cache, 'libxen-dev');
  const debs = await download(['libxen-dev', 'libxenstore4', 'libxentoolcore1'], (m) => process.stderr.write(`bench: ${m}\n`));
  await extract(debs, tree);
  const out = join(paths.cache, 'bench', 'libxenstore-bench');
  mkdirSync(join(paths.cache, 'bench'), { recursive: true });
  const src = join(projectRoot, 'bench', 'xenstore', 'libxenstore-bench.c');
  const libdir = join(tree, 'usr', 'lib', 'x86_64-linux-gnu');
  await execa('gcc', ['-O2', '-Wall', '-o', out, src, `-I${join(tree, 'usr', 'include')}`, join(libdir, 'libxenstore.so.4'), `-Wl,-rpath-link,${libdir}`]);
  if (!existsSync(out)) throw new Error('the C benchmark did not build');
  return out;
}

async function main(): Promise<number> {
  const cBench = await buildLibxenstoreBench();
  await up({ ownerPid: process.pid });
  const benches: [string, string[]][] = [
    ['xenstore', [cBench]],
    ['toolstack', []],
    ['guests', []],
  ];
  let status = 0;
  try {
    for (const [name, args] of benches) {
      const r = await exec(['node', join(projectRoot, 'dist', 'bench', name, 'bench.js'), ...args], {
        cwd: projectRoot,
        timeoutMs: 30 * 60_000,
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

// Builds C programs against Debian's Xen headers and libraries (libxen-dev,
// fetched like the rest of the lab's packages): the libxenstore side of the
// XenStore benchmark, and the lab guest's static XenStore helper.
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { download, extract } from './debian.js';
import { paths } from './paths.js';

async function gcc(src: string, out: string, log: (msg: string) => void, link: (libdir: string) => string[]): Promise<string> {
  const tree = join(paths.cache, 'libxen-dev');
  const debs = await download(['libxen-dev', 'libxenstore4', 'libxentoolcore1'], log);
  await extract(debs, tree);
  mkdirSync(dirname(out), { recursive: true });
  const libdir = join(tree, 'usr', 'lib', 'x86_64-linux-gnu');
  await execa('gcc', ['-O2', '-Wall', '-o', out, src, `-I${join(tree, 'usr', 'include')}`, ...link(libdir)]);
  if (!existsSync(out)) throw new Error(`${src} did not build`);
  return out;
}

/** Linked to libxenstore.so, as Xen's own tools are. */
export function compileWithLibxenstore(src: string, out: string, log: (msg: string) => void): Promise<string> {
  return gcc(src, out, log, (libdir) => [join(libdir, 'libxenstore.so.4'), `-Wl,-rpath-link,${libdir}`]);
}

/** One static binary using only the headers (xs_wire.h): no ld.so work at each exec. */
export function compileStaticWithXenHeaders(src: string, out: string, log: (msg: string) => void): Promise<string> {
  return gcc(src, out, log, () => ['-static']);
}

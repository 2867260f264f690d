// Fetches the lab's parts from Debian's archive without installing them:
// `apt-get download` into the cache, `dpkg-deb -x` into a tree. Nothing here
// touches the host's package database or starts a service.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, cpSync, lstatSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { paths } from './paths.js';

/** Xen 4.17 tools a dom0 needs (docs/xl.md, "The lab"). */
export const XEN_PACKAGES = [
  'xen-hypervisor-4.17-amd64',
  'xen-utils-4.17',
  'xen-utils-common',
  'xenstore-utils',
  'libxenstore4',
  'libxenmisc4.17',
  'libxencall1',
  'libxenevtchn1',
  'libxenforeignmemory1',
  'libxengnttab1',
  'libxentoollog1',
  'libxentoolcore1',
  'libxendevicemodel1',
  'libxenhypfs1',
  'libyajl2',
];

export class LabFetchError extends Error {
  override name = 'LabFetchError';
}

/** The versioned kernel package `linux-image-amd64` depends on (never the wildcard: it matches 1.6 GB). */
export async function kernelPackage(): Promise<string> {
  const { stdout } = await execa('apt-cache', ['depends', 'linux-image-amd64']);
  const m = /Depends: (linux-image-[0-9][^\s]*-amd64)/.exec(stdout);
  if (!m) throw new LabFetchError(`apt-cache cannot resolve linux-image-amd64:\n${stdout}\nRun apt-get update.`);
  return m[1]!;
}

function debFor(pkg: string): string | undefined {
  return readdirSync(paths.debs).find((f) => f.startsWith(`${pkg}_`) && f.endsWith('.deb'));
}

/** Downloads the packages not already in the cache; returns the .deb paths in input order. */
export async function download(pkgs: string[], log: (msg: string) => void): Promise<string[]> {
  mkdirSync(paths.debs, { recursive: true });
  const missing = pkgs.filter((p) => !debFor(p));
  if (missing.length > 0) {
    log(`downloading ${missing.length} Debian packages: ${missing.join(' ')}`);
    try {
      // The sandbox user _apt cannot write into a root-owned cache; we are only downloading.
      await execa('apt-get', ['-o', 'APT::Sandbox::User=root', '-q', 'download', ...missing], { cwd: paths.debs });
    } catch (e) {
      const err = e as { stderr?: string; message: string };
      throw new LabFetchError(`apt-get download failed (${missing.join(' ')}):\n${err.stderr ?? err.message}`);
    }
  }
  return pkgs.map((p) => {
    const f = debFor(p);
    if (!f) throw new LabFetchError(`apt-get download did not produce a .deb for ${p}`);
    return join(paths.debs, f);
  });
}

/**
 * Debian 12 has a merged /usr: /lib, /bin and /sbin are symlinks into /usr. A
 * package tree that ships real lib/ or bin/ directories would hide those
 * symlinks when laid over the host's root, so move their contents under usr/.
 */
function mergeUsr(tree: string): void {
  for (const top of ['bin', 'sbin', 'lib', 'lib64']) {
    const dir = join(tree, top);
    if (!existsSync(dir) || lstatSync(dir).isSymbolicLink()) continue;
    cpSync(dir, join(tree, 'usr', top), { recursive: true, verbatimSymlinks: true });
    rmSync(dir, { recursive: true });
  }
}

/** Extracts debs into `tree` once; a stamp with the .deb names makes the next run a no-op. */
export async function extract(debs: string[], tree: string): Promise<boolean> {
  const stamp = join(tree, '.lab-stamp');
  const want = debs.map((d) => d.split('/').pop()).join('\n');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === want) return false;
  const tmp = `${tree}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  for (const deb of debs) await execa('dpkg-deb', ['-x', deb, tmp]);
  mergeUsr(tmp);
  writeFileSync(join(tmp, '.lab-stamp'), want);
  rmSync(tree, { recursive: true, force: true });
  renameSync(tmp, tree);
  return true;
}

// What the host must have for the lab: QEMU to boot it, the compilers and tools that
// build its ClickOS image (clickos-build/build/README.md), and Debian's own apt/dpkg/xz.
// Missing packages are installed with apt-get as root (the lab's only system-wide
// installs); otherwise the error gives the one command to run.
import { execa } from 'execa';

async function have(cmd: string): Promise<boolean> {
  try {
    await execa('sh', ['-c', 'command -v "$1"', 'sh', cmd]);
    return true;
  } catch {
    return false;
  }
}

export class LabHostError extends Error {
  override name = 'LabHostError';
}

/** A command the lab runs and the Debian package that has it. */
export const LAB_PACKAGES: ReadonlyArray<readonly [string, string]> = [
  ['qemu-system-x86_64', 'qemu-system-x86'],
  ['gcc', 'gcc'],
  ['g++', 'g++'],
  ['make', 'make'],
  ['patch', 'patch'],
  ['perl', 'perl'],
  ['makeinfo', 'texinfo'],
  ['autoconf', 'autoconf'],
  ['automake', 'automake'],
  ['bison', 'bison'],
  ['flex', 'flex'],
  ['gawk', 'gawk'],
];

export async function ensureHostTools(log: (msg: string) => void): Promise<void> {
  for (const cmd of ['apt-get', 'apt-cache', 'dpkg-deb', 'xz', 'ldd']) {
    if (!(await have(cmd))) throw new LabHostError(`the lab needs ${cmd} on the host (a Debian or Ubuntu machine)`);
  }
  const missing: string[] = [];
  for (const [cmd, pkg] of LAB_PACKAGES) if (!(await have(cmd))) missing.push(pkg);
  if (missing.length === 0) return;
  const line = `apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  if (process.getuid?.() !== 0) throw new LabHostError(`the lab needs ${missing.join(', ')}: run \`${line}\` as root`);
  log(`installing ${missing.join(' ')} (apt-get)`);
  try {
    await execa('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...missing], { env: { DEBIAN_FRONTEND: 'noninteractive' } });
  } catch (e) {
    throw new LabHostError(`${line} failed (try apt-get update first):\n${(e as { stderr?: string }).stderr ?? e}`);
  }
}

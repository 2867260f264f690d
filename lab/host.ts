// What the host must have for the lab: QEMU to boot it and the tools that build its ClickOS
// image (the lab's only system-wide installs, and only as root; the package list is
// lab/host-packages.ts), and Debian's own apt/dpkg/xz.
import { execa } from 'execa';
import { ensureHostPackages, HostPackagesError, LAB_PACKAGES } from './host-packages.js';

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

export async function ensureHostTools(log: (msg: string) => void): Promise<void> {
  for (const cmd of ['apt-get', 'apt-cache', 'dpkg-deb', 'xz', 'ldd']) {
    if (!(await have(cmd))) throw new LabHostError(`the lab needs ${cmd} on the host (a Debian or Ubuntu machine)`);
  }
  try {
    await ensureHostPackages(log, { packages: LAB_PACKAGES });
  } catch (e) {
    if (e instanceof HostPackagesError) throw new LabHostError(`the lab: ${e.message}`);
    throw e;
  }
}

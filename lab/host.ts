// What the host must have for the lab: QEMU (the one system-wide install the lab
// makes, and only as root) and Debian's own apt/dpkg/xz.
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

export async function ensureHostTools(log: (msg: string) => void): Promise<void> {
  for (const cmd of ['apt-get', 'apt-cache', 'dpkg-deb', 'xz', 'ldd', 'gcc']) {
    if (!(await have(cmd))) throw new LabHostError(`the lab needs ${cmd} on the host (a Debian or Ubuntu machine)`);
  }
  if (await have('qemu-system-x86_64')) return;
  if (process.getuid?.() !== 0) {
    throw new LabHostError('QEMU is missing: run `apt-get install -y qemu-system-x86` as root (the lab needs root for it)');
  }
  log('installing QEMU (apt-get install qemu-system-x86)');
  try {
    await execa('apt-get', ['install', '-y', '-q', '--no-install-recommends', 'qemu-system-x86'], {
      env: { DEBIAN_FRONTEND: 'noninteractive' },
    });
  } catch (e) {
    throw new LabHostError(`apt-get install qemu-system-x86 failed (try apt-get update first):\n${(e as { stderr?: string }).stderr ?? e}`);
  }
}

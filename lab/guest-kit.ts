// The lab's test guest: the Debian kernel as an uncompressed vmlinux (xl create
// ≈2 s instead of ≈11 s under TCG) and a busybox initramfs with xen-netfront and
// xenstore-utils (see lab/guest/init.sh for what it reports in XenStore).
import { join } from 'node:path';
import { paths } from './paths.js';
import { DOMAIN_NAME_RE } from '../toolstack/limits.js';

export const guestKernel = join(paths.images, 'guest-vmlinux');
export const guestRamdisk = join(paths.images, 'guest-initrd.cpio.gz');

export interface TestGuestOptions {
  name: string;
  /** MiB; a Debian PV kernel needs ≥ ~80 ("segment kernel too large" below). */
  memory?: number;
  /** One entry per vif, e.g. `bridge=xenbr0`. */
  vifs?: string[];
}

/** An xl.cfg(5) text for the test guest. */
export function testGuestConfig(o: TestGuestOptions): string {
  if (!DOMAIN_NAME_RE.test(o.name)) throw new Error(`invalid guest name ${JSON.stringify(o.name)}`);
  const q = (s: string): string => {
    if (/['"\n\\]/.test(s)) throw new Error(`invalid value ${JSON.stringify(s)}`);
    return `"${s}"`;
  };
  return [
    `name = ${q(o.name)}`,
    `type = "pv"`,
    `kernel = ${q(guestKernel)}`,
    `ramdisk = ${q(guestRamdisk)}`,
    `extra = "console=hvc0 quiet"`,
    `memory = ${o.memory ?? 96}`,
    `vif = [ ${(o.vifs ?? []).map(q).join(', ')} ]`,
    `on_crash = "destroy"`,
    '',
  ].join('\n');
}

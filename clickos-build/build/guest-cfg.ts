// The xl.cfg that boots a built image, through the toolstack's validated model.
import { basename } from 'node:path';
import { guestConfig } from '../../toolstack/index.js';

export interface ImageGuest {
  name: string;
  kernel: string;
  /** MiB (default 16: 8 crashed once a router ran, 12 and 16 worked — docs/clickos.md) */
  memory?: number;
  /** one vif per device the configs open (FromDevice(N)/ToDevice(N)) */
  devices: number;
  bridge?: string;
}

/** A domain name from the first config's file name: clickos-<base>, invalid characters as '-'. */
export function guestName(configFile: string): string {
  const base = basename(configFile).replace(/\.click$/, '').replace(/[^A-Za-z0-9_.-]/g, '-').replace(/^[-.]+/, '');
  return `clickos-${base || 'image'}`.slice(0, 64);
}

/** The xl.cfg text: pv, 1 vcpu, on_crash=preserve (to read the console), a vif per device. */
export function imageXlCfg(g: ImageGuest): string {
  const vifs = Array.from({ length: g.devices }, () => ({ bridge: g.bridge ?? 'xenbr0' }));
  return guestConfig({ name: g.name, kernel: g.kernel, memory: g.memory ?? 16, vcpus: 1, vifs, onCrash: 'preserve' }).toString();
}

// Checks at the boundary, before anything reaches xl: names, MACs, numbers, paths.
// xl is run with an argument vector (never a shell), so these guard against
// confusing xl itself (a name that looks like an option, a path with "..").

export class XlArgumentError extends Error {
  override name = 'XlArgumentError';
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;
const BRIDGE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$/;
const SAFE_PATH = /^[A-Za-z0-9_./+-]+$/;

export function checkName(name: string): string {
  if (typeof name !== 'string' || !NAME.test(name) || name.includes('..')) {
    throw new XlArgumentError(`invalid domain name ${JSON.stringify(name)}: use 1-64 of A-Z a-z 0-9 _ . - (not starting with - or .)`);
  }
  return name;
}

/** A domain as xl takes it: a domid or a name. */
export type DomainRef = string | number;

export function checkDomain(d: DomainRef): string {
  if (typeof d === 'number') return String(checkInt(d, 'domid', 0, 32751));
  if (/^\d+$/.test(d)) return String(checkInt(Number(d), 'domid', 0, 32751));
  return checkName(d);
}

export function checkMac(mac: string): string {
  if (typeof mac !== 'string' || !MAC.test(mac)) throw new XlArgumentError(`invalid MAC address ${JSON.stringify(mac)} (want xx:xx:xx:xx:xx:xx)`);
  if (parseInt(mac.slice(0, 2), 16) & 1) throw new XlArgumentError(`${mac} is a multicast MAC address; a vif needs a unicast one`);
  return mac.toLowerCase();
}

export function checkBridge(bridge: string): string {
  if (typeof bridge !== 'string' || !BRIDGE.test(bridge)) throw new XlArgumentError(`invalid bridge name ${JSON.stringify(bridge)} (1-15 of A-Z a-z 0-9 _ . -)`);
  return bridge;
}

export function checkInt(n: number, what: string, min: number, max: number): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) throw new XlArgumentError(`invalid ${what} ${String(n)}: want an integer from ${min} to ${max}`);
  return n;
}

/** A file path handed to xl or to a hotplug script: absolute or bare, no "..", no odd characters. */
export function checkPath(p: string, what: string): string {
  if (typeof p !== 'string' || !SAFE_PATH.test(p) || p.split('/').includes('..')) {
    throw new XlArgumentError(`invalid ${what} ${JSON.stringify(p)}: use A-Z a-z 0-9 _ . / + - and no ".."`);
  }
  return p;
}

// Checks at the boundary, before anything reaches xl: names, MACs, numbers, paths.
// xl is run with an argument vector (never a shell), so these guard against
// confusing xl itself (a name that looks like an option, a path with "..").
import { BRIDGE_RE, DOMAIN_NAME_RE, MAC_RE, MAX_DOMID, SAFE_PATH_RE, UNICAST_MAC_RE } from './limits.js';

export class XlArgumentError extends Error {
  override name = 'XlArgumentError';
}

export function checkName(name: string): string {
  if (typeof name !== 'string' || !DOMAIN_NAME_RE.test(name)) {
    throw new XlArgumentError(`invalid domain name ${JSON.stringify(name)}: use 1-64 of A-Z a-z 0-9 _ . - (not starting with - or .)`);
  }
  return name;
}

/** A domain as xl takes it: a domid or a name. */
export type DomainRef = string | number;

export function checkDomain(d: DomainRef): string {
  if (typeof d === 'number') return String(checkInt(d, 'domid', 0, MAX_DOMID));
  if (/^\d+$/.test(d)) return String(checkInt(Number(d), 'domid', 0, MAX_DOMID));
  return checkName(d);
}

export function checkMac(mac: string): string {
  if (typeof mac !== 'string' || !MAC_RE.test(mac)) throw new XlArgumentError(`invalid MAC address ${JSON.stringify(mac)} (want xx:xx:xx:xx:xx:xx)`);
  if (!UNICAST_MAC_RE.test(mac)) throw new XlArgumentError(`${mac} is a multicast MAC address; a vif needs a unicast one`);
  return mac.toLowerCase();
}

export function checkBridge(bridge: string): string {
  if (typeof bridge !== 'string' || !BRIDGE_RE.test(bridge)) throw new XlArgumentError(`invalid bridge name ${JSON.stringify(bridge)} (1-15 of A-Z a-z 0-9 _ . -)`);
  return bridge;
}

export function checkInt(n: number, what: string, min: number, max: number): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) throw new XlArgumentError(`invalid ${what} ${String(n)}: want an integer from ${min} to ${max}`);
  return n;
}

/** A file path handed to xl or to a hotplug script: absolute or bare, no "..", no odd characters. */
export function checkPath(p: string, what: string): string {
  if (typeof p !== 'string' || !SAFE_PATH_RE.test(p)) {
    throw new XlArgumentError(`invalid ${what} ${JSON.stringify(p)}: use A-Z a-z 0-9 _ . / + - and no ".."`);
  }
  return p;
}

// Next hops: where a route sends a packet (README.md "Next hops"). The route table names
// them; this says, per name, the switch port that reaches it and the MAC it answers to.
// The software router writes that MAC as the frame's destination; the switch's offloaded
// rules write the same one, and the router's outputs are told apart by it.
import { MAC_RE } from '../openflow/model.js';
import { RoutingInputError } from './errors.js';
import { NEXTHOP_NAME_RE } from './routes.js';

export interface NextHop {
  /** the switch port: an OpenFlow port number, or a port name the switch resolves */
  port: number | string;
  /** its MAC, any case; kept lower case */
  mac: string;
}

export type NextHops = Readonly<Record<string, NextHop>>;

/** Checks names and MACs; two next hops may not share a MAC (the switch tells the router's outputs apart by it). */
export function checkNextHops(nexthops: NextHops): Record<string, NextHop> {
  const out: Record<string, NextHop> = {};
  const byMac = new Map<string, string>();
  const names = Object.keys(nexthops);
  if (!names.length) throw new RoutingInputError('no next hops');
  for (const name of names) {
    const h = nexthops[name]!;
    if (!NEXTHOP_NAME_RE.test(name)) throw new RoutingInputError(`next hop '${name}' is not a name (a letter, then letters, digits, _ or -; at most 32)`);
    const mac = checkMac(h.mac, `next hop ${name}'s MAC`);
    const other = byMac.get(mac);
    if (other) throw new RoutingInputError(`next hops ${other} and ${name} share MAC ${mac}`);
    byMac.set(mac, name);
    if (typeof h.port === 'number' ? !(Number.isInteger(h.port) && h.port >= 1 && h.port <= 0xffffff00) : !h.port) throw new RoutingInputError(`next hop ${name}'s port '${h.port}' is not a port number or name`);
    out[name] = { port: h.port, mac };
  }
  return out;
}

export function checkMac(mac: string, what: string): string {
  const m = String(mac).toLowerCase();
  if (!MAC_RE.test(m)) throw new RoutingInputError(`${what} '${mac}' is not a MAC address (aa:bb:cc:dd:ee:ff)`);
  return m;
}

// A routing group's cookies, kept apart from allocation cookies and from balanced groups'
// (README.md "On the switch"). Allocation ids are issued from 1 upwards and resourced's
// reconciliation judges only cookies below the next id (controller/resourced/reconcile.ts);
// the balancer tags its cookies 0xB1 in the top byte (controller/balancer/cookies.ts). A
// routing group's carry 0xB2 there, so neither an allocation id nor a balanced group's
// cookie can equal one, then the group id (32 bits), the kind (4 bits: the group's fixed
// flows, one offloaded prefix, or one punt: a route kept in software under an offloaded
// one, fastpath.ts) and the route's id (20 bits): every offloaded prefix and punt has a
// cookie of its own, so one is added or removed alone and its counter read by cookie.
import { GROUP_COOKIE_TAG } from '../balancer/cookies.js';
import { RoutingInputError } from './errors.js';

export const ROUTING_COOKIE_TAG: bigint = 0xb2n;
if (ROUTING_COOKIE_TAG === (GROUP_COOKIE_TAG as bigint)) throw new Error('routing and balancer cookie tags must differ');
const KINDS = { base: 0n, prefix: 1n, punt: 2n } as const;
export type RoutingCookieKind = keyof typeof KINDS;
/** route ids a cookie can carry: 2^20, beyond the seed's 10^6 prefixes */
export const MAX_ROUTES = 1 << 20;

/** tag (8 bits) | group (32) | kind (4) | route id (20) */
export function routingCookie(group: number, kind: RoutingCookieKind, route = 0): bigint {
  if (!Number.isInteger(group) || group < 1 || group > 0xffffffff) throw new RoutingInputError(`routing group id ${group} is not 1..0xffffffff`);
  if (!Number.isInteger(route) || route < 0 || route >= MAX_ROUTES) throw new RoutingInputError(`route id ${route} is not 0..${MAX_ROUTES - 1}`);
  return (ROUTING_COOKIE_TAG << 56n) | (BigInt(group) << 24n) | (KINDS[kind] << 20n) | BigInt(route);
}

export function isRoutingCookie(cookie: bigint): boolean {
  return cookie >> 56n === ROUTING_COOKIE_TAG;
}

/** What a cookie of routing group `group` says, or undefined for any other cookie. */
export function readRoutingCookie(cookie: bigint, group: number): { kind: RoutingCookieKind; route: number } | undefined {
  if (!isRoutingCookie(cookie) || Number((cookie >> 24n) & 0xffffffffn) !== group) return undefined;
  const k = (cookie >> 20n) & 0xfn;
  const kind = (Object.keys(KINDS) as RoutingCookieKind[]).find((x) => KINDS[x] === k);
  return kind && { kind, route: Number(cookie & 0xfffffn) };
}

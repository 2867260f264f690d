// A balanced group's cookies, kept apart from allocation cookies (README.md "On a
// switch"). openflowd installs an allocation's flows under cookie = its id, issued from 1
// upwards, and resourced's reconciliation removes only cookies below the next id it
// would issue (controller/resourced/reconcile.ts). A group's cookies carry the tag
// 0xB1 in their top byte, so they are ≥ 0xB1 << 56 — an allocation id never reaches
// them and reconciliation never judges them — and say the group, what the flows are
// (the rules, or the idle phase's migration rules) and their generation, so
// make-before-break can remove exactly the old set.
import { BalancerInputError } from './errors.js';

export const GROUP_COOKIE_TAG = 0xb1n;
const KINDS = { rules: 0n, migration: 1n } as const;
export type CookieKind = keyof typeof KINDS;
/** generations wrap at 2^16: only two are ever on a switch at once */
export const GENERATION_MOD = 1 << 16;

/** tag (8 bits) | group id (32) | kind (8) | generation (16) */
export function groupCookie(group: number, kind: CookieKind, generation: number): bigint {
  if (!Number.isInteger(group) || group < 1 || group > 0xffffffff) throw new BalancerInputError(`group id ${group} is not 1..0xffffffff`);
  if (!Number.isInteger(generation) || generation < 0) throw new BalancerInputError(`generation ${generation} is not a whole number`);
  return (GROUP_COOKIE_TAG << 56n) | (BigInt(group) << 24n) | (KINDS[kind] << 16n) | BigInt(generation % GENERATION_MOD);
}

export function isGroupCookie(cookie: bigint): boolean {
  return cookie >> 56n === GROUP_COOKIE_TAG;
}

/** The group a cookie belongs to, or undefined for any other cookie (an allocation's). */
export function cookieGroup(cookie: bigint): number | undefined {
  return isGroupCookie(cookie) ? Number((cookie >> 24n) & 0xffffffffn) : undefined;
}

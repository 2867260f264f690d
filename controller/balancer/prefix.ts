// IPv4 prefixes as the balancer's binary tree sees them (README.md "The tree"):
// 0.0.0.0/0 is the root and splitting a node gives two children one bit longer, the
// first with that bit 0, the second with it 1. Addresses are unsigned 32-bit numbers;
// text goes through openflowd's parser so a prefix is read the same way everywhere.
import type { Ipv4Prefix } from '../openflow/model.js';
import { MatchSyntaxError, parseIpv4Prefix } from '../openflowd/ofctl-syntax.js';
import { BalancerInputError } from './errors.js';

export interface Prefix {
  /** first address, host bits zero (unsigned) */
  base: number;
  /** 0..32 */
  len: number;
}

export const ROOT: Prefix = { base: 0, len: 0 };
export const MAX_LEN = 32;

/** SIZES[len]: how many addresses a prefix of that length covers (a table for the hot loops: cheaper than `2 **`). */
export const SIZES = Float64Array.from({ length: MAX_LEN + 1 }, (_, len) => 2 ** (MAX_LEN - len));
/** How many addresses the prefix covers. */
export const size = (p: Prefix): number => 2 ** (MAX_LEN - p.len);
/** One past its last address. */
export const end = (p: Prefix): number => p.base + size(p);

export function children(p: Prefix): [Prefix, Prefix] {
  if (p.len >= MAX_LEN) throw new BalancerInputError(`${prefixText(p)} is a single address and cannot be split`);
  const len = p.len + 1;
  return [{ base: p.base, len }, { base: p.base + 2 ** (MAX_LEN - len), len }];
}

/** True when the two are the two children of one parent. */
export function siblings(a: Prefix, b: Prefix): boolean {
  return a.len === b.len && a.len > 0 && a.base + size(a) === b.base && a.base % (2 * size(a)) === 0;
}

export const parent = (p: Prefix): Prefix => ({ base: p.base - (p.base % (2 * size(p))), len: p.len - 1 });

export const contains = (outer: Prefix, inner: Prefix): boolean => outer.len <= inner.len && inner.base >= outer.base && inner.base < end(outer);

export function addressText(a: number): string {
  return [24, 16, 8, 0].map((s) => (a >>> s) & 255).join('.');
}

export function prefixText(p: Prefix): string {
  return `${addressText(p.base)}/${p.len}`;
}

/** The model's form, as flows carry it. */
export const toIpv4Prefix = (p: Prefix): Ipv4Prefix => ({ addr: addressText(p.base), len: p.len });

/** Strict: 'a.b.c.d/len' with host bits zero (10.1.0.0/8 is refused, not silently read as 10.0.0.0/8). */
export function parsePrefix(text: string): Prefix {
  let p: Ipv4Prefix;
  try {
    p = parseIpv4Prefix(text.trim(), 'prefix');
  } catch (e) {
    if (e instanceof MatchSyntaxError) throw new BalancerInputError(e.message);
    throw e;
  }
  const out = { base: parseAddress(p.addr), len: p.len };
  const given = text.trim().split('/')[0];
  if (parseAddress(given) !== out.base) throw new BalancerInputError(`prefix '${text}' has host bits set (did you mean ${prefixText(out)}?)`);
  return out;
}

export function parseAddress(dotted: string): number {
  const o = dotted.split('.').map(Number);
  if (o.length !== 4 || o.some((x) => !Number.isInteger(x) || x < 0 || x > 255)) throw new BalancerInputError(`'${dotted}' is not an IPv4 address`);
  return ((o[0]! << 24) | (o[1]! << 16) | (o[2]! << 8) | o[3]!) >>> 0;
}

/** A prefix given as data rather than text: integral, in range, host bits zero. */
export function checkPrefix(p: Prefix): Prefix {
  if (!Number.isInteger(p.len) || p.len < 0 || p.len > MAX_LEN) throw new BalancerInputError(`prefix length ${p.len} is not 0..32`);
  if (!Number.isInteger(p.base) || p.base < 0 || p.base >= 2 ** 32) throw new BalancerInputError(`prefix base ${p.base} is not an IPv4 address`);
  if (p.base % size(p) !== 0) throw new BalancerInputError(`prefix ${addressText(p.base)}/${p.len} has host bits set`);
  return p;
}

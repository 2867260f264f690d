import type { Bin } from './bin.js';

/** What one bin did to a strategy's forwarder table (README "One interface"). */
export interface Update {
  /** The table after this bin, i.e. what the next bin meets; prefix ids. */
  readonly installed: Uint32Array;
  /** Net change of the table over this bin. */
  readonly added: Uint32Array;
  readonly removed: Uint32Array;
  /**
   * Rule installs made during the bin. added.length for the bin-driven strategies; for
   * the caches every miss installs one, and an entry may come and go within a bin.
   */
  readonly changes: number;
  /** Packets of this bin handled by the software router (prefix not in the table when they came). */
  readonly software: number;
  /** Packets of this bin. */
  readonly total: number;
}

/**
 * A heavy-hitter selection strategy: keeps at most n prefixes in the forwarder and is
 * fed the trace one bin at a time, in order.
 */
export interface OffloadStrategy {
  readonly name: string;
  readonly n: number;
  update(bin: Bin): Update;
}

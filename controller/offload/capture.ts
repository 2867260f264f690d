import type { Bin } from './bin.js';
import { ipv4Destination, readPcapHeader, readPcapRecords } from './pcap.js';

/** A capture cut into bins of per-prefix packet counts, with its packets' order kept for the caches. */
export interface CaptureTrace {
  readonly bins: Bin[];
  /** Prefix id → network address (uint32, host bits zero). */
  readonly prefixes: Uint32Array;
  readonly prefixLength: number;
  /** Packets that carried no IPv4 (ARP, IPv6, runts): not counted. */
  readonly skipped: number;
}

/**
 * Bins of `binSeconds` from the first packet's time; a packet counts for the /prefixLength
 * of its IPv4 destination (24 by default, as the seed does for MAWI). Empty bins between
 * packets are kept: the software router is idle in them.
 */
export function captureBins(buf: Uint8Array, binSeconds: number, prefixLength = 24): CaptureTrace {
  if (!(binSeconds > 0)) throw new Error(`bin length must be positive (got ${binSeconds})`);
  if (!(prefixLength >= 1 && prefixLength <= 32)) throw new Error(`prefix length must be 1..32 (got ${prefixLength})`);
  const header = readPcapHeader(buf);
  const mask = prefixLength === 32 ? 0xffffffff : ~(0xffffffff >>> prefixLength) >>> 0;
  const idOf = new Map<number, number>();
  const prefixes: number[] = [];
  const perBin: number[][] = [];
  let start = NaN;
  let skipped = 0;
  for (const r of readPcapRecords(buf, header)) {
    const dst = ipv4Destination(header.linktype, r.data);
    if (dst === undefined) {
      skipped++;
      continue;
    }
    if (Number.isNaN(start)) start = r.time;
    const b = Math.max(0, Math.floor((r.time - start) / binSeconds + 1e-9));
    const net = (dst & mask) >>> 0;
    let id = idOf.get(net);
    if (id === undefined) {
      id = prefixes.length;
      idOf.set(net, id);
      prefixes.push(net);
    }
    while (perBin.length <= b) perBin.push([]);
    perBin[b]!.push(id);
  }
  const bins = perBin.map((pk, index): Bin => {
    const counts = new Map<number, number>();
    for (const id of pk) counts.set(id, (counts.get(id) ?? 0) + 1);
    const ids = [...counts.keys()].sort((a, b) => a - b);
    return { index, seconds: binSeconds, ids: Uint32Array.from(ids), counts: Float64Array.from(ids, (i) => counts.get(i)!), packets: Uint32Array.from(pk) };
  });
  return { bins, prefixes: Uint32Array.from(prefixes), prefixLength, skipped };
}

/** Dotted quad of a uint32 address. */
export function formatIpv4(a: number): string {
  return [a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255].join('.');
}

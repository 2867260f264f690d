/**
 * Classic libpcap files (README "Captures"): the 24-byte global header, then records of
 * a 16-byte header and the captured bytes. Either byte order, microsecond
 * (0xa1b2c3d4) or nanosecond (0xa1b23c4d) timestamps. pcapng is not read.
 */
export class PcapError extends Error {
  constructor(message: string) {
    super(`pcap: ${message}`);
    this.name = 'PcapError';
  }
}

const MAGIC_US = 0xa1b2c3d4;
const MAGIC_NS = 0xa1b23c4d;
const GLOBAL_HEADER = 24;
const RECORD_HEADER = 16;
/** Larger records than this are corruption, not packets (libpcap's own bound). */
const MAX_RECORD = 262_144;

export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_RAW = 101;
export const LINKTYPE_IPV4 = 228;

export interface PcapHeader {
  readonly littleEndian: boolean;
  readonly nanoseconds: boolean;
  readonly versionMajor: number;
  readonly versionMinor: number;
  readonly snaplen: number;
  readonly linktype: number;
}

export interface PcapRecord {
  /** Seconds since the epoch, with the fraction. */
  readonly time: number;
  readonly seconds: number;
  /** Microseconds or nanoseconds, as the header says. */
  readonly fraction: number;
  readonly originalLength: number;
  readonly data: Uint8Array;
}

export function readPcapHeader(buf: Uint8Array): PcapHeader {
  if (buf.length < GLOBAL_HEADER) throw new PcapError(`truncated global header: ${buf.length} of ${GLOBAL_HEADER} bytes`);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let littleEndian: boolean;
  let nanoseconds: boolean;
  const le = dv.getUint32(0, true);
  const be = dv.getUint32(0, false);
  if (le === MAGIC_US || le === MAGIC_NS) [littleEndian, nanoseconds] = [true, le === MAGIC_NS];
  else if (be === MAGIC_US || be === MAGIC_NS) [littleEndian, nanoseconds] = [false, be === MAGIC_NS];
  else throw new PcapError(`bad magic 0x${be.toString(16).padStart(8, '0')} (not a classic pcap file; pcapng is not supported)`);
  return {
    littleEndian,
    nanoseconds,
    versionMajor: dv.getUint16(4, littleEndian),
    versionMinor: dv.getUint16(6, littleEndian),
    snaplen: dv.getUint32(16, littleEndian),
    linktype: dv.getUint32(20, littleEndian) & 0x0fffffff,
  };
}

/** Every record, in file order; a record cut short or of absurd length throws, naming it. */
export function* readPcapRecords(buf: Uint8Array, header: PcapHeader = readPcapHeader(buf)): Generator<PcapRecord> {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const le = header.littleEndian;
  const scale = header.nanoseconds ? 1e-9 : 1e-6;
  let off = GLOBAL_HEADER;
  for (let n = 1; off < buf.length; n++) {
    if (buf.length - off < RECORD_HEADER) throw new PcapError(`record ${n} at byte ${off}: truncated record header (${buf.length - off} of ${RECORD_HEADER} bytes)`);
    const seconds = dv.getUint32(off, le);
    const fraction = dv.getUint32(off + 4, le);
    const incl = dv.getUint32(off + 8, le);
    const orig = dv.getUint32(off + 12, le);
    if (incl > MAX_RECORD) throw new PcapError(`record ${n} at byte ${off}: captured length ${incl} exceeds ${MAX_RECORD}`);
    if (buf.length - off - RECORD_HEADER < incl) throw new PcapError(`record ${n} at byte ${off}: truncated data (${buf.length - off - RECORD_HEADER} of ${incl} bytes)`);
    const data = buf.subarray(off + RECORD_HEADER, off + RECORD_HEADER + incl);
    yield { time: seconds + fraction * scale, seconds, fraction, originalLength: orig, data };
    off += RECORD_HEADER + incl;
  }
}

/** The IPv4 source and destination of a frame of this link type (Ethernet with any 802.1Q/802.1ad tags, or raw IP), or undefined for one that is not IPv4. */
export function ipv4Addresses(linktype: number, frame: Uint8Array): { src: number; dst: number } | undefined {
  let off = 0;
  if (linktype === LINKTYPE_ETHERNET) {
    off = 12;
    let type = frame.length >= off + 2 ? (frame[off]! << 8) | frame[off + 1]! : -1;
    // 802.1Q and 802.1ad tags, stacked or not
    while (type === 0x8100 || type === 0x88a8) {
      off += 4;
      type = frame.length >= off + 2 ? (frame[off]! << 8) | frame[off + 1]! : -1;
    }
    if (type !== 0x0800) return undefined;
    off += 2;
  } else if (linktype !== LINKTYPE_RAW && linktype !== LINKTYPE_IPV4) {
    throw new PcapError(`link type ${linktype} not supported (Ethernet ${LINKTYPE_ETHERNET}, raw IP ${LINKTYPE_RAW} or ${LINKTYPE_IPV4})`);
  }
  if (frame.length < off + 20 || frame[off]! >> 4 !== 4 || (frame[off]! & 15) < 5) return undefined;
  const at = (o: number) => ((frame[o]! << 24) | (frame[o + 1]! << 16) | (frame[o + 2]! << 8) | frame[o + 3]!) >>> 0;
  return { src: at(off + 12), dst: at(off + 16) };
}

/** The IPv4 destination of a frame (ipv4Addresses' dst), or undefined. */
export function ipv4Destination(linktype: number, frame: Uint8Array): number | undefined {
  return ipv4Addresses(linktype, frame)?.dst;
}

export interface PcapWriteOptions {
  nanoseconds?: boolean;
  bigEndian?: boolean;
  linktype?: number;
  snaplen?: number;
}

/** A classic pcap file of these records (the fixtures and tests' writer). */
export function writePcap(records: readonly { seconds: number; fraction: number; data: Uint8Array }[], o: PcapWriteOptions = {}): Uint8Array {
  const le = !o.bigEndian;
  const size = GLOBAL_HEADER + records.reduce((a, r) => a + RECORD_HEADER + r.data.length, 0);
  const buf = new Uint8Array(size);
  const dv = new DataView(buf.buffer);
  dv.setUint32(0, o.nanoseconds ? MAGIC_NS : MAGIC_US, le);
  dv.setUint16(4, 2, le);
  dv.setUint16(6, 4, le);
  dv.setUint32(16, o.snaplen ?? 65535, le);
  dv.setUint32(20, o.linktype ?? LINKTYPE_ETHERNET, le);
  let off = GLOBAL_HEADER;
  for (const r of records) {
    dv.setUint32(off, r.seconds, le);
    dv.setUint32(off + 4, r.fraction, le);
    dv.setUint32(off + 8, r.data.length, le);
    dv.setUint32(off + 12, r.data.length, le);
    buf.set(r.data, off + RECORD_HEADER);
    off += RECORD_HEADER + r.data.length;
  }
  return buf;
}

/** An Ethernet frame carrying a minimal IPv4/UDP packet from src to dst (addresses as uint32). */
export function ethernetIpv4Frame(src: number, dst: number, payload = 8): Uint8Array {
  const f = new Uint8Array(14 + 20 + 8 + payload);
  f.set([0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00]);
  const ip = 14;
  const total = 20 + 8 + payload;
  f.set([0x45, 0, total >> 8, total & 255, 0, 0, 0x40, 0, 64, 17, 0, 0], ip);
  const dv = new DataView(f.buffer);
  dv.setUint32(ip + 12, src >>> 0);
  dv.setUint32(ip + 16, dst >>> 0);
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += dv.getUint16(ip + i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  dv.setUint16(ip + 10, ~sum & 0xffff);
  dv.setUint16(ip + 20, 40000);
  dv.setUint16(ip + 22, 9);
  dv.setUint16(ip + 24, 8 + payload);
  return f;
}

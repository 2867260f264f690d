// A small sFlow v5 collector (README.md here): Open vSwitch samples 1 in N packets at
// each port's ingress and exports the first bytes of each sampled frame over UDP. We decode
// flow samples (compact and expanded) and their raw-packet-header records into (input
// ifindex, sampling rate, IPv4 source and destination); counter samples and other records
// are skipped. The frame is read by controller/offload's capture reader (ipv4Addresses), so
// a sampled frame and a captured one are read alike. Shared by routing (destinations, the
// router's bins), resourced's balanced groups (the field a group splits on) and openflowd
// (the ovs-vsctl arguments that turn the export on and off).
import dgram from 'node:dgram';
import { ipv4Addresses } from '../offload/pcap.js';

/** Bad arguments for the export (a sampling rate that is no whole number ≥ 1). */
export class SflowInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SflowInputError';
  }
}

/** One sampled packet. */
export interface FlowSample {
  /** ifindex of the port the packet entered the switch by */
  input: number;
  /** 1 in this many packets was sampled: each sample stands for this many */
  rate: number;
  /** IPv4 destination (unsigned 32-bit), or undefined for a frame that is not IPv4 */
  dst: number | undefined;
  /** IPv4 source, likewise (a balanced group split by source reads it) */
  src?: number;
}

export class SflowDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SflowDecodeError';
  }
}

const LINKTYPE_ETHERNET = 1;
const HEADER_PROTOCOL_ETHERNET = 1;

/** The flow samples of one sFlow v5 datagram. Throws SflowDecodeError for a datagram that is not one or overruns itself. */
export function decodeSflow(buf: Buffer): FlowSample[] {
  let off = 0;
  const u32 = (): number => {
    if (off + 4 > buf.length) throw new SflowDecodeError(`datagram of ${buf.length} bytes overruns at byte ${off}`);
    const v = buf.readUInt32BE(off);
    off += 4;
    return v;
  };
  const version = u32();
  if (version !== 5) throw new SflowDecodeError(`sFlow version ${version}, not 5`);
  const agentType = u32();
  if (agentType !== 1 && agentType !== 2) throw new SflowDecodeError(`agent address type ${agentType} is neither IPv4 (1) nor IPv6 (2)`);
  off += agentType === 1 ? 4 : 16;
  u32(); // sub-agent
  u32(); // sequence
  u32(); // uptime
  const n = u32();
  const out: FlowSample[] = [];
  for (let i = 0; i < n; i++) {
    const format = u32();
    const len = u32();
    const end = off + len;
    if (end > buf.length) throw new SflowDecodeError(`sample ${i} of ${len} bytes overruns the datagram`);
    const enterprise = format >>> 12;
    const kind = format & 0xfff;
    if (enterprise === 0 && (kind === 1 || kind === 3)) {
      let rate: number, input: number;
      if (kind === 1) {
        u32(); // sequence
        u32(); // source id
        rate = u32();
        u32(); // pool
        u32(); // drops
        input = u32() & 0x3fffffff; // top 2 bits: format; 0 is an ifindex
        u32(); // output
      } else {
        u32(); // sequence
        u32(); // source id type
        u32(); // source id index
        rate = u32();
        u32(); // pool
        u32(); // drops
        u32(); // input format
        input = u32();
        u32(); // output format
        u32(); // output value
      }
      const records = u32();
      for (let r = 0; r < records; r++) {
        const rf = u32();
        const rl = u32();
        const rend = off + rl;
        if (rend > end) throw new SflowDecodeError(`record ${r} of sample ${i} overruns its sample`);
        if (rf === 1) {
          const proto = u32();
          u32(); // frame length
          u32(); // stripped
          const hl = u32();
          if (off + hl > rend) throw new SflowDecodeError(`sampled header of ${hl} bytes overruns its record`);
          const ip = proto === HEADER_PROTOCOL_ETHERNET ? ipv4Addresses(LINKTYPE_ETHERNET, buf.subarray(off, off + hl)) : undefined;
          out.push({ input, rate, dst: ip?.dst, ...(ip ? { src: ip.src } : {}) });
        }
        off = rend;
      }
    }
    off = end;
  }
  return out;
}

/** Listens for sFlow datagrams; samples accumulate until drained. */
export class SflowCollector {
  private socket: dgram.Socket | undefined;
  private samples: FlowSample[] = [];
  /** datagrams that did not decode (kept, not thrown: a stray sender must not stop learning) */
  readonly errors: string[] = [];
  datagrams = 0;
  address: { host: string; port: number } | undefined;

  /** Binds host:port (port 0: any free one) and resolves with where it listens. */
  async listen(host: string, port = 0): Promise<{ host: string; port: number }> {
    const s = dgram.createSocket('udp4');
    s.on('message', (m) => {
      this.datagrams++;
      try {
        for (const x of decodeSflow(m)) this.samples.push(x);
      } catch (e) {
        if (this.errors.length < 100) this.errors.push((e as Error).message);
      }
    });
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.bind(port, host, () => {
        s.off('error', reject);
        resolve();
      });
    });
    this.socket = s;
    this.address = { host, port: s.address().port };
    return this.address;
  }

  /** The samples since the last drain. */
  drain(): FlowSample[] {
    const s = this.samples;
    this.samples = [];
    return s;
  }

  async close(): Promise<void> {
    const s = this.socket;
    this.socket = undefined;
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }
}

/** The ovs-vsctl arguments that make `bridge` export sFlow to `target` ("host:port"), sampling 1 in `sampling`, first `header` bytes, no counter polling. */
export function sflowVsctlArgs(bridge: string, target: string, o: { sampling: number; header?: number; agent?: string }): string[] {
  if (!Number.isInteger(o.sampling) || o.sampling < 1) throw new SflowInputError(`sampling ${o.sampling} is not a whole number ≥ 1`);
  return ['--', '--id=@s', 'create', 'sflow', ...(o.agent ? [`agent=${o.agent}`] : []), `target="${target}"`, `sampling=${o.sampling}`, `header=${o.header ?? 64}`, 'polling=0', '--', 'set', 'bridge', bridge, 'sflow=@s'];
}

/** Undoes sflowVsctlArgs. */
export function sflowClearArgs(bridge: string): string[] {
  return ['clear', 'bridge', bridge, 'sflow'];
}

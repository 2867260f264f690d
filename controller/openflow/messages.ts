// OpenFlow 1.3 messages: encode to and parse from bytes (Ryu's ofproto_v1_3_parser, in
// TypeScript). Only what openflowd needs; every layout follows the spec's structs, with
// sizes from constants.SIZES. A parser checks the header's length against the bytes it
// was given and against the struct's size before it reads a field, bounds every nested
// TLV by its parent, and throws OpenFlowDecodeError on anything malformed: never a
// RangeError from reading past the end, never a value read from a neighbour's bytes.
import {
  FROM_SWITCH, OFP_HEADER_LEN, OFP_NO_BUFFER, OFP_VERSION, OFPAT, OFPCML_NO_BUFFER, OFPG_ANY, OFPHET_VERSIONBITMAP,
  OFPIT, OFPMP, OFPMT_OXM, OFPP, OFPT, OFPTT_ALL, OFPVID_PRESENT, OFPXMC_OPENFLOW_BASIC, OFPXMT, SIZES,
} from './constants.js';
import { OpenFlowDecodeError, OpenFlowUnsupportedError } from './errors.js';
import type { Action, FlowEntry, Ipv4Prefix, Match, PortDesc, PortStats, ReservedPort } from './model.js';

export { OpenFlowDecodeError } from './errors.js';

export interface Header {
  version: number;
  type: number;
  length: number;
  xid: number;
}

const pad8 = (n: number) => (n + 7) & ~7;

function header(type: number, xid: number, body: Buffer): Buffer {
  const h = Buffer.alloc(OFP_HEADER_LEN);
  h.writeUInt8(OFP_VERSION, 0);
  h.writeUInt8(type, 1);
  h.writeUInt16BE(OFP_HEADER_LEN + body.length, 2);
  h.writeUInt32BE(xid >>> 0, 4);
  return Buffer.concat([h, body]);
}

export function parseHeader(buf: Buffer): Header {
  if (buf.length < OFP_HEADER_LEN) throw new OpenFlowDecodeError(`message of ${buf.length} bytes is shorter than the 8-byte header`);
  const length = buf.readUInt16BE(2);
  if (length < OFP_HEADER_LEN) throw new OpenFlowDecodeError(`message length ${length} is shorter than the 8-byte header`);
  return { version: buf[0]!, type: buf[1]!, length, xid: buf.readUInt32BE(4) };
}

/** The header of a whole message of at least `size` bytes (exactly `size` when `exact`). */
function whole(msg: Buffer, what: string, size: number, exact = false): Header {
  const h = parseHeader(msg);
  if (h.length > msg.length) throw new OpenFlowDecodeError(`${what} says ${h.length} bytes but only ${msg.length} are there`);
  if (exact ? h.length !== size : h.length < size)
    throw new OpenFlowDecodeError(`${what} of ${h.length} bytes, expected ${exact ? '' : 'at least '}${size}`);
  return h;
}

/**
 * What the channel checks of every message a switch sends before acting on it: version
 * 1.3 (a HELLO may carry any version: it is how versions are negotiated), a type a
 * switch may send, and the size of that type's struct.
 */
export function checkFromSwitch(msg: Buffer): Header {
  const h = parseHeader(msg);
  if (h.length !== msg.length) throw new OpenFlowDecodeError(`message says ${h.length} bytes but ${msg.length} were framed`);
  if (h.type === OFPT.HELLO ? h.version === 0 : h.version !== OFP_VERSION)
    throw new OpenFlowDecodeError(`message type ${h.type} of OpenFlow version 0x${h.version.toString(16)} on an OpenFlow 1.3 channel`);
  const size = FROM_SWITCH[h.type];
  if (!size) throw new OpenFlowDecodeError(`message type ${h.type} is not one a switch sends`);
  return whole(msg, `message type ${h.type}`, size.size, size.exact);
}

// --- hello, echo, barrier, features, error -------------------------------------------

/** HELLO with a version-bitmap element listing the given versions (spec 7.5.1). */
export function encodeHello(xid: number, versions: number[] = [OFP_VERSION]): Buffer {
  let bitmap = 0;
  for (const v of versions) bitmap |= 1 << v;
  const el = Buffer.alloc(8);
  el.writeUInt16BE(OFPHET_VERSIONBITMAP, 0);
  el.writeUInt16BE(8, 2);
  el.writeUInt32BE(bitmap >>> 0, 4);
  return header(OFPT.HELLO, xid, el);
}

/** The versions a HELLO offers: its bitmap if any, else every version up to its header's. */
export function parseHelloVersions(msg: Buffer): number[] {
  const h = whole(msg, 'hello', OFP_HEADER_LEN);
  if (h.version === 0) throw new OpenFlowDecodeError('hello of OpenFlow version 0');
  let off = OFP_HEADER_LEN;
  while (off + 4 <= h.length) {
    const type = msg.readUInt16BE(off);
    const len = msg.readUInt16BE(off + 2);
    if (len < 4 || off + len > h.length) throw new OpenFlowDecodeError(`hello element of length ${len} overruns the message`);
    if (type === OFPHET_VERSIONBITMAP && len >= 8) {
      const versions: number[] = [];
      for (let w = 0; (w + 1) * 4 <= len - 4; w++) {
        const bits = msg.readUInt32BE(off + 4 + w * 4);
        for (let b = 0; b < 32; b++) if (bits & (1 << b)) versions.push(w * 32 + b);
      }
      return versions;
    }
    off += pad8(len);
  }
  return Array.from({ length: h.version }, (_, i) => i + 1);
}

export const encodeEchoRequest = (xid: number, data: Buffer = Buffer.alloc(0)) => header(OFPT.ECHO_REQUEST, xid, data);
export const encodeEchoReply = (xid: number, data: Buffer = Buffer.alloc(0)) => header(OFPT.ECHO_REPLY, xid, data);
export const encodeBarrierRequest = (xid: number) => header(OFPT.BARRIER_REQUEST, xid, Buffer.alloc(0));
export const encodeBarrierReply = (xid: number) => header(OFPT.BARRIER_REPLY, xid, Buffer.alloc(0));
export const encodeFeaturesRequest = (xid: number) => header(OFPT.FEATURES_REQUEST, xid, Buffer.alloc(0));

export interface FeaturesReply {
  datapathId: bigint;
  nBuffers: number;
  nTables: number;
  auxiliaryId: number;
  capabilities: number;
}

export function encodeFeaturesReply(xid: number, f: FeaturesReply): Buffer {
  const b = Buffer.alloc(SIZES.FEATURES_REPLY - OFP_HEADER_LEN);
  b.writeBigUInt64BE(f.datapathId, 0);
  b.writeUInt32BE(f.nBuffers, 8);
  b.writeUInt8(f.nTables, 12);
  b.writeUInt8(f.auxiliaryId, 13);
  b.writeUInt32BE(f.capabilities >>> 0, 16);
  return header(OFPT.FEATURES_REPLY, xid, b);
}

export function parseFeaturesReply(msg: Buffer): FeaturesReply {
  whole(msg, 'features reply', SIZES.FEATURES_REPLY, true);
  return {
    datapathId: msg.readBigUInt64BE(8),
    nBuffers: msg.readUInt32BE(16),
    nTables: msg[20]!,
    auxiliaryId: msg[21]!,
    capabilities: msg.readUInt32BE(24),
  };
}

export interface ErrorMsg {
  type: number;
  code: number;
  /** at least the first 64 bytes of the request that failed */
  data: Buffer;
}

export function encodeError(xid: number, e: ErrorMsg): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt16BE(e.type, 0);
  b.writeUInt16BE(e.code, 2);
  return header(OFPT.ERROR, xid, Buffer.concat([b, e.data]));
}

export function parseError(msg: Buffer): ErrorMsg {
  const h = whole(msg, 'error message', SIZES.ERROR_FIXED);
  return { type: msg.readUInt16BE(8), code: msg.readUInt16BE(10), data: msg.subarray(SIZES.ERROR_FIXED, h.length) };
}

// --- OXM match -----------------------------------------------------------------------

function oxm(field: number, value: Buffer, mask?: Buffer): Buffer {
  const h = Buffer.alloc(4);
  h.writeUInt16BE(OFPXMC_OPENFLOW_BASIC, 0);
  h.writeUInt8((field << 1) | (mask ? 1 : 0), 2);
  h.writeUInt8(value.length + (mask?.length ?? 0), 3);
  return Buffer.concat(mask ? [h, value, mask] : [h, value]);
}

const u8 = (v: number) => Buffer.from([v]);
const u16 = (v: number) => { const b = Buffer.alloc(2); b.writeUInt16BE(v); return b; };
const u32 = (v: number) => { const b = Buffer.alloc(4); b.writeUInt32BE(v >>> 0); return b; };
const ipv4 = (a: string) => Buffer.from(a.split('.').map(Number));
const macBytes = (m: string) => Buffer.from(m.split(':').map((h) => parseInt(h, 16)));
const macText = (b: Buffer, o: number) => [...b.subarray(o, o + 6)].map((x) => x.toString(16).padStart(2, '0')).join(':');
const lenMask = (len: number) => u32(len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0);

/** OXM TLVs of a match, in the spec's field order (prerequisites before dependants). */
export function encodeOxmFields(m: Match): Buffer {
  if (m.ctState !== undefined || m.ctMark !== undefined) throw new OpenFlowUnsupportedError('ct_state/ct_mark matches are Nicira extensions this OpenFlow 1.3 encoder does not carry (use the ovs-ofctl driver)');
  const f: Buffer[] = [];
  if (m.inPort !== undefined) f.push(oxm(OFPXMT.IN_PORT, u32(m.inPort)));
  if (m.ethDst !== undefined) f.push(oxm(OFPXMT.ETH_DST, macBytes(m.ethDst)));
  if (m.ethType !== undefined) f.push(oxm(OFPXMT.ETH_TYPE, u16(m.ethType)));
  if (m.vlanVid !== undefined) f.push(oxm(OFPXMT.VLAN_VID, u16(m.vlanVid | OFPVID_PRESENT)));
  if (m.ipProto !== undefined) f.push(oxm(OFPXMT.IP_PROTO, u8(m.ipProto)));
  const prefix = (field: number, p: Ipv4Prefix) =>
    f.push(p.len === 32 ? oxm(field, ipv4(p.addr)) : oxm(field, ipv4(p.addr), lenMask(p.len)));
  if (m.ipv4Src) prefix(OFPXMT.IPV4_SRC, m.ipv4Src);
  if (m.ipv4Dst) prefix(OFPXMT.IPV4_DST, m.ipv4Dst);
  if (m.tcpSrc !== undefined) f.push(oxm(OFPXMT.TCP_SRC, u16(m.tcpSrc)));
  if (m.tcpDst !== undefined) f.push(oxm(OFPXMT.TCP_DST, u16(m.tcpDst)));
  if (m.udpSrc !== undefined) f.push(oxm(OFPXMT.UDP_SRC, u16(m.udpSrc)));
  if (m.udpDst !== undefined) f.push(oxm(OFPXMT.UDP_DST, u16(m.udpDst)));
  return Buffer.concat(f);
}

/** ofp_match: type OXM, length without padding, fields, padded to 8 bytes (spec 7.2.2). */
export function encodeMatch(m: Match): Buffer {
  const fields = encodeOxmFields(m);
  const len = 4 + fields.length;
  const b = Buffer.alloc(pad8(len));
  b.writeUInt16BE(OFPMT_OXM, 0);
  b.writeUInt16BE(len, 2);
  fields.copy(b, 4);
  return b;
}

function maskLen(mask: number): number {
  let len = 0;
  while (len < 32 && mask & (0x80000000 >>> len)) len++;
  if (((len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0) >>> 0) !== mask >>> 0)
    throw new OpenFlowDecodeError(`IPv4 mask 0x${(mask >>> 0).toString(16)} is not a prefix`);
  return len;
}

/** Payload bytes of each OXM field this controller reads (doubled when masked). */
const OXM_SIZE: Readonly<Record<number, number>> = {
  [OFPXMT.IN_PORT]: 4, [OFPXMT.ETH_DST]: 6, [OFPXMT.ETH_TYPE]: 2, [OFPXMT.VLAN_VID]: 2, [OFPXMT.IP_PROTO]: 1,
  [OFPXMT.IPV4_SRC]: 4, [OFPXMT.IPV4_DST]: 4,
  [OFPXMT.TCP_SRC]: 2, [OFPXMT.TCP_DST]: 2, [OFPXMT.UDP_SRC]: 2, [OFPXMT.UDP_DST]: 2,
};
/** The fields that may carry a mask (the only ones the model can say a prefix of). */
const MASKABLE = new Set<number>([OFPXMT.IPV4_SRC, OFPXMT.IPV4_DST]);

/** Parses an ofp_match at off, ending by `end`; returns the match and the padded length it takes. */
export function parseMatch(buf: Buffer, off: number, end = buf.length): { match: Match; size: number } {
  end = Math.min(end, buf.length);
  if (off + 4 > end) throw new OpenFlowDecodeError('match header overruns the message');
  const type = buf.readUInt16BE(off);
  const len = buf.readUInt16BE(off + 2);
  if (type !== OFPMT_OXM) throw new OpenFlowDecodeError(`match type ${type} is not OXM (1)`);
  if (len < 4 || off + pad8(len) > end) throw new OpenFlowDecodeError(`match length ${len} overruns the message`);
  const m: Match = {};
  const seen = new Set<number>();
  let p = off + 4;
  while (p < off + len) {
    if (p + 4 > off + len) throw new OpenFlowDecodeError('OXM header overruns the match');
    const cls = buf.readUInt16BE(p);
    const field = buf[p + 2]! >> 1;
    const hasMask = (buf[p + 2]! & 1) === 1;
    const l = buf[p + 3]!;
    const v = p + 4;
    if (v + l > off + len) throw new OpenFlowDecodeError(`OXM field ${field} of length ${l} overruns the match`);
    if (cls !== OFPXMC_OPENFLOW_BASIC) throw new OpenFlowDecodeError(`OXM class 0x${cls.toString(16)} not supported`);
    const size = OXM_SIZE[field];
    if (size === undefined) throw new OpenFlowDecodeError(`OXM field ${field} not supported by this controller`);
    if (hasMask && !MASKABLE.has(field)) throw new OpenFlowDecodeError(`OXM field ${field} with a mask not supported by this controller`);
    if (l !== (hasMask ? 2 * size : size)) throw new OpenFlowDecodeError(`OXM field ${field} of length ${l}, expected ${hasMask ? 2 * size : size}`);
    if (seen.has(field)) throw new OpenFlowDecodeError(`OXM field ${field} given twice`);
    seen.add(field);
    const half = size;
    const addr = (o: number) => `${buf[o]}.${buf[o + 1]}.${buf[o + 2]}.${buf[o + 3]}`;
    switch (field) {
      case OFPXMT.IN_PORT: m.inPort = buf.readUInt32BE(v); break;
      case OFPXMT.ETH_DST: m.ethDst = macText(buf, v); break;
      case OFPXMT.ETH_TYPE: m.ethType = buf.readUInt16BE(v); break;
      case OFPXMT.VLAN_VID: {
        const vid = buf.readUInt16BE(v);
        if (!(vid & OFPVID_PRESENT) || hasMask) throw new OpenFlowDecodeError('only exact matches on a present VLAN id are supported');
        m.vlanVid = vid & 0x0fff;
        break;
      }
      case OFPXMT.IP_PROTO: m.ipProto = buf[v]!; break;
      case OFPXMT.IPV4_SRC:
      case OFPXMT.IPV4_DST: {
        const pfx = { addr: addr(v), len: hasMask ? maskLen(buf.readUInt32BE(v + half)) : 32 };
        if (field === OFPXMT.IPV4_SRC) m.ipv4Src = pfx; else m.ipv4Dst = pfx;
        break;
      }
      case OFPXMT.TCP_SRC: m.tcpSrc = buf.readUInt16BE(v); break;
      case OFPXMT.TCP_DST: m.tcpDst = buf.readUInt16BE(v); break;
      case OFPXMT.UDP_SRC: m.udpSrc = buf.readUInt16BE(v); break;
      case OFPXMT.UDP_DST: m.udpDst = buf.readUInt16BE(v); break;
      default: throw new OpenFlowDecodeError(`OXM field ${field} not supported by this controller`);
    }
    p = v + l;
  }
  return { match: m, size: pad8(len) };
}

// --- actions and instructions ---------------------------------------------------------

const RESERVED: Record<ReservedPort, number> = {
  IN_PORT: OFPP.IN_PORT, TABLE: OFPP.TABLE, NORMAL: OFPP.NORMAL, FLOOD: OFPP.FLOOD,
  ALL: OFPP.ALL, CONTROLLER: OFPP.CONTROLLER, LOCAL: OFPP.LOCAL,
};

export function portNumber(p: number | ReservedPort): number {
  return typeof p === 'number' ? p : RESERVED[p];
}

function portFromNumber(n: number): number | ReservedPort {
  for (const [k, v] of Object.entries(RESERVED)) if (v === n) return k as ReservedPort;
  return n;
}

export function encodeAction(a: Action): Buffer {
  switch (a.type) {
    case 'output': {
      const b = Buffer.alloc(SIZES.ACTION_OUTPUT);
      b.writeUInt16BE(OFPAT.OUTPUT, 0);
      b.writeUInt16BE(b.length, 2);
      b.writeUInt32BE(portNumber(a.port), 4);
      // max_len only matters for CONTROLLER: send whole packets, no buffering
      b.writeUInt16BE(OFPCML_NO_BUFFER, 8);
      return b;
    }
    case 'push_vlan': {
      const b = Buffer.alloc(SIZES.ACTION_HEADER_ONLY);
      b.writeUInt16BE(OFPAT.PUSH_VLAN, 0);
      b.writeUInt16BE(b.length, 2);
      b.writeUInt16BE(a.ethertype, 4);
      return b;
    }
    case 'pop_vlan': {
      const b = Buffer.alloc(SIZES.ACTION_HEADER_ONLY);
      b.writeUInt16BE(OFPAT.POP_VLAN, 0);
      b.writeUInt16BE(b.length, 2);
      return b;
    }
    case 'set_vlan_vid': {
      const field = oxm(OFPXMT.VLAN_VID, u16(a.vid | OFPVID_PRESENT));
      const b = Buffer.alloc(pad8(4 + field.length));
      b.writeUInt16BE(OFPAT.SET_FIELD, 0);
      b.writeUInt16BE(b.length, 2);
      field.copy(b, 4);
      return b;
    }
    case 'set_eth_dst': {
      const field = oxm(OFPXMT.ETH_DST, macBytes(a.mac));
      const b = Buffer.alloc(pad8(4 + field.length));
      b.writeUInt16BE(OFPAT.SET_FIELD, 0);
      b.writeUInt16BE(b.length, 2);
      field.copy(b, 4);
      return b;
    }
    case 'group': {
      const b = Buffer.alloc(SIZES.ACTION_HEADER_ONLY);
      b.writeUInt16BE(OFPAT.GROUP, 0);
      b.writeUInt16BE(b.length, 2);
      b.writeUInt32BE(a.group, 4);
      return b;
    }
    case 'ct':
      throw new OpenFlowUnsupportedError('the ct action is a Nicira extension this OpenFlow 1.3 encoder does not carry (use the ovs-ofctl driver)');
  }
}

/** The fixed-size actions this controller reads (set_field's size follows its OXM). */
const ACTION_SIZE: Readonly<Record<number, number>> = {
  [OFPAT.OUTPUT]: SIZES.ACTION_OUTPUT,
  [OFPAT.PUSH_VLAN]: SIZES.ACTION_HEADER_ONLY,
  [OFPAT.POP_VLAN]: SIZES.ACTION_HEADER_ONLY,
  [OFPAT.GROUP]: SIZES.ACTION_HEADER_ONLY,
};

export function parseActions(buf: Buffer, off: number, end: number): Action[] {
  const out: Action[] = [];
  while (off < end) {
    if (off + 4 > end) throw new OpenFlowDecodeError('action header overruns its list');
    const type = buf.readUInt16BE(off);
    const len = buf.readUInt16BE(off + 2);
    if (len < 8 || len % 8 || off + len > end) throw new OpenFlowDecodeError(`action of length ${len} is invalid`);
    const fixed = ACTION_SIZE[type];
    if (fixed !== undefined && len !== fixed) throw new OpenFlowDecodeError(`action type ${type} of length ${len}, expected ${fixed}`);
    switch (type) {
      case OFPAT.OUTPUT: out.push({ type: 'output', port: portFromNumber(buf.readUInt32BE(off + 4)) }); break;
      case OFPAT.PUSH_VLAN: out.push({ type: 'push_vlan', ethertype: buf.readUInt16BE(off + 4) }); break;
      case OFPAT.POP_VLAN: out.push({ type: 'pop_vlan' }); break;
      case OFPAT.GROUP: out.push({ type: 'group', group: buf.readUInt32BE(off + 4) }); break;
      case OFPAT.SET_FIELD: {
        const { match } = parseMatchFields(buf, off + 4, off + len);
        if (match.vlanVid !== undefined) out.push({ type: 'set_vlan_vid', vid: match.vlanVid });
        else if (match.ethDst !== undefined) out.push({ type: 'set_eth_dst', mac: match.ethDst });
        else throw new OpenFlowDecodeError('set_field of a field other than vlan_vid or eth_dst is not supported');
        break;
      }
      default: throw new OpenFlowDecodeError(`action type ${type} not supported by this controller`);
    }
    off += len;
  }
  return out;
}

/** A set_field's single OXM TLV, read as a one-field match; the action is that TLV padded to 8. */
function parseMatchFields(buf: Buffer, off: number, end: number): { match: Match } {
  if (off + 4 > end) throw new OpenFlowDecodeError('set_field OXM header overruns its action');
  const l = buf[off + 3]!;
  if (off + 4 + l > end) throw new OpenFlowDecodeError('set_field OXM overruns its action');
  if (pad8(off + 4 + l) !== pad8(end)) throw new OpenFlowDecodeError('set_field action longer than its OXM and padding');
  const tlv = Buffer.alloc(pad8(4 + 4 + l));
  tlv.writeUInt16BE(OFPMT_OXM, 0);
  tlv.writeUInt16BE(4 + 4 + l, 2);
  buf.copy(tlv, 4, off, off + 4 + l);
  return parseMatch(tlv, 0);
}

/** One APPLY_ACTIONS instruction (the only one openflowd uses); none for a drop flow. */
export function encodeInstructions(actions: Action[]): Buffer {
  if (!actions.length) return Buffer.alloc(0);
  const acts = Buffer.concat(actions.map(encodeAction));
  const h = Buffer.alloc(8);
  h.writeUInt16BE(OFPIT.APPLY_ACTIONS, 0);
  h.writeUInt16BE(8 + acts.length, 2);
  return Buffer.concat([h, acts]);
}

export function parseInstructions(buf: Buffer, off: number, end: number): Action[] {
  const actions: Action[] = [];
  while (off < end) {
    if (off + 4 > end) throw new OpenFlowDecodeError('instruction header overruns its list');
    const type = buf.readUInt16BE(off);
    const len = buf.readUInt16BE(off + 2);
    if (len < 8 || off + len > end) throw new OpenFlowDecodeError(`instruction of length ${len} is invalid`);
    if (type !== OFPIT.APPLY_ACTIONS) throw new OpenFlowDecodeError(`instruction type ${type} not supported by this controller`);
    actions.push(...parseActions(buf, off + 8, off + len));
    off += len;
  }
  return actions;
}

// --- flow_mod -------------------------------------------------------------------------

export interface FlowMod {
  cookie: bigint;
  cookieMask?: bigint;
  table: number;
  command: number;
  idleTimeout?: number;
  hardTimeout?: number;
  priority: number;
  outPort?: number;
  outGroup?: number;
  flags?: number;
  match: Match;
  actions: Action[];
}

export function encodeFlowMod(xid: number, f: FlowMod): Buffer {
  const b = Buffer.alloc(SIZES.FLOW_MOD_FIXED - OFP_HEADER_LEN);
  b.writeBigUInt64BE(f.cookie, 0);
  b.writeBigUInt64BE(f.cookieMask ?? 0n, 8);
  b.writeUInt8(f.table, 16);
  b.writeUInt8(f.command, 17);
  b.writeUInt16BE(f.idleTimeout ?? 0, 18);
  b.writeUInt16BE(f.hardTimeout ?? 0, 20);
  b.writeUInt16BE(f.priority, 22);
  b.writeUInt32BE(OFP_NO_BUFFER, 24);
  b.writeUInt32BE(f.outPort ?? OFPP.ANY, 28);
  b.writeUInt32BE(f.outGroup ?? OFPG_ANY, 32);
  b.writeUInt16BE(f.flags ?? 0, 36);
  return header(OFPT.FLOW_MOD, xid, Buffer.concat([b, encodeMatch(f.match), encodeInstructions(f.actions)]));
}

export function parseFlowMod(msg: Buffer): FlowMod {
  const h = whole(msg, 'flow_mod', SIZES.FLOW_MOD);
  const { match, size } = parseMatch(msg, SIZES.FLOW_MOD_FIXED, h.length);
  return {
    cookie: msg.readBigUInt64BE(8),
    cookieMask: msg.readBigUInt64BE(16),
    table: msg[24]!,
    command: msg[25]!,
    idleTimeout: msg.readUInt16BE(26),
    hardTimeout: msg.readUInt16BE(28),
    priority: msg.readUInt16BE(30),
    outPort: msg.readUInt32BE(36),
    outGroup: msg.readUInt32BE(40),
    flags: msg.readUInt16BE(44),
    match,
    actions: parseInstructions(msg, SIZES.FLOW_MOD_FIXED + size, h.length),
  };
}

// --- multipart: flow stats, port stats, port description ---------------------------------

function multipartRequest(xid: number, type: number, body: Buffer): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt16BE(type, 0);
  return header(OFPT.MULTIPART_REQUEST, xid, Buffer.concat([b, body]));
}

export interface MultipartReply {
  type: number;
  flags: number;
  body: Buffer;
}

export function parseMultipartReply(msg: Buffer): MultipartReply {
  const h = whole(msg, 'multipart reply', SIZES.MULTIPART_HEADER);
  return { type: msg.readUInt16BE(8), flags: msg.readUInt16BE(10), body: msg.subarray(16, h.length) };
}

export interface FlowStatsRequest {
  table?: number;
  cookie?: bigint;
  cookieMask?: bigint;
  match?: Match;
}

export function encodeFlowStatsRequest(xid: number, r: FlowStatsRequest = {}): Buffer {
  const b = Buffer.alloc(SIZES.FLOW_STATS_REQUEST - 8);
  b.writeUInt8(r.table ?? OFPTT_ALL, 0);
  b.writeUInt32BE(OFPP.ANY, 4);
  b.writeUInt32BE(OFPG_ANY, 8);
  b.writeBigUInt64BE(r.cookie ?? 0n, 16);
  b.writeBigUInt64BE(r.cookieMask ?? 0n, 24);
  return multipartRequest(xid, OFPMP.FLOW, Buffer.concat([b, encodeMatch(r.match ?? {})]));
}

/** ofp_flow_stats entries of one multipart reply body (spec 7.3.5.2). */
export function parseFlowStats(body: Buffer): FlowEntry[] {
  const out: FlowEntry[] = [];
  let off = 0;
  while (off < body.length) {
    if (off + SIZES.FLOW_STATS_FIXED > body.length) throw new OpenFlowDecodeError('flow stats entry overruns the reply');
    const len = body.readUInt16BE(off);
    if (len < SIZES.FLOW_STATS_FIXED + 8 || off + len > body.length) throw new OpenFlowDecodeError(`flow stats entry of length ${len} is invalid`);
    const { match, size } = parseMatch(body, off + SIZES.FLOW_STATS_FIXED, off + len);
    out.push({
      table: body[off + 2]!,
      priority: body.readUInt16BE(off + 12),
      cookie: body.readBigUInt64BE(off + 24),
      packets: body.readBigUInt64BE(off + 32),
      bytes: body.readBigUInt64BE(off + 40),
      match,
      actions: parseInstructions(body, off + SIZES.FLOW_STATS_FIXED + size, off + len),
    });
    off += len;
  }
  return out;
}

export function encodePortStatsRequest(xid: number, port: number = OFPP.ANY): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt32BE(port >>> 0, 0);
  return multipartRequest(xid, OFPMP.PORT_STATS, b);
}

export function parsePortStats(body: Buffer): PortStats[] {
  if (body.length % SIZES.PORT_STATS) throw new OpenFlowDecodeError(`port stats body of ${body.length} bytes is not a multiple of ${SIZES.PORT_STATS}`);
  const out: PortStats[] = [];
  for (let off = 0; off < body.length; off += SIZES.PORT_STATS) {
    const n = body.readUInt32BE(off);
    const c = (i: number) => body.readBigUInt64BE(off + 8 + i * 8);
    out.push({
      port: n === OFPP.LOCAL ? 'LOCAL' : n,
      rxPackets: c(0), txPackets: c(1), rxBytes: c(2), txBytes: c(3), rxDropped: c(4), txDropped: c(5),
    });
  }
  return out;
}

export const encodePortDescRequest = (xid: number) => multipartRequest(xid, OFPMP.PORT_DESC, Buffer.alloc(0));

/** The number and name of an ofp_port (spec 7.2.1) at off; the caller has checked its 64 bytes are there. */
function parsePort(buf: Buffer, off: number): PortDesc {
  const n = buf.readUInt32BE(off);
  const raw = buf.subarray(off + 16, off + 32);
  const name = raw.subarray(0, raw.indexOf(0) === -1 ? 16 : raw.indexOf(0)).toString('latin1');
  return { port: n === OFPP.LOCAL ? 'LOCAL' : n, name };
}

export function parsePortDesc(body: Buffer): PortDesc[] {
  if (body.length % SIZES.PORT) throw new OpenFlowDecodeError(`port description body of ${body.length} bytes is not a multiple of ${SIZES.PORT}`);
  const out: PortDesc[] = [];
  for (let off = 0; off < body.length; off += SIZES.PORT) out.push(parsePort(body, off));
  return out;
}

export interface PortStatus {
  /** OFPPR_ADD, OFPPR_DELETE or OFPPR_MODIFY */
  reason: number;
  port: PortDesc;
}

/** OFPT_PORT_STATUS (spec 7.4.3): a port was added, removed or changed. */
export function parsePortStatus(msg: Buffer): PortStatus {
  whole(msg, 'port status', SIZES.PORT_STATUS, true);
  return { reason: msg[8]!, port: parsePort(msg, 16) };
}


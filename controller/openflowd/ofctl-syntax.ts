// ovs-ofctl's text: the flows we hand to add-flows, and parsing what dump-flows,
// dump-ports and dump-ports-desc print back (OpenFlow 1.3, --no-names) into the shared
// model. FromNet("...") matches are written in this syntax too (D3.2 §2.1.4, docs/platform.md), so their
// parser lives here.
import { ETH_TYPE_ARP, ETH_TYPE_IPV4, IP_PROTO_ICMP, IP_PROTO_TCP, IP_PROTO_UDP } from '../openflow/constants.js';
import { actionsText, CT_FLAGS, MAC_RE, matchText, type Action, type CtAction, type CtFlag, type Flow, type FlowEntry, type Ipv4Prefix, type Match, type PortDesc, type PortStats, type ReservedPort } from '../openflow/model.js';

export class MatchSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MatchSyntaxError';
  }
}

const SHORTHANDS: Record<string, Match> = {
  ip: { ethType: ETH_TYPE_IPV4 },
  arp: { ethType: ETH_TYPE_ARP },
  icmp: { ethType: ETH_TYPE_IPV4, ipProto: IP_PROTO_ICMP },
  tcp: { ethType: ETH_TYPE_IPV4, ipProto: IP_PROTO_TCP },
  udp: { ethType: ETH_TYPE_IPV4, ipProto: IP_PROTO_UDP },
};
const RESERVED = new Set<ReservedPort>(['IN_PORT', 'TABLE', 'NORMAL', 'FLOOD', 'ALL', 'CONTROLLER', 'LOCAL']);

function int(v: string, what: string, max: number): number {
  const n = /^0x[0-9a-f]+$/i.test(v) ? parseInt(v, 16) : /^\d+$/.test(v) ? parseInt(v, 10) : NaN;
  if (!Number.isInteger(n) || n < 0 || n > max) throw new MatchSyntaxError(`${what} '${v}' is not a number from 0 to ${max}`);
  return n;
}

function mac(v: string, what: string): string {
  const l = v.toLowerCase();
  if (!MAC_RE.test(l)) throw new MatchSyntaxError(`${what} '${v}' is not a MAC address (aa:bb:cc:dd:ee:ff)`);
  return l;
}

/** An IPv4 address or prefix ('10.0.0.0/8', '10.0.0.0/255.0.0.0', '10.1.2.3'); host bits are cleared. */
export function parseIpv4Prefix(v: string, what = 'prefix'): Ipv4Prefix {
  return prefix(v, what);
}

function prefix(v: string, what: string): Ipv4Prefix {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d{1,2}|\d+\.\d+\.\d+\.\d+))?$/.exec(v);
  if (!m || m.slice(1, 5).some((o) => Number(o) > 255)) throw new MatchSyntaxError(`${what} '${v}' is not an IPv4 address or prefix (a.b.c.d or a.b.c.d/len)`);
  let len = 32;
  if (m[5] !== undefined) {
    if (m[5].includes('.')) {
      const mask = m[5].split('.').reduce((a, o) => (a << 8) | Number(o), 0) >>> 0;
      len = 0;
      while (len < 32 && mask & (0x80000000 >>> len)) len++;
      if ((len ? (0xffffffff << (32 - len)) >>> 0 : 0) !== mask) throw new MatchSyntaxError(`${what} mask '${m[5]}' is not a prefix`);
    } else len = Number(m[5]);
    if (len > 32) throw new MatchSyntaxError(`${what} prefix length ${len} is over 32`);
  }
  const addr = m.slice(1, 5).reduce((a, o) => (a << 8) | Number(o), 0) >>> 0;
  const net = (len ? addr & ((0xffffffff << (32 - len)) >>> 0) : 0) >>> 0;
  return { addr: [24, 16, 8, 0].map((s) => (net >>> s) & 255).join('.'), len };
}

/**
 * Parses an ovs-ofctl match ('udp,nw_src=10.0.0.0/24,tp_dst=53'), as a FromNet("...") holds.
 * Ports may be names when `portByName` is given. Prerequisites are checked (nw_* needs ip,
 * tp_* needs tcp or udp) so the switch never meets an inconsistent match.
 */
export function parseMatchText(text: string, portByName?: (name: string) => number | undefined): Match {
  const m: Match = {};
  const tp: Array<['src' | 'dst', number]> = [];
  for (const raw of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const eq = raw.indexOf('=');
    if (eq < 0) {
      const sh = SHORTHANDS[raw];
      if (!sh) throw new MatchSyntaxError(`unknown match keyword '${raw}' (known: ${Object.keys(SHORTHANDS).join(', ')})`);
      Object.assign(m, sh);
      continue;
    }
    const k = raw.slice(0, eq).trim();
    const v = raw.slice(eq + 1).trim();
    switch (k) {
      case 'in_port': {
        const byName = /^\d+$/.test(v) ? undefined : portByName?.(v);
        if (byName === undefined && !/^\d+$/.test(v)) throw new MatchSyntaxError(`in_port '${v}' is not a port of the switch`);
        m.inPort = byName ?? int(v, 'in_port', 0xfffffeff);
        break;
      }
      case 'dl_dst': case 'eth_dst': m.ethDst = mac(v, k); break;
      case 'dl_type': case 'eth_type': m.ethType = int(v, k, 0xffff); break;
      case 'dl_vlan': m.vlanVid = int(v, k, 4095); break;
      case 'vlan_vid': {
        const n = int(v, k, 0x1fff);
        if (!(n & 0x1000)) throw new MatchSyntaxError(`vlan_vid '${v}' lacks the present bit 0x1000; use dl_vlan=VID`);
        m.vlanVid = n & 0xfff;
        break;
      }
      case 'ct_state': {
        const st: Partial<Record<CtFlag, boolean>> = {};
        const flags = /^(?:[+-][a-z]+)+$/.test(v) ? v.match(/[+-][a-z]+/g)! : [];
        if (!flags.length) throw new MatchSyntaxError(`ct_state '${v}' is not +flag/-flag list`);
        for (const f of flags) {
          if (!(CT_FLAGS as readonly string[]).includes(f.slice(1))) throw new MatchSyntaxError(`ct_state flag '${f.slice(1)}' is not one of ${CT_FLAGS.join(', ')}`);
          st[f.slice(1) as CtFlag] = f[0] === '+';
        }
        m.ctState = st;
        break;
      }
      case 'ct_mark': m.ctMark = int(v, k, 0xffffffff); break;
      case 'nw_proto': case 'ip_proto': m.ipProto = int(v, k, 255); break;
      case 'nw_src': case 'ip_src': m.ipv4Src = prefix(v, k); break;
      case 'nw_dst': case 'ip_dst': m.ipv4Dst = prefix(v, k); break;
      case 'tp_src': case 'tcp_src': case 'udp_src': tp.push(['src', int(v, k, 0xffff)]); if (k !== 'tp_src') m.ipProto ??= k.startsWith('tcp') ? IP_PROTO_TCP : IP_PROTO_UDP; break;
      case 'tp_dst': case 'tcp_dst': case 'udp_dst': tp.push(['dst', int(v, k, 0xffff)]); if (k !== 'tp_dst') m.ipProto ??= k.startsWith('tcp') ? IP_PROTO_TCP : IP_PROTO_UDP; break;
      default: throw new MatchSyntaxError(`match field '${k}' is not supported (in_port, dl_dst, dl_type, dl_vlan, nw_proto, nw_src, nw_dst, tp_src, tp_dst ct_state, ct_mark and the ip/tcp/udp/icmp/arp shorthands are)`);
    }
  }
  if ((m.ipv4Src || m.ipv4Dst || m.ipProto !== undefined) && m.ethType === undefined) m.ethType = ETH_TYPE_IPV4;
  if ((m.ipv4Src || m.ipv4Dst || m.ipProto !== undefined) && m.ethType !== ETH_TYPE_IPV4)
    throw new MatchSyntaxError(`nw_src, nw_dst and nw_proto need an IPv4 match, not dl_type=0x${m.ethType!.toString(16)}`);
  for (const [dir, port] of tp) {
    if (m.ipProto === IP_PROTO_TCP) m[dir === 'src' ? 'tcpSrc' : 'tcpDst'] = port;
    else if (m.ipProto === IP_PROTO_UDP) m[dir === 'src' ? 'udpSrc' : 'udpDst'] = port;
    else throw new MatchSyntaxError(`tp_${dir} needs 'tcp' or 'udp' in the match`);
  }
  return m;
}

/** One add-flows line. */
export function flowLine(cookie: bigint, f: Flow): string {
  const match = matchText(f.match);
  return `cookie=0x${cookie.toString(16)},table=${f.table},priority=${f.priority}${match ? `,${match}` : ''},actions=${actionsText(f.actions)}`;
}

/**
 * A flow as flowLine prints it, without its cookie (`table=0,priority=1001,in_port=1,...,actions=output:3`):
 * how a flow travels in openflowd's add_flows. Throws MatchSyntaxError for anything the model does not hold.
 */
export function parseFlowText(text: string): Flow {
  const at = text.startsWith('actions=') ? 0 : text.indexOf(',actions=') + 1;
  if (at <= 0 && !text.startsWith('actions=')) throw new MatchSyntaxError(`flow '${text}' has no actions=`);
  let table = 0;
  let priority = 0x8000;
  const matchParts: string[] = [];
  for (const f of text.slice(0, Math.max(0, at - 1)).split(',').filter(Boolean)) {
    const m = /^(table|priority)=(\d+)$/.exec(f.trim());
    if (m) (m[1] === 'table' ? (table = Number(m[2])) : (priority = Number(m[2])));
    else if (/^cookie=/.test(f.trim())) throw new MatchSyntaxError(`flow '${text}' names a cookie: the call's cookie is every flow's`);
    else matchParts.push(f);
  }
  if (table > 254 || priority > 0xffff) throw new MatchSyntaxError(`flow '${text}': table 0..254, priority 0..65535`);
  return { table, priority, match: parseMatchText(matchParts.join(',')), actions: parseActionsText(text.slice(at + 'actions='.length)) };
}

/** Splits on the commas outside parentheses (ct(commit,zone=1) is one action). */
function splitTop(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  out.push(text.slice(start));
  return out;
}

/** ct(commit,table=N,zone=N,exec(set_field:M->ct_mark)) as ovs-ofctl prints it; nothing else inside. */
function parseCt(inner: string, whole: string): CtAction {
  const a: CtAction = { type: 'ct' };
  for (const p of splitTop(inner).filter(Boolean)) {
    let m: RegExpExecArray | null;
    if (p === 'commit') a.commit = true;
    else if ((m = /^table=(\d+)$/.exec(p))) a.table = Number(m[1]);
    else if ((m = /^zone=(\d+)$/.exec(p))) a.zone = Number(m[1]);
    else if ((m = /^exec\(set_field:(0x[0-9a-f]+|\d+)->ct_mark\)$/i.exec(p))) a.mark = Number(m[1]);
    else throw new MatchSyntaxError(`ovs-ofctl printed a ct action this controller does not model: '${whole}'`);
  }
  return a;
}

function parseActionsText(text: string): Action[] {
  if (text === 'drop') return [];
  const out: Action[] = [];
  for (const a of splitTop(text)) {
    let m: RegExpExecArray | null;
    if ((m = /^ct\((.*)\)$/.exec(a))) {
      out.push(parseCt(m[1], a));
      continue;
    }
    if ((m = /^output:(\d+)$/.exec(a)) || /^\d+$/.test(a)) out.push({ type: 'output', port: Number(m ? m[1] : a) });
    else if (RESERVED.has(a as ReservedPort)) out.push({ type: 'output', port: a as ReservedPort });
    else if ((m = /^output:([A-Z_]+)$/.exec(a)) && RESERVED.has(m[1] as ReservedPort)) out.push({ type: 'output', port: m[1] as ReservedPort });
    else if ((m = /^push_vlan:(0x[0-9a-f]+)$/i.exec(a))) out.push({ type: 'push_vlan', ethertype: parseInt(m[1], 16) });
    else if (a === 'pop_vlan' || a === 'strip_vlan') out.push({ type: 'pop_vlan' });
    else if ((m = /^set_field:(\d+|0x[0-9a-f]+)->vlan_vid$/i.exec(a))) out.push({ type: 'set_vlan_vid', vid: Number(m[1]) & 0xfff });
    else if ((m = /^mod_vlan_vid:(\d+)$/.exec(a))) out.push({ type: 'set_vlan_vid', vid: Number(m[1]) });
    else if ((m = /^group:(\d+)$/.exec(a))) out.push({ type: 'group', group: Number(m[1]) });
    else if ((m = /^set_field:([0-9a-f:]+)->eth_dst$/i.exec(a)) || (m = /^mod_dl_dst:([0-9a-f:]+)$/i.exec(a))) out.push({ type: 'set_eth_dst', mac: mac(m[1]!, 'eth_dst') });
    else throw new MatchSyntaxError(`ovs-ofctl printed an action this controller does not model: '${a}'`);
  }
  return out;
}

/** Parses `ovs-ofctl -O OpenFlow13 --no-names dump-flows` output. */
export function parseDumpFlows(text: string): FlowEntry[] {
  const out: FlowEntry[] = [];
  for (const line of text.split('\n')) {
    const l = line.trim();
    if (!l.startsWith('cookie=')) continue;
    const at = l.indexOf(' actions=');
    const head = l.slice(0, at);
    const actions = l.slice(at + ' actions='.length);
    const fields = head.split(/,\s*|\s+/).filter(Boolean);
    let cookie = 0n, table = 0, priority = 0x8000, packets = 0n, bytes = 0n;
    const matchParts: string[] = [];
    for (const f of fields) {
      const [k, v] = f.split('=');
      if (k === 'cookie') cookie = BigInt(v);
      else if (k === 'table') table = Number(v);
      else if (k === 'priority') priority = Number(v);
      else if (k === 'n_packets') packets = BigInt(v);
      else if (k === 'n_bytes') bytes = BigInt(v);
      else if (['duration', 'idle_age', 'hard_age', 'idle_timeout', 'hard_timeout', 'reset_counts', 'send_flow_rem'].includes(k)) continue;
      else matchParts.push(f);
    }
    out.push({ cookie, table, priority, packets, bytes, match: parseMatchText(matchParts.join(',')), actions: parseActionsText(actions) });
  }
  return out;
}

/** Parses `ovs-ofctl dump-ports`: rx/tx packets, bytes and drops per port. */
export function parseDumpPorts(text: string): PortStats[] {
  const out: PortStats[] = [];
  const re = /port\s+("?[^:"]+"?):\s*rx pkts=(\d+), bytes=(\d+), drop=(\d+)[^\n]*\n\s*tx pkts=(\d+), bytes=(\d+), drop=(\d+)/g;
  for (const m of text.matchAll(re)) {
    const p = m[1].replace(/"/g, '').trim();
    out.push({
      port: p === 'LOCAL' ? 'LOCAL' : Number(p),
      rxPackets: BigInt(m[2]), rxBytes: BigInt(m[3]), rxDropped: BigInt(m[4]),
      txPackets: BigInt(m[5]), txBytes: BigInt(m[6]), txDropped: BigInt(m[7]),
    });
  }
  return out;
}

/** Parses `ovs-ofctl dump-ports-desc` (' 1(veth0): addr:...', ' LOCAL(br0): ...'). */
export function parsePortsDesc(text: string): PortDesc[] {
  const out: PortDesc[] = [];
  for (const m of text.matchAll(/^\s*(\d+|LOCAL)\(([^)]+)\):/gm)) out.push({ port: m[1] === 'LOCAL' ? 'LOCAL' : Number(m[1]), name: m[2] });
  return out;
}

/** A refused flow named in ovs-ofctl's error output ('OFPT_FLOW_MOD ...: ADD priority=6 cookie:0x9 actions=group:99'). */
export function refusedFlowText(stderr: string): string | undefined {
  return /OFPT_FLOW_MOD[^:]*:\s*(.*)$/m.exec(stderr)?.[1];
}

/** The flow in ovs-ofctl's print of a refused flow_mod ('ADD table:1 priority=6,arp cookie:0x9 actions=group:99'), if it parses. */
export function refusedFlow(printed: string): Flow | undefined {
  const text = printed.trim().replace(/^(ADD|MOD|MOD_STRICT)\s+/, '').replace(/\s*cookie:0x[0-9a-f]+/i, '').replace(/table:(\d+)/, 'table=$1');
  const at = text.indexOf('actions=');
  if (at < 0) return undefined;
  const head = text.slice(0, at).trim().split(/\s+/).join(',');
  try {
    const [e] = parseDumpFlows(`cookie=0x0,${head} actions=${text.slice(at + 'actions='.length)}`);
    return e && { table: e.table, priority: e.priority, match: e.match, actions: e.actions };
  } catch {
    return undefined;
  }
}

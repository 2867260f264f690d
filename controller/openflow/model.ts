// The flow model every driver speaks: what openflowd installs and what dump-flows
// returns, independent of how it travels (ovs-ofctl text or OpenFlow 1.3 bytes). Only
// what allocations need: the matches a FromNet("...") can say and the actions that steer
// a packet through processing modules.

/** Reserved output ports by name (OpenFlow's OFPP_*). */
export type ReservedPort = 'IN_PORT' | 'TABLE' | 'NORMAL' | 'FLOOD' | 'ALL' | 'CONTROLLER' | 'LOCAL';

export interface Ipv4Prefix {
  /** dotted quad, host bits zero */
  addr: string;
  /** prefix length 0..32 */
  len: number;
}

export interface Match {
  inPort?: number;
  /** destination MAC, lower-case 'aa:bb:cc:dd:ee:ff' (a software router's outputs, controller/routing) */
  ethDst?: string;
  ethType?: number;
  /** the VLAN id of a tagged packet (0..4095); OXM carries it with OFPVID_PRESENT */
  vlanVid?: number;
  ipProto?: number;
  ipv4Src?: Ipv4Prefix;
  ipv4Dst?: Ipv4Prefix;
  tcpSrc?: number;
  tcpDst?: number;
  udpSrc?: number;
  udpDst?: number;
  /** conntrack state bits to require set (true) or clear (false); ovs-ofctl driver only (CONNTRACK below) */
  ctState?: CtState;
  /** the 32-bit mark a ct(commit) left on the connection; ovs-ofctl driver only */
  ctMark?: number;
}

/** Conntrack state flags in OVS's bit order (new 0x01 … trk 0x20), the order ovs-ofctl prints them. */
export const CT_FLAGS = ['new', 'est', 'rel', 'rpl', 'inv', 'trk'] as const;
export type CtFlag = (typeof CT_FLAGS)[number];
export type CtState = Partial<Record<CtFlag, boolean>>;

/**
 * CONNTRACK: ct_state/ct_mark matches and the ct action are Nicira extensions, not
 * OpenFlow 1.3 fields; only the ovs-ofctl drivers carry them (the native driver refuses
 * them with ConntrackUnsupportedError). controller/balancer/README.md "Flow migration"
 * says what uses them.
 */
export interface CtAction {
  type: 'ct';
  /** commit the connection (ct(commit)); with `mark`, set its ct_mark */
  commit?: boolean;
  zone?: number;
  /** recirculate to this table with ct_state filled in (ct(table=N)); without it, the action list goes on */
  table?: number;
  mark?: number;
}

export type Action =
  | { type: 'output'; port: number | ReservedPort }
  | { type: 'push_vlan'; ethertype: number }
  | { type: 'pop_vlan' }
  | { type: 'set_vlan_vid'; vid: number }
  /** rewrite the destination MAC (mod_dl_dst): a prefix offloaded from a software router, controller/routing */
  | { type: 'set_eth_dst'; mac: string }
  | { type: 'group'; group: number }
  | CtAction;

export interface Flow {
  table: number;
  priority: number;
  match: Match;
  actions: Action[];
}

/** A flow as a switch reports it. */
export interface FlowEntry extends Flow {
  cookie: bigint;
  packets: bigint;
  bytes: bigint;
}

export interface PortStats {
  /** port number, or 'LOCAL' for the bridge's own port */
  port: number | 'LOCAL';
  rxPackets: bigint;
  txPackets: bigint;
  rxBytes: bigint;
  txBytes: bigint;
  rxDropped: bigint;
  txDropped: bigint;
}

export interface PortDesc {
  port: number | 'LOCAL';
  name: string;
}

export const MATCH_KEYS = ['inPort', 'ethDst', 'ethType', 'vlanVid', 'ipProto', 'ipv4Src', 'ipv4Dst', 'tcpSrc', 'tcpDst', 'udpSrc', 'udpDst', 'ctState', 'ctMark'] as const;

/** Whether a flow needs conntrack (CONNTRACK above). */
export function usesConntrack(f: Flow): boolean {
  return f.match.ctState !== undefined || f.match.ctMark !== undefined || f.actions.some((a) => a.type === 'ct');
}

/** Canonical one-line text of a flow (ovs-ofctl syntax, fixed field order): equal flows print equal. */
export function flowKey(f: Flow & { cookie?: bigint }): string {
  return `${f.cookie !== undefined ? `cookie=0x${f.cookie.toString(16)},` : ''}table=${f.table},priority=${f.priority}${matchText(f.match) ? `,${matchText(f.match)}` : ''},actions=${actionsText(f.actions)}`;
}

/** A MAC address as the model holds it: six hex pairs, lower case, colon-separated. */
export const MAC_RE = /^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$/;

export function prefixText(p: Ipv4Prefix): string {
  return p.len === 32 ? p.addr : `${p.addr}/${p.len}`;
}

/** ovs-ofctl match syntax with explicit fields (no 'ip'/'udp' shorthands) so that order never depends on the printer. */
export function matchText(m: Match): string {
  const parts: string[] = [];
  if (m.inPort !== undefined) parts.push(`in_port=${m.inPort}`);
  if (m.ethDst !== undefined) parts.push(`dl_dst=${m.ethDst}`);
  if (m.ethType !== undefined) parts.push(`dl_type=0x${m.ethType.toString(16).padStart(4, '0')}`);
  if (m.vlanVid !== undefined) parts.push(`dl_vlan=${m.vlanVid}`);
  if (m.ipProto !== undefined) parts.push(`nw_proto=${m.ipProto}`);
  if (m.ipv4Src) parts.push(`nw_src=${prefixText(m.ipv4Src)}`);
  if (m.ipv4Dst) parts.push(`nw_dst=${prefixText(m.ipv4Dst)}`);
  const tp = (v: number | undefined, k: string) => v !== undefined && parts.push(`${k}=${v}`);
  tp(m.tcpSrc ?? m.udpSrc, 'tp_src');
  tp(m.tcpDst ?? m.udpDst, 'tp_dst');
  if (m.ctState) {
    const st = CT_FLAGS.filter((k) => m.ctState![k] !== undefined).map((k) => `${m.ctState![k] ? '+' : '-'}${k}`).join('');
    if (st) parts.push(`ct_state=${st}`);
  }
  if (m.ctMark !== undefined) parts.push(`ct_mark=0x${m.ctMark.toString(16)}`);
  return parts.join(',');
}

export function actionsText(actions: Action[]): string {
  if (!actions.length) return 'drop';
  return actions
    .map((a) => {
      switch (a.type) {
        case 'output': return `output:${a.port}`;
        case 'push_vlan': return `push_vlan:0x${a.ethertype.toString(16)}`;
        case 'pop_vlan': return 'pop_vlan';
        // the OXM value: VID with OFPVID_PRESENT, as ovs-ofctl prints it for OpenFlow 1.3
        case 'set_vlan_vid': return `set_field:${a.vid | 0x1000}->vlan_vid`;
        case 'group': return `group:${a.group}`;
        case 'set_eth_dst': return `set_field:${a.mac}->eth_dst`;
        case 'ct': return ctText(a);
      }
    })
    .join(',');
}

/** ovs-ofctl's own print of a ct action: commit, table, zone, exec(...), in that order. */
function ctText(a: CtAction): string {
  const parts: string[] = [];
  if (a.commit) parts.push('commit');
  if (a.table !== undefined) parts.push(`table=${a.table}`);
  if (a.zone !== undefined) parts.push(`zone=${a.zone}`);
  if (a.mark !== undefined) parts.push(`exec(set_field:0x${a.mark.toString(16)}->ct_mark)`);
  return `ct(${parts.join(',')})`;
}

/** Sorted canonical texts without counters: what "the same dump-flows" means across drivers. */
export function normaliseDump(entries: FlowEntry[]): string[] {
  return entries.map((e) => flowKey(e)).sort();
}

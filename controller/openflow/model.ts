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
}

export type Action =
  | { type: 'output'; port: number | ReservedPort }
  | { type: 'push_vlan'; ethertype: number }
  | { type: 'pop_vlan' }
  | { type: 'set_vlan_vid'; vid: number }
  | { type: 'group'; group: number };

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

export const MATCH_KEYS = ['inPort', 'ethType', 'vlanVid', 'ipProto', 'ipv4Src', 'ipv4Dst', 'tcpSrc', 'tcpDst', 'udpSrc', 'udpDst'] as const;

/** Canonical one-line text of a flow (ovs-ofctl syntax, fixed field order): equal flows print equal. */
export function flowKey(f: Flow & { cookie?: bigint }): string {
  return `${f.cookie !== undefined ? `cookie=0x${f.cookie.toString(16)},` : ''}table=${f.table},priority=${f.priority}${matchText(f.match) ? `,${matchText(f.match)}` : ''},actions=${actionsText(f.actions)}`;
}

export function prefixText(p: Ipv4Prefix): string {
  return p.len === 32 ? p.addr : `${p.addr}/${p.len}`;
}

/** ovs-ofctl match syntax with explicit fields (no 'ip'/'udp' shorthands) so that order never depends on the printer. */
export function matchText(m: Match): string {
  const parts: string[] = [];
  if (m.inPort !== undefined) parts.push(`in_port=${m.inPort}`);
  if (m.ethType !== undefined) parts.push(`dl_type=0x${m.ethType.toString(16).padStart(4, '0')}`);
  if (m.vlanVid !== undefined) parts.push(`dl_vlan=${m.vlanVid}`);
  if (m.ipProto !== undefined) parts.push(`nw_proto=${m.ipProto}`);
  if (m.ipv4Src) parts.push(`nw_src=${prefixText(m.ipv4Src)}`);
  if (m.ipv4Dst) parts.push(`nw_dst=${prefixText(m.ipv4Dst)}`);
  const tp = (v: number | undefined, k: string) => v !== undefined && parts.push(`${k}=${v}`);
  tp(m.tcpSrc ?? m.udpSrc, 'tp_src');
  tp(m.tcpDst ?? m.udpDst, 'tp_dst');
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
      }
    })
    .join(',');
}

/** Sorted canonical texts without counters: what "the same dump-flows" means across drivers. */
export function normaliseDump(entries: FlowEntry[]): string[] {
  return entries.map((e) => flowKey(e)).sort();
}

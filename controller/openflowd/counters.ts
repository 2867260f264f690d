// A switch's flows and ports as the API reports them (api.ts flowCounters,
// portCounters): cookies as 0x-hex text and counters as doubles, since XML-RPC's int is
// 32 bits. monitord reports the same shapes.
import { actionsText, matchText, type FlowEntry, type PortStats } from '../openflow/model.js';
import type { FlowCounters, PortCounters } from './api.js';

export const cookieText = (c: bigint): string => `0x${c.toString(16)}`;

export const flowCountersOf = (f: FlowEntry): FlowCounters => ({
  cookie: cookieText(f.cookie), table: f.table, priority: f.priority,
  match: matchText(f.match), actions: actionsText(f.actions), packets: Number(f.packets), bytes: Number(f.bytes),
});

export const portCountersOf = (p: PortStats): PortCounters => ({
  port: p.port, rxPackets: Number(p.rxPackets), txPackets: Number(p.txPackets), rxBytes: Number(p.rxBytes),
  txBytes: Number(p.txBytes), rxDropped: Number(p.rxDropped), txDropped: Number(p.txDropped),
});

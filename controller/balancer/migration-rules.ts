// The idle phase of a prefix move on the switch (D3.2 §2.3.2.1; README.md "Flow
// migration"). D3.2 daisy-chains the two replicas: A keeps the flows it has state for,
// everything else goes on to B. A switch cannot ask A, but OVS conntrack knows which
// connections were committed while the prefix still went to A: every entry rule commits
// its connection marked with its replica (rules.ts `conntrack`). So, for a moved piece:
//   table T0 (the group's), above the new rules: the piece's packets go through
//   conntrack (ct(zone, table=Tm)) without committing;
//   table Tm: established and marked A → A, as before the move;
//             anything else (new connections, B's own) → committed marked B, to B.
// Both outside ports do this, so replies of A's connections also return through A.
// Removing these flows ends the idle phase: the new rules send everything to B.
import { ETH_TYPE_IPV4 } from '../openflow/constants.js';
import type { Flow } from '../openflow/model.js';
import { BalancerInputError } from './errors.js';
import type { Move } from './leaves.js';
import { toIpv4Prefix } from './prefix.js';
import { commitAction, replicaHop, replicaMark, toReplica, type GroupPorts } from './rules.js';

export interface MigrationOptions {
  /** of the dispatch flows in the group's table: above every rule of the new generation */
  priority: number;
  /** the table the connection tracker's verdicts are read in (not the group's table) */
  ctTable: number;
}

/** 2 flows per moved piece in the group's table, 4 in ctTable. */
export function migrationFlows(moved: Move[], g: GroupPorts, o: MigrationOptions): Flow[] {
  const ct = g.conntrack;
  if (!ct) throw new BalancerInputError('flow migration needs the group to commit its connections (GroupPorts.conntrack)');
  const table = g.table ?? 0;
  if (!Number.isInteger(o.ctTable) || o.ctTable < 1 || o.ctTable > 254 || o.ctTable === table)
    throw new BalancerInputError(`conntrack table ${o.ctTable} must be 1..254 and not the group's table ${table}`);
  const fwdField = g.field === 'src' ? 'ipv4Src' : 'ipv4Dst';
  const revField = g.field === 'src' ? 'ipv4Dst' : 'ipv4Src';
  const flows: Flow[] = [];
  for (const m of moved) {
    const p = toIpv4Prefix(m.prefix);
    const oldMark = replicaMark(g, m.from);
    const newMark = replicaMark(g, m.to);
    for (const [k, side, field] of [[0, g.forward, fwdField], [1, g.reverse, revField]] as const) {
      const match = { ...side.match, inPort: side.port, ethType: ETH_TYPE_IPV4, [field]: p };
      flows.push({ table, priority: o.priority, match, actions: [{ type: 'ct', zone: ct.zone, table: o.ctTable }] });
      flows.push({ table: o.ctTable, priority: o.priority + 1, match: { ...match, ctState: { trk: true, est: true }, ctMark: oldMark }, actions: toReplica(replicaHop(g, m.from, k)) });
      flows.push({ table: o.ctTable, priority: o.priority, match, actions: [commitAction(ct.zone, newMark), ...toReplica(replicaHop(g, m.to, k))] });
    }
  }
  return flows;
}

// Reconciliation (docs/controller-store.md): what resourced recorded against what is
// there — each host's list_pms and the switch's flows by cookie. Run at start, when a
// host registers again, and on demand (`reconcile`, with dry_run). planReconcile is pure:
// it decides; Resourced.reconcile acts and writes one audit line per action.
//   installing / steering  → rolled back: flows, then every recorded PM ("creating" ones too)
//   deleting               → finished
//   installed              → adopted (a degraded mark cleared); a PM missing at a host that
//                            answered marks it degraded; flows missing from the switch put back
//   a PM of ours no record owns, a cookie we issued that no allocation owns → removed
// A balanced allocation's flows carry its group's cookies (controller/balancer/cookies.ts:
// tagged, group id = allocation id, generation): its current generation's rules are its
// flows; any other generation of a group we issued is left over from an interrupted
// install or rebalance, and removed.
import { cookieGroup, groupCookie } from '../balancer/cookies.js';
import { isRoutingCookie, routingCookie } from '../routing/cookies.js';
import { cookieText } from '../openflowd/counters.js';
import type { AllocationRecord } from './allocations.js';
import { groupRulesCookie } from './replicas.js';

export type ReconcileKind = 'roll_back_install' | 'finish_delete' | 'adopt' | 'degraded' | 'restore_flows' | 'delete_orphan_pm' | 'remove_orphan_flows';

// Types, not interfaces: they travel as XML-RPC structs.
export type ReconcileAction = {
  kind: ReconcileKind;
  /** The allocation acted on, or the one an orphan's name or cookie points to. */
  allocation: number;
  /** remove_orphan_flows of a balanced group: the cookie (0x-hex) to remove. */
  cookie?: string;
  host?: string;
  pm?: string;
  reason: string;
};

/** An action as reconcile answers it: carried out (done), or why not. */
export type ReconcileOutcome = ReconcileAction & { done: boolean; error?: string };

export interface Observed {
  /** list_pms names per host; null for a host that could not be asked (left for its next registration). */
  pmsByHost: Map<string, string[] | null>;
  /** Cookies of the switch's flows; null without a switch or when it could not be read. */
  cookies: bigint[] | null;
}

/** The allocation id a PM name of ours carries (installer.ts pmName: `<prefix>-<id>-<n>-<module>`), or undefined. */
export function allocationOfPm(prefix: string, name: string): number | undefined {
  if (!name.startsWith(`${prefix}-`)) return undefined;
  const m = /^(\d+)-\d+-/.exec(name.slice(prefix.length + 1));
  return m ? Number(m[1]) : undefined;
}

/**
 * What to do, given the records not being worked on right now (`busy` ids are skipped:
 * an install or delete of this process owns them), what the hosts and switch hold, the
 * PM name prefix, and `issuedBelow` (every allocation id under it was issued by us).
 */
export function planReconcile(
  records: readonly AllocationRecord[],
  busy: ReadonlySet<number>,
  seen: Observed,
  prefix: string,
  issuedBelow: number,
  /** every record (when `records` are those of some hosts only): a cookie is an orphan only if none of them owns it */
  all: readonly AllocationRecord[] = records,
): ReconcileAction[] {
  const actions: ReconcileAction[] = [];
  // By host and name: a PM placed again after its host was lost keeps its name on the new host.
  const owned = new Set(records.flatMap((a) => a.pms.map((p) => `${p.host}/${p.name}`)));
  for (const a of records) {
    if (busy.has(a.id)) continue;
    if (a.state === 'installing' || a.state === 'steering') {
      actions.push({ kind: 'roll_back_install', allocation: a.id, reason: `its install was interrupted (${a.state}, ${a.pms.length} PM(s) on record)` });
    } else if (a.state === 'deleting') {
      actions.push({ kind: 'finish_delete', allocation: a.id, reason: `its delete was interrupted (${a.pms.length} PM(s) on record)` });
    } else {
      const missing = a.pms.filter((p) => seen.pmsByHost.get(p.host)?.includes(p.name) === false);
      if (missing.length) {
        for (const p of missing) actions.push({ kind: 'degraded', allocation: a.id, host: p.host, pm: p.name, reason: `PM ${p.name} is recorded on ${p.host}, which does not have it` });
        continue;
      }
      // The switch lost them (restarted, its flows deleted by hand): its PMs run, so steer again.
      // A low-level PM has no flows of its own (its connections are records with their own cookies).
      const routed = a.parsed?.modules?.some((m) => m.routed) ?? false; // hand-made records (tests) may have no parsed modules
      const want = a.balanced ? groupRulesCookie(a.id, a.balanced) : routed ? routingCookie(a.id, 'base') : BigInt(a.id);
      if (a.kind !== 'pm' && seen.cookies && want !== undefined && !seen.cookies.includes(want)) actions.push({ kind: 'restore_flows', allocation: a.id, reason: `the switch has no flow with cookie ${a.balanced ? `${cookieText(want)} (its group's rules)` : routed ? `${cookieText(want)} (its routing group's fixed flows)` : a.id}` });
      else actions.push({ kind: 'adopt', allocation: a.id, reason: a.degraded ? 'recorded and found again (no longer degraded)' : 'recorded and found' });
    }
  }
  for (const [host, names] of seen.pmsByHost) {
    for (const name of names ?? []) {
      const id = allocationOfPm(prefix, name);
      if (id === undefined || owned.has(`${host}/${name}`) || busy.has(id)) continue;
      actions.push({ kind: 'delete_orphan_pm', allocation: id, host, pm: name, reason: `no allocation owns PM ${name}` });
    }
  }
  const live = new Set(all.map((a) => a.id));
  const cookies = [...new Set((seen.cookies ?? []).map(Number))].filter((c) => c >= 1 && c < issuedBelow).sort((a, b) => a - b);
  for (const c of cookies) {
    if (!live.has(c) && !busy.has(c)) actions.push({ kind: 'remove_orphan_flows', allocation: c, reason: `flows with cookie ${c}: allocation ${c} no longer exists` });
  }
  const byId = new Map(all.map((a) => [a.id, a]));
  for (const c of [...new Set(seen.cookies ?? [])].sort((x, y) => (x < y ? -1 : 1))) {
    const g = cookieGroup(c);
    if (g === undefined || g >= issuedBelow || busy.has(g)) continue;
    const b = byId.get(g)?.balanced;
    // the current generation's rules and its idle-phase flows are the group's
    if (b && b.generation >= 0 && (c === groupCookie(g, 'rules', b.generation) || c === groupCookie(g, 'migration', b.generation))) continue;
    const why = b ? `generation ${Number(c & 0xffffn)} of allocation ${g}'s group, which is at generation ${b.generation}` : `allocation ${g}'s group, which no longer exists`;
    actions.push({ kind: 'remove_orphan_flows', allocation: g, cookie: cookieText(c), reason: `flows with cookie ${cookieText(c)}: ${why}` });
  }
  // a routing group's flows (0xB2…, controller/routing/cookies.ts) are its routed allocation's; any other group's are orphans
  for (const c of [...new Set(seen.cookies ?? [])].sort((x, y) => (x < y ? -1 : 1))) {
    if (!isRoutingCookie(c)) continue;
    const g = Number((c >> 24n) & 0xffffffffn);
    if (g >= issuedBelow || busy.has(g) || byId.get(g)?.parsed?.modules?.some((m) => m.routed)) continue;
    actions.push({ kind: 'remove_orphan_flows', allocation: g, cookie: cookieText(c), reason: `flows with cookie ${cookieText(c)}: allocation ${g}'s routing group, which no longer exists` });
  }
  return actions;
}

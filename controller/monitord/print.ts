// The CLI view of a stats snapshot: hosts, then per-allocation switch counters, then
// ports. Plain columns for a terminal; scripts want the JSON (get_stats) instead.
import type { StatsSnapshot } from './monitor.js';

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ')).join('\n');
}

export function formatStats(s: StatsSnapshot): string {
  const out: string[] = [`stats at ${s.time}`, ''];
  out.push(table([['HOST', 'STATE', 'STATS'], ...s.hosts.map((h) => [h.name, h.ok ? 'ok' : 'FAILED', h.ok ? JSON.stringify(h.stats) : h.error ?? ''])]));
  out.push('');
  if (!s.switch.ok) out.push(`switch: FAILED: ${s.switch.error}`);
  else {
    out.push(table([['ALLOCATION', 'FLOWS', 'PACKETS', 'BYTES'], ...s.switch.allocations.map((a) => [a.cookie, String(a.flows), String(a.packets), String(a.bytes)])]));
    out.push('');
    out.push(table([['PORT', 'RX PKTS', 'TX PKTS', 'RX BYTES', 'TX BYTES', 'DROPS'], ...s.switch.ports.map((p) => [
      String(p.port), String(p.rxPackets), String(p.txPackets), String(p.rxBytes), String(p.txBytes), String(p.rxDropped + p.txDropped),
    ])]));
  }
  return out.join('\n') + '\n';
}

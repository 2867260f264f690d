// A parsed allocation request printed back as request text (D3.2 §2.1.4), for the one
// caller that holds only the parsed form: RemoteSteering sends openflowd the text, which
// openflowd parses again. Header, then one declaration per element, then one connection
// per line; element names are printed as Click named them (anonymous ones as C@N, which
// Click's lexer reads back as the same name).
import type { AllocationRequest } from '../../clickos-build/allocation.js';

const quote = (v: string): string => `"${v.replace(/[\\"]/g, (c) => `\\${c}`)}"`;

export function requestText(req: AllocationRequest): string {
  const lines = Object.entries(req.header).map(([k, v]) => `${k}=${v}`);
  for (const f of req.fromNet) lines.push(`${f.name} :: FromNet(${quote(f.value)});`);
  for (const t of req.toNet) lines.push(`${t.name} :: ToNet(${quote(t.value)});`);
  for (const m of req.modules) lines.push(`${m.name} :: ${m.type}(${m.config})${m.replicas ? ` x ${m.replicas.count} by ${m.replicas.field}` : ''};`);
  for (const c of req.connections) lines.push(`${c.from} [${c.fromPort}] -> [${c.toPort}] ${c.to};`);
  return lines.join('\n') + '\n';
}

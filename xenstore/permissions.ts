// XenStore node permissions: a list like ["n0", "r5"]. The first entry names the
// owner and the access of every domain not listed; later entries grant per domain.

export type Access = 'none' | 'read' | 'write' | 'both';
export interface Permission {
  domid: number;
  access: Access;
}

const TO_CHAR: Record<Access, string> = { none: 'n', read: 'r', write: 'w', both: 'b' };
const FROM_CHAR: Record<string, Access> = { n: 'none', r: 'read', w: 'write', b: 'both' };

export function formatPermission(p: Permission): string {
  if (!Number.isInteger(p.domid) || p.domid < 0 || p.domid > 0x7fff) throw new RangeError(`invalid domid ${p.domid}`);
  const c = TO_CHAR[p.access];
  if (!c) throw new RangeError(`invalid access ${String(p.access)}`);
  return `${c}${p.domid}`;
}

export function parsePermission(s: string): Permission {
  const m = /^([nrwb])(\d+)$/.exec(s);
  if (!m) throw new SyntaxError(`invalid XenStore permission ${JSON.stringify(s)}`);
  return { access: FROM_CHAR[m[1]!]!, domid: Number(m[2]) };
}

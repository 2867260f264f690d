// Domain names read and changed in XenStore, as libxl does it, so the hot paths
// (name → domid, the pool handing a guest its user's name) cost no xl process.
import type { Transaction, XenStore } from '../xenstore/index.js';
import { checkName } from '../toolstack/index.js';
import { GuestError } from './errors.js';

/** Every domain's name by domid, read from /local/domain/<id>/name. */
export async function domainNames(xs: XenStore): Promise<Map<number, string>> {
  const ids = (await xs.directory('/local/domain')).filter((d) => /^\d+$/.test(d)).map(Number);
  const names = new Map<number, string>();
  await Promise.all(
    ids.map(async (id) => {
      const n = await xs.readOptional(`/local/domain/${id}/name`);
      if (n !== undefined) names.set(id, n);
    }),
  );
  return names;
}

/** A domid, or a name resolved through XenStore; unknown names are a GuestError. */
export async function resolveDomain(xs: XenStore, ref: string | number): Promise<number> {
  if (typeof ref === 'number' || /^\d+$/.test(ref)) {
    const id = Number(ref);
    if (!(await xs.exists(`/local/domain/${id}`))) throw new GuestError(`no domain ${id}`);
    return id;
  }
  for (const [id, n] of await domainNames(xs)) if (n === ref) return id;
  throw new GuestError(`no domain named ${JSON.stringify(ref)} (see \`xl list\`)`);
}

/**
 * Renames a domain the way libxl_domain_rename does (what `xl rename` runs): one
 * transaction that checks the new name is free and the old one is still current,
 * then writes /local/domain/<id>/name and /vm/<uuid>/name.
 */
export async function renameDomain(xs: XenStore, domid: number, oldName: string, newName: string): Promise<void> {
  await xs.transaction((tx) => renameIn(tx, domid, oldName, newName));
}

/** renameDomain's work inside the caller's transaction (the pool claims and renames at once). */
export async function renameIn(tx: Transaction, domid: number, oldName: string, newName: string): Promise<void> {
  checkName(newName);
  const home = `/local/domain/${domid}`;
  // Read in two round trips however many domains there are: the name, the domain
  // list and the vm path at once, then every other domain's name at once.
  const [current, ids, vm] = await Promise.all([
    tx.readOptional(`${home}/name`),
    tx.directory('/local/domain'),
    tx.readOptional(`${home}/vm`),
  ]);
  if (current === undefined) throw new GuestError(`no domain ${domid}`);
  if (current !== oldName) throw new GuestError(`domain ${domid} is named ${JSON.stringify(current)}, not ${JSON.stringify(oldName)}: renamed by someone else?`);
  const others = ids.filter((d) => /^\d+$/.test(d) && Number(d) !== domid);
  const names = await Promise.all(others.map((id) => tx.readOptional(`/local/domain/${id}/name`)));
  const clash = names.indexOf(newName);
  if (clash >= 0) throw new GuestError(`a domain named ${JSON.stringify(newName)} already exists (domain ${others[clash]})`);
  await Promise.all([tx.write(`${home}/name`, newName), vm ? tx.write(`${vm}/name`, newName) : undefined]);
}

// Installing and deleting an allocation's PMs through hostd. PMs are created one at a
// time in request order, so "which step failed" has one answer and a rollback undoes
// exactly the steps before it. A rollback deletes, newest first, every PM this
// allocation created — and, when the failing create_pm did not answer (timeout, lost
// connection), tries the failed one too, since it may exist at the host after all.
import { fail, ok, type Encodable, type Failure, type Reply } from '../../daemon/index.js';
import { MAX_VIFS } from '../../toolstack/limits.js';
import type { AllocationRecord, PmRecord } from './allocations.js';
import { isHostdError, isTransportFailure, type HostdClient } from './hostd-client.js';
import type { PmType } from './pm-types.js';
import { replicaSlot } from './replicas.js';
import type { ProcessingModule } from '../../clickos-build/index.js';

export interface InstallDeps {
  client(host: string): HostdClient | string;
  type(name: string): PmType | undefined;
  bridge: string;
  pmPrefix: string;
  log(m: string): void;
  /** Writes alloc as it stands to the store: called before each create_pm. */
  save(): Promise<void>;
  /**
   * `count` VLAN ids free on `host` when its vifs sit behind a switch uplink (each vif
   * then goes on "<bridge>.<vlan>"), or undefined for a host whose vifs are switch ports.
   */
  vlans?(host: string, count: number): number[] | undefined;
  /** A routed module (IPRouter, routed.ts): the PM type it is created as and its generated config for its vif's MAC. */
  routed?(m: ProcessingModule, mac: string): { type: PmType; config: string };
}

export interface FailedStep {
  step: number;
  module: string;
  host: string;
  message: string;
}

/** A guest name hostd accepts (toolstack/limits.ts DOMAIN_NAME_RE), unique per allocation by its index. */
export function pmName(prefix: string, alloc: number, index: number, module: string): string {
  const m = module.replace(/[^A-Za-z0-9_.-]/g, '-').replace(/\.\.+/g, '.');
  return `${prefix}-${alloc}-${index}-${m}`.slice(0, 64).replace(/[.-]+$/, '');
}

/** Locally administered unicast MACs, 02:cf:<alloc hi>:<alloc lo>:<module>:<vif>, so openflowd can match on them. */
export function pmMac(alloc: number, index: number, vif: number): string {
  const b = [0x02, 0xcf, (alloc >> 8) & 0xff, alloc & 0xff, index & 0xff, vif & 0xff];
  return b.map((x) => x.toString(16).padStart(2, '0')).join(':');
}

export interface LeftPm {
  pm: PmRecord;
  message: string;
}

/** "name on host (why), ..." for PMs that could not be deleted. */
export const describeLeft = (left: LeftPm[]): string => left.map((l) => `${l.pm.name} on ${l.pm.host} (${l.message})`).join(', ');

/** Deletes PMs newest first; returns the ones that could not be deleted, with why. */
export async function deletePms(pms: readonly PmRecord[], deps: Pick<InstallDeps, 'client' | 'log'>): Promise<LeftPm[]> {
  const left: LeftPm[] = [];
  for (const pm of [...pms].reverse()) {
    const c = deps.client(pm.host);
    if (typeof c === 'string') {
      left.push({ pm, message: c });
      continue;
    }
    try {
      const rv = await c.task('delete_pm', { pm: pm.name });
      // Already gone (destroyed by hand, host rebooted): the goal is reached.
      if (rv.code === 0 || isHostdError(rv, 'pm_not_found')) deps.log(`deleted ${pm.name} on ${pm.host}`);
      else left.push({ pm, message: rv.message });
    } finally {
      c.close();
    }
  }
  return left;
}

/**
 * Deletes an allocation's `pms` (newest first) after a failed install. Those that could
 * not be deleted stay in alloc.pms, so delete_allocation can retry them.
 */
export async function rollBack(alloc: AllocationRecord, pms: PmRecord[], deps: Pick<InstallDeps, 'client' | 'log'>): Promise<LeftPm[]> {
  const stuck = await deletePms(pms, deps);
  alloc.pms = alloc.pms.filter((p) => !pms.includes(p) || stuck.some((l) => l.pm === p));
  return stuck;
}

/** One create_pm step's outcome: done, or the failure (maybeLeft: hostd did not answer, the guest may exist). */
export type StepOutcome = { ok: true; pm: PmRecord } | { ok: false; failed: FailedStep; maybeLeft: boolean };

/**
 * The create_pm step (D3.2 §2.1.2): module `i` of `alloc` on its planned host, recorded in
 * alloc.pms as "creating" before hostd hears of it and "created" once it answered. A
 * failure leaves in alloc.pms only a PM that may exist (hostd did not answer in time);
 * undoing the steps before is the caller's (rollBackSteps). Both install_allocation's
 * compound task and the low-level create_pm run this.
 */
export async function createPmStep(alloc: AllocationRecord, i: number, deps: InstallDeps): Promise<StepOutcome> {
  const m = alloc.parsed.modules[i]!;
  const host = alloc.planned.get(m.name)!;
  // a router on a stick: one vif whatever its outputs (controller/routing/README.md)
  const routed = m.routed && deps.routed ? deps.routed(m, pmMac(alloc.id, replicaSlot(m.name) ?? i + 1, 0)) : undefined;
  const type = routed?.type ?? deps.type(m.type);
  // A replica's slot, not its place in the list, numbers it: replicas come and go (scale_module), names and MACs stay unique.
  const slot = replicaSlot(m.name) ?? i + 1;
  const name = pmName(deps.pmPrefix, alloc.id, slot, m.name);
  const nVifs = m.routed ? 1 : Math.min(MAX_VIFS, Math.max(1, m.inputs, m.outputs));
  const step = (message: string, maybeLeft = false): StepOutcome => ({ ok: false, failed: { step: i + 1, module: m.name, host, message }, maybeLeft });
  const tags = deps.vlans?.(host, nVifs);
  if (tags && tags.length < nVifs) return step(`no ${nVifs} free VLAN id(s) left on ${host}'s uplink`);
  const vifs = Array.from({ length: nVifs }, (_, v) =>
    tags ? { bridge: `${deps.bridge}.${tags[v]}`, mac: pmMac(alloc.id, slot, v), vlan: tags[v]! } : { bridge: deps.bridge, mac: pmMac(alloc.id, slot, v) },
  );
  if (!type) return step(`processing module type '${m.type}' is no longer deployed`);
  const c = deps.client(host);
  if (typeof c === 'string') return step(c);
  // On record before hostd hears of it: a resourced killed from here on finds the name to undo.
  const pm: PmRecord = { module: m.name, type: m.type, host, domid: null, name, vifs, status: 'creating' };
  alloc.pms.push(pm);
  try {
    await deps.save();
    deps.log(`allocation ${alloc.id}: create_pm ${name} (${m.name} :: ${m.type}) on ${host}`);
    const rv = await c.task('create_pm', { name, memory: type.memoryMiB, vifs: vifs.map((v) => ({ bridge: v.bridge, mac: v.mac })), config: routed?.config ?? type.src, configName: m.type });
    if (rv.code === 0) {
      // Not written here: the next step's write carries it, and a record still saying
      // "creating" is undone by name all the same.
      pm.domid = rv.value.domid;
      pm.status = 'created';
      return { ok: true, pm };
    }
    let mayExist = false;
    if (isTransportFailure(rv)) {
      // No answer in time: the create may still be running at the host. Wait for it to
      // settle (another task timeout at most) so the rollback's delete finds the guest
      // instead of answering "no such PM" while the guest is still being made.
      const taskId = (rv.value as Record<string, unknown>).taskId;
      const late = typeof taskId === 'string' ? await c.settle('create_pm', taskId) : rv;
      mayExist = late.code === 0 || isTransportFailure(late);
    }
    if (!mayExist) alloc.pms.pop(); // hostd answered: it made nothing (its create_pm cleans up after itself)
    return step(rv.message, mayExist);
  } finally {
    c.close();
  }
}

/**
 * After a failed create_pm step: deletes (newest first) the PMs created since alloc.pms
 * had `before` entries, and answers CODE_FAILURE naming the step (README "install_allocation,
 * step by step").
 */
export async function rollBackSteps(alloc: AllocationRecord, before: number, f: { failed: FailedStep; maybeLeft: boolean }, deps: Pick<InstallDeps, 'client' | 'log'>): Promise<Failure> {
  const { failed, maybeLeft } = f;
  const created = alloc.pms.slice(before);
  const stuck = await rollBack(alloc, created, deps);
  const value: Record<string, Encodable> = {
    id: alloc.id,
    failed: { ...failed },
    rolledBack: created.filter((p) => !stuck.some((l) => l.pm === p)).map((p) => p.name),
    notRolledBack: stuck.map((l) => ({ name: l.pm.name, host: l.pm.host, message: l.message })),
  };
  const total = alloc.parsed.modules.length;
  let msg = `install_allocation failed at step ${failed.step}/${total}: create_pm of module '${failed.module}' on host ${failed.host}: ${failed.message}`;
  msg += created.length ? `; rolled back ${created.length - stuck.length} of ${created.length} PM(s) already created` : '; nothing had been created';
  if (maybeLeft) msg += ` (including ${created[created.length - 1]!.name}, whose create_pm answered late or not at all)`;
  if (stuck.length) msg += `; NOT deleted: ${describeLeft(stuck)}`;
  return fail(msg, value);
}

/** "allocation N installed: m on host, ...": a successful install's message. */
export const installedMessage = (alloc: AllocationRecord): string => `allocation ${alloc.id} installed: ${alloc.pms.map((p) => `${p.module} on ${p.host}`).join(', ')}`;

/**
 * Creates every PM of `alloc` (or the modules in `only`: those placed again after their
 * host was lost) on its planned host, one createPmStep at a time. On the first failure,
 * rolls back what this call created and answers CODE_FAILURE naming the step.
 */
export async function installPms(alloc: AllocationRecord, deps: InstallDeps, only?: ReadonlySet<string>): Promise<Reply<number>> {
  const mods = alloc.parsed.modules;
  const before = alloc.pms.length;
  for (let i = 0; i < mods.length; i++) {
    if (only && !only.has(mods[i]!.name)) continue;
    const r = await createPmStep(alloc, i, deps);
    if (!r.ok) return rollBackSteps(alloc, before, r, deps);
  }
  return ok(alloc.id, installedMessage(alloc));
}

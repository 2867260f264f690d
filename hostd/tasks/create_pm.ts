// create_pm (task, high priority by default): a ClickOS processing module from
// request to Running. Through the warm pool when one is configured and the request
// fits its template (same kernel and memory; another vif layout is re-plugged),
// else a fresh `xl create`. Any failure destroys what this call created, so a
// failed create_pm leaves no domain (D3.2's "install a user configuration", docs/platform.md §3.1.1).
import { failure, ok, type ArgOf, type MethodContext, type ResultOf, type Success } from '../../daemon/index.js';
import type { VifSpec } from '../../toolstack/index.js';
import { domainNames } from '../../guests/index.js';
import { HostdFailure, checkConfigSize, hostdMethod, type HostdServices } from '../services.js';
import type { HostdApi } from '../api.js';

export default hostdMethod('create_pm', (a, ctx) => createPm(a, ctx).catch((e: unknown) => failure(`create_pm ${a.name}`, e)));

async function createPm(a: ArgOf<HostdApi['methods']['create_pm']>, ctx: MethodContext<HostdServices>): Promise<Success<ResultOf<HostdApi['methods']['create_pm']>>> {
  const sv = ctx.services;
  const g = sv.config.guests;
  // Limits that depend on this host's configuration (the schema holds the absolute bounds).
  checkConfigSize(sv, a.config);
  const kernel = a.kernel ?? g.kernel;
  if (!g.allowedKernels.includes(kernel)) throw new HostdFailure('refused', `kernel ${kernel} is not one this host allows (guests.allowedKernels)`);
  const memory = a.memory ?? g.memory;
  if (memory > g.maxMemoryMiB) throw new HostdFailure('refused', `memory ${memory} MiB is above this host's limit of ${g.maxMemoryMiB} MiB`);
  const vifs: VifSpec[] = (a.vifs ?? g.vifs).map((v) => ({ bridge: v.bridge, ...(v.mac ? { mac: v.mac.toLowerCase() } : {}) }));

  // The Click checker first: a config it refuses never costs a guest.
  try {
    sv.guests.check(a.config, a.configName ?? a.name);
  } catch (e) {
    throw new HostdFailure('refused', (e as Error).message);
  }
  if (sv.creating.has(a.name)) throw new HostdFailure('exists', `a create_pm for ${a.name} is already running`);
  sv.creating.add(a.name);
  let domid: number | undefined;
  try {
    // The name must be free before it is recorded as pending: a restarted hostd
    // destroys unmarked domains named in pending entries, never someone else's.
    if ([...(await domainNames(sv.xs)).values()].includes(a.name)) throw new HostdFailure('exists', `a domain named ${a.name} already exists`);
    await sv.registry.begin(a.name);
    const t = sv.config.pool?.template;
    const viaPool = sv.pool !== undefined && t !== undefined && kernel === t.kernel && memory === t.memory;
    let source: 'pool' | 'replug' | 'create';
    if (viaPool) {
      const inst = await sv.pool!.acquire({ name: a.name, vifs });
      domid = inst.domid;
      source = inst.source;
    } else {
      // A cold create uses the guest defaults' ramdisk and command line only with the default kernel.
      const sameKernel = kernel === g.kernel;
      const guest = await sv.guests.create({
        name: a.name,
        kernel,
        memory,
        vifs,
        ...(sameKernel && g.ramdisk ? { ramdisk: g.ramdisk } : {}),
        ...(sameKernel && g.extra ? { extra: g.extra } : {}),
      });
      domid = guest.domid;
      source = 'create';
    }
    const rid = await sv.guests.install(domid, a.config, a.configName);
    const { confirmed } = await sv.guests.start(domid, rid);
    // Marked only when Running: a marked PM is a finished one (see registry.ts).
    await sv.registry.mark(domid);
    ctx.log(`create_pm ${a.name}: domain ${domid}, router ${rid} (${source})`);
    return ok({ domid, name: a.name, rid, source, confirmed }, `${a.name} running as domain ${domid}`);
  } catch (e) {
    if (domid !== undefined) await sv.guests.destroy(domid).catch(() => {});
    throw e;
  } finally {
    await sv.registry.end(a.name);
    sv.creating.delete(a.name);
  }
}

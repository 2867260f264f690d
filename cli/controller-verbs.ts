// Verbs that talk to the controller's resourced (controller/resourced/api.ts) over
// XML-RPC: its allocations, its hosts, installing and deleting an allocation, and a
// reconciliation. The controller's URL comes from --controller URL or
// $CLICKOS_CONTROLLER, the secret from --secret-file FILE or $CLICKOS_SECRET.
// install_allocation, delete_allocation and reconcile are tasks: the verb waits for
// the task (task.status) and prints its result.
import { readFileSync } from 'node:fs';
import { UsageError, parseVerb, want, type OptionSpec } from './context.js';
import { secret } from './daemon-verbs.js';
import type { Verb } from './xl-verbs.js';
import type { Encodable, Failure, Pending, ResultOf, Success, XmlRpcClient } from '../daemon/index.js';
import type { ResourcedApi } from '../controller/resourced/api.js';

const CONTROLLER: OptionSpec = { controller: { type: 'string' }, 'secret-file': { type: 'string' } };

type Result<K extends keyof ResourcedApi['methods']> = ResultOf<ResourcedApi['methods'][K]>;

function controllerUrl(opts: Record<string, string | boolean | undefined>): string {
  const url = (opts.controller as string | undefined) ?? process.env.CLICKOS_CONTROLLER;
  if (!url) throw new UsageError("give the controller's URL with --controller URL or $CLICKOS_CONTROLLER");
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UsageError(`the controller's URL ${JSON.stringify(url)} is not a URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new UsageError(`the controller's URL ${JSON.stringify(url)} is not http:// or https://`);
  return url;
}

/**
 * Runs `fn` with a client of resourced (URL and secret from the options) and the
 * daemon library, loaded here and not at the top: it is dozens of modules every other
 * verb would pay for at each start. Transport errors name the controller's URL.
 */
async function withController<T>(
  opts: Record<string, string | boolean | undefined>,
  fn: (c: XmlRpcClient, d: typeof import('../daemon/index.js'), api: ResourcedApi) => Promise<T>,
): Promise<T> {
  const url = controllerUrl(opts);
  const key = secret(opts['secret-file'] as string | undefined);
  const d = await import('../daemon/index.js');
  const { resourcedApi } = await import('../controller/resourced/api.js');
  // No reply-time limit of the client's own beyond a call's: tasks are polled, each poll is short.
  const c = new d.XmlRpcClient({ url, secret: key });
  try {
    return await fn(c, d, resourcedApi);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new Error(`resourced at ${url}: ${(e as Error).message}`);
  } finally {
    c.close();
  }
}

/**
 * A success's value, or an Error carrying resourced's message (printed as
 * `clickos: <message>`, exit 1). A command never answers not-ready; tasks are settled first.
 */
function value<T extends Encodable>(rv: Success<T> | Failure | Pending): T {
  if (rv.code !== 0) throw new Error(rv.message);
  return rv.value;
}

/** Columns padded to their widest cell; `right` names the right-aligned columns. */
function table(rows: string[][], right: number[] = []): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 && !right.includes(i) ? cell : right.includes(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ').trimEnd());
}

export function formatAllocations(allocs: Result<'get_pm_info'>['allocations']): string {
  if (allocs.length === 0) return 'no allocations';
  const out: string[] = [];
  // The low-level API's records say so (controller/resourced/README.md "Low-level API").
  const note = (a: (typeof allocs)[number]): string => [a.kind === 'pm' ? 'create_pm' : a.kind === 'connections' ? 'create_connections' : '', a.degraded ? `degraded: ${a.degraded}` : ''].filter(Boolean).join('; ');
  const head = table([['ID', 'State', 'Created', 'Note'], ...allocs.map((a) => [String(a.id), a.state, a.createdAt, note(a)])]);
  out.push(head[0]!);
  allocs.forEach((a, i) => {
    out.push(head[i + 1]!);
    const pms = a.pms.map((p) => [`${p.module} (${p.type})`, '→', p.host, `domid ${p.domid ?? '-'}`, p.name, p.status === 'created' ? '' : p.status]);
    // Modules placed but with no PM on record yet (an install under way).
    for (const [m, host] of Object.entries(a.planned)) if (!a.pms.some((p) => p.module === m)) pms.push([m, '→', host, '', '', 'planned']);
    for (const line of pms.length ? table(pms) : ['(no PM)']) out.push(`    ${line}`);
    // A module with replicas: each one's prefixes (controller/resourced/README.md "Replicas").
    const b = a.balanced;
    if (b) {
      out.push(`    ${b.module}: balanced by ${b.field}, generation ${b.generation}${b.cookie ? `, cookie ${b.cookie}` : ''}${b.leaving.length ? `; leaving: ${b.leaving.join(', ')}` : ''}`);
      // learning on (resourced README "Learning the traffic"): the last window and each replica's share of the estimate
      if (b.learned) out.push(`      learned: imbalance ${b.learned.imbalance.toFixed(3)}, ${b.learned.verdict} (window ${b.learned.windows}, ${b.learned.samples} samples, ${b.learned.time})`);
      for (const line of table(b.replicas.map((r) => [r.module, r.default ? 'default' : '', ...(r.share !== undefined ? [`${(100 * r.share).toFixed(1)}%`] : []), r.prefixes.join(' ') || '-']))) out.push(`      ${line}`);
    }
    // A routed module (resourced README "Routed modules"): what the switch holds, the last bin's software share.
    const r = a.routed;
    if (r) {
      out.push(`    ${r.module}: routed, ${r.routes} route(s), n ${r.n}, ${r.offloaded.length} offloaded, ${r.punts.length} punted${r.learning ? `, ${r.bins} bin(s)` : ', no learning'}${r.last ? `; last bin ${Math.round(r.last.packets)} packets, ${(100 * r.last.softwareShare).toFixed(1)}% in software` : ''}${r.error ? `; last error: ${r.error}` : ''}`);
      if (r.offloaded.length) out.push(`      offloaded: ${r.offloaded.join(' ')}`);
    }
  });
  return out.join('\n');
}

export function formatHosts(hosts: Result<'list_hosts'>): string {
  if (hosts.length === 0) return 'no hosts registered';
  // CPU: the measured host CPU% and the cores placement may still use (resourced README "Measured load").
  const rows = hosts.map((h) => [h.host_id, h.url, String(h.cores), h.cpu_percent == null ? '-' : `${h.cpu_percent}%`, String(h.usable_cores), `${h.free_memory_mib}/${h.total_memory_mib}`, `${(h.last_seen_ms_ago / 1000).toFixed(1)} s ago`, h.pms.length ? h.pms.join(', ') : '-']);
  return table([['Host', 'URL', 'Cores', 'CPU', 'Usable', 'Free/Total MiB', 'Last seen', 'PMs'], ...rows], [2, 3, 4, 5, 6]).join('\n');
}

export function formatReconcile(actions: Result<'reconcile'>, dryRun: boolean): string {
  if (actions.length === 0) return dryRun ? 'nothing to do' : 'nothing done: records, hosts and switch agree';
  const outcome = (a: Result<'reconcile'>[number]): string => (a.error !== undefined ? `error: ${a.error}` : a.done ? 'done' : dryRun ? 'would do' : 'not done');
  const rows = actions.map((a) => [a.kind, String(a.allocation), a.pm ?? '-', a.host ?? '-', a.reason, outcome(a)]);
  return table([['Action', 'Allocation', 'PM', 'Host', 'Reason', 'Outcome'], ...rows]).join('\n');
}

function readRequest(file: string): string {
  try {
    return readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (e) {
    throw new Error(`cannot read the request: ${(e as Error).message}`);
  }
}

function allocationId(s: string): number {
  if (!/^[1-9]\d*$/.test(s)) throw new UsageError(`an allocation id is a positive integer, got ${JSON.stringify(s)}`);
  return Number(s);
}

function connectionsArg([sw, table, file]: string[]): { switch_name: string; switch_table_id: number; alloc: string } {
  if (!/^\d{1,3}$/.test(table!)) throw new UsageError(`a switch table id is 0 to 254, got ${JSON.stringify(table)}`);
  return { switch_name: sw!, switch_table_id: Number(table), alloc: readRequest(file!) };
}

export const controllerVerbs: Record<string, Verb> = {
  /** get_pm_info's allocations: state, degraded note, each PM's module → host, domid, name. */
  async allocations(args, ctx) {
    const { opts, pos } = parseVerb(args, ctx, CONTROLLER);
    want(pos, 0, 'allocations [--controller URL] [--secret-file FILE]');
    const info = await withController(opts, async (c, d, api) => value(await ctx.step('get_pm_info', () => d.callApi(c, api, 'get_pm_info'))));
    ctx.print(formatAllocations(info.allocations), info.allocations);
  },

  /** list_hosts: the registered module hosts, their capacity and our PMs on them. */
  async hosts(args, ctx) {
    const { opts, pos } = parseVerb(args, ctx, CONTROLLER);
    want(pos, 0, 'hosts [--controller URL] [--secret-file FILE]');
    const hosts = await withController(opts, async (c, d, api) => value(await ctx.step('list_hosts', () => d.callApi(c, api, 'list_hosts'))));
    ctx.print(formatHosts(hosts), hosts);
  },

  /** install_allocation of a request file ('-': stdin); prints the allocation id once installed. */
  async 'allocation-install'(args, ctx) {
    const { opts, pos } = parseVerb(args, ctx, CONTROLLER);
    const [file] = want(pos, 1, 'allocation-install [--controller URL] [--secret-file FILE] <request-file>');
    const request = readRequest(file!);
    const rv = await withController(opts, (c, d, api) =>
      ctx.step('install_allocation', async () => d.settleTask(c, api, 'install_allocation', await d.callApi(c, api, 'install_allocation', request))),
    );
    // A malformed request: resourced's own "allocation:line:col: reason".
    const id = value(rv);
    if (!ctx.json) console.error(rv.message);
    ctx.print(String(id), { id, message: rv.message });
  },

  /** delete_allocation: the allocation and every PM it created. */
  async 'allocation-delete'(args, ctx) {
    const { opts, pos } = parseVerb(args, ctx, CONTROLLER);
    const id = allocationId(want(pos, 1, 'allocation-delete [--controller URL] [--secret-file FILE] <id>')[0]!);
    const rv = await withController(opts, (c, d, api) =>
      ctx.step('delete_allocation', async () => d.settleTask(c, api, 'delete_allocation', await d.callApi(c, api, 'delete_allocation', id))),
    );
    value(rv);
    ctx.print(rv.message, { id, message: rv.message });
  },

  /** scale_module: the number of replicas of an allocation's balanced module; prints the message (what moved with --json). */
  async 'module-scale'(args, ctx) {
    const { opts, pos } = parseVerb(args, ctx, CONTROLLER);
    const [id, module, n] = want(pos, 3, 'module-scale [--controller URL] [--secret-file FILE] <id> <module> <replicas>');
    if (!/^[1-9]\d*$/.test(n!)) throw new UsageError(`a number of replicas is a positive integer, got ${JSON.stringify(n)}`);
    const arg = { alloc: allocationId(id!), module: module!, replicas: Number(n) };
    const rv = await withController(opts, (c, d, api) => ctx.step('scale_module', async () => d.settleTask(c, api, 'scale_module', await d.callApi(c, api, 'scale_module', arg))));
    const v = value(rv);
    ctx.print(rv.message, { replicas: v.replicas, moved: v.moved, message: rv.message });
  },

  /** deploy_pm: a processing-module type, its Click source from a file ('-': stdin), checked by resourced. */
  async 'module-deploy'(args, ctx) {
    const { opts, pos } = parseVerb(args, ctx, { ...CONTROLLER, cpu: { type: 'string' }, memory: { type: 'string' }, description: { type: 'string' } });
    const [name, file] = want(pos, 2, 'module-deploy [--cpu CORES] [--memory MiB] [--description TEXT] [--controller URL] [--secret-file FILE] <type> <click-file>');
    const cpu = opts.cpu === undefined ? undefined : Number(opts.cpu);
    if (cpu !== undefined && !(cpu > 0)) throw new UsageError(`--cpu is a positive number of cores, got ${JSON.stringify(opts.cpu)}`);
    const memoryMiB = opts.memory === undefined ? undefined : Number(opts.memory);
    if (memoryMiB !== undefined && !Number.isInteger(memoryMiB)) throw new UsageError(`--memory is a whole number of MiB, got ${JSON.stringify(opts.memory)}`);
    const arg = { name: name!, src: readRequest(file!), ...(cpu === undefined ? {} : { cpu }), ...(memoryMiB === undefined ? {} : { memoryMiB }), ...(opts.description === undefined ? {} : { description: opts.description as string }) };
    const rv = await withController(opts, (c, d, api) => ctx.step('deploy_pm', async () => d.callApi(c, api, 'deploy_pm', arg)));
    value(rv);
    ctx.print(rv.message, { name: name!, message: rv.message });
  },

  /** create_pm (D3.2 §2.1.2): one PM of a deployed type; prints its name. */
  async 'pm-create'(args, ctx) {
    const { opts, pos } = parseVerb(args, ctx, { ...CONTROLLER, name: { type: 'string' }, host: { type: 'string' }, vifs: { type: 'string' } });
    const [type] = want(pos, 1, 'pm-create [--name NAME] [--host HOST] [--vifs N] [--controller URL] [--secret-file FILE] <type>');
    const vifs = opts.vifs === undefined ? undefined : Number(opts.vifs);
    if (vifs !== undefined && !Number.isInteger(vifs)) throw new UsageError(`--vifs is a number of vifs, got ${JSON.stringify(opts.vifs)}`);
    const arg = { type: type!, ...(opts.name === undefined ? {} : { name: opts.name as string }), ...(opts.host === undefined ? {} : { host: opts.host as string }), ...(vifs === undefined ? {} : { vifs }) };
    const rv = await withController(opts, (c, d, api) => ctx.step('create_pm', async () => d.settleTask(c, api, 'create_pm', await d.callApi(c, api, 'create_pm', arg))));
    const pm = value(rv);
    if (!ctx.json) console.error(rv.message);
    ctx.print(pm.name, pm);
  },

  /** delete_pm: a PM create_pm made, by name. */
  async 'pm-delete'(args, ctx) {
    const { opts, pos } = parseVerb(args, ctx, CONTROLLER);
    const [name] = want(pos, 1, 'pm-delete [--controller URL] [--secret-file FILE] <name>');
    const rv = await withController(opts, (c, d, api) => ctx.step('delete_pm', async () => d.settleTask(c, api, 'delete_pm', await d.callApi(c, api, 'delete_pm', { name: name! }))));
    value(rv);
    ctx.print(rv.message, { name: name!, message: rv.message });
  },

  /** create_connections: a request file ('-': stdin) joining create_pm's PMs by name, on a switch's table; prints the cookie. */
  async 'connections-create'(args, ctx) {
    const { opts, pos } = parseVerb(args, ctx, CONTROLLER);
    const arg = connectionsArg(want(pos, 3, 'connections-create [--controller URL] [--secret-file FILE] <switch> <table> <request-file>'));
    const rv = await withController(opts, (c, d, api) => ctx.step('create_connections', async () => d.settleTask(c, api, 'create_connections', await d.callApi(c, api, 'create_connections', arg))));
    const v = value(rv);
    if (!ctx.json) console.error(rv.message);
    ctx.print(String(v.id), v);
  },

  /** delete_connections: the flows create_connections installed for the same switch, table and request. */
  async 'connections-delete'(args, ctx) {
    const { opts, pos } = parseVerb(args, ctx, CONTROLLER);
    const arg = connectionsArg(want(pos, 3, 'connections-delete [--controller URL] [--secret-file FILE] <switch> <table> <request-file>'));
    const rv = await withController(opts, (c, d, api) => ctx.step('delete_connections', async () => d.settleTask(c, api, 'delete_connections', await d.callApi(c, api, 'delete_connections', arg))));
    value(rv);
    ctx.print(rv.message, { message: rv.message });
  },

  /** reconcile (--dry-run: only list): one line per action, with its outcome. */
  async reconcile(args, ctx) {
    const { opts, pos } = parseVerb(args, ctx, { ...CONTROLLER, 'dry-run': { type: 'boolean' } });
    want(pos, 0, 'reconcile [--dry-run] [--controller URL] [--secret-file FILE]');
    const dryRun = !!opts['dry-run'];
    const rv = await withController(opts, (c, d, api) =>
      ctx.step('reconcile', async () => d.settleTask(c, api, 'reconcile', await d.callApi(c, api, 'reconcile', { dry_run: dryRun }))),
    );
    const actions = value(rv);
    ctx.print(formatReconcile(actions, dryRun), { dryRun, message: rv.message, actions });
  },
};

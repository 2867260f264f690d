// The verbs of clickos-ctl and cosmos, on guests/: install, start, stop, remove,
// read, write, and status (a guest's routers, or every ClickOS guest's).
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { int, pad, parseVerb, want, type Context, type OptionSpec } from './context.js';
import type { Verb } from './xl-verbs.js';

const ROUTER: OptionSpec = { router: { type: 'string', short: 'r' } };

/** cosmos-style `create -p` leaves the domain paused until its router starts. */
async function unpause(ctx: Context, domid: number): Promise<void> {
  if ((await ctx.step('xl list', () => ctx.xl.state(domid))).state.paused) await ctx.step('xl unpause', () => ctx.xl.unpause(domid));
}

export const clickosVerbs: Record<string, Verb> = {
  async install(args, ctx) {
    const { opts, pos } = parseVerb(args, ctx, { start: { type: 'boolean', short: 's' } });
    const start = !!opts.start;
    const [d, file] = want(pos, 2, 'install [-s] <dom> <config.click>');
    const config = readFileSync(file!, 'utf8');
    const guests = await ctx.guests();
    const domid = await ctx.domid(d!);
    const rid = await ctx.step('install', () => guests.install(domid, config, basename(file!)));
    if (start) {
      try {
        await unpause(ctx, domid);
        await ctx.step('start', () => guests.start(domid, rid));
      } catch (e) {
        await guests.remove(domid, rid, { force: true }).catch(() => {});
        throw e;
      }
    }
    ctx.print(`installed ${basename(file!)} as router ${rid} of domain ${domid}${start ? ', Running' : ''}`, { domid, rid, running: start });
  },
  async start(args, ctx) {
    const [d, rid] = want(parseVerb(args, ctx).pos, 2, 'start <dom> <router-id>');
    const guests = await ctx.guests();
    const domid = await ctx.domid(d!);
    await unpause(ctx, domid);
    const { confirmed } = await ctx.step('start', () => guests.start(domid, int(rid!, 'router id')));
    ctx.print(confirmed ? '' : 'started (no console line confirmed it; no error was reported within the grace period)', { domid, rid: Number(rid), confirmed });
  },
  async stop(args, ctx) {
    const [d, rid] = want(parseVerb(args, ctx).pos, 2, 'stop <dom> <router-id>');
    const guests = await ctx.guests();
    const domid = await ctx.domid(d!);
    await ctx.step('stop', () => guests.stop(domid, int(rid!, 'router id')));
  },
  async remove(args, ctx) {
    const { opts, pos } = parseVerb(args, ctx, { stop: { type: 'boolean', short: 's' }, force: { type: 'boolean', short: 'f' } });
    const stopFirst = !!opts.stop;
    const force = !!opts.force;
    const [d, rid] = want(pos, 2, 'remove [-s] [-f] <dom> <router-id>');
    const guests = await ctx.guests();
    const domid = await ctx.domid(d!);
    const r = int(rid!, 'router id');
    if (stopFirst) await ctx.step('stop', () => guests.stop(domid, r)).catch(() => {});
    await ctx.step('remove', () => guests.remove(domid, r, { force }));
  },
  async read(args, ctx) {
    const { opts, pos } = parseVerb(args, ctx, ROUTER);
    const rid = int((opts.router as string | undefined) ?? '0', 'router id');
    const [d, element, handler] = want(pos, 3, 'read [-r router-id] <dom> <element> <handler>');
    const guests = await ctx.guests();
    const domid = await ctx.domid(d!);
    const value = await ctx.step('handler read', () => guests.read(domid, rid, element!, handler!));
    ctx.print(value, { domid, rid, element, handler, value });
  },
  async write(args, ctx) {
    const { opts, pos } = parseVerb(args, ctx, ROUTER);
    const rid = int((opts.router as string | undefined) ?? '0', 'router id');
    const [d, element, handler, value] = want(pos, 4, 'write [-r router-id] <dom> <element> <handler> <value>');
    const guests = await ctx.guests();
    const domid = await ctx.domid(d!);
    await ctx.step('handler write', () => guests.write(domid, rid, element!, handler!, value!));
  },
  async status(args, ctx) {
    const guests = await ctx.guests();
    const pos = parseVerb(args, ctx).pos;
    const doms = pos.length === 0 ? (await ctx.step('xl list', () => ctx.xl.list())).filter((x) => x.domid !== 0) : [{ domid: await ctx.domid(want(pos, 1, 'status [dom]')[0]!), name: pos[0]! }];
    const rows: { domid: number; name: string; rid: number; status: string; configName?: string }[] = [];
    for (const dom of doms) {
      if (!(await guests.control.root(dom.domid))) continue; // not a ClickOS guest
      for (const r of await ctx.step('routers', () => guests.routers(dom.domid))) rows.push({ domid: dom.domid, name: dom.name, ...r });
    }
    ctx.print([`${pad('Name', 24)} ${pad('ID', 5, true)} ${pad('Router', 6, true)} ${pad('Status', 8)} Config`, ...rows.map((r) => `${pad(r.name, 24)} ${pad(r.domid, 5, true)} ${pad(r.rid, 6, true)} ${pad(r.status, 8)} ${r.configName ?? ''}`)].join('\n'), rows);
  },
};

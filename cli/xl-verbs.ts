// xl's verbs on top of the driver, with xl-like tables.
import { readFileSync } from 'node:fs';
import { XlConfig, parseVif, type Domain } from '../toolstack/index.js';
import { UsageError, int, pad, parseVerb, want, type Context } from './context.js';

export type Verb = (args: string[], ctx: Context) => Promise<void>;

function listTable(doms: Domain[]): string {
  const rows = [`${pad('Name', 40)} ${pad('ID', 5, true)} ${pad('Mem', 5, true)} ${pad('VCPUs', 5, true)}\tState\tTime(s)`];
  for (const d of doms) rows.push(`${pad(d.name, 40)} ${pad(d.domid, 5, true)} ${pad(d.memoryMiB, 5, true)} ${pad(d.vcpus, 5, true)}\t${d.stateText}\t${pad(d.cpuSeconds.toFixed(1), 7, true)}`);
  return rows.join('\n');
}

const simple =
  (verb: 'destroy' | 'pause' | 'unpause'): Verb =>
  async (args, ctx) => {
    const [d] = want(parseVerb(args, ctx).pos, 1, `${verb} <dom>`);
    await ctx.step(`xl ${verb}`, () => ctx.xl[verb](d!));
    ctx.print('', { ok: true });
  };

const waitable =
  (verb: 'shutdown' | 'reboot'): Verb =>
  async (args, ctx) => {
    const { opts, pos } = parseVerb(args, ctx, { wait: { type: 'boolean', short: 'w' } });
    const wait = !!opts.wait;
    const [d] = want(pos, 1, `${verb} [-w] <dom>`);
    await ctx.step(`xl ${verb}${wait ? ' -w' : ''}`, () => ctx.xl[verb](d!, { wait }));
    ctx.print('', { ok: true });
  };

export const xlVerbs: Record<string, Verb> = {
  async create(args, ctx) {
    const { opts, pos } = parseVerb(args, ctx, { paused: { type: 'boolean', short: 'p' } });
    const paused = !!opts.paused;
    const [file] = want(pos, 1, 'create [-p] <file.cfg>');
    const cfg = await ctx.step('parse config', async () => XlConfig.parse(readFileSync(file!, 'utf8'), file));
    const domid = await ctx.step(paused ? 'xl create -p' : 'xl create', () => ctx.xl.create(cfg, { paused }));
    ctx.print(`created ${String(cfg.get('name'))} as domain ${domid}${paused ? ' (paused)' : ''}`, { name: cfg.get('name'), domid, paused });
  },
  destroy: simple('destroy'),
  pause: simple('pause'),
  unpause: simple('unpause'),
  shutdown: waitable('shutdown'),
  reboot: waitable('reboot'),
  async rename(args, ctx) {
    const [d, n] = want(parseVerb(args, ctx).pos, 2, 'rename <dom> <new-name>');
    await ctx.step('xl rename', () => ctx.xl.rename(d!, n!));
  },
  async list(args, ctx) {
    want(parseVerb(args, ctx).pos, 0, 'list (no arguments)');
    const doms = await ctx.step('xl list', () => ctx.xl.list());
    ctx.print(listTable(doms), doms);
  },
  async domid(args, ctx) {
    const [n] = want(parseVerb(args, ctx).pos, 1, 'domid <name>');
    const id = await ctx.step('xl domid', () => ctx.xl.domid(n!));
    ctx.print(String(id), { domid: id });
  },
  async domname(args, ctx) {
    const [id] = want(parseVerb(args, ctx).pos, 1, 'domname <domid>');
    const name = await ctx.step('xl domname', () => ctx.xl.domname(int(id!, 'domid')));
    ctx.print(name, { name });
  },
  async info(args, ctx) {
    want(parseVerb(args, ctx).pos, 0, 'info (no arguments)');
    const info = await ctx.step('xl info', () => ctx.xl.info());
    ctx.print(Object.entries(info.raw).map(([k, v]) => `${pad(k, 23)}: ${v}`).join('\n'), info);
  },
  async uptime(args, ctx) {
    const pos = parseVerb(args, ctx).pos;
    if (pos.length > 1) throw new UsageError('expected uptime [dom]');
    const ups = await ctx.step('xl uptime', () => ctx.xl.uptime(pos[0]));
    const fmt = (s: number): string => `${Math.floor(s / 3600)}:${String(Math.floor(s / 60) % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
    ctx.print([`${pad('Name', 32)} ${pad('ID', 5, true)} Uptime`, ...ups.map((u) => `${pad(u.name, 32)} ${pad(u.domid, 5, true)} ${fmt(u.seconds)}`)].join('\n'), ups);
  },
  async 'console-log'(args, ctx) {
    const [d] = want(parseVerb(args, ctx).pos, 1, 'console-log <dom>');
    const text = await ctx.step('read console log', () => ctx.xl.consoleLog(d!));
    if (ctx.json) ctx.print('', { console: text });
    else process.stdout.write(text);
  },
  async 'network-attach'(args, ctx) {
    const [d, spec] = want(parseVerb(args, ctx).pos, 2, 'network-attach <dom> <vif-spec>');
    const dev = await ctx.step('xl network-attach', () => ctx.xl.networkAttach(d!, parseVif(spec!)));
    ctx.print(`attached vif ${dev.devid} (${dev.mac}) state ${dev.state}`, dev);
  },
  async 'network-detach'(args, ctx) {
    const [d, dev] = want(parseVerb(args, ctx).pos, 2, 'network-detach <dom> <devid|mac>');
    await ctx.step('xl network-detach', () => ctx.xl.networkDetach(d!, /^\d+$/.test(dev!) ? Number(dev) : dev!));
  },
  async 'network-list'(args, ctx) {
    const [d] = want(parseVerb(args, ctx).pos, 1, 'network-list <dom>');
    const devs = await ctx.step('xl network-list', () => ctx.xl.networkList(d!));
    ctx.print(
      ['Idx BE Mac Addr.         handle state evt-ch tx-/rx-ring-ref BE-path', ...devs.map((n) => `${pad(n.devid, 3)} ${pad(n.backendDomid, 2)} ${n.mac} ${pad(n.handle, 6, true)} ${pad(n.state, 5, true)} ${pad(n.eventChannel, 6, true)} ${pad(`${n.txRingRef}/${n.rxRingRef}`, 15)} ${n.backendPath}`)].join('\n'),
      devs,
    );
  },
  async 'mem-set'(args, ctx) {
    const [d, mib] = want(parseVerb(args, ctx).pos, 2, 'mem-set <dom> <MiB>');
    await ctx.step('xl mem-set', () => ctx.xl.memSet(d!, int(mib!, 'MiB')));
  },
  async 'vcpu-set'(args, ctx) {
    const [d, n] = want(parseVerb(args, ctx).pos, 2, 'vcpu-set <dom> <count>');
    await ctx.step('xl vcpu-set', () => ctx.xl.vcpuSet(d!, int(n!, 'count')));
  },
};

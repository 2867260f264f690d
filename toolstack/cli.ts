#!/usr/bin/env node
// clickos: xl's verbs on top of the driver, with xl-like tables, --json, exit
// codes that mean what they say, and -t/--timings (as cosmos -t).
import { readFileSync } from 'node:fs';
import { Xl } from './xl.js';
import { XlConfig, XlCfgSyntaxError } from './xlcfg/index.js';
import { parseVif } from './vif.js';
import { XlArgumentError, XlError } from './errors.js';
import type { Domain } from './xl-output.js';

const USAGE = `usage: clickos [-t|--timings] [--json] <command> [args]
  create [-p] <file.cfg>          create a domain from an xl.cfg file (-p: paused)
  destroy <dom>                   destroy a domain at once
  shutdown [-w] <dom>             ask a domain to shut down (-w: wait until it is gone)
  reboot [-w] <dom>               ask a domain to reboot
  pause <dom> | unpause <dom>
  rename <dom> <new-name>
  list                            domains (like xl list)
  domid <name> | domname <domid>
  info                            host and hypervisor (like xl info)
  uptime [dom]
  console-log <dom>               the guest's console output so far
  network-attach <dom> <vif-spec> e.g. bridge=xenbr0,mac=00:16:3e:00:00:01
  network-detach <dom> <devid|mac>
  network-list <dom>
  mem-set <dom> <MiB>
  vcpu-set <dom> <count>
<dom> is a domain name or id. Exit code 0 on success, 1 on failure, 2 on bad usage.`;

class UsageError extends Error {}

interface Flags {
  timings: boolean;
  json: boolean;
}

function pad(s: string | number, n: number, right = false): string {
  const str = String(s);
  return right ? str.padStart(n) : str.padEnd(n);
}

function listTable(doms: Domain[]): string {
  const rows = [`${pad('Name', 40)} ${pad('ID', 5, true)} ${pad('Mem', 5, true)} ${pad('VCPUs', 5, true)}\tState\tTime(s)`];
  for (const d of doms) rows.push(`${pad(d.name, 40)} ${pad(d.domid, 5, true)} ${pad(d.memoryMiB, 5, true)} ${pad(d.vcpus, 5, true)}\t${d.stateText}\t${pad(d.cpuSeconds.toFixed(1), 7, true)}`);
  return rows.join('\n');
}

function takeFlag(args: string[], ...names: string[]): boolean {
  let found = false;
  for (const n of names) {
    const i = args.indexOf(n);
    if (i >= 0) {
      args.splice(i, 1);
      found = true;
    }
  }
  return found;
}

function want(args: string[], n: number, what: string): string[] {
  if (args.length !== n) throw new UsageError(`expected ${what}`);
  return args;
}

function int(s: string, what: string): number {
  if (!/^\d+$/.test(s)) throw new UsageError(`${what} must be a number, got ${JSON.stringify(s)}`);
  return Number(s);
}

async function main(argv: string[]): Promise<number> {
  const args = [...argv];
  const flags: Flags = { timings: takeFlag(args, '-t', '--timings'), json: takeFlag(args, '--json') };
  const cmd = args.shift();
  const xl = new Xl();
  const times: [string, number][] = [];
  const step = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const t0 = process.hrtime.bigint();
    try {
      return await fn();
    } finally {
      times.push([name, Number(process.hrtime.bigint() - t0) / 1e6]);
    }
  };
  const print = (human: string, data: unknown): void => {
    console.log(flags.json ? JSON.stringify(data, null, 2) : human);
  };
  try {
    switch (cmd) {
      case 'create': {
        const paused = takeFlag(args, '-p');
        const [file] = want(args, 1, 'create [-p] <file.cfg>');
        const cfg = await step('parse config', async () => XlConfig.parse(readFileSync(file!, 'utf8'), file));
        const domid = await step(paused ? 'xl create -p' : 'xl create', () => xl.create(cfg, { paused }));
        print(`created ${String(cfg.get('name'))} as domain ${domid}${paused ? ' (paused)' : ''}`, { name: cfg.get('name'), domid, paused });
        break;
      }
      case 'destroy':
      case 'pause':
      case 'unpause': {
        const [d] = want(args, 1, `${cmd} <dom>`);
        await step(`xl ${cmd}`, () => xl[cmd](d!));
        if (flags.json) print('', { ok: true });
        break;
      }
      case 'shutdown':
      case 'reboot': {
        const wait = takeFlag(args, '-w');
        const [d] = want(args, 1, `${cmd} [-w] <dom>`);
        await step(`xl ${cmd}${wait ? ' -w' : ''}`, () => xl[cmd](d!, { wait }));
        if (flags.json) print('', { ok: true });
        break;
      }
      case 'rename': {
        const [d, n] = want(args, 2, 'rename <dom> <new-name>');
        await step('xl rename', () => xl.rename(d!, n!));
        break;
      }
      case 'list': {
        want(args, 0, 'list (no arguments)');
        const doms = await step('xl list', () => xl.list());
        print(listTable(doms), doms);
        break;
      }
      case 'domid': {
        const [n] = want(args, 1, 'domid <name>');
        const id = await step('xl domid', () => xl.domid(n!));
        print(String(id), { domid: id });
        break;
      }
      case 'domname': {
        const [id] = want(args, 1, 'domname <domid>');
        const name = await step('xl domname', () => xl.domname(int(id!, 'domid')));
        print(name, { name });
        break;
      }
      case 'info': {
        want(args, 0, 'info (no arguments)');
        const info = await step('xl info', () => xl.info());
        print(Object.entries(info.raw).map(([k, v]) => `${pad(k, 23)}: ${v}`).join('\n'), info);
        break;
      }
      case 'uptime': {
        const ups = await step('xl uptime', () => xl.uptime(args[0]));
        const fmt = (s: number): string => `${Math.floor(s / 3600)}:${String(Math.floor(s / 60) % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
        print([`${pad('Name', 32)} ${pad('ID', 5, true)} Uptime`, ...ups.map((u) => `${pad(u.name, 32)} ${pad(u.domid, 5, true)} ${fmt(u.seconds)}`)].join('\n'), ups);
        break;
      }
      case 'console-log': {
        const [d] = want(args, 1, 'console-log <dom>');
        const text = await step('read console log', () => xl.consoleLog(d!));
        if (flags.json) print('', { console: text });
        else process.stdout.write(text);
        break;
      }
      case 'network-attach': {
        const [d, spec] = want(args, 2, 'network-attach <dom> <vif-spec>');
        const dev = await step('xl network-attach', () => xl.networkAttach(d!, parseVif(spec!)));
        print(`attached vif ${dev.devid} (${dev.mac}) state ${dev.state}`, dev);
        break;
      }
      case 'network-detach': {
        const [d, dev] = want(args, 2, 'network-detach <dom> <devid|mac>');
        await step('xl network-detach', () => xl.networkDetach(d!, /^\d+$/.test(dev!) ? Number(dev) : dev!));
        break;
      }
      case 'network-list': {
        const [d] = want(args, 1, 'network-list <dom>');
        const devs = await step('xl network-list', () => xl.networkList(d!));
        print(
          ['Idx BE Mac Addr.         handle state evt-ch tx-/rx-ring-ref BE-path', ...devs.map((n) => `${pad(n.devid, 3)} ${pad(n.backendDomid, 2)} ${n.mac} ${pad(n.handle, 6, true)} ${pad(n.state, 5, true)} ${pad(n.eventChannel, 6, true)} ${pad(`${n.txRingRef}/${n.rxRingRef}`, 15)} ${n.backendPath}`)].join('\n'),
          devs,
        );
        break;
      }
      case 'mem-set': {
        const [d, mib] = want(args, 2, 'mem-set <dom> <MiB>');
        await step('xl mem-set', () => xl.memSet(d!, int(mib!, 'MiB')));
        break;
      }
      case 'vcpu-set': {
        const [d, n] = want(args, 2, 'vcpu-set <dom> <count>');
        await step('xl vcpu-set', () => xl.vcpuSet(d!, int(n!, 'count')));
        break;
      }
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        console.log(USAGE);
        return cmd === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command ${JSON.stringify(cmd)}`);
    }
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`clickos: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    if (e instanceof XlError || e instanceof XlArgumentError || e instanceof XlCfgSyntaxError) console.error(`clickos: ${e.message}`);
    else console.error(`clickos: ${(e as Error).message}`);
    return 1;
  } finally {
    if (flags.timings) for (const [name, ms] of times) console.error(`[timing] ${name}: ${ms.toFixed(1)} ms`);
  }
}

main(process.argv.slice(2)).then((code) => process.exit(code));

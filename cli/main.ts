#!/usr/bin/env node
// clickos: xl's verbs and ClickOS's in one CLI. Exit codes: 0 success, 1 failure
// (with the underlying tool's message), 2 bad usage. -t prints step timings.
import { Context, UsageError, parseCommandLine } from './context.js';
import { xlVerbs } from './xl-verbs.js';
import { clickosVerbs } from './clickos-verbs.js';
import { daemonVerbs } from './daemon-verbs.js';
import { controllerVerbs } from './controller-verbs.js';

const USAGE = `usage: clickos [-t|--timings] [--json] <command> [options] [args] [-- args]
domains (xl):
  create [-p] <file.cfg>          create a domain from an xl.cfg file (-p: paused)
  destroy <dom> | pause <dom> | unpause <dom> | rename <dom> <new-name>
  shutdown [-w] <dom> | reboot [-w] <dom>     (-w: wait)
  list | info | uptime [dom] | domid <name> | domname <domid>
  console-log <dom>               the guest's console output so far
  network-attach <dom> <vif-spec> e.g. bridge=xenbr0,mac=00:16:3e:00:00:01
  network-detach <dom> <devid|mac> | network-list <dom>
  mem-set <dom> <MiB> | vcpu-set <dom> <count>
ClickOS routers (clickos-ctl / cosmos):
  install [-s] <dom> <config.click>      install a router (-s: and start it); prints its id
  start <dom> <rid> | stop <dom> <rid>
  remove [-s] [-f] <dom> <rid>           (-s: stop first, -f: even if Running)
  read [-r rid] <dom> <element> <handler>
  write [-r rid] <dom> <element> <handler> <value>
  status [dom]                           routers of one or every ClickOS guest
platform daemons (secret from --secret-file FILE or $CLICKOS_SECRET):
  stats <monitord-url>                   hosts' load and the switch's flow/port counters
the controller (resourced at --controller URL or $CLICKOS_CONTROLLER; same secret options):
  allocations                            allocations: state, each PM's module -> host, domid, name
  hosts                                  module hosts: cores, free/total MiB, last seen, PMs
  allocation-install <request-file>      install an allocation request ('-': stdin); prints its id
  allocation-delete <id>                 delete an allocation and its PMs
  module-scale <id> <module> <n>         scale_module: n replicas of a balanced module
  module-deploy [--cpu C] [--memory MiB] <type> <click-file>  deploy_pm: a module type
  pm-create [--name N] [--host H] [--vifs N] <type>   create_pm: one PM; prints its name
  pm-delete <name>                       delete_pm: a PM pm-create made
  connections-create <switch> <table> <request-file>  create_connections between such PMs (by
                                         name); prints its cookie
  connections-delete <switch> <table> <request-file>  delete_connections: exactly those flows
  reconcile [--dry-run]                  records against hosts and switch; one line per action
<dom> is a domain name or id. --json and -t may also follow the command. An argument that
starts with '-' goes after '--' (clickos write fw1 c note -- -t). Exit code 0 on success,
1 on failure, 2 on bad usage.`;

const verbs = { ...xlVerbs, ...clickosVerbs, ...daemonVerbs, ...controllerVerbs };

async function main(argv: string[]): Promise<number> {
  let line: ReturnType<typeof parseCommandLine>;
  try {
    line = parseCommandLine(argv);
  } catch (e) {
    console.error(`clickos: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { cmd, rest: args } = line;
  const ctx = new Context(line.json, line.timings);
  try {
    if (line.help || cmd === undefined || cmd === 'help') {
      console.log(USAGE);
      return cmd === undefined && !line.help ? 2 : 0;
    }
    const verb = verbs[cmd];
    if (!verb) throw new UsageError(`unknown command ${JSON.stringify(cmd)}`);
    await verb(args, ctx);
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`clickos: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    console.error(`clickos: ${(e as Error).message}`);
    return 1;
  } finally {
    ctx.close();
    if (ctx.timings) for (const [name, ms] of ctx.times) console.error(`[timing] ${name}: ${ms.toFixed(1)} ms`);
  }
}

main(process.argv.slice(2)).then((code) => process.exit(code));

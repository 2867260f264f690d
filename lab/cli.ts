#!/usr/bin/env node
// clickos-lab: real Xen 4.17 under QEMU. `up`, `down`, `status`, `exec -- CMD`, `console`.
import { existsSync, readFileSync, watchFile } from 'node:fs';
import { down, exec, status, up } from './lab.js';
import { paths } from './paths.js';

const USAGE = `usage: clickos-lab <command>
  up [--oxenstored] [--timeout SECONDS]   boot Xen + dom0 (downloads and builds on first use)
  down                                     power the lab off (kills QEMU)
  status [--json]                          what is running
  exec [--cwd DIR] [--timeout SECONDS] -- CMD [ARG...]
                                           run a command in dom0; its output and exit code
  console [--follow]                       the Xen/dom0 serial console log`;

function flag(args: string[], name: string): boolean {
  const i = args.indexOf(name);
  if (i < 0) return false;
  args.splice(i, 1);
  return true;
}

function value(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  if (v === undefined) throw new Error(`${name} needs a value`);
  args.splice(i, 2);
  return v;
}

function seconds(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`not a number of seconds: ${v}`);
  return n * 1000;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks).toString();
}

async function main(argv: string[]): Promise<number> {
  const [cmd, ...args] = argv;
  switch (cmd) {
    case 'up': {
      const oxenstored = flag(args, '--oxenstored');
      const timeoutMs = seconds(value(args, '--timeout'));
      await up({ xenstored: oxenstored ? 'oxenstored' : 'xenstored', timeoutMs });
      return 0;
    }
    case 'down':
      console.log((await down()) ? 'lab stopped' : 'lab was not running');
      return 0;
    case 'status': {
      const s = await status();
      if (flag(args, '--json')) console.log(JSON.stringify(s, null, 2));
      else if (!s.running) console.log('lab: not running');
      else {
        console.log(`lab: running, QEMU pid ${s.state!.pid}, agent on 127.0.0.1:${s.state!.port} ${s.agent ? 'answering' : 'NOT answering'}`);
        console.log(`xenstore daemon: ${s.state!.xenstored}; boot took ${s.state!.bootSeconds?.toFixed(1) ?? '?'}s; dom0 agent up ${s.dom0UptimeSeconds?.toFixed(0) ?? '?'}s`);
      }
      return s.running ? 0 : 3;
    }
    case 'exec': {
      const sep = args.indexOf('--');
      const opts = sep >= 0 ? args.slice(0, sep) : [];
      const command = sep >= 0 ? args.slice(sep + 1) : args;
      const cwd = value(opts, '--cwd');
      const timeoutMs = seconds(value(opts, '--timeout'));
      if (command.length === 0) throw new Error('exec needs a command after --');
      // Like ssh: a redirected stdin is forwarded to the command.
      const stdin = process.stdin.isTTY ? undefined : await readAll(process.stdin);
      const r = await exec(command, {
        ...(cwd ? { cwd } : {}),
        stdin,
        timeoutMs,
        onStdout: (b) => process.stdout.write(b),
        onStderr: (b) => process.stderr.write(b),
      });
      return r.exitCode;
    }
    case 'console': {
      if (!existsSync(paths.consoleLog)) throw new Error('no console log yet: start the lab with `clickos-lab up`');
      process.stdout.write(readFileSync(paths.consoleLog));
      if (flag(args, '--follow')) {
        let offset = readFileSync(paths.consoleLog).length;
        watchFile(paths.consoleLog, { interval: 300 }, () => {
          const buf = readFileSync(paths.consoleLog);
          process.stdout.write(buf.subarray(offset));
          offset = buf.length;
        });
        await new Promise(() => {});
      }
      return 0;
    }
    default:
      console.error(USAGE);
      return cmd === undefined || cmd === '--help' || cmd === '-h' ? 0 : 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: Error) => {
    console.error(`clickos-lab: ${e.message}`);
    process.exit(1);
  },
);

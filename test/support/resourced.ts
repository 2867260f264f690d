// resourced's unit tests: resourced in-process (the very daemon main.ts serves), module
// hosts as STAND-IN processes (test/support/resourced-standin.ts: real daemons with
// an in-memory create_pm, since real hostd needs Xen), and Python's xmlrpc.client as
// the user's client.
import { createSteering } from '../../controller/resourced/switch.js';
import { XmlRpcClient } from '../../daemon/index.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'tap';
import { projectRoot } from '../../lab/paths.js';
import { parseConfig, type ResourcedConfig } from '../../controller/resourced/config.js';
import { createResourcedDaemon } from '../../controller/resourced/daemon.js';
import { Resourced } from '../../controller/resourced/resourced.js';
import { runPython } from './python.js';
import type { StandinOptions } from './resourced-standin.js';
import { sleep } from './wait.js';

export const USER_SECRET = 'user-secret-0123456789abcdef';
export const HOSTS_SECRET = 'hosts-secret-0123456789abcdef';
export const STANDIN_SECRET = 'standin-secret-0123456789abcd';

/** A two-module chain in the allocation syntax of D3.2 §2.1.4 (docs/platform.md). */
export const CHAIN = 'BASESYS=xen.clickos\nin :: FromNet("ip,nw_dst=10.0.0.1")\nout :: ToNet("tun1")\nc1 :: Counting()\nc2 :: Counting()\nin -> c1 -> c2 -> out\n';
export const COUNTING_SRC = 'src :: FromDevice(0);\nc :: Counter();\nsink :: ToDevice(0);\nsrc -> c -> sink;\n';

export interface Rv {
  code: number;
  message: string;
  value: any;
}

/** A call's reply, or the fault it raised as an error. */
export const reply = (r: { reply?: Rv; fault?: number; message?: string }): Rv => {
  if (!r.reply) throw new Error(`fault ${r.fault}: ${r.message}`);
  return r.reply;
};
export interface PyReply {
  reply?: Rv;
  seen?: number[];
  fault?: number;
  message?: string;
}

export interface Started {
  rd: Resourced;
  url: string;
  config: ResourcedConfig;
  dir: string;
  logs: string[];
}

export async function startResourced(t: Test, overrides: Record<string, unknown> = {}): Promise<Started> {
  const dir = await mkdtemp(join(tmpdir(), 'resourced-test-'));
  // first registered, so run last (tap runs teardowns newest first); also when the config is refused
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const config = await parseConfig(
    {
      listen: { host: '127.0.0.1', port: 0 },
      secret: { user: USER_SECRET, hosts: HOSTS_SECRET },
      folders: { patches: join(dir, 'patches') },
      hosts: { principals: ['hosts'], defaultSecret: STANDIN_SECRET, heartbeatTimeoutMs: 3000, pollMs: 20, taskTimeoutMs: 20_000 },
      pm: { memoryMiB: 64 },
      placement: { timeLimitMs: 300 },
      ...overrides,
    },
    join(dir, 'resourced.json'),
  );
  const logs: string[] = [];
  const log = (m: string): void => void logs.push(m);
  // as main.ts does: config.switch → the openflowd driver it names
  const steering = config.switch && (await createSteering(config.switch));
  const rd = new Resourced(config, log, steering);
  const daemon = createResourcedDaemon(config, rd, { log });
  const { url } = await daemon.start();
  rd.start();
  t.teardown(async () => {
    rd.stop();
    await daemon.close();
    await steering?.close();
  });
  return { rd, url, config, dir, logs };
}

/** One stand-in module host process, registered with resourced once started. */
export class Standin {
  child!: ChildProcess;
  stderr = '';
  url = '';
  private exited: Promise<void> = Promise.resolve();

  async start(o: Partial<StandinOptions> & { hostId: string; controllerUrl: string | string[] }): Promise<string> {
    const opts: StandinOptions = { secret: STANDIN_SECRET, controllerSecret: HOSTS_SECRET, heartbeatMs: 200, nrCpus: 4, totalMemoryMiB: 1024, reserveMiB: 256, failCreateAt: 0, createDelayMs: 20, ...o };
    this.child = spawn(process.execPath, [join(projectRoot, 'dist', 'test', 'support', 'resourced-standin.js'), JSON.stringify(opts)], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.exited = new Promise((r) => this.child.once('exit', () => r()));
    this.child.stderr!.on('data', (b: Buffer) => (this.stderr += b.toString()));
    const end = Date.now() + 20_000;
    while (!/listening on (\S+)/.test(this.stderr)) {
      if (this.child.exitCode !== null) throw new Error(`stand-in exited ${this.child.exitCode}:\n${this.stderr}`);
      if (Date.now() > end) throw new Error(`stand-in did not start:\n${this.stderr}`);
      await sleep(20);
    }
    this.url = /listening on (\S+)/.exec(this.stderr)![1]!;
    return this.url;
  }

  /** The stand-in's test hook: every create_pm/delete_pm it was asked, in order, and the PMs it holds. */
  async journal(): Promise<{ calls: Array<{ method: string; name: string }>; pms: string[] }> {
    const c = new XmlRpcClient({ url: this.url, secret: STANDIN_SECRET });
    try {
      return ((await c.call('journal')) as { value: { calls: Array<{ method: string; name: string }>; pms: string[] } }).value;
    } finally {
      c.close();
    }
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }
}

export async function startStandins(t: Test, controllerUrl: string | string[], specs: Array<Partial<StandinOptions> & { hostId: string }>): Promise<Standin[]> {
  const out: Standin[] = [];
  t.teardown(async () => {
    for (const s of out) await s.stop();
  });
  for (const spec of specs) {
    const s = new Standin();
    out.push(s);
    await s.start({ controllerUrl, ...spec });
  }
  return out;
}

export { sleep, waitFor } from './wait.js';

/**
 * Python's xmlrpc.client, one process per batch of calls: [method, arg, mode] with mode
 * "call" or "task" (submit, then poll task.status until it settles). Replies as JSON.
 * The script is a file of the source tree (tsc copies no .py into dist/), so no
 * temporary copy is left in /tmp.
 */
const CLIENT = join(projectRoot, 'test', 'fixtures', 'resourced', 'python_calls.py');

export async function python(url: string, calls: Array<[string, unknown, ('call' | 'task')?]>, secret = USER_SECRET): Promise<PyReply[]> {
  const arg = JSON.stringify(calls.map(([m, a, mode]) => [m, a ?? null, mode ?? 'call']));
  return runPython<PyReply[]>(CLIENT, [url, secret, arg], 120_000);
}

/** One call through Python. */
export async function py(url: string, method: string, arg?: unknown, mode: 'call' | 'task' = 'call', secret = USER_SECRET): Promise<PyReply> {
  return (await python(url, [[method, arg, mode]], secret))[0]!;
}

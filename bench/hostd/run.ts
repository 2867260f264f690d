// bench/hostd: round trips of a trivial command and a trivial task over
// XML-RPC against daemon/ (createDaemon as hostd configures it: bearer-secret
// authentication on every call, an audit log, loopback HTTP), with 1 and 16 concurrent
// clients, beside Python's SimpleXMLRPCServer serving the same trivial method in the
// same run.
//   - command: `ping` (a read-only command answering a ReturnValue), one request each;
//   - task: submit `noop` (a task that succeeds at once), then task.status until done.
// The load generator (bench/hostd/client.ts) is the same code for every server: one
// keep-alive connection per client, requests encoded once, either HTTP/1.1 written by
// hand on a socket (--client=raw, the default) or node's http client with a keep-alive
// http.Agent (--client=agent). It runs in a child process of its own for each
// measurement (--generator=process, the default) or in a worker thread of this process
// (--generator=worker). In a worker it shares a process with our daemon (this process
// serves it) but not with Python's server, a process of its own: the child process
// makes the two sides alike, each server alone in its process, the generator in
// another. Its own ceiling is measured against a canned-reply node HTTP server (in this
// process) in the same run.
// Ours: createDaemon with the defaults hostd gets (1 MiB bodies, keep-alive 5 s, 256
// connections), a bearer secret checked on every call, the audit log on (a read-only
// command writes no audit line; a task writes two), one event loop.
// Python: plain SimpleXMLRPCServer for 1 client; ThreadingMixIn (a thread per
// connection) for 16 clients, since the plain server serves one keep-alive connection at
// a time. Both in HTTP/1.1 with TCP_NODELAY (bench/hostd/python_server.py says why); no
// authentication, no log (logRequests=False).
//   node dist/bench/hostd/run.js [seconds-per-measurement] [--client=raw|agent] [--generator=process|worker]
// Prints `BENCH hostd.command_rps <req/s>` (16 clients) and `RATIO
// hostd.command_rps_vs_python <ours/python at 16 clients, higher is better>` (goal ≥ 3).
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { createDaemon, XmlRpcClient } from '../../daemon/index.js';
import { projectRoot } from '../../lab/paths.js';
import type { LoadJob, LoadResult } from './client.js';

const args = process.argv.slice(2);
const SECONDS = Number(args.find((a) => !a.startsWith('--')) ?? 3);
const TRANSPORT = args.includes('--client=agent') ? 'agent' : 'raw';
const GENERATOR = args.includes('--generator=worker') ? 'worker' : 'process';
const FLAGS = ['--client=agent', '--client=raw', '--generator=process', '--generator=worker'];
if (args.some((a) => a.startsWith('--') && !FLAGS.includes(a))) throw new Error('usage: run.js [seconds] [--client=raw|agent] [--generator=process|worker]');
const WARMUP_MS = 700;
const SECRET = 'bench-secret-0123456789abcdef';

function load(job: Omit<LoadJob, 'secret' | 'warmupMs' | 'durationMs' | 'transport'>): Promise<LoadResult> {
  const full: LoadJob = { ...job, secret: SECRET, warmupMs: WARMUP_MS, durationMs: SECONDS * 1000, transport: TRANSPORT };
  const script = new URL('./client.js', import.meta.url);
  return new Promise((resolve, reject) => {
    const done = (m: { ok?: LoadResult; error?: string }): void => {
      if (m.ok) resolve(m.ok);
      else reject(new Error(`load generator against ${job.url}: ${m.error}`));
    };
    if (GENERATOR === 'worker') {
      const w = new Worker(script, { workerData: full });
      w.once('message', (m: { ok?: LoadResult; error?: string }) => {
        void w.terminate();
        done(m);
      });
      w.once('error', reject);
      return;
    }
    const child = fork(fileURLToPath(script), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.once('message', (m: { ok?: LoadResult; error?: string }) => done(m));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`load generator exited (${code}) before answering`))); // a no-op once resolved
    child.send(full);
  });
}

function startPython(mode: 'plain' | 'threaded'): Promise<{ url: string; child: ChildProcess }> {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', [join(projectRoot, 'bench', 'hostd', 'python_server.py'), mode], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`python3 exited (${code}) before listening`)));
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /PORT (\d+)/.exec(out);
      if (m) resolve({ url: `http://127.0.0.1:${m[1]}/RPC2`, child });
    });
  });
}

/** The client's own ceiling: a server that answers every POST with a canned ping reply. */
function startCanned(reply: string): Promise<{ url: string; server: Server }> {
  const body = Buffer.from(reply);
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'Content-Type': 'text/xml', 'Content-Length': body.length });
      res.end(body);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/RPC2`, server })));
}

const fmt = (r: LoadResult): string => {
  const rps = r.roundTrips / r.seconds;
  const extra = r.requests !== r.roundTrips ? `, ${(r.requests / r.roundTrips).toFixed(2)} requests each (${(r.requests / r.seconds).toFixed(0)} req/s)` : '';
  return `${rps.toFixed(0)} round trips/s, p50 ${r.p50.toFixed(3)} ms, p99 ${r.p99.toFixed(3)} ms, max ${r.max.toFixed(1)} ms${extra}`;
};
const rps = (r: LoadResult): number => r.roundTrips / r.seconds;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-hostd-'));
  const folder = join(dir, 'methods');
  mkdirSync(join(folder, 'commands'), { recursive: true });
  mkdirSync(join(folder, 'tasks'), { recursive: true });
  writeFileSync(
    join(folder, 'commands', 'ping.mjs'),
    `export default ({ s, ok }) => ({ help: 'Answers pong.', params: s.nil(), readOnly: true, run: (_a, ctx) => ok(\`pong from \${ctx.daemon}\`) });\n`,
  );
  writeFileSync(join(folder, 'tasks', 'noop.mjs'), `export default ({ s, ok }) => ({ help: 'Succeeds at once.', params: s.nil(), run: async () => ok('done') });\n`);

  const daemon = createDaemon({ name: 'bench', secret: SECRET, folders: { daemon: folder }, auditLog: join(dir, 'audit.jsonl'), log: () => {} });
  const children: ChildProcess[] = [];
  let canned: Server | undefined;
  try {
    const { url } = await daemon.start();
    const c = new XmlRpcClient({ url, secret: SECRET });
    const pong = await c.call('ping');
    c.close();
    const reply = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'text/xml', Authorization: `Bearer ${SECRET}` }, body: '<methodCall><methodName>ping</methodName></methodCall>' }).then((r) => r.text());
    if (JSON.stringify(pong) !== JSON.stringify({ code: 0, message: 'ok', value: 'pong from bench' })) throw new Error(`unexpected ping reply ${JSON.stringify(pong)}`);

    const py1 = await startPython('plain');
    const py16 = await startPython('threaded');
    children.push(py1.child, py16.child);
    const cannedSrv = await startCanned(reply);
    canned = cannedSrv.server;

    console.log(`bench/hostd: XML-RPC round trips, ${SECONDS} s each after ${WARMUP_MS} ms warm-up, 1 and 16 concurrent clients`);
    console.log('  ours: daemon/ createDaemon (HTTP on 127.0.0.1, Authorization: Bearer checked on every call, audit log on), command ping (read-only), task noop submitted then task.status polled until done');
    console.log('  python: python3 xmlrpc.server SimpleXMLRPCServer, same ping reply; plain for 1 client, socketserver.ThreadingMixIn for 16; HTTP/1.1 keep-alive, TCP_NODELAY; no authentication, no request log');
    const where = GENERATOR === 'process' ? 'in a child process of its own' : 'in a worker thread of the bench process (which also serves ours)';
    console.log(
      TRANSPORT === 'raw'
        ? `  client: HTTP/1.1 by hand on net.Socket (a keep-alive connection per client, whole request pre-encoded, reply framed by Content-Length, checked by regexp); ${where}, the same for every server`
        : `  client: node http.request with a keep-alive http.Agent (a socket per client), pre-encoded bodies, reply checked by regexp; ${where}, the same for every server`,
    );

    const expectPong = 'pong from bench';
    const results: Record<string, LoadResult> = {};
    for (const clients of [1, 16]) {
      const py = clients === 1 ? py1 : py16;
      results[`ceiling${clients}`] = await load({ url: cannedSrv.url, mode: 'command', method: 'ping', clients, expect: expectPong });
      console.log(`  client ceiling (canned replies), ${clients} client(s): ${fmt(results[`ceiling${clients}`]!)}`);
      results[`ours${clients}`] = await load({ url, mode: 'command', method: 'ping', clients, expect: expectPong });
      console.log(`  ours command, ${clients} client(s): ${fmt(results[`ours${clients}`]!)}`);
      results[`py${clients}`] = await load({ url: py.url, mode: 'command', method: 'ping', clients, expect: expectPong });
      console.log(`  python command (${clients === 1 ? 'plain' : 'threaded'}), ${clients} client(s): ${fmt(results[`py${clients}`]!)}`);
      results[`task${clients}`] = await load({ url, mode: 'task', method: 'noop', clients, expect: '<string>done</string>|>done<' });
      console.log(`  ours task round trip, ${clients} client(s): ${fmt(results[`task${clients}`]!)}`);
    }
    for (const k of [1, 16]) {
      const o = results[`ours${k}`]!;
      const t = results[`task${k}`]!;
      const p = results[`py${k}`]!;
      console.log(`BENCH hostd.command_rps.c${k} ${rps(o).toFixed(0)}`);
      console.log(`BENCH hostd.command_p50_ms.c${k} ${o.p50.toFixed(3)}`);
      console.log(`BENCH hostd.command_p99_ms.c${k} ${o.p99.toFixed(3)}`);
      console.log(`BENCH hostd.task_rps.c${k} ${rps(t).toFixed(0)}`);
      console.log(`BENCH hostd.task_p50_ms.c${k} ${t.p50.toFixed(3)}`);
      console.log(`BENCH hostd.task_p99_ms.c${k} ${t.p99.toFixed(3)}`);
      console.log(`BENCH hostd.python_command_rps.c${k} ${rps(p).toFixed(0)}`);
    }
    console.log(`BENCH hostd.command_rps ${rps(results.ours16!).toFixed(0)}`);
    console.log(`RATIO hostd.command_rps_vs_python.c1 ${(rps(results.ours1!) / rps(results.py1!)).toFixed(2)}`);
    console.log(`RATIO hostd.command_rps_vs_python ${(rps(results.ours16!) / rps(results.py16!)).toFixed(2)}`);
  } finally {
    for (const ch of children) ch.kill();
    canned?.close();
    await daemon.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(`bench/hostd: ${(e as Error).stack ?? e}`);
    process.exit(1);
  },
);

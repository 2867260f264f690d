// The load generator of bench/hostd, run in a worker thread so that it never shares an
// event loop with the daemon it measures. The same code drives every server: node's
// http client with a keep-alive Agent (one socket per simulated client), request bodies
// encoded once before the clock starts, and replies checked with a regular expression
// (not an XML decoder), so the client costs as little as it can per request.
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';

export interface LoadJob {
  url: string;
  secret: string;
  /** command: one call per round trip; task: submit, then task.status until the code is not -1. */
  mode: 'command' | 'task';
  method: string;
  clients: number;
  warmupMs: number;
  durationMs: number;
  /** A reply must match this (source of a RegExp) to count. */
  expect: string;
}

export interface LoadResult {
  roundTrips: number;
  requests: number;
  seconds: number;
  /** Round-trip latencies in ms, sorted ascending. */
  p50: number;
  p99: number;
  max: number;
}

const body = (method: string, params = ''): Buffer =>
  Buffer.from(`<?xml version="1.0"?>\n<methodCall><methodName>${method}</methodName><params>${params}</params></methodCall>\n`);

const CODE_RE = /<name>code<\/name>\s*<value>\s*<(?:int|i4)>(-?\d+)<\/(?:int|i4)>/;
const ID_RE = /<name>value<\/name>\s*<value>(?:<string>)?([0-9a-f]+-[0-9]+)(?:<\/string>)?<\/value>/;

async function run(job: LoadJob): Promise<LoadResult> {
  const url = new URL(job.url);
  const agent = new Agent({ keepAlive: true, maxSockets: job.clients, maxFreeSockets: job.clients });
  const headers = { 'Content-Type': 'text/xml', Authorization: `Bearer ${job.secret}` };
  const expect = new RegExp(job.expect);
  const callBody = body(job.method);
  const opts = { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', agent };

  const post = (b: Buffer): Promise<string> =>
    new Promise((resolve, reject) => {
      const r = request({ ...opts, headers: { ...headers, 'Content-Length': b.length } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode !== 200) reject(new Error(`HTTP ${res.statusCode}: ${text.slice(0, 200)}`));
          else if (text.includes('<fault>')) reject(new Error(`fault: ${text.slice(0, 400)}`));
          else resolve(text);
        });
        res.on('error', reject);
      });
      r.on('error', reject);
      r.end(b);
    });

  let requests = 0;
  const roundTrip = async (): Promise<void> => {
    requests++;
    const first = await post(callBody);
    if (job.mode === 'command') {
      if (!expect.test(first)) throw new Error(`unexpected reply: ${first.slice(0, 400)}`);
      return;
    }
    const id = ID_RE.exec(first)?.[1];
    if (CODE_RE.exec(first)?.[1] !== '-1' || !id) throw new Error(`task not queued: ${first.slice(0, 400)}`);
    const status = body('task.status', `<param><value><string>${id}</string></value></param>`);
    for (;;) {
      requests++;
      const r = await post(status);
      const code = CODE_RE.exec(r)?.[1];
      if (code === '-1') continue;
      if (code !== '0' || !expect.test(r)) throw new Error(`task failed: ${r.slice(0, 400)}`);
      return;
    }
  };

  let measuring = false;
  let stop = false;
  const lat: number[] = [];
  let done = 0;
  const loop = async (): Promise<void> => {
    while (!stop) {
      const t0 = performance.now();
      await roundTrip();
      if (measuring) {
        lat.push(performance.now() - t0);
        done++;
      }
    }
  };
  const loops = Array.from({ length: job.clients }, loop);
  const failed = Promise.all(loops).then(() => undefined);
  await Promise.race([new Promise((r) => setTimeout(r, job.warmupMs)), failed]);
  const req0 = requests;
  measuring = true;
  const t0 = performance.now();
  await Promise.race([new Promise((r) => setTimeout(r, job.durationMs)), failed]);
  measuring = false;
  const t1 = performance.now();
  const req1 = requests;
  stop = true;
  await failed;
  agent.destroy();
  lat.sort((a, b) => a - b);
  const pct = (p: number): number => lat[Math.min(lat.length - 1, Math.floor((p / 100) * lat.length))] ?? NaN;
  return { roundTrips: done, requests: req1 - req0, seconds: (t1 - t0) / 1000, p50: pct(50), p99: pct(99), max: lat[lat.length - 1] ?? NaN };
}

if (parentPort) {
  const port = parentPort;
  run(workerData as LoadJob).then(
    (r) => port.postMessage({ ok: r }),
    (e: Error) => port.postMessage({ error: e.message }),
  );
}

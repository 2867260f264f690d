// The load generator of bench/hostd, run in a child process of its own (default) or in a
// worker thread of the bench's process (--generator=worker), so that it never shares an
// event loop with the daemon it measures. The same code drives every server, one
// keep-alive connection per simulated client, request bodies encoded once before the
// clock starts, replies checked with a regular expression (not an XML decoder). Two
// transports:
//   raw   (default): HTTP/1.1 written by hand on a net.Socket, the whole request (headers
//         and body) one pre-encoded Buffer, the reply framed by its Content-Length;
//   agent: node's http.request with a keep-alive http.Agent.
// raw costs the client far less per request (node's http client is about as heavy as
// node's http server), so it stays out of the way of the servers measured.
import { Agent, request } from 'node:http';
import { connect, type Socket } from 'node:net';
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
  transport: 'raw' | 'agent';
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

type Post = (b: Buffer) => Promise<string>;

/** One keep-alive HTTP/1.1 connection driven by hand: one request at a time, reply framed by Content-Length. */
class RawConnection {
  private readonly sock: Socket;
  private buf: Buffer = Buffer.alloc(0);
  private pending: { resolve: (s: string) => void; reject: (e: Error) => void } | undefined;
  private readonly head: string;

  constructor(url: URL, secret: string) {
    this.head = `POST ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: text/xml\r\nAuthorization: Bearer ${secret}\r\n`;
    this.sock = connect({ host: url.hostname, port: Number(url.port), noDelay: true });
    this.sock.on('data', (c: Buffer) => this.onData(c));
    const fail = (e: Error): void => {
      const p = this.pending;
      this.pending = undefined;
      p?.reject(e);
    };
    this.sock.on('error', fail);
    this.sock.on('close', () => fail(new Error('connection closed by the server')));
  }

  /** The whole request, headers and body, as one buffer: encode once, send many times. */
  encode(body: Buffer): Buffer {
    return Buffer.concat([Buffer.from(`${this.head}Content-Length: ${body.length}\r\n\r\n`), body]);
  }

  send(request: Buffer): Promise<string> {
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.sock.write(request);
    });
  }

  private onData(c: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, c]) : c;
    const end = this.buf.indexOf('\r\n\r\n');
    if (end < 0) return;
    const head = this.buf.toString('latin1', 0, end);
    const len = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    const p = this.pending;
    if (!len) return void this.sock.destroy(new Error(`reply without Content-Length: ${head.slice(0, 200)}`));
    const total = end + 4 + Number(len[1]);
    if (this.buf.length < total) return;
    const text = this.buf.toString('utf8', end + 4, total);
    this.buf = this.buf.subarray(total);
    this.pending = undefined;
    if (!p) return void this.sock.destroy(new Error('reply nobody asked for'));
    const status = / (\d{3}) /.exec(head)?.[1];
    if (status !== '200') p.reject(new Error(`HTTP ${status}: ${text.slice(0, 200)}`));
    else if (text.includes('<fault>')) p.reject(new Error(`fault: ${text.slice(0, 400)}`));
    else p.resolve(text);
  }

  close(): void {
    this.sock.destroy();
  }
}

async function run(job: LoadJob): Promise<LoadResult> {
  const url = new URL(job.url);
  const agent = new Agent({ keepAlive: true, maxSockets: job.clients, maxFreeSockets: job.clients });
  const headers = { 'Content-Type': 'text/xml', Authorization: `Bearer ${job.secret}` };
  const expect = new RegExp(job.expect);
  const opts = { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', agent };
  const conns: RawConnection[] = [];

  const agentPost = (b: Buffer): Promise<string> =>
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

  // Each simulated client: how it posts, and its call request encoded once.
  const client = (): { post: Post; call: Buffer; encode: (b: Buffer) => Buffer } => {
    if (job.transport === 'agent') return { post: agentPost, call: body(job.method), encode: (b) => b };
    const c = new RawConnection(url, job.secret);
    conns.push(c);
    return { post: (b) => c.send(b), call: c.encode(body(job.method)), encode: (b) => c.encode(b) };
  };

  let requests = 0;
  const roundTrip = async ({ post, call, encode }: ReturnType<typeof client>): Promise<void> => {
    requests++;
    const first = await post(call);
    if (job.mode === 'command') {
      if (!expect.test(first)) throw new Error(`unexpected reply: ${first.slice(0, 400)}`);
      return;
    }
    const id = ID_RE.exec(first)?.[1];
    if (CODE_RE.exec(first)?.[1] !== '-1' || !id) throw new Error(`task not queued: ${first.slice(0, 400)}`);
    const status = encode(body('task.status', `<param><value><string>${id}</string></value></param>`));
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
    const c = client();
    while (!stop) {
      const t0 = performance.now();
      await roundTrip(c);
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
  for (const c of conns) c.close();
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
} else if (process.send) {
  // A child process (child_process.fork): the job arrives over IPC, the result goes back the same way.
  const send = process.send.bind(process);
  process.once('message', (job: LoadJob) =>
    run(job).then(
      (r) => send({ ok: r }, () => process.exit(0)),
      (e: Error) => send({ error: e.message }, () => process.exit(0)),
    ),
  );
}

// The example daemon started in-process for daemon-*.test.ts, on a private copy of
// daemon/example's folders (upgrades must never write into the source tree).
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import type { Test } from 'tap';
import { createDaemon, type Daemon, type DaemonOptions } from '../../daemon/index.js';
import { exampleFolders } from '../../daemon/example/folders.js';

export const SECRET = 'test-secret-0123456789abcdef';

export interface Services {
  journal: string[];
  gates: Map<string, Promise<void>>;
}

export interface Started {
  daemon: Daemon;
  url: string;
  port: number;
  dir: string;
  services: Services;
  auditLog: string;
}

export async function startExample(t: Test, opts: Partial<DaemonOptions<Services>> = {}): Promise<Started> {
  const dir = await mkdtemp(join(tmpdir(), 'daemon-test-'));
  // first registered, so run last (tap runs teardowns newest first); also when start() fails
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const src = exampleFolders();
  await cp(src.common!, join(dir, 'common'), { recursive: true });
  await cp(src.daemon, join(dir, 'example'), { recursive: true });
  const services: Services = { journal: [], gates: new Map() };
  const auditLog = join(dir, 'audit.jsonl');
  const daemon = createDaemon<Services>({
    name: 'example',
    secret: SECRET,
    folders: { common: join(dir, 'common'), daemon: join(dir, 'example') },
    auditLog,
    services,
    log: () => {},
    ...opts,
  });
  const { url, port } = await daemon.start();
  t.teardown(() => daemon.close());
  return { daemon, url, port, dir, services, auditLog };
}

export interface RawReply {
  status: number;
  body: string;
}

/** One raw HTTP POST (no keep-alive), for hostile requests the client library would never send. */
export function post(port: number, body: string | Buffer, headers: Record<string, string> = {}, path = '/RPC2'): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const r = request(
      { host: '127.0.0.1', port, path, method: 'POST', agent: false, headers: { 'Content-Type': 'text/xml', Authorization: `Bearer ${SECRET}`, ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    r.on('error', reject);
    r.end(body);
  });
}

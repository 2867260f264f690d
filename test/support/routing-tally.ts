// One bin of routed traffic judged against the route table: what the next hops counted
// (test/support/routing_traffic.py, keyed "DST PATH" with PATH router or switch) summed by
// path, and what reached a next hop other than its route's; and the counters themselves.
// Shared by the routing tests on a host switch (test/unit/routing-ovs.test.ts,
// resourced-routed.test.ts) and in the lab (test/lab/routing-clickos.test.ts, routing-resourced.test.ts).
import { execa, type ResultPromise } from 'execa';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAddress } from '../../controller/balancer/prefix.js';
import type { RouteTable } from '../../controller/routing/index.js';
import { projectRoot } from '../../lab/paths.js';
import { sleep } from './wait.js';

export const ROUTING_TRAFFIC_PY = join(projectRoot, 'test', 'support', 'routing_traffic.py');

export type NextHopCounts = Record<string, Record<string, number>>;

/**
 * One routing_traffic.py counter per next hop, in its namespace (`ns(h)`), writing to
 * `dir`. read() asks each for what it counted since the last read (SIGUSR1) and waits up
 * to `waitMs` for the file; the first read only checks each is listening. The processes
 * are pushed to `procs` for the caller's teardown.
 */
export function nextHopCounters(o: { nexthops: readonly string[]; ns: (h: string) => string; dir: string; routerMac: string; procs: ResultPromise[]; waitMs?: number }): () => Promise<NextHopCounts> {
  const counters = new Map(o.nexthops.map((h) => {
    const proc = execa('ip', ['netns', 'exec', o.ns(h), 'python3', '-u', ROUTING_TRAFFIC_PY, 'count', join(o.dir, `${h}.json`), 'eth0', o.routerMac], { reject: false });
    o.procs.push(proc);
    return [h, { proc, seq: -1 }] as [string, { proc: ResultPromise; seq: number }];
  }));
  return async () => {
    const out: NextHopCounts = {};
    for (const [h, c] of counters) {
      if (c.seq >= 0) c.proc.kill('SIGUSR1');
      for (const end = Date.now() + (o.waitMs ?? 50_000); ; ) {
        const j = await readFile(join(o.dir, `${h}.json`), 'utf8').then((x) => JSON.parse(x) as { seq: number; counts: Record<string, number> }, () => undefined);
        if (j && j.seq > c.seq) {
          c.seq = j.seq;
          out[h] = j.counts;
          break;
        }
        if (Date.now() > end) throw new Error(`next hop ${h}'s counter did not answer: ${c.proc.exitCode ?? 'running'}`);
        await sleep(25);
      }
    }
    return out;
  };
}

export interface BinTally {
  total: number;
  router: number;
  switch: number;
  toRouter: number;
  misrouted: number;
  received: number;
}

export function tallyBin(got: Record<string, Record<string, number>>, table: RouteTable, nexthops: readonly string[], total: number): BinTally {
  const m: BinTally = { total, router: 0, switch: 0, toRouter: 0, misrouted: 0, received: 0 };
  for (const h of nexthops)
    for (const [k, v] of Object.entries(got[h] ?? {})) {
      const [dst, path] = k.split(' ') as [string, 'router' | 'switch'];
      const id = table.lookup(parseAddress(dst));
      if (id === undefined || table.routes[id]!.nexthop !== h) m.misrouted += v;
      m[path] += v;
      m.received += v;
    }
  return m;
}

// One bin of routed traffic judged against the route table: what the next hops counted
// (test/support/routing_traffic.py, keyed "DST PATH" with PATH router or switch) summed by
// path, and what reached a next hop other than its route's. Shared by the routing tests on
// a host switch (test/unit/routing-ovs.test.ts) and in the lab (test/lab/routing-clickos.test.ts).
import { parseAddress } from '../../controller/balancer/prefix.js';
import type { RouteTable } from '../../controller/routing/index.js';

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

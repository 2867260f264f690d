// resourced's live platform model and placement on small platforms of registered
// hosts: capacities from heartbeats, running allocations pinned, refusals when nothing
// fits, hosts dropped when their heartbeats stop.
import t from 'tap';
import { parseAllocation } from '../../clickos-build/index.js';
import { buildModel, hostCapacity, planAllocation, serviceSpec } from '../../controller/resourced/platform-model.js';
import { HostTable, type HostRecord } from '../../controller/resourced/hosts.js';
import type { HostStats } from '../../hostd/api.js';
import { pmMac, pmName } from '../../controller/resourced/installer.js';

const OPTS = { hostLinkMbps: 1000, internalMbps: 10_000, uplinkMbps: 10_000, linkDelay: 1, internalDelay: 1, bandwidthMbps: 100 };
const PLACE = { bandwidthMbps: 100, timeLimitMs: 200, seed: 1 };
const demand = () => ({ cpu: 0.5, memoryMiB: 100 });
/** Our PMs by guest name, each declaring demand()'s cores. */
const ours = (names: string[]) => new Map(names.map((n) => [n, demand().cpu]));

/** hostd's host_stats figures (hostd/api.ts hostStats): what register_host and heartbeat carry. */
function stats(cores: number, freeMiB: number, domains: Array<{ name: string; memoryMiB: number }> = []): HostStats {
  return {
    hostname: 'h',
    xenVersion: '4.17',
    nrCpus: cores,
    totalMemoryMiB: 4096,
    freeMemoryMiB: freeMiB,
    cpuPercent: null,
    dom0LoadAvg: [0, 0, 0],
    pms: domains.length,
    pool: null,
    domains: domains.map((d, i) => ({ ...d, domid: i + 1, pm: true, state: 'r', vcpus: 1, cpuSeconds: 0, cpuPercent: null })),
  };
}

function host(id: string, cores: number, freeMiB: number, domains: Array<{ name: string; memoryMiB: number }> = []): HostRecord {
  return {
    id,
    url: `http://127.0.0.1:1/${id}`,
    secret: 'x'.repeat(16),
    info: { host_id: id, url: `http://127.0.0.1:1/${id}` },
    registeredAt: 0,
    lastSeen: 0,
    heartbeats: 1,
    stats: stats(cores, freeMiB, domains),
    statsAt: 0,
    statsFrom: 'heartbeat',
  };
}

const chain = (n: number, extra = ''): string => {
  const mods = Array.from({ length: n }, (_, i) => `m${i + 1} :: Fw()`).join('\n');
  return `BASESYS=xen.clickos\n${extra}in :: FromNet("ip")\nout :: ToNet("tun1")\n${mods}\nin -> ${Array.from({ length: n }, (_, i) => `m${i + 1}`).join(' -> ')} -> out\n`;
};
const parse = (text: string) => parseAllocation(text, 'allocation', { knownModules: ['Fw'] });

t.test('capacity: cores and free memory from the heartbeat, our PMs added back', async (t) => {
  const h = host('a', 4, 1000, [{ name: 'rd-1-1-m1', memoryMiB: 100 }, { name: 'foreign', memoryMiB: 300 }]);
  t.same(hostCapacity(h, ours(['rd-1-1-m1'])), { cores: 4, memoryMb: 1100 }, 'a foreign guest stays counted as used');
});

t.test('a chain goes on one host when the delay bound asks it', async (t) => {
  const m = buildModel([host('a', 4, 2000), host('b', 4, 2000)], ours([]), OPTS);
  const r = planAllocation(m, [], parse(chain(2, 'DELAY=5\n')), demand, PLACE);
  t.ok(r.ok);
  if (r.ok) t.equal(new Set(r.hosts.values()).size, 1, `both modules on one host: ${[...r.hosts]}`);
});

t.test('memory decides: a host with room for one PM takes at most one', async (t) => {
  const m = buildModel([host('small', 8, 150), host('big', 8, 250)], ours([]), OPTS);
  const r = planAllocation(m, [], parse(chain(3)), demand, PLACE);
  t.ok(r.ok, r.ok ? '' : r.reason);
  if (r.ok) {
    const per = (h: string) => [...r.hosts.values()].filter((x) => x === h).length;
    t.equal(per('small'), 1);
    t.equal(per('big'), 2);
  }
});

t.test('running allocations are pinned; the new one fits around them', async (t) => {
  // a: two PMs already on host a, which then has room for nothing else.
  const a = parse(chain(2));
  const m = buildModel([host('a', 1, 0, [{ name: 'rd-1-1-m1', memoryMiB: 100 }, { name: 'rd-1-2-m2', memoryMiB: 100 }]), host('b', 4, 1000)], ours(['rd-1-1-m1', 'rd-1-2-m2']), OPTS);
  const existing = [{ name: 'alloc-1', request: a, hosts: new Map([['m1', 'a'], ['m2', 'a']]) }];
  const r = planAllocation(m, existing, parse(chain(2)), demand, PLACE);
  t.ok(r.ok, r.ok ? '' : r.reason);
  if (r.ok) t.same([...r.hosts.values()], ['b', 'b'], 'host a is full (1 core = 2 × 0.5)');
});

t.test('refused when nothing fits, and when no host is registered', async (t) => {
  const m = buildModel([host('a', 4, 150)], ours([]), OPTS);
  const r = planAllocation(m, [], parse(chain(2)), demand, PLACE);
  t.notOk(r.ok);
  if (!r.ok) t.match(r.reason, /no placement on 1 host\(s\).*memory 50 MiB/);
  const none = planAllocation(buildModel([], ours([]), OPTS), [], parse(chain(1)), demand, PLACE);
  t.notOk(none.ok);
  if (!none.ok) t.match(none.reason, /no module host is registered/);
});

t.test('violations the running PMs already cause do not block a new allocation that adds none', async (t) => {
  // Host a shrank under its PM (free memory now 0 and the PM's 100 MiB over), b has room.
  const m = buildModel([host('a', 4, -200, [{ name: 'rd-1-1-m1', memoryMiB: 100 }]), host('b', 4, 1000)], ours(['rd-1-1-m1']), OPTS);
  const existing = [{ name: 'alloc-1', request: parse(chain(1)), hosts: new Map([['m1', 'a']]) }];
  const r = planAllocation(m, existing, parse(chain(1)), demand, PLACE);
  t.ok(r.ok, r.ok ? '' : r.reason);
  if (r.ok) t.same([...r.hosts.values()], ['b']);
});

t.test('modules of existing allocations on hosts that are gone are left out of the model', async (t) => {
  const m = buildModel([host('b', 4, 1000)], ours([]), OPTS);
  const existing = [{ name: 'alloc-1', request: parse(chain(2)), hosts: new Map([['m1', 'gone'], ['m2', 'b']]) }];
  const r = planAllocation(m, existing, parse(chain(1)), demand, PLACE);
  t.ok(r.ok, r.ok ? '' : r.reason);
  const spec = serviceSpec('x', parse(chain(2)), demand, m.uplink, 100, (mod) => mod !== 'm1');
  t.same(spec.modules.map((x) => x.name), ['m2']);
  t.same(spec.edges, [['m2', 'out', 100]], 'the links of a dropped module go with it');
});

t.test('a two-way chain: the return connections fold into the links they mirror, and it places', async (t) => {
  const two = parse('BASESYS=xen.clickos\nfwd :: FromNet("ip")\nrev :: FromNet("ip")\ntosink :: ToNet("s")\ntonet :: ToNet("n")\nfwd -> [0]a :: Fw() [1] -> [0]b :: Fw() [1] -> tosink\nrev -> [1]b[0] -> [1]a[0] -> tonet\n');
  const m = buildModel([host('b', 4, 1000)], ours([]), OPTS);
  const spec = serviceSpec('x', two, () => ({ cpu: 0.25, memoryMiB: 64 }), m.uplink, 100);
  t.same(spec.edges, [['fwd', 'a', 100], ['a', 'b', 200], ['b', 'tosink', 100], ['rev', 'b', 100], ['a', 'tonet', 100]], 'b → a counted on a → b: no cycle');
  const r = planAllocation(m, [], two, () => ({ cpu: 0.25, memoryMiB: 64 }), PLACE);
  t.ok(r.ok, r.ok ? 'placed' : r.reason);
});

t.test('guest names and MACs', async (t) => {
  t.equal(pmName('rd', 7, 2, 'Mirror@3'), 'rd-7-2-Mirror-3');
  t.equal(pmName('rd', 7, 2, 'a/b..c'), 'rd-7-2-a-b.c');
  t.ok(pmName('p', 1, 1, 'x'.repeat(100)).length <= 64);
  t.equal(pmMac(258, 3, 1), '02:cf:01:02:03:01');
});

t.test('host table: registration rules, heartbeats, drop after the timeout', async (t) => {
  let now = 1000;
  const logs: string[] = [];
  const table = new HostTable({ secretFor: (id) => (id === 'nosecret' ? undefined : 's'.repeat(16)), timeoutMs: 500, log: (m) => logs.push(m), now: () => now });
  const st = stats(2, 1000);
  t.match(table.register({ host_id: 'nosecret', url: 'http://127.0.0.1:7010/RPC2', stats: st }), /no secret configured for host nosecret/);
  t.match(table.register({ host_id: '../x', url: 'http://h/RPC2', stats: st }), /host_id/);
  t.match(table.register({ host_id: 'h', url: 'ftp://h/', stats: st }), /only http and https/);
  t.equal(typeof table.register({ host_id: 'h1', url: 'http://127.0.0.1:7010/RPC2', stats: st }), 'object');
  t.equal(table.get('h1')!.stats.freeMemoryMiB, 1000, 'registration carries the first stats');
  t.equal(typeof table.register({ host_id: 'h2', url: 'http://127.0.0.1:7011/RPC2', stats: st }), 'object');
  t.notOk(table.heartbeat('unknown', st), 'an unknown host is refused (hostd then registers again)');
  now = 1400;
  t.ok(table.heartbeat('h1', stats(2, 900)));
  t.equal(table.get('h1')!.stats.freeMemoryMiB, 900);
  t.ok(table.heartbeat('h1'), 'stats that could not be read keep the host alive, and the last good stats');
  t.equal(table.get('h1')!.stats.freeMemoryMiB, 900);
  now = 1600;
  t.same(table.sweep(), ['h2'], 'h2 silent for 600 ms > 500 ms: dropped');
  t.same(table.live().map((h) => h.id), ['h1']);
  t.same(table.endpoint('h2'), { url: 'http://127.0.0.1:7011/RPC2', secret: 's'.repeat(16) }, 'its URL is remembered for deletes');
  t.notOk(table.heartbeat('h2'), 'its next heartbeat is refused');
  t.match(logs.join('\n'), /host h2 dropped: no heartbeat/);
});

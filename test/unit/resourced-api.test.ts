// resourced's API over XML-RPC from Python's xmlrpc.client: deploy_pm (checked by
// clickos-build's checker), install_allocation as a polled task, get_pm_info,
// list_hosts, delete_allocation, malformed requests refused with the parser's
// positioned error and no create_pm made. Module hosts are STAND-INS for hostd (real
// daemon processes with an in-memory create_pm: real hostd needs Xen; the lab test
// test/lab/controller.test.ts uses the real one).
import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XmlRpcClient } from '../../daemon/index.js';
import { projectRoot } from '../../lab/paths.js';
import { CHAIN, COUNTING_SRC, STANDIN_SECRET, py, python, startResourced, startStandins, waitFor, type Standin } from '../support/resourced.js';

async function journal(s: Standin): Promise<{ calls: Array<{ method: string; name: string }>; pms: string[] }> {
  const c = new XmlRpcClient({ url: s.url, secret: STANDIN_SECRET });
  try {
    return ((await c.call('journal')) as { value: { calls: Array<{ method: string; name: string }>; pms: string[] } }).value;
  } finally {
    c.close();
  }
}

t.test('the high-level API against two stand-in hosts', async (t) => {
  const { url, rd } = await startResourced(t);
  const hosts = await startStandins(t, url, [{ hostId: 'mh-a' }, { hostId: 'mh-b' }]);
  await waitFor('both hosts to register and heartbeat', () => (rd.hosts.live().filter((h) => h.heartbeats > 0).length === 2 ? true : undefined));

  t.test('auth: no secret, wrong secret', async (t) => {
    t.equal((await py(url, 'get_pm_info', undefined, 'call', '-')).fault, -32001);
    t.equal((await py(url, 'get_pm_info', undefined, 'call', 'wrong-secret-0123456789')).fault, -32001);
  });

  t.test('only the hosts principal may register or heartbeat', async (t) => {
    const [reg, hb] = await python(url, [
      ['register_host', { host_id: 'mh-a', url: 'http://127.0.0.1:1/RPC2', stats: rd.hosts.get('mh-a')!.stats }],
      ['heartbeat', { host_id: 'mh-a' }],
    ]);
    t.same(reg!.reply, { code: 1, message: 'register_host: principal user is not allowed (config hosts.principals)', value: { error: 'forbidden' } });
    t.same(hb!.reply!.value, { error: 'forbidden' });
    t.equal(rd.hosts.get('mh-a')!.url, hosts[0]!.url, "the host's URL is unchanged");
  });

  t.test('list_hosts: both stand-ins with their heartbeat figures', async (t) => {
    const r = (await py(url, 'list_hosts')).reply!;
    t.equal(r.code, 0);
    t.same(r.value.map((h: { host_id: string }) => h.host_id), ['mh-a', 'mh-b']);
    t.match(r.value[0], { cores: 4, total_memory_mib: 1024, free_memory_mib: 768, pms: [] });
    t.ok(r.value[0].heartbeats >= 1);
  });

  t.test('deploy_pm: a checked Click source; refusals are positioned', async (t) => {
    const [good, bad, badName, info] = await python(url, [
      ['deploy_pm', { name: 'Counting', src: COUNTING_SRC, description: 'counts packets' }],
      ['deploy_pm', { name: 'Broken', src: 'FromDevice(0) -> Quue -> ToDevice(0);\n' }],
      ['deploy_pm', { name: 'FromNet', src: COUNTING_SRC }],
      ['get_pm_info', null],
    ]);
    t.same(good!.reply, { code: 0, message: 'processing module type Counting deployed', value: null });
    t.equal(bad!.reply!.code, 1);
    t.match(bad!.reply!.message, /refused by the checker:\npm\/Broken:1:18: unknown element class 'Quue' \(did you mean 'Queue'\?\)/);
    t.equal(badName!.reply!.code, 1);
    t.match(badName!.reply!.message, /not FromNet or ToNet/);
    t.same(info!.reply!.value.types.map((x: { name: string }) => x.name), ['Counting'], 'only the good type is known');
    t.match(info!.reply!.value.types[0], { name: 'Counting', description: 'counts packets', cpu: 0.25, memoryMiB: 64, src: COUNTING_SRC });
    t.equal((await py(url, 'deploy_pm', { name: 'X' })).fault, -32602, 'a missing src is an invalid-arguments fault');
  });

  t.test('malformed requests: the parser\'s file:line:col, nothing created', async (t) => {
    const cases: Array<[string, RegExp]> = [
      ['in :: FromNet("ip")\n', /^allocation:1:1: missing 'BASESYS=' header line/],
      ['BASESYS=xen.clickos\nin :: FromNet("ip")\nout :: ToNet("t")\nc :: Countng()\nin -> c -> out\n', /^allocation:4:1: unknown processing module type 'Countng' \(did you mean 'Counting'\?\)/],
      ['BASESYS=xen.clickos\nin :: FromNet("ip")\nc :: Counting()\nin -> c -> \n', /^allocation:5:1: syntax error near end of file/],
      ['BASESYS=xen.linux\nin :: FromNet("ip")\nout :: ToNet("t")\nc :: Counting()\nin -> c -> out\n', /^allocation:1:1: BASESYS 'xen.linux' is not offered here/],
      ['BASESYS=xen.clickos\nin :: FromNet(ip)\nout :: ToNet("t")\nc :: Counting()\nin -> c -> out\n', /^allocation:2:1: FromNet 'in' takes one quoted/],
    ];
    const replies = await python(url, cases.map(([text]) => ['install_allocation', text, 'task'] as [string, unknown, 'task']));
    replies.forEach((r, i) => {
      t.equal(r.reply!.code, 1, `case ${i} refused`);
      t.match(r.reply!.message, cases[i]![1]);
      if (i !== 3) t.match(r.reply!.value, { line: Number, col: Number, reason: String }, 'the position as values too');
    });
    for (const h of hosts) t.same((await journal(h)).calls, [], `no call reached ${h.url}`);
    t.same((await py(url, 'get_pm_info')).reply!.value.allocations, [], 'no allocation recorded');
  });

  let id = 0;
  t.test('install_allocation: a polled task whose value is the allocation id', async (t) => {
    const r = await py(url, 'install_allocation', CHAIN, 'task');
    t.equal(r.seen![0], -1, 'CODE_NOT_READY at once (a task)');
    t.equal(r.reply!.code, 0, r.reply!.message);
    id = r.reply!.value;
    t.equal(id, 1);
    t.match(r.reply!.message, /allocation 1 installed: c1 on mh-[ab], c2 on mh-[ab]/);
    const info = (await py(url, 'get_pm_info')).reply!.value;
    t.equal(info.allocations.length, 1);
    const a = info.allocations[0];
    t.match(a, { id: 1, state: 'installed', request: CHAIN });
    t.same(a.pms.map((p: { module: string; name: string }) => [p.module, p.name]), [['c1', 'rd-1-1-c1'], ['c2', 'rd-1-2-c2']]);
    const where = new Map<string, string[]>();
    for (const p of a.pms as Array<{ host: string; name: string; domid: number }>) {
      t.ok(p.domid >= 1, 'the domid hostd answered');
      where.set(p.host, [...(where.get(p.host) ?? []), p.name]);
    }
    for (const h of hosts) {
      const j = await journal(h);
      const id = /standin (mh-[ab])/.exec(h.stderr)![1]!;
      t.same(j.pms.sort(), (where.get(id) ?? []).sort(), `${id} holds exactly the PMs get_pm_info says`);
    }
    // openflowd's view: module → host and vifs.
    const fm = rd.flowMap(1)!;
    t.same(fm.fromNet, [{ name: 'in', match: 'ip,nw_dst=10.0.0.1' }]);
    t.same(fm.toNet, [{ name: 'out', port: 'tun1' }]);
    t.same(fm.modules.map((m) => [m.module, m.vifs]), [
      ['c1', [{ index: 0, bridge: 'xenbr0', mac: '02:cf:00:01:01:00' }]],
      ['c2', [{ index: 0, bridge: 'xenbr0', mac: '02:cf:00:01:02:00' }]],
    ]);
    t.same(fm.connections.map((c) => `${c.from}[${c.fromPort}]->[${c.toPort}]${c.to}`), ['in[0]->[0]c1', 'c1[0]->[0]c2', 'c2[0]->[0]out']);
    const lh = (await py(url, 'list_hosts')).reply!.value as Array<{ pms: string[] }>;
    t.same(lh.flatMap((h) => h.pms).sort(), ['rd-1-1-c1', 'rd-1-2-c2']);
  });

  t.test('delete_allocation removes every PM it created', async (t) => {
    const r = await py(url, 'delete_allocation', id, 'task');
    t.same(r.reply, { code: 0, message: 'allocation 1 deleted (2 PM(s))', value: null });
    for (const h of hosts) t.same((await journal(h)).pms, [], 'nothing left on the stand-in');
    const deletes = (await Promise.all(hosts.map(journal))).flatMap((j) => j.calls.filter((c) => c.method === 'delete_pm').map((c) => c.name));
    t.same(deletes.sort(), ['rd-1-1-c1', 'rd-1-2-c2']);
    t.same((await py(url, 'get_pm_info')).reply!.value.allocations, []);
    const again = await py(url, 'delete_allocation', id, 'task');
    t.same(again.reply, { code: 1, message: 'no allocation 1', value: { error: 'no_allocation' } }, 'an error code a client can act on');
    t.equal((await py(url, 'delete_allocation', 'one')).fault, -32602, 'the id is an integer');
  });

  t.test('a request that fits nowhere is refused before any host is called', async (t) => {
    const before = (await Promise.all(hosts.map(journal))).map((j) => j.calls.length);
    await python(url, [['deploy_pm', { name: 'Huge', src: COUNTING_SRC, memoryMiB: 4096 }]]);
    const r = await py(url, 'install_allocation', 'BASESYS=xen.clickos\nin :: FromNet("ip")\nout :: ToNet("t")\nh :: Huge()\nin -> h -> out\n', 'task');
    t.equal(r.reply!.code, 1);
    t.match(r.reply!.message, /install_allocation refused, nothing installed: no placement on 2 host\(s\)/);
    t.same((await Promise.all(hosts.map(journal))).map((j) => j.calls.length), before, 'no create_pm');
  });
});

t.test('main.js: a bad config exits 2 listing the problems; a good one serves until SIGTERM', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'resourced-main-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const run = (cfg: unknown, untilListening = false): Promise<{ code: number | null; stderr: string }> =>
    new Promise((resolve) => {
      const file = join(dir, `c-${Math.random()}.json`);
      void writeFile(file, JSON.stringify(cfg)).then(() => {
        const child = spawn(process.execPath, [join(projectRoot, 'dist', 'controller', 'resourced', 'main.js'), '--config', file], { stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        child.stderr!.on('data', (b: Buffer) => {
          stderr += b.toString();
          if (untilListening && /listening on/.test(stderr)) child.kill('SIGTERM');
        });
        child.once('exit', (code) => resolve({ code, stderr }));
      });
    });
  const bad = await run({ secret: 'short', listen: { port: 'x' }, hosts: { heartbeatTimeoutMs: 1 }, colour: 'blue' });
  t.equal(bad.code, 2);
  t.match(bad.stderr, /resourced: invalid resourced configuration:\n/);
  t.match(bad.stderr, /config\.colour: unknown key \(known: name, listen, /);
  t.match(bad.stderr, /config\.secret: a secret is 16-512/);
  t.match(bad.stderr, /config\.listen\.port: expected an integer/);
  t.match(bad.stderr, /config\.hosts\.heartbeatTimeoutMs/);
  const db = join(dir, 'resourced.db');
  const good = await run({ secret: 'a-good-secret-0123456789', listen: { port: 0 }, folders: { patches: join(dir, 'patches') }, store: { path: db } }, true);
  t.equal(good.code, 0, good.stderr);
  t.match(good.stderr, `resourced: store sqlite:${db}: 0 type(s), 0 host(s), 0 allocation(s)`, 'the default store is SQLite, at store.path');
  t.match(good.stderr, /resourced: listening on http:\/\/127\.0\.0\.1:\d+\/RPC2 \(12 methods\)/);
});

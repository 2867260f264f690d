// A replicated controller (issue 20; docs/controller-store.md): two resourced processes on
// a real 3-member etcd cluster (Debian's etcd-server, on loopback). One is elected and
// acts; the other serves reads from etcd and refuses writes naming the leader. The leader
// is killed with SIGKILL in the middle of an install, and one etcd member with it: the
// other instance takes over, rolls the interrupted install back, and accepts the next;
// nothing is lost or duplicated. Module hosts are STAND-INS for hostd (real daemon
// processes with an in-memory create_pm, since real hostd needs Xen), each registered
// with both instances as hostd is with `controller.urls`.
import t from 'tap';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XmlRpcClient, type ReturnValue } from '../../daemon/index.js';
import { projectRoot } from '../../lab/paths.js';
import { DaemonProcess } from '../support/daemon-process.js';
import { startEtcdCluster } from '../support/etcd-cluster.js';
import { CHAIN, COUNTING_SRC, HOSTS_SECRET, STANDIN_SECRET, USER_SECRET, startStandins, waitFor, type Standin } from '../support/resourced.js';

t.setTimeout(5 * 60_000);

const chain = (n: number): string =>
  `BASESYS=xen.clickos\nin :: FromNet("ip")\nout :: ToNet("tun1")\n${Array.from({ length: n }, (_, i) => `m${i + 1} :: Counting()`).join('\n')}\nin -> ${Array.from({ length: n }, (_, i) => `m${i + 1}`).join(' -> ')} -> out\n`;

async function call(url: string, method: string, arg?: unknown): Promise<ReturnValue> {
  const c = new XmlRpcClient({ url, secret: USER_SECRET, timeoutMs: 30_000 });
  try {
    let rv = (await (arg === undefined ? c.call(method) : c.call(method, arg as never))) as ReturnValue;
    const id = rv.value as string;
    while (rv.code === -1) {
      await new Promise((r) => setTimeout(r, 50));
      rv = (await c.call('task.status', id)) as ReturnValue;
    }
    return rv;
  } finally {
    c.close();
  }
}

async function journal(s: Standin): Promise<string[]> {
  const c = new XmlRpcClient({ url: s.url, secret: STANDIN_SECRET });
  try {
    return ((await c.call('journal')) as { value: { pms: string[] } }).value.pms;
  } finally {
    c.close();
  }
}

interface Info {
  allocations: Array<{ id: number; state: string; pms: Array<{ name: string; host: string }> }>;
}

t.test('two resourced instances on a 3-member etcd: one leader, failover mid-install, nothing lost or duplicated', async (t) => {
  const etcd = await startEtcdCluster(3);
  const dir = await mkdtemp(join(tmpdir(), 'controller-etcd-'));
  const main = join(projectRoot, 'dist', 'controller', 'resourced', 'main.js');
  const rds = [new DaemonProcess('resourced-0', main), new DaemonProcess('resourced-1', main)];
  t.teardown(async () => {
    for (const r of rds) await r.stop('SIGKILL');
    await etcd.stop();
    await rm(dir, { recursive: true, force: true });
  });
  const base = 24000 + (process.pid % 1000) * 2;
  const urls: string[] = [];
  for (const [i, r] of rds.entries()) {
    const file = join(dir, `resourced-${i}.json`);
    await writeFile(file, JSON.stringify({
      listen: { host: '127.0.0.1', port: base + i },
      secret: { user: USER_SECRET, hosts: HOSTS_SECRET },
      folders: { patches: join(dir, `patches-${i}`) },
      hosts: { principals: ['hosts'], defaultSecret: STANDIN_SECRET, heartbeatTimeoutMs: 3000, pollMs: 20, taskTimeoutMs: 20_000 },
      pm: { memoryMiB: 64 },
      placement: { timeLimitMs: 300 },
      store: { kind: 'etcd', endpoints: etcd.endpoints, leaseSeconds: 2 },
    }));
    urls.push(await r.start(file));
  }
  const hosts = await startStandins(t, urls, [{ hostId: 'mh-a', createDelayMs: 400 }, { hostId: 'mh-b', createDelayMs: 400 }]);

  // Exactly one instance accepts a write; the other names it.
  const deploy = { name: 'Counting', src: COUNTING_SRC };
  const leader = await waitFor('a leader to be elected', async () => {
    const rvs = await Promise.all(urls.map((u) => call(u, 'deploy_pm', deploy)));
    const i = rvs.findIndex((r) => r.code === 0);
    return i < 0 ? undefined : i;
  }, 30_000, 200);
  const follower = 1 - leader;
  const refused = await call(urls[follower]!, 'install_allocation', CHAIN);
  t.equal(refused.code, 1);
  t.match(refused.value, { error: 'not_leader', leader: urls[leader] }, 'the follower refuses a write and names the leader');
  t.match(refused.message, `the leader is ${urls[leader]}`);
  await waitFor('both hosts live at the leader', async () => {
    const h = (await call(urls[leader]!, 'list_hosts')).value as Array<{ heartbeats: number }>;
    return h.filter((x) => x.heartbeats > 0).length === 2 ? true : undefined;
  });

  const first = await call(urls[leader]!, 'install_allocation', CHAIN);
  t.equal(first.code, 0, first.message);
  const seen = (await call(urls[follower]!, 'get_pm_info')).value as unknown as Info;
  t.same(seen.allocations.map((a) => [a.id, a.state]), [[first.value, 'installed']], 'the follower reads the allocation from etcd');

  // Kill the leader while it creates the second of four PMs, and one etcd member with it.
  const killed = rds[leader]!.killOn(/create_pm \S+-2-m2 /);
  const interrupted = call(urls[leader]!, 'install_allocation', chain(4)).catch((e: Error) => e);
  await killed;
  const t0 = Date.now();
  await etcd.kill(leader === 0 ? 2 : 0);
  await interrupted;
  const next = await waitFor('the surviving instance to accept an install', async () => {
    const rv = await call(urls[follower]!, 'install_allocation', CHAIN).catch(() => undefined);
    return rv && rv.code === 0 ? rv : undefined;
  }, 60_000, 100);
  const ms = Date.now() - t0;
  t.comment(`from the kill to the next accepted install: ${ms} ms (lease 2 s)`);
  t.ok((next.value as number) > (first.value as number), 'a fresh allocation id');

  // The new leader rolled the interrupted install back (reconcile on election).
  const info = await waitFor('the interrupted install to be rolled back', async () => {
    const i = (await call(urls[follower]!, 'get_pm_info')).value as unknown as Info;
    return i.allocations.length === 2 ? i : undefined;
  }, 30_000, 200);
  t.same(info.allocations.map((a) => [a.id, a.state]), [[first.value, 'installed'], [next.value, 'installed']], 'the finished allocations, and only them');
  const recorded = info.allocations.flatMap((a) => a.pms.map((p) => p.name)).sort();
  const held = (await Promise.all(hosts.map(journal))).flat().sort();
  t.same(held, recorded, 'the hosts hold exactly the recorded PMs: none left from the killed install, none twice');
  t.equal(new Set(recorded).size, recorded.length, 'no PM name twice');
  const rv = await call(urls[follower]!, 'reconcile', { dry_run: true });
  t.same((rv.value as Array<{ kind: string }>).map((a) => a.kind), ['adopt', 'adopt'], 'nothing more to reconcile');
});

// A replicated controller (issue 20; docs/controller-store.md): two resourced processes on
// a real 3-member etcd cluster (Debian's etcd-server, on loopback). One is elected and
// acts; the other serves reads from etcd and refuses writes naming the leader. The leader
// is killed with SIGKILL in the middle of an install, and one etcd member with it: the
// other instance takes over, rolls the interrupted install back, and accepts the next;
// nothing is lost or duplicated. Module hosts are STAND-INS for hostd (real daemon
// processes with an in-memory create_pm, since real hostd needs Xen), each registered
// with both instances as hostd is with `controller.urls`.
import t from 'tap';
import { XmlRpcClient } from '../../daemon/index.js';
import { startReplicated, userCall as call } from '../support/replicated.js';
import { CHAIN, STANDIN_SECRET, waitFor, type Standin } from '../support/resourced.js';

t.setTimeout(5 * 60_000);

const chain = (n: number): string =>
  `BASESYS=xen.clickos\nin :: FromNet("ip")\nout :: ToNet("tun1")\n${Array.from({ length: n }, (_, i) => `m${i + 1} :: Counting()`).join('\n')}\nin -> ${Array.from({ length: n }, (_, i) => `m${i + 1}`).join(' -> ')} -> out\n`;

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
  // Exactly one instance accepts a write (startReplicated deploys through the one that does).
  const { etcd, rds, urls, hosts, leader, stop } = await startReplicated();
  t.teardown(stop);
  const follower = 1 - leader;
  const refused = await call(urls[follower]!, 'install_allocation', CHAIN);
  t.equal(refused.code, 1);
  t.match(refused.value, { error: 'not_leader', leader: urls[leader] }, 'the follower refuses a write and names the leader');
  t.match(refused.message, `the leader is ${urls[leader]}`);

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
    // 90 s: in CI this file runs beside another and the ClickOS build; 30 s once ran out
    // with the rollback logged but not yet read back through the new leader
  }, 90_000, 200);
  t.same(info.allocations.map((a) => [a.id, a.state]), [[first.value, 'installed'], [next.value, 'installed']], 'the finished allocations, and only them');
  const recorded = info.allocations.flatMap((a) => a.pms.map((p) => p.name)).sort();
  const held = (await Promise.all(hosts.map(journal))).flat().sort();
  t.same(held, recorded, 'the hosts hold exactly the recorded PMs: none left from the killed install, none twice');
  t.equal(new Set(recorded).size, recorded.length, 'no PM name twice');
  const rv = await call(urls[follower]!, 'reconcile', { dry_run: true });
  t.same((rv.value as Array<{ kind: string }>).map((a) => a.kind), ['adopt', 'adopt'], 'nothing more to reconcile');
});

// A follower answers reads by reloading the records from the store. A reload that began
// before the instance was elected must not land after the new leader's reconcile: it would
// put back what the reconcile had just removed, and the leader would then hold a rolled-back
// install forever (controller/resourced/resourced.ts `reload`; seen once in CI in
// test/unit/controller-etcd.test.ts). Here the store's load is held at will (a MemoryStore
// whose snapshot is taken at once and handed over when the test says), and the leadership
// is the test's.
import t from 'tap';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryStore, type Leadership, type StoreSnapshot } from '../../controller/store/index.js';
import { Resourced, parseConfig } from '../../controller/resourced/index.js';
import { CHAIN, HOSTS_SECRET, STANDIN_SECRET, USER_SECRET } from '../support/resourced.js';
import { waitFor } from '../support/wait.js';

class HeldStore extends MemoryStore {
  held: Promise<void> | undefined;
  override async load(): Promise<StoreSnapshot> {
    const held = this.held; // a load begun while held waits, whatever happens meanwhile
    const snap = await super.load(); // the records as they are now
    if (held) await held;
    return snap;
  }
}

t.test("a follower's reload begun before its election does not bring back what the new leader rolled back", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'resourced-race-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const config = await parseConfig(
    { listen: { host: '127.0.0.1', port: 0 }, secret: { user: USER_SECRET, hosts: HOSTS_SECRET }, folders: { patches: join(dir, 'patches') }, hosts: { principals: ['hosts'], defaultSecret: STANDIN_SECRET } },
    join(dir, 'resourced.json'),
  );
  const store = new HeldStore();
  // an install the killed leader left half done: reserved, no PM created yet
  const interrupted = await store.reserveAllocation({ request: CHAIN, state: 'installing', planned: {}, pms: [], createdAt: new Date().toISOString() });
  let leader = false;
  let elected: (() => void) | undefined;
  const leadership: Leadership = { isLeader: () => leader, leaderUrl: () => undefined, onElected: (fn) => void (elected = fn), close: async () => {} };
  const logs: string[] = [];
  const rd = new Resourced(config, (m) => void logs.push(m), undefined, store);
  rd.lead(leadership);
  await rd.open();
  t.teardown(() => rd.stop());

  // a read on the follower: its reload takes the snapshot (with the interrupted install) and waits
  let release!: () => void;
  store.held = new Promise<void>((r) => (release = r));
  const read = rd.pmInfo();
  // elected meanwhile: the leader's own reload (let through) and reconcile roll the install back
  leader = true;
  const held = store.held;
  // the election's own reload is held too: until it lands, writes are refused, not lost to it
  let loaded!: () => void;
  store.held = new Promise<void>((r) => (loaded = r));
  elected!();
  store.held = undefined;
  t.match(rd.notLeader('install_allocation'), { code: 1, value: { error: 'not_leader' }, message: /install_allocation: this resourced was just elected and is loading the records; try again/ }, 'a write while taking over is refused, to be retried');
  loaded();
  await waitFor('the interrupted install to be rolled back', async () => ((await store.load()).allocations.length === 0 ? true : undefined), 10_000, 20);
  t.ok(logs.some((l) => l.includes(`roll_back_install allocation ${interrupted.id}`)), 'the new leader rolled it back');
  // now the stale reload lands
  release();
  await held;
  const first = await read;
  t.equal(first.code, 0);
  const after = await rd.pmInfo();
  t.same((after.value as { allocations: Array<{ id: number }> }).allocations.map((a) => a.id), [], 'the leader holds no rolled-back install');
});

// clickos-ctl issue #35: configuring many guests in parallel took minutes because
// of conflicting XenStore transactions. Here 6 guests (LAB_PARALLEL_GUESTS; 6 keeps CI
// under its time: each create is ~6 s under emulation) get a router each, all at
// once over one connection; every install must finish and every router run. Each guest is
// capped at 1% of a CPU: a Running ClickOS router polls (docs/clickos.md).
import t from 'tap';
import { CLICKOS } from './helpers.js';
import { XenStore } from '../../xenstore/index.js';
import { Xl } from '../../toolstack/index.js';
import { ClickosGuests } from '../../guests/index.js';

const N = Number(process.env.LAB_PARALLEL_GUESTS ?? 6);
const xl = new Xl({ timeoutMs: 600_000 });
const PREFIX = `gp-${process.pid}`;

t.test(`${N} guests configured in parallel`, async (t) => {
  const xs = await XenStore.connect();
  const guests = new ClickosGuests({ xs, xl, bootTimeoutMs: 600_000, initGraceMs: 0 });
  t.teardown(async () => {
    for (const d of await xl.list()) if (d.name.startsWith(PREFIX)) await xl.destroy(d.domid).catch(() => {});
    xs.close();
  });
  // Created one after another (xl itself serialises on its lock), booted concurrently.
  const created = [];
  for (let i = 0; i < N; i++) created.push(await guests.create({ name: `${PREFIX}-${i}`, ...CLICKOS, cap: 1 }));
  t.equal(created.length, N, `${N} guests up with data/clickos`);

  const config = 'src :: TimedSource(1);\nc :: Counter;\nd :: Discard;\nsrc -> c -> d;\n';
  const t0 = Date.now();
  const rids = await Promise.all(created.map((g) => guests.install(g.domid, config, 'par')));
  await Promise.all(created.map((g, i) => guests.control.start(g.domid, rids[i]!)));
  const ms = Date.now() - t0;
  t.same(rids, created.map(() => 0), 'every guest got router 0');
  const statuses = await Promise.all(created.map(async (g) => (await guests.routers(g.domid))[0]!.status));
  t.same(statuses, created.map(() => 'Running'), 'every router Running');
  t.pass(`${N} installs + starts in parallel took ${ms} ms`);
});

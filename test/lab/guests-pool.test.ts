// The warm pool on real Xen with real ClickOS guests: warmed from a template, claimed and renamed in
// one XenStore transaction (checked with the real xl), re-plugged when the vif
// layout differs, created when the pool is empty, adopted by a new pool after a
// "restart", bounded by memory; failures leave no domain, vif or XenStore node.
import t from 'tap';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { XenStore } from '../../xenstore/index.js';
import { Xl } from '../../toolstack/index.js';
import { ClickosGuests, ConfigCheckError, GuestDiedError, RouterInitError, WarmPool, type PoolEvent } from '../../guests/index.js';
import { CLICKOS, waitFor, xl as runXl, xsExists } from './helpers.js';

const run = promisify(execFile);
const xl = new Xl({ timeoutMs: 300_000 });
const PREFIX = `wp-${process.pid}`;
const template = { ...CLICKOS, vifs: [{ bridge: 'xenbr0' }] };
const config = 'src :: FromDevice(0);\nc :: Counter;\nsink :: ToDevice(0);\nsrc -> c -> sink;\n';

/** Nothing of domain `domid` remains: no domain, no XenStore home, no vif backend. */
async function gone(domid: number): Promise<boolean> {
  return !(await xl.list()).some((d) => d.domid === domid) && !xsExists(`/local/domain/${domid}`) && !xsExists(`/local/domain/0/backend/vif/${domid}`);
}

t.test('warm pool', async (t) => {
  const xs = await XenStore.connect();
  const guests = new ClickosGuests({ xs, xl, bootTimeoutMs: 300_000, initGraceMs: 60_000, handlerTimeoutMs: 30_000 });
  t.teardown(async () => {
    for (const d of await xl.list()) if (d.name.startsWith(PREFIX)) await xl.destroy(d.domid).catch(() => {});
    xs.close();
  });
  const events: PoolEvent[] = [];
  const pool = new WarmPool({ guests, template, size: 2, prefix: `${PREFIX}-pool`, autoRefill: false, onEvent: (e) => events.push(e) });
  await pool.start();
  t.same(pool.stats(), { idle: 2, warming: 0, size: 2 }, 'two guests warmed');
  const idle = [...pool.idleGuests()];
  for (const g of idle) {
    t.match(g.name, new RegExp(`^${PREFIX}-pool-\\d+$`));
    t.ok(xsExists(`${g.root}`), `${g.name} has its ClickOS root`);
    t.same(await xs.directory(g.root), [], 'and no router');
  }

  t.test('a request with the template layout is served by an idle guest: renamed, installed, Running', async (t) => {
    const first = idle[0]!;
    const inst = await pool.instantiate({ name: `${PREFIX}-fw`, config, configName: 'fw' });
    t.equal(inst.source, 'pool');
    t.equal(inst.domid, first.domid, 'the first idle guest');
    t.equal(inst.rid, 0);
    t.ok(inst.confirmed, 'the console confirmed the start');
    // The real xl sees the new name: our rename is libxl's.
    t.equal((await runXl('domid', `${PREFIX}-fw`)).stdout.trim(), String(inst.domid), 'xl domid finds the new name');
    t.notOk((await xl.list()).some((d) => d.name === first.name), 'the pool name is gone from xl list');
    const vm = await xs.read(`/local/domain/${inst.domid}/vm`);
    t.equal(await xs.read(`${vm}/name`), `${PREFIX}-fw`, '/vm/<uuid>/name follows');
    t.notOk(xsExists(`/local/domain/${inst.domid}/clickos-toolstack/pool`), 'no longer marked idle');
    const log = await guests.consoles.all(inst.domid);
    t.match(log, /\[router_thread:\d+\] Starting driver/, "the console is still found after the rename: ClickOS's start line");
    t.equal(await guests.read(inst.domid, 0, 'sink', 'class'), 'ToDevice', 'handlers answer, and the last element exists');
    t.equal(pool.stats().idle, 1);
  });

  t.test('a request naming a domain that exists is refused and the guest stays idle', async (t) => {
    await t.rejects(pool.acquire({ name: `${PREFIX}-fw` }), /already exists/);
    t.equal(pool.stats().idle, 1);
  });

  t.test('a restarted toolstack adopts the idle guest and discards half-warmed ones', async (t) => {
    await pool.close(); // keeps its idle guest
    // A guest with the pool's name pattern but no idle marker: what a crash mid-warm-up leaves.
    const half = await guests.create({ ...template, name: `${PREFIX}-pool-99` });
    const events2: PoolEvent[] = [];
    const pool2 = new WarmPool({ guests, template, size: 1, prefix: `${PREFIX}-pool`, autoRefill: false, onEvent: (e) => events2.push(e) });
    t.teardown(() => pool2.close({ destroyIdle: true })); // after the subtests below (t.test only queues them)
    await pool2.start();
    t.same(events2.filter((e) => e.kind === 'adopted').map((e) => (e as { domid: number }).domid), [idle[1]!.domid], 'the idle guest adopted');
    t.ok(events2.some((e) => e.kind === 'discarded' && e.domid === half.domid), 'the half-warmed guest discarded');
    t.ok(await waitFor('the half-warmed guest to go', async () => ((await gone(half.domid)) ? true : undefined)), 'and destroyed');
    t.notOk(events2.some((e) => e.kind === 'warmed'), 'nothing new warmed: the pool was full');

    t.test('another vif layout: the idle guest is re-plugged', async (t) => {
      // The second vif on a bridge of its own: the router forwards vif 0 to vif 1, and
      // two vifs on xenbr0 would make a loop.
      const br = `wpb${process.pid % 100000}`;
      await run('ip', ['link', 'add', br, 'type', 'bridge']);
      await run('ip', ['link', 'set', br, 'up']);
      t.teardown(() => run('ip', ['link', 'del', br]).then(() => {}, () => {}));
      const two = 'a :: FromDevice(0);\nb :: ToDevice(1);\na -> b;\n';
      const inst = await pool2.instantiate({ name: `${PREFIX}-two`, vifs: [{ bridge: 'xenbr0' }, { bridge: br }], config: two });
      t.equal(inst.source, 'replug');
      t.equal(inst.domid, idle[1]!.domid);
      t.equal((await guests.vifs.list(inst.domid)).length, 2, 'two vifs');
      t.ok(inst.confirmed, 'ToDevice(1) found its vif');
      await guests.destroy(inst.domid);
    });

    t.test('an empty pool falls back to the create path', async (t) => {
      const inst = await pool2.instantiate({ name: `${PREFIX}-cold`, config });
      t.equal(inst.source, 'create');
      t.ok(inst.confirmed);
      await guests.destroy(inst.domid);
    });

    t.test('a config the guest rejects: the claimed guest is destroyed, nothing left', async (t) => {
      await pool2.refill();
      const [g] = pool2.idleGuests();
      // Valid Click ClickOS cannot initialise (Counter takes no positional argument): the failure comes after the claim.
      const err = await pool2.instantiate({ name: `${PREFIX}-bad`, config: 'src :: FromDevice(0);\nc :: Counter(bogus);\nsink :: ToDevice(0);\nsrc -> c -> sink;\n' }).catch((e: unknown) => e);
      t.type(err, RouterInitError);
      t.ok(await gone(g!.domid), `domain ${g!.domid}, its vif and XenStore home are gone`);
    });

    t.test('a config the checker refuses: no guest is claimed', async (t) => {
      await pool2.refill();
      const before = pool2.stats().idle;
      await t.rejects(pool2.instantiate({ name: `${PREFIX}-worse`, config: 'not click at all\n' }), ConfigCheckError);
      t.equal(pool2.stats().idle, before, 'the idle guest is still idle');
    });
  });

  t.test('a guest killed midway: install and start fail clearly, nothing is left', async (t) => {
    const pool3 = new WarmPool({ guests, template, size: 1, prefix: `${PREFIX}-pool`, autoRefill: false });
    await pool3.start();
    const inst = await pool3.acquire({ name: `${PREFIX}-victim` });
    const big = config + `// ${'x'.repeat(60_000)}\n`;
    const [install] = await Promise.allSettled([guests.install(inst.domid, big), xl.destroy(inst.domid)]);
    if (install.status === 'rejected') t.match(String(install.reason), /does not exist|not a ClickOS domain/, 'install: the domain is gone');
    else t.pass('the install committed before the destroy');
    t.ok(await gone(inst.domid), 'no domain, vif or XenStore node left');

    await pool3.refill();
    const inst2 = await pool3.acquire({ name: `${PREFIX}-victim2` });
    const rid = await guests.install(inst2.domid, config);
    const [start] = await Promise.allSettled([guests.start(inst2.domid, rid), xl.destroy(inst2.domid)]);
    if (start.status === 'rejected') t.type(start.reason, GuestDiedError, 'start: the death is reported as such');
    else t.pass('the router started before the destroy');
    t.ok(await gone(inst2.domid), 'nothing left');
    await pool3.close({ destroyIdle: true });
  });

  t.test('pool memory is bounded by configuration', async (t) => {
    const ev: PoolEvent[] = [];
    const small = new WarmPool({ guests, template, size: 3, maxMemoryMiB: 40, prefix: `${PREFIX}-lim`, autoRefill: false, onEvent: (e) => ev.push(e) });
    await small.start();
    t.equal(small.stats().idle, 2, 'two 16 MiB guests fit in 40 MiB, a third does not');
    t.ok(ev.some((e) => e.kind === 'limited' && /exceed 40 MiB/.test(e.why)), 'the limit is reported');
    await small.close({ destroyIdle: true });
    t.notOk((await xl.list()).some((d) => d.name.startsWith(`${PREFIX}-lim`)), 'closed with destroyIdle: none left');
  });
});

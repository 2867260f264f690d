// ClickOS guests on real Xen: real ClickOS (the lab's image, lab/clickos-image.ts) driven by
// guests/ through our XenStore client and xl. What ClickOS prints and writes is in docs/clickos.md.
import t from 'tap';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { XenStore } from '../../xenstore/index.js';
import { Xl } from '../../toolstack/index.js';
import { ClickosGuests, ConfigCheckError, GuestError, GuestTimeoutError, RouterInitError, CHUNK_SIZE, STANDIN_CONSOLE } from '../../guests/index.js';
import { guestKernel, guestRamdisk } from '../../lab/guest-kit.js';
import { CLICKOS, waitFor, xsExists } from './helpers.js';

const run = promisify(execFile);
const xl = new Xl({ timeoutMs: 300_000 });
const PREFIX = `g-t-${process.pid}`;

/**
 * A config of about `bytes` bytes: a chain of Counters ending in `last`, so that reading
 * last.class proves ClickOS parsed the config to its last byte.
 */
function clickConfig(bytes: number): string {
  let decls = 'src :: TimedSource(1);\nlast :: Counter;\nd :: Discard;\n';
  let chain = 'src';
  for (let i = 0; decls.length + chain.length < bytes - 40; i++) {
    decls += `n${i} :: Counter; // filler ${'é'.repeat(i % 3)}\n`;
    chain += ` -> n${i}`;
  }
  return `${decls}${chain} -> last -> d;\n`;
}

async function consoleLine(domid: number, re: RegExp): Promise<string> {
  return waitFor(`console ${re}`, async () => (await xl.consoleLog(domid).catch(() => '')).split('\n').find((l) => re.test(l)), 120_000);
}

t.test('real ClickOS guest lifecycle', async (t) => {
  const xs = await XenStore.connect();
  const guests = new ClickosGuests({ xs, xl, bootTimeoutMs: 180_000, initGraceMs: 60_000, handlerTimeoutMs: 30_000 });
  t.teardown(async () => {
    for (const d of await xl.list()) if (d.name.startsWith(PREFIX)) await xl.destroy(d.domid).catch(() => {});
    xs.close();
  });

  const g = await guests.create({ name: `${PREFIX}-a`, ...CLICKOS, vifs: [{ bridge: 'xenbr0' }] });
  t.equal(g.root, `/local/domain/${g.domid}/data/clickos`, 'ClickOS created data/clickos');
  t.match(await xl.consoleLog(g.domid), /Thread "main"/, 'MiniOS booted');

  t.test('install: chunks ≤ 512 bytes, lowest router id, guest-writable control/elements', async (t) => {
    const cfg = clickConfig(1024);
    const rid = await guests.install(g.domid, cfg, 'one-k');
    t.equal(rid, 0);
    const chunks = await xs.directory(`${g.root}/0/config`);
    t.equal(chunks.length, Math.ceil(Buffer.byteLength(cfg) / CHUNK_SIZE));
    for (const c of chunks) t.ok((await xs.readBuffer(`${g.root}/0/config/${c}`)).length <= CHUNK_SIZE);
    t.equal(await guests.control.config(g.domid, 0), cfg, 'joined back intact');
    t.same(await xs.getPermissions(`${g.root}/0/elements`), [{ domid: 0, access: 'none' }, { domid: g.domid, access: 'both' }]);
    t.same(await guests.routers(g.domid), [{ rid: 0, status: 'Halted', configName: 'one-k' }]);
  });

  t.test('start: ClickOS reads the whole config and runs it', async (t) => {
    t.same(await guests.start(g.domid, 0), { confirmed: true }, 'confirmed by "Starting driver" on the console');
    t.same((await guests.routers(g.domid))[0]!.status, 'Running');
    t.equal(await guests.read(g.domid, 0, 'last', 'class'), 'Counter', 'the last element of the config exists');
    await t.rejects(guests.start(g.domid, 0), /already Running/);
  });

  t.test('handlers: read and write on real Click elements; counters rise', async (t) => {
    t.equal(await guests.read(g.domid, 0, 'src', 'class'), 'TimedSource');
    t.equal(await guests.read(g.domid, 0, 'src', 'config'), '1');
    const first = Number(await guests.read(g.domid, 0, 'last', 'count'));
    const later = Number(await waitFor('last.count to rise', async () => {
      const v = Number(await guests.read(g.domid, 0, 'last', 'count'));
      return v > first ? v : undefined;
    }, 120_000));
    t.ok(later > first, `last.count rose from ${first} to ${later}`);
    await guests.write(g.domid, 0, 'last', 'reset', '1');
    const after = Number(await waitFor('the reset to apply', async () => {
      const v = Number(await guests.read(g.domid, 0, 'last', 'count'));
      return v < later ? v : undefined;
    }, 60_000));
    t.ok(after < later, `the reset write handler took: ${later} → ${after}`);
    await t.rejects(guests.write(g.domid, 0, 'last', 'reset', ''), /empty handler writes/);
    await t.rejects(guests.read(g.domid, 0, 'a/b', 'x'), /top-level elements only/);
  });

  t.test('64 KiB and 20 kB configs arrive intact in a second router', async (t) => {
    await guests.stop(g.domid, 0);
    for (const size of [64 * 1024, 20_000]) {
      const cfg = clickConfig(size);
      const rid = await guests.install(g.domid, cfg, `size-${size}`);
      t.same(await guests.start(g.domid, rid), { confirmed: true }, `${size} bytes started as router ${rid}`);
      // Handler replies are always under router 0's path (docs/clickos.md), so only one router runs at a time here.
      t.equal(await guests.read(g.domid, rid, 'last', 'class'), 'Counter', `${size} bytes parsed to the end`);
      t.same(await guests.stop(g.domid, rid), { confirmed: true }, '"Router N stoped." on the console');
      await guests.remove(g.domid, rid);
      t.notOk(xsExists(`${g.root}/${rid}`), `router ${rid} removed`);
    }
  });

  t.test('stop: reads time out cleanly; remove refuses a running router unless forced', async (t) => {
    const quick = new ClickosGuests({ xs, xl, handlerTimeoutMs: 3000 });
    const err = await quick.read(g.domid, 0, 'src', 'class').catch((e: unknown) => e);
    t.type(err, GuestTimeoutError);
    t.match((err as Error).message, /no answer to src.class .* is the router Running/);
    t.notOk(xsExists(`${g.root}/0/control/read/src`), 'the read request was cleaned up');
    await guests.start(g.domid, 0);
    await t.rejects(guests.remove(g.domid, 0), /is Running: stop it first/);
    await guests.remove(g.domid, 0, { force: true });
    t.same(await guests.routers(g.domid), []);
  });

  t.test('a config the checker refuses never reaches the guest', async (t) => {
    const err = await guests.deploy(g.domid, 'this is not click\n', 'bad.click').catch((e: unknown) => e);
    t.type(err, ConfigCheckError);
    t.match((err as Error).message, /bad\.click:1:1: unknown element class 'this'/);
    t.same(await guests.routers(g.domid), [], 'nothing installed');
  });

  t.test('a config ClickOS cannot initialise: its own error lines from the console, nothing left', async (t) => {
    // Valid Click the checker passes, but Counter takes no positional argument: only Click's configure can tell.
    const bad = await guests.deploy(g.domid, 'src :: TimedSource(1);\nc :: Counter(bogus);\nd :: Discard;\nsrc -> c -> d;\n', 'bad-arg').catch((e: unknown) => e);
    t.type(bad, RouterInitError, 'Counter(bogus)');
    t.match((bad as Error).message, /Router init failed!/);
    t.match((bad as Error).message, /c :: Counter/, "Click's own message names the element");
    t.same(await guests.routers(g.domid), [], 'the failed router was removed');
    // With the checker off, an unknown class reaches ClickOS, which refuses it on its console.
    const unchecked = new ClickosGuests({ xs, xl, initGraceMs: 60_000, checkConfigs: false });
    const err = await unchecked.deploy(g.domid, 'x :: NoSuchElement;\n', 'unknown').catch((e: unknown) => e);
    t.type(err, RouterInitError);
    t.match((err as Error).message, /NoSuchElement/);
    t.same(await guests.routers(g.domid), []);
    t.equal((await xl.list()).find((d) => d.domid === g.domid)?.state.crashed, false, 'the guest did not crash');
  });

  t.test('not a ClickOS domain, unknown domain, unknown router', async (t) => {
    const valid = 'src :: TimedSource(1);\nd :: Discard;\nsrc -> d;\n';
    await t.rejects(guests.install(0, valid), /not a ClickOS domain/);
    await t.rejects(guests.install(4000, valid), /domain 4000 does not exist/);
    await t.rejects(guests.start(g.domid, 9), /no router 9/);
    await t.rejects(guests.install(g.domid, '   '), GuestError);
  });

  t.test('a dying guest is reported through @releaseDomain; nothing is left', async (t) => {
    const died: number[] = [];
    const w = await guests.watchDeaths([g.domid], (d) => died.push(d));
    await guests.destroy(g.domid);
    await waitFor('the death report', () => (died.length ? died : undefined), 60_000);
    t.same(died, [g.domid]);
    await w.close();
    t.notOk(xsExists(`/local/domain/${g.domid}`));
    t.notOk(xsExists(`/local/domain/0/backend/vif/${g.domid}`));
  });

  t.test('a guest that never creates data/clickos: clear timeout, domain destroyed', async (t) => {
    const slow = new ClickosGuests({ xs, xl, bootTimeoutMs: 1500 });
    // Not ClickOS: the lab's Linux kernel without its ramdisk panics at boot.
    const err = await slow.create({ name: `${PREFIX}-nope`, kernel: guestKernel, memory: 96, extra: 'console=hvc0' }).catch((e: unknown) => e);
    t.type(err, GuestError);
    t.match((err as Error).message, /did not create data\/clickos|went away before creating data\/clickos/);
    t.notOk((await xl.list()).some((d) => d.name === `${PREFIX}-nope`), 'destroyed');
  });
});

t.test('frames cross a Running ClickOS router between two network namespaces, and stop when Halted', async (t) => {
  const xs = await XenStore.connect();
  const guests = new ClickosGuests({ xs, xl, bootTimeoutMs: 180_000, initGraceMs: 60_000, handlerTimeoutMs: 30_000 });
  const ip = (...args: string[]): Promise<unknown> => run('ip', args);
  // Two bridges, each with a network namespace behind a veth: the "outside" and the "inside".
  const tag = String(process.pid % 10000);
  const sides = [
    { br: `gba${tag}`, ns: `gna${tag}`, veth: `gva${tag}`, addr: '10.77.0.1/24' },
    { br: `gbb${tag}`, ns: `gnb${tag}`, veth: `gvb${tag}`, addr: '10.77.0.2/24' },
  ];
  t.teardown(async () => {
    for (const d of await xl.list()) if (d.name === `${PREFIX}-fwd`) await xl.destroy(d.domid).catch(() => {});
    for (const s of sides) {
      await ip('netns', 'del', s.ns).catch(() => {});
      await ip('link', 'del', s.br).catch(() => {});
    }
    xs.close();
  });
  for (const s of sides) {
    await ip('link', 'add', s.br, 'type', 'bridge');
    await ip('link', 'set', s.br, 'up');
    await ip('netns', 'add', s.ns);
    await ip('link', 'add', s.veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', s.ns);
    await ip('link', 'set', s.veth, 'master', s.br, 'up');
    await ip('-n', s.ns, 'addr', 'add', s.addr, 'dev', 'eth0');
    await ip('-n', s.ns, 'link', 'set', 'eth0', 'up');
  }
  const g = await guests.create({ name: `${PREFIX}-fwd`, ...CLICKOS, vifs: sides.map((s) => ({ bridge: s.br })) });
  const ping = (): Promise<boolean> =>
    run('ip', ['netns', 'exec', sides[0]!.ns, 'busybox', 'ping', '-c', '3', '-W', '2', '10.77.0.2']).then(
      () => true,
      () => false,
    );
  t.notOk(await ping(), 'no path before the router runs');
  const config = 'in0 :: FromDevice(0);\nout1 :: ToDevice(1);\nin1 :: FromDevice(1);\nout0 :: ToDevice(0);\nc0 :: Counter;\nc1 :: Counter;\nin0 -> c0 -> out1;\nin1 -> c1 -> out0;\n';
  const rid = await guests.deploy(g.domid, config, 'between');
  const before = Number(await guests.read(g.domid, rid, 'c0', 'count'));
  t.ok(await waitFor('a ping through the guest', async () => ((await ping()) ? true : undefined), 120_000), 'ping crosses ClickOS while Running');
  const after = Number(await guests.read(g.domid, rid, 'c0', 'count'));
  t.ok(after > before, `c0.count went from ${before} to ${after}`);
  t.ok(Number(await guests.read(g.domid, rid, 'c1', 'count')) > 0, 'replies crossed back through c1');
  t.same(await guests.stop(g.domid, rid), { confirmed: true });
  t.notOk(await ping(), 'no traffic once Halted');
});

t.test('vifs: attach to a ClickOS guest, connected, opened by a router; detach leaves no node', async (t) => {
  const xs = await XenStore.connect();
  const guests = new ClickosGuests({ xs, xl, bootTimeoutMs: 180_000, initGraceMs: 60_000, handlerTimeoutMs: 30_000 });
  t.teardown(async () => {
    for (const d of await xl.list()) if (d.name === `${PREFIX}-vif`) await xl.destroy(d.domid).catch(() => {});
    xs.close();
  });
  const g = await guests.create({ name: `${PREFIX}-vif`, ...CLICKOS });
  const mac = '00:16:3e:0c:0c:01';
  const dev = await guests.vifs.attach(g.domid, { bridge: 'xenbr0', mac });
  t.equal(await xs.read(`${guests.vifs.backendPath(g.domid, dev.devid)}/hotplug-status`), 'connected');
  t.equal((await guests.vifs.list(g.domid)).length, 1);
  const rid = await guests.deploy(g.domid, 'src :: FromDevice(0);\nc :: Counter;\nsink :: ToDevice(0);\nsrc -> c -> sink;\n', 'forward');
  t.match(await consoleLine(g.domid, new RegExp(mac.replace(/:/g, ':'), 'i')), /./, 'netfront opened the vif with its MAC');
  await guests.stop(g.domid, rid);
  await guests.remove(g.domid, rid);
  await guests.vifs.detach(g.domid, dev.devid);
  t.notOk(await xs.exists(guests.vifs.backendPath(g.domid, dev.devid)), 'backend node gone');
  t.notOk(await xs.exists(guests.vifs.frontendPath(g.domid, dev.devid)), 'frontend node gone');
  await t.rejects(guests.vifs.attach(g.domid, { bridge: 'nosuchbr1' }), /dom0 has no bridge nosuchbr1/, 'a missing bridge is refused before xl runs');
  // with the script given, the check is xl's: its hotplug script fails, the vif is detached
  await t.rejects(guests.vifs.attach(g.domid, { bridge: 'nosuchbr1', script: 'vif-bridge' }), /failed/);
  t.same(await guests.vifs.list(g.domid), [], 'a failed attach leaves no vif');
});

// Stand-in: the pinned ClickOS creates data/clickos itself, so a pre-2016 image that waits for
// the toolstack's clickos/ cannot be booted here; the lab's Linux stand-in imitates one.
t.test('legacy images (Linux stand-in guest): the toolstack creates clickos/ and every operation finds it', async (t) => {
  const xs = await XenStore.connect();
  const guests = new ClickosGuests({ xs, xl, bootTimeoutMs: 180_000, initGraceMs: 60_000, handlerTimeoutMs: 30_000, console: STANDIN_CONSOLE });
  const name = `${PREFIX}-standin-legacy`;
  t.teardown(async () => {
    for (const d of await xl.list()) if (d.name === name) await xl.destroy(d.domid).catch(() => {});
    xs.close();
  });
  const g = await guests.create({ name, kernel: guestKernel, ramdisk: guestRamdisk, extra: 'console=hvc0 clickos.legacy', memory: 96, vifs: [{ bridge: 'xenbr0' }] }, { legacyRoot: true });
  t.equal(g.root, `/local/domain/${g.domid}/clickos`);
  t.same(await xs.getPermissions(g.root), [{ domid: 0, access: 'none' }, { domid: g.domid, access: 'read' }], 'readable by the guest');
  t.notOk(xsExists(`/local/domain/${g.domid}/data/clickos`));
  await waitFor('the legacy guest to watch clickos/', async () => ((await xs.read(`/local/domain/${g.domid}/data/agent`).catch(() => undefined)) === 'watching' ? true : undefined), 180_000);
  const rid = await guests.install(g.domid, 'src :: FromDevice(0);\nsink :: ToDevice(0);\nsrc -> sink;\n', 'legacy');
  t.ok(xsExists(`${g.root}/${rid}/config/0`), 'installed under clickos/');
  t.same(await guests.start(g.domid, rid), { confirmed: true }, 'the guest started it');
  t.equal(await guests.read(g.domid, rid, 'src', 'class'), 'FromDevice', 'handler read under clickos/');
  await guests.stop(g.domid, rid);
  await guests.remove(g.domid, rid);
  t.same(await guests.routers(g.domid), []);
});

// ClickOS guests on real Xen: the lab's ClickOS-protocol stand-in guest
// (lab/guest/clickos-agent.sh) driven by guests/ through our XenStore client and xl.
import t from 'tap';
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { XenStore } from '../../xenstore/index.js';
import { Xl } from '../../toolstack/index.js';
import { ClickosGuests, ConfigCheckError, GuestError, GuestTimeoutError, RouterInitError, CHUNK_SIZE } from '../../guests/index.js';
import { guestKernel, guestRamdisk } from '../../lab/guest-kit.js';
import { waitFor, xsExists } from './helpers.js';

const run = promisify(execFile);
const xl = new Xl({ timeoutMs: 300_000 });
const PREFIX = `g-t-${process.pid}`;

/** A config of about `bytes` bytes: real declarations in one chain (the checker refuses unconnected ports). */
function clickConfig(bytes: number): string {
  let decls = 'src :: FromDevice(0);\nsink :: ToDevice(0);\nc :: Counter();\n';
  let chain = 'src -> c';
  for (let i = 0; decls.length + chain.length < bytes - 40; i++) {
    decls += `n${i} :: Null(); // filler ${'é'.repeat(i % 3)}\n`;
    chain += ` -> n${i}`;
  }
  return `${decls}${chain} -> sink;\n`;
}

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');

async function consoleLine(domid: number, re: RegExp): Promise<string> {
  return waitFor(`console ${re}`, async () => (await xl.consoleLog(domid).catch(() => '')).split('\n').find((l) => re.test(l)), 120_000);
}

t.test('ClickOS guest lifecycle', async (t) => {
  const xs = await XenStore.connect();
  const guests = new ClickosGuests({ xs, xl, bootTimeoutMs: 180_000, initGraceMs: 8000, handlerTimeoutMs: 30_000 });
  t.teardown(async () => {
    for (const d of await xl.list()) if (d.name.startsWith(PREFIX)) await xl.destroy(d.domid).catch(() => {});
    xs.close();
  });

  const g = await guests.create({ name: `${PREFIX}-a`, kernel: guestKernel, ramdisk: guestRamdisk, extra: 'console=hvc0', memory: 96, vifs: [{ bridge: 'xenbr0' }] });
  t.equal(g.root, `/local/domain/${g.domid}/data/clickos`, 'the guest created data/clickos');

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

  t.test('start: the guest reads the whole config and runs it', async (t) => {
    await guests.start(g.domid, 0);
    t.same((await guests.routers(g.domid))[0]!.status, 'Running');
    const cfg = await guests.control.config(g.domid, 0);
    await consoleLine(g.domid, /router 0: running \(\d+ elements\)/);
    const line = await consoleLine(g.domid, /router 0: config /);
    t.match(line, `${Buffer.byteLength(cfg)} bytes, md5 ${md5(cfg)}`, 'the guest got every byte');
    await t.rejects(guests.start(g.domid, 0), /already Running/);
  });

  t.test('handlers: read, write, round trip, counters', async (t) => {
    t.equal(await guests.read(g.domid, 0, 'src', 'class'), 'FromDevice');
    t.equal(await guests.read(g.domid, 0, 'sink', 'config'), '0');
    t.match(await guests.read(g.domid, 0, 'src', 'count'), /^\d+$/, 'FromDevice(0).count from the vif counters');
    await guests.write(g.domid, 0, 'c', 'note', 'hello');
    t.equal(await waitFor('the write to apply', async () => {
      const v = await guests.read(g.domid, 0, 'c', 'note').catch(() => undefined);
      return v === 'hello' ? v : undefined;
    }, 60_000), 'hello');
    await t.rejects(guests.write(g.domid, 0, 'c', 'note', ''), /empty handler writes/);
    await t.rejects(guests.read(g.domid, 0, 'a/b', 'x'), /top-level elements only/);
  });

  t.test('64 KiB and large configs arrive intact in a second router', async (t) => {
    for (const size of [64 * 1024, 20_000]) {
      const cfg = clickConfig(size);
      const rid = await guests.deploy(g.domid, cfg, `size-${size}`);
      const line = await consoleLine(g.domid, new RegExp(`router ${rid}: config .*md5 ${md5(cfg)}`));
      t.match(line, `${Buffer.byteLength(cfg)} bytes`, `${size} bytes intact as router ${rid}`);
      await guests.stop(g.domid, rid);
      await guests.remove(g.domid, rid);
      t.notOk(xsExists(`${g.root}/${rid}`), `router ${rid} removed`);
    }
  });

  t.test('stop: reads time out cleanly; remove refuses a running router unless forced', async (t) => {
    await guests.stop(g.domid, 0);
    await consoleLine(g.domid, /router 0: halted/);
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

  t.test('a config the guest cannot initialise is an error, not Running, and leaves nothing', async (t) => {
    // Valid Click, but FromDevice(3) names a vif the guest does not have: only the guest can tell.
    const noVif = await guests.deploy(g.domid, 'x :: FromDevice(3);\nd :: Discard();\nx -> d;\n', 'no-vif').catch((e: unknown) => e);
    t.type(noVif, RouterInitError, 'FromDevice on a vif the guest does not have');
    t.match((noVif as Error).message, /initialization failed: x :: FromDevice\(3\): no vif 3/);
    t.same(await guests.routers(g.domid), [], 'the failed router was removed');
    // With the checker off, garbage reaches the guest, which says so on its console.
    const unchecked = new ClickosGuests({ xs, xl, initGraceMs: 60_000, checkConfigs: false });
    const err = await unchecked.deploy(g.domid, 'this is not click\n', 'bad').catch((e: unknown) => e);
    t.type(err, RouterInitError);
    t.match((err as Error).message, /initialization failed/);
    t.same(await guests.routers(g.domid), []);
  });

  t.test('not a ClickOS domain, unknown domain, unknown router', async (t) => {
    const valid = 'src :: InfiniteSource();\nd :: Discard();\nsrc -> d;\n';
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
    // A kernel with no ramdisk panics at boot: it never reaches the ClickOS protocol.
    const err = await slow.create({ name: `${PREFIX}-nope`, kernel: guestKernel, memory: 96, extra: 'console=hvc0' }).catch((e: unknown) => e);
    t.type(err, GuestError);
    t.match((err as Error).message, /did not create data\/clickos|went away before creating data\/clickos/);
    t.notOk((await xl.list()).some((d) => d.name === `${PREFIX}-nope`), 'destroyed');
  });
});

t.test('frames flow through a Running router between its two vifs, and stop when Halted', async (t) => {
  const xs = await XenStore.connect();
  const guests = new ClickosGuests({ xs, xl, bootTimeoutMs: 180_000, initGraceMs: 8000, handlerTimeoutMs: 30_000 });
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
  const g = await guests.create({ name: `${PREFIX}-fwd`, kernel: guestKernel, ramdisk: guestRamdisk, extra: 'console=hvc0', memory: 96, vifs: sides.map((s) => ({ bridge: s.br })) });
  const ping = (): Promise<boolean> =>
    run('ip', ['netns', 'exec', sides[0]!.ns, 'busybox', 'ping', '-c', '3', '-W', '2', '10.77.0.2']).then(
      () => true,
      () => false,
    );
  t.notOk(await ping(), 'no path before the router runs');
  const rid = await guests.deploy(g.domid, 'in :: FromDevice(0);\nout :: ToDevice(1);\nback :: FromDevice(1);\nret :: ToDevice(0);\nin -> out;\nback -> ret;\n', 'fwd');
  await consoleLine(g.domid, /router 0: running/);
  const before = Number(await guests.read(g.domid, rid, 'in', 'count'));
  t.ok(await waitFor('a ping through the guest', async () => ((await ping()) ? true : undefined), 60_000), 'ping crosses the guest while Running');
  const after = Number(await guests.read(g.domid, rid, 'in', 'count'));
  t.ok(after > before, `FromDevice(0).count went from ${before} to ${after}`);
  await guests.stop(g.domid, rid);
  await consoleLine(g.domid, /router 0: halted/);
  t.notOk(await ping(), 'no traffic once Halted');
});

t.test('vifs: attach to a ClickOS guest, connected, seen by the guest; detach leaves no node', async (t) => {
  const xs = await XenStore.connect();
  const guests = new ClickosGuests({ xs, xl, bootTimeoutMs: 180_000 });
  t.teardown(async () => {
    for (const d of await xl.list()) if (d.name === `${PREFIX}-vif`) await xl.destroy(d.domid).catch(() => {});
    xs.close();
  });
  const g = await guests.create({ name: `${PREFIX}-vif`, kernel: guestKernel, ramdisk: guestRamdisk, extra: 'console=hvc0', memory: 96 });
  const dev = await guests.vifs.attach(g.domid, { bridge: 'xenbr0', mac: '00:16:3e:0c:0c:01' });
  t.equal(await xs.read(`${guests.vifs.backendPath(g.domid, dev.devid)}/hotplug-status`), 'connected');
  t.equal(await waitFor('the guest to see eth0', () => xs.read(`/local/domain/${g.domid}/data/net/eth0/mac`).catch(() => undefined), 60_000), '00:16:3e:0c:0c:01');
  t.equal((await guests.vifs.list(g.domid)).length, 1);
  await guests.vifs.detach(g.domid, dev.devid);
  t.notOk(await xs.exists(guests.vifs.backendPath(g.domid, dev.devid)), 'backend node gone');
  t.notOk(await xs.exists(guests.vifs.frontendPath(g.domid, dev.devid)), 'frontend node gone');
  await t.rejects(guests.vifs.attach(g.domid, { bridge: 'nosuchbr1' }), /dom0 has no bridge nosuchbr1/, 'a missing bridge is refused before xl runs');
  // with the script given, the check is xl's: its hotplug script fails, the vif is detached
  await t.rejects(guests.vifs.attach(g.domid, { bridge: 'nosuchbr1', script: 'vif-bridge' }), /failed/);
  t.same(await guests.vifs.list(g.domid), [], 'a failed attach leaves no vif');
});

t.test('legacy images: the toolstack creates clickos/ and every operation finds it', async (t) => {
  const xs = await XenStore.connect();
  const guests = new ClickosGuests({ xs, xl, bootTimeoutMs: 180_000, initGraceMs: 60_000, handlerTimeoutMs: 30_000 });
  const name = `${PREFIX}-legacy`;
  t.teardown(async () => {
    for (const d of await xl.list()) if (d.name === name) await xl.destroy(d.domid).catch(() => {});
    xs.close();
  });
  // clickos.legacy makes the stand-in behave as a pre-2016 image: it creates no root and watches clickos/.
  const g = await guests.create({ name, kernel: guestKernel, ramdisk: guestRamdisk, extra: 'console=hvc0 clickos.legacy', memory: 96, vifs: [{ bridge: 'xenbr0' }] }, { legacyRoot: true });
  t.equal(g.root, `/local/domain/${g.domid}/clickos`);
  t.same(await xs.getPermissions(g.root), [{ domid: 0, access: 'none' }, { domid: g.domid, access: 'read' }], 'readable by the guest');
  t.notOk(xsExists(`/local/domain/${g.domid}/data/clickos`));
  // A legacy image gives no sign that it watches; the stand-in's data/agent stands in for waiting.
  await waitFor('the legacy guest to watch clickos/', async () => ((await xs.read(`/local/domain/${g.domid}/data/agent`).catch(() => undefined)) === 'watching' ? true : undefined), 180_000);
  const rid = await guests.install(g.domid, 'src :: FromDevice(0);\nsink :: ToDevice(0);\nsrc -> sink;\n', 'legacy');
  t.ok(xsExists(`${g.root}/${rid}/config/0`), 'installed under clickos/');
  t.same(await guests.start(g.domid, rid), { confirmed: true }, 'the guest started it');
  t.equal(await guests.read(g.domid, rid, 'src', 'class'), 'FromDevice', 'handler read under clickos/');
  await guests.stop(g.domid, rid);
  await guests.remove(g.domid, rid);
  t.same(await guests.routers(g.domid), []);
});

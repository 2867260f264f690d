// The xl driver against real xl 4.17 with a real ClickOS guest: every verb, and
// the error paths a user meets (unknown domain, bad config, double destroy,
// missing bridge), leaving no domain behind.
import t from 'tap';
import { Xl, XlError, XlArgumentError, guestConfig } from '../../toolstack/index.js';
import { LEAN_SCRIPT } from '../../guests/index.js';
import { CLICKOS, waitFor, xsExists, xsRead } from './helpers.js';

const xl = new Xl({ timeoutMs: 300_000 });
const NAME = `xl-t-${process.pid}`;

function spec(name: string, extra: Partial<Parameters<typeof guestConfig>[0]> = {}) {
  return guestConfig({ name, ...CLICKOS, ...extra });
}

t.teardown(async () => {
  for (const d of await xl.list()) if (d.name.startsWith('xl-t-')) await xl.destroy(d.domid).catch(() => {});
});

t.test('info', async (t) => {
  const info = await xl.info();
  t.equal(info.xenMajor, 4);
  t.equal(info.xenMinor, 17);
  t.ok(info.freeMemoryMiB > 16, `${info.freeMemoryMiB} MiB free for guests`);
});

t.test('lifecycle: create -p, list, domid/domname, unpause, pause, uptime, rename, mem-set, vcpu-set, console, destroy', async (t) => {
  const cfg = spec(NAME, { vcpus: 1 });
  cfg.set('maxvcpus', 2); // unknown to the builder, kept by the model
  const domid = await xl.create(cfg, { paused: true });
  t.teardown(() => xl.destroy(domid).catch(() => {}));
  const dom = await xl.domain(NAME);
  t.equal(dom.domid, domid);
  t.ok(dom.state.paused, `created paused (${dom.stateText})`);
  t.equal(dom.type, 'pv', 'config from xl list -l');
  t.match(dom.uuid, /^[0-9a-f-]{36}$/);
  t.equal(await xl.domid(NAME), domid);
  t.equal(await xl.domname(domid), NAME);

  await xl.unpause(NAME);
  t.notOk((await xl.domain(domid)).state.paused, 'unpaused');
  await waitFor('the guest to boot', () => xsRead(`/local/domain/${domid}/data/clickos`), 120_000);
  await xl.pause(domid);
  t.ok((await xl.domain(domid)).state.paused, 'paused again');
  await xl.unpause(domid);

  const up = (await xl.uptime(NAME))[0]!;
  t.equal(up.domid, domid);
  t.ok(up.seconds >= 0);

  await xl.rename(NAME, `${NAME}-r`);
  t.equal(await xl.domname(domid), `${NAME}-r`);
  await xl.rename(domid, NAME);

  await xl.memSet(NAME, 12);
  t.equal(await xsRead(`/local/domain/${domid}/memory/target`), String(12 * 1024), 'mem-set wrote the balloon target');

  await xl.vcpuSet(NAME, 2);
  t.equal(await waitFor('vcpu 1 online', async () => ((await xsRead(`/local/domain/${domid}/cpu/1/availability`)) === 'online' ? 'online' : undefined), 30_000), 'online');

  const log = await waitFor('the console log', async () => {
    const text = await xl.consoleLog(NAME).catch(() => '');
    return text.includes('Thread "main"') ? text : undefined;
  }, 30_000);
  t.match(log, /Thread "main"/, "MiniOS's boot lines captured");

  await xl.destroy(NAME);
  t.notOk((await xl.list()).some((d) => d.name === NAME), 'gone');
  t.notOk(xsExists(`/local/domain/${domid}`), 'XenStore nodes gone');
});

t.test('network-attach / list / detach on a running guest', async (t) => {
  const domid = await xl.create(spec(`${NAME}-net`));
  t.teardown(() => xl.destroy(domid).catch(() => {}));
  await waitFor('the guest to boot', () => xsRead(`/local/domain/${domid}/data/clickos`), 120_000);
  t.same(await xl.networkList(domid), [], 'no vif yet');
  // Our lean hotplug script: Xen's vif-bridge can outrun libxl's timeout when dom0 is busy (docs/xl.md).
  const dev = await xl.networkAttach(domid, { bridge: 'xenbr0', mac: '00:16:3e:11:22:33', script: LEAN_SCRIPT });
  t.equal(dev.mac, '00:16:3e:11:22:33');
  const be = `/local/domain/0/backend/vif/${domid}/${dev.devid}`;
  t.equal(await waitFor('hotplug', () => xsRead(`${be}/hotplug-status`), 60_000), 'connected');
  t.equal(await xsRead(`${be}/mac`), '00:16:3e:11:22:33', 'the backend has the MAC (ClickOS opens the vif when a router starts: test/lab/guests.test.ts)');
  t.equal((await xl.networkList(domid)).length, 1);
  await xl.networkDetach(domid, '00:16:3e:11:22:33');
  t.same(await xl.networkList(domid), [], 'detached');
  t.notOk(xsExists(be), 'backend nodes removed');
  await xl.destroy(domid);
});

t.test('shutdown -w and reboot -w reach the guest', async (t) => {
  const name = `${NAME}-sd`;
  const domid = await xl.create(spec(name));
  t.teardown(() => xl.destroy(name).catch(() => {}));
  await waitFor('the guest to boot', () => xsRead(`/local/domain/${domid}/data/clickos`), 120_000);
  await xl.reboot(name, { wait: true });
  const again = await waitFor('the rebooted domain', async () => {
    const d = (await xl.list()).find((x) => x.name === name);
    return d && d.domid !== domid ? d : undefined;
  }, 120_000);
  t.not(again.domid, domid, `rebooted as a new domain ${again.domid}`);
  await waitFor('the guest to boot again', () => xsRead(`/local/domain/${again.domid}/data/clickos`), 120_000);
  await xl.shutdown(name, { wait: true });
  t.notOk((await xl.list()).some((d) => d.name === name), 'shut down and gone');
});

t.test('error paths are typed and carry xl\'s message', async (t) => {
  const unknown = await xl.destroy('no-such-domain').catch((e: unknown) => e);
  t.type(unknown, XlError);
  t.match((unknown as XlError).message, /no-such-domain is an invalid domain identifier/);
  t.ok((unknown as XlError).exitCode !== 0);

  const missingKernel = spec(`${NAME}-bad`);
  missingKernel.set('kernel', '/no/such/kernel');
  const bad = await xl.create(missingKernel).catch((e: unknown) => e);
  t.type(bad, XlError);
  t.match((bad as XlError).stderr, /no\/such\/kernel/, 'libxl names the missing kernel');
  t.notOk((await xl.list()).some((d) => d.name === `${NAME}-bad`), 'no half-created domain left');

  const domid = await xl.create(spec(`${NAME}-dd`), { paused: true });
  await xl.destroy(domid);
  await t.rejects(xl.destroy(domid), XlError, 'double destroy is an error');

  const g = await xl.create(spec(`${NAME}-br`), { paused: true });
  t.teardown(() => xl.destroy(g).catch(() => {}));
  const noBridge = await xl.networkAttach(g, { bridge: 'nosuchbr0' }).catch((e: unknown) => e);
  t.type(noBridge, XlError, 'attach to a missing bridge fails');
  t.match((noBridge as XlError).message, /hotplug|nosuchbr0|failed/i);
  t.same(await xl.networkList(g), [], 'no vif left behind');
  t.notOk(xsExists(`/local/domain/0/backend/vif/${g}`), 'no backend nodes left behind');
  await xl.destroy(g);

  await t.rejects(xl.destroy('a; rm -rf /'), XlArgumentError, 'refused before xl runs');
});

t.test('no leftover domains', async (t) => {
  t.same((await xl.list()).map((d) => d.name), ['Domain-0']);
});

// webd's page shows a balanced group (an allocation whose module has replicas, `n :: Fwd()
// x 3 by src`; controller/webd/README.md, controller/resourced/README.md "Replicas"), in a
// real browser (headless Debian Chromium, playwright-core: test/support/webd-page.ts).
// resourced steers a REAL Open vSwitch (userspace datapath): install_allocation places
// the replicas and installs the group's prefix rules there. The module host is a
// STAND-IN hostd (test/support/resourced-standin.ts: real hostd needs Xen; domids 1, 2, 3
// in create order), whose guests' vifs are veths named as Xen names them. The page's rows
// are compared with what get_pm_info reports, never with fixed values. The stand-in has
// no pm_stats, so no monitord can measure the replicas here: the test calls report_stats
// itself (a principal in resourced's monitor.principals, as monitord does) with figures
// of its own, STAND-IN measurements, and checks the page shows resourced's loads and
// shares. test/unit/resourced-replicas.test.ts checks the rules against real datagrams.
import t from 'tap';
import { execa } from 'execa';
import { startOvs } from '../support/ovs.js';
import { STANDIN_SECRET, USER_SECRET, py, startResourced, startStandins, waitFor, type Rv } from '../support/resourced.js';
import { OPERATOR_SECRET, VIEWER_SECRET, startWebd } from '../support/webd.js';
import * as P from '../support/webd-page.js';

t.setTimeout(120_000);

const TAG = 'wbb';
const NET = `${TAG}n`;
const SINK = `${TAG}s`;
const FWD_SRC = 'in0 :: FromDevice(0);\nout0 :: ToDevice(0);\nin1 :: FromDevice(1);\nout1 :: ToDevice(1);\nin0 -> out0;\nin1 -> out1;\n';
const REPLICAS = 3;
const REQUEST = `BASESYS=xen.clickos
fwd :: FromNet("ip,in_port=${NET}")
rev :: FromNet("ip,in_port=${SINK}")
tosink :: ToNet("${SINK}")
tonet :: ToNet("${NET}")
fwd -> [0]n :: Fwd() x ${REPLICAS} by src [0] -> tosink
rev -> [1]n[1] -> tonet
`;

interface Replica {
  module: string;
  pm: string;
  host: string;
  default: boolean;
  prefixes: string[];
  load?: { time: string; inPackets: number; inBytes: number; outPackets: number; outBytes: number };
}
interface Balanced {
  module: string;
  field: 'src' | 'dst';
  generation: number;
  cookie?: string;
  replicas: Replica[];
}

const reply = (r: { reply?: Rv; fault?: number; message?: string }): Rv => {
  if (!r.reply) throw new Error(`fault ${r.fault}: ${r.message}`);
  return r.reply;
};

t.test("webd page, headless Chromium: a balanced group's replicas, prefixes and loads as get_pm_info reports them (real OVS, stand-in hostd)", async (t) => {
  const ovs = await startOvs(TAG);
  t.teardown(() => ovs.stop());
  await ovs.addVethPort(NET, 'eth0', `${ovs.swNs}-net`);
  await ovs.addVethPort(SINK, 'eth0', `${ovs.swNs}-sink`);
  // the stand-in's domids 1..3: each replica's two vifs on the switch
  for (let d = 1; d <= REPLICAS; d++) for (const k of [0, 1]) await ovs.addVethPort(`vif${d}.${k}`, `e${d}${k}`, `${ovs.swNs}-m`);

  const { url: rdUrl, rd } = await startResourced(t, { switch: { driver: 'ofctl', target: ovs.target }, monitor: { principals: ['user'] } });
  const [host] = await startStandins(t, rdUrl, [{ hostId: 'mh-b' }]);
  await waitFor('the host to heartbeat', () => (rd.hosts.live().some((h) => h.heartbeats > 0) ? true : undefined));
  t.equal(reply(await py(rdUrl, 'deploy_pm', { name: 'Fwd', src: FWD_SRC })).code, 0, 'Fwd deployed');
  const inst = reply(await py(rdUrl, 'install_allocation', REQUEST, 'task'));
  t.equal(inst.code, 0, `installed with ${REPLICAS} replicas: ${inst.message}`);
  const id = inst.value as number;
  const info = async (): Promise<Balanced> => {
    const a = (reply(await py(rdUrl, 'get_pm_info')).value.allocations as Array<{ id: number; balanced?: Balanced }>).find((x) => x.id === id);
    if (!a?.balanced) throw new Error(`get_pm_info: allocation ${id} has no balanced group`);
    return a.balanced;
  };
  const group = await info();
  t.equal(group.replicas.length, REPLICAS, `get_pm_info: ${REPLICAS} replicas`);
  t.equal(group.replicas.filter((r) => r.default).length, 1, 'one of them the default (the catch-all)');
  t.ok(group.replicas.every((r) => r.load === undefined), 'nothing measured yet');

  const webd = await startWebd(t, { resourced: { url: rdUrl, secret: USER_SECRET }, hostdSecret: STANDIN_SECRET, monitord: { hosts: [{ name: 'mh-b', url: host!.url, secret: STANDIN_SECRET }], switchTarget: ovs.target } });
  const browser = await P.launch(t);
  const viewer = await P.openLoggedIn(browser, webd.url, VIEWER_SECRET); // a read-only user sees the group too
  const card = `.allocation[data-allocation="${id}"] [data-testid=balanced]`;
  await viewer.page.locator(`${card} tr[data-replica]`).nth(REPLICAS - 1).waitFor({ timeout: 30_000 });

  /** What the page shows of the group: its caption and each replica's row. */
  const shown = () =>
    viewer.page.evaluate((card) => {
      const box = document.querySelector<HTMLElement>(card)!;
      return {
        module: box.dataset.module,
        caption: box.querySelector('.small')!.textContent,
        rows: [...box.querySelectorAll<HTMLTableRowElement>('tr[data-replica]')].map((r) => ({
          module: r.dataset.replica!,
          pm: r.dataset.pm!,
          host: r.dataset.host!,
          default: r.dataset.default === 'true',
          prefixes: r.dataset.prefixes ? r.dataset.prefixes.split(' ') : [],
          cells: ['replica', 'pm', 'host', 'prefixes', 'load'].map((k) => r.querySelector(`[data-testid=${k}]`)?.textContent ?? ''),
          inPackets: r.dataset.inPackets === '' ? null : Number(r.dataset.inPackets),
        })),
      };
    }, card);

  let page = await shown();
  t.equal(page.module, group.module, 'the group of the module get_pm_info names');
  t.equal(page.caption, `${group.module}: balanced by ${group.field} over ${REPLICAS} replica(s) · generation ${group.generation}`, 'its field and generation');
  t.same(page.rows.map((r) => [r.module, r.pm, r.host, r.default, r.prefixes]), group.replicas.map((r) => [r.module, r.pm, r.host, r.default, r.prefixes]), "every replica's PM, host, default flag and prefixes, as get_pm_info reports them");
  for (const [k, r] of group.replicas.entries()) {
    const cells = page.rows[k]!.cells;
    t.same(cells.slice(0, 3), [r.module, r.pm, r.host], `${r.module}: replica, its PM, host shown`);
    if (r.default) t.equal(cells[3], `everything else${r.prefixes.length ? ` (${r.prefixes.join(' ')})` : ''}`, `${r.module} is the default: "everything else"`);
    else t.equal(cells[3], r.prefixes.join(' '), `${r.module}: its a.b.c.d/len prefixes`);
    t.equal(cells[4], 'not measured yet', `${r.module}: not measured yet`);
  }
  t.ok(page.rows.every((r) => r.prefixes.every((p) => /^\d+\.\d+\.\d+\.\d+\/\d+$/.test(p))), 'prefixes written a.b.c.d/len');
  const nodeHost = await viewer.page.locator(`.allocation[data-allocation="${id}"] g[data-node="n"]`).getAttribute('data-host');
  t.equal(nodeHost, 'mh-b', "the graph draws the balanced module on its replicas' host");

  // the group's rules are under its own cookie: the card counts them with the allocation's flows
  const groupFlows = (await execa('ovs-ofctl', ['-O', 'OpenFlow13', 'dump-flows', ovs.target, `cookie=${group.cookie}/-1`])).stdout.split('\n').filter((l) => l.includes('cookie=')).length;
  t.ok(groupFlows > 0, `the switch holds the group's ${groupFlows} rules (cookie ${group.cookie})`);
  await viewer.page.waitForFunction(([id, n]) => document.querySelector(`.allocation[data-allocation="${id}"] [data-testid=totals]`)?.textContent?.startsWith(`switch: ${n} flow(s)`), [id, groupFlows] as const, { timeout: 30_000 });
  t.pass(`the card counts the group's ${groupFlows} flows`);
  const edges = await viewer.page.evaluate((id) => [...document.querySelectorAll<SVGGElement>(`.allocation[data-allocation="${id}"] [data-edge-label]`)].map((g) => [g.dataset.packets, g.querySelector('text')?.textContent]), id);
  t.ok(edges.length > 0 && edges.every(([p, text]) => p === '' && text === '? pkt'), `no edge claims a prefix rule's counters as its own (each says "? pkt"): ${JSON.stringify(edges)}`);

  // STAND-IN measurements for two of the three replicas (two vifs each, as monitord reports hostd's pm_stats)
  const measured = group.replicas.slice(0, 2);
  const pms = (reply(await py(rdUrl, 'get_pm_info')).value.allocations as Array<{ id: number; pms: Array<{ name: string; domid: number }> }>).find((x) => x.id === id)!.pms;
  const vifs = (domid: number, k: number) => [0, 1].map((v) => ({ vif: v, device: `vif${domid}.${v}`, inPackets: 100 * k + 10 * v + 7, inBytes: 1500 * (100 * k + 10 * v + 7), outPackets: 50 * k + v, outBytes: 900 * (50 * k + v) }));
  const report = reply(
    await py(rdUrl, 'report_stats', {
      time: new Date().toISOString(),
      hosts: [{ host_id: 'mh-b', pms: measured.map((r, k) => { const p = pms.find((x) => x.name === r.pm)!; return { domid: p.domid, name: p.name, time: new Date().toISOString(), vifs: vifs(p.domid, k + 1), click: [] }; }) }],
    }),
  );
  t.equal(report.code, 0, `report_stats (the test standing in for monitord): ${report.message}`);
  const loaded = await info();
  t.ok(loaded.replicas.slice(0, 2).every((r) => r.load) && !loaded.replicas[2]!.load, 'get_pm_info: two replicas measured, the third not');
  await viewer.page.waitForFunction((card) => document.querySelectorAll(`${card} tr[data-in-packets]:not([data-in-packets=""])`).length === 2, card, { timeout: 30_000 });
  page = await shown();
  const total = loaded.replicas.reduce((n, r) => n + (r.load?.inPackets ?? 0), 0);
  for (const [k, r] of loaded.replicas.entries()) {
    const row = page.rows[k]!;
    if (!r.load) {
      t.equal(row.cells[4], 'not measured yet', `${r.module}: still not measured`);
      continue;
    }
    t.equal(row.inPackets, r.load.inPackets, `${r.module}: the packets in get_pm_info reports (${r.load.inPackets})`);
    t.equal(row.cells[4], `${r.load.inPackets} pkt · ${((100 * r.load.inPackets) / total).toFixed(1)} %`, `${r.module}: packets in and its share of the group's: ${row.cells[4]}`);
  }

  for (const [label, l] of Object.entries(await P.layouts(viewer.page, 'balanced'))) t.ok(l.overflow <= 0, `${label}: nothing overflows sideways (${l.overflow} px); screenshot ${l.file}`);
  t.same(viewer.problems, [], 'no console error');

  // the phone page: the group's table scrolls inside its card, the page does not
  const phone = await P.openLoggedIn(browser, webd.url, OPERATOR_SECRET, P.PHONE);
  await phone.page.locator(`${card} tr[data-replica]`).nth(REPLICAS - 1).waitFor({ timeout: 30_000 });
  t.ok((await phone.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)) <= 0, 'a page opened at phone width does not overflow sideways');
  const fit = await phone.page.evaluate((card) => { const b = document.querySelector(`${card} .scroll`)!; return b.scrollWidth - b.clientWidth; }, card);
  t.ok(fit <= 0, `at 390 px the group's table fits its card, no sideways scroll (${fit} px)`);
  // the page re-renders the card on each refresh; a screenshot caught mid-render is taken again
  for (let i = 0; ; i++) {
    try {
      await phone.page.locator(card).screenshot({ path: `${P.ARTIFACTS}/balanced-group-phone.png` });
      break;
    } catch (e) {
      if (i >= 2) throw e;
    }
  }
  t.same(phone.problems, [], 'no console error on the phone page');

  // deleted: the group goes from the page
  t.equal(reply(await py(rdUrl, 'delete_allocation', id, 'task')).code, 0, 'deleted');
  await viewer.page.locator(`.allocation[data-allocation="${id}"]`).waitFor({ state: 'detached', timeout: 30_000 });
  t.pass('the allocation and its group are gone from the page');
});

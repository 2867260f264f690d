// webd's page in a real browser (headless Debian Chromium driven by playwright-core,
// test/support/webd-page.ts) against real daemons: resourced steering a REAL Open
// vSwitch (userspace datapath), monitord polling it, webd as its own process — and a
// STAND-IN hostd (test/support/resourced-standin.ts: real hostd needs Xen), whose
// guests' vifs are veths named as Xen names them, each module a namespace bridging its
// two vifs, as test/unit/resourced-flows.test.ts builds them. Real datagrams cross the
// switch, so the counters the page shows are the switch's. test/lab-multi/page.ts runs
// the same checks against real hostd and ClickOS guests.
import t from 'tap';
import { execa, type ResultPromise } from 'execa';
import { parseAllocation } from '../../clickos-build/index.js';
import { ECHO, SEND } from '../support/flows-chain.js';
import { ns, startOvs } from '../support/ovs.js';
import { STANDIN_SECRET, USER_SECRET, py, startResourced, startStandins, waitFor } from '../support/resourced.js';
import { OPERATOR_SECRET, VIEWER_SECRET, startWebd } from '../support/webd.js';
import * as P from '../support/webd-page.js';
import * as E from '../support/webd-edges.js';

t.setTimeout(120_000);

const TAG = 'wbp';
const FWD_SRC = 'in0 :: FromDevice(0);\nout1 :: ToDevice(1);\nin1 :: FromDevice(1);\nout0 :: ToDevice(0);\nin0 -> out1;\nin1 -> out0;\n';
const NET = `${TAG}n`;
const SINK = `${TAG}s`;
const REQUEST = `BASESYS=xen.clickos
fwd :: FromNet("ip,in_port=${NET},nw_dst=10.77.0.2")
rev :: FromNet("ip,in_port=${SINK},nw_src=10.77.0.2")
tosink :: ToNet("${SINK}")
tonet :: ToNet("${NET}")
fwd -> [0]a :: Fwd() [1] -> [0]b :: Fwd() [1] -> tosink
rev -> [1]b[0] -> [1]a[0] -> tonet
`;
// a module type the platform does not offer, on line 6: the parser names its place
const BAD = REQUEST.replace('[0]b :: Fwd()', '[0]b :: Fwdd()');

t.test('webd page in headless Chromium, stand-in hostd, real OVS: hosts, install, live counters, parser errors, routers, handlers, read-only role, delete', async (t) => {
  const started = Date.now();
  const ovs = await startOvs(TAG);
  let echo: ResultPromise | undefined;
  t.teardown(async () => {
    echo?.kill('SIGKILL');
    await echo;
    await ovs.stop();
  });
  await ovs.addVethPort(NET, 'eth0', `${ovs.swNs}-net`);
  await ovs.addVethPort(SINK, 'eth0', `${ovs.swNs}-sink`);
  // the stand-in gives domids 1, 2 in create order: module k's vifs are vif<k>.0/.1, bridged inside
  for (const d of [1, 2]) {
    const m = `${ovs.swNs}-m${d}`;
    for (const k of [0, 1]) await ovs.addVethPort(`vif${d}.${k}`, `eth${k}`, m);
    await ns(m, 'ip', 'link', 'add', 'br0', 'type', 'bridge');
    for (const k of [0, 1]) await ns(m, 'ip', 'link', 'set', `eth${k}`, 'master', 'br0');
    await ns(m, 'ip', 'link', 'set', 'br0', 'up');
  }
  const macs: Record<string, string> = {};
  for (const [side, ip] of [['net', '10.77.0.1'], ['sink', '10.77.0.2']] as const) {
    await ns(`${ovs.swNs}-${side}`, 'ip', 'addr', 'add', `${ip}/24`, 'dev', 'eth0');
    macs[side] = JSON.parse((await ns(`${ovs.swNs}-${side}`, 'ip', '-j', 'link', 'show', 'eth0')).stdout)[0].address;
  }
  await ns(`${ovs.swNs}-net`, 'ip', 'neigh', 'replace', '10.77.0.2', 'lladdr', macs.sink!, 'dev', 'eth0', 'nud', 'permanent');
  await ns(`${ovs.swNs}-sink`, 'ip', 'neigh', 'replace', '10.77.0.1', 'lladdr', macs.net!, 'dev', 'eth0', 'nud', 'permanent');
  echo = execa('ip', ['netns', 'exec', `${ovs.swNs}-sink`, 'python3', '-c', ECHO], { reject: false, stdio: 'ignore' });
  const ping = async (): Promise<boolean> => (await execa('ip', ['netns', 'exec', `${ovs.swNs}-net`, 'python3', '-c', SEND], { reject: false })).exitCode === 0;
  const flows = async (cookie: number) => (await execa('ovs-ofctl', ['-O', 'OpenFlow13', '--no-names', 'dump-flows', ovs.target, `cookie=${cookie}/-1`])).stdout.split('\n').filter((l) => l.includes('cookie='));

  const { url: rdUrl, rd } = await startResourced(t, { switch: { driver: 'ofctl', target: ovs.target } });
  const [host] = await startStandins(t, rdUrl, [{ hostId: 'mh-a' }]);
  await waitFor('the host to heartbeat', () => (rd.hosts.live().some((h) => h.heartbeats > 0) ? true : undefined));
  t.equal((await py(rdUrl, 'deploy_pm', { name: 'Fwd', src: FWD_SRC })).reply?.code, 0, 'Fwd deployed');
  const webd = await startWebd(t, { resourced: { url: rdUrl, secret: USER_SECRET }, hostdSecret: STANDIN_SECRET, monitord: { hosts: [{ name: 'mh-a', url: host!.url, secret: STANDIN_SECRET }], switchTarget: ovs.target } });

  // --- the HTTP side, before any browser: who gets in, how the session cookie is set
  const login = async (secret: string, headers: Record<string, string> = {}) => fetch(new URL('/api/login', webd.url), { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify({ secret }) });
  t.equal((await login('not-the-secret-0123456789')).status, 401, 'a wrong secret: 401');
  t.equal((await login(OPERATOR_SECRET, { Origin: 'http://evil.example' })).status, 403, 'a login posted from another origin: refused');
  const ok = await login(OPERATOR_SECRET);
  t.match(ok.headers.get('set-cookie'), /^webd_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/, 'the session cookie is HttpOnly and SameSite=Strict');
  t.equal((await fetch(new URL(`/api/events?secret=${OPERATOR_SECRET}`, webd.url))).status, 401, 'a secret in the URL is no way in');
  const page = await fetch(webd.url);
  t.match(page.headers.get('content-security-policy'), /default-src 'none'; script-src 'self'/, 'the page may load scripts from its own origin only');
  const bearer = await fetch(new URL('/api/action', webd.url), { method: 'POST', headers: { Authorization: `Bearer ${VIEWER_SECRET}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ action: 'delete', arg: 1 }) });
  t.equal(bearer.status, 403, "the read-only principal's bearer secret acts on nothing either");

  const browser = await P.launch(t);

  // --- the operator's page
  const op = await P.openLoggedIn(browser, webd.url, OPERATOR_SECRET);
  t.equal(await op.page.getByTestId('who').textContent(), 'ops (operator)', 'logged in as the operator');
  await P.hostsShown(op.page, ['mh-a']);
  t.pass('the module host is shown alive, with its last heartbeat');
  t.match(await op.page.getByTestId('note').textContent(), /^Routed modules \(IPRouter\) run in resourced, but this page does not show their offloaded prefixes yet/, 'routing offload: the page says what it does not show yet (balanced groups: test/unit/webd-balanced.test.ts)');

  // --- a bad request: the parser's error, at its place
  const bad = await P.typeRequest(op.page, BAD);
  let expected: { line: number; col: number } | undefined;
  try {
    parseAllocation(BAD, 'allocation', { knownModules: ['Fwd'] });
  } catch (e) {
    expected = { line: (e as { line: number }).line, col: (e as { col: number }).col };
  }
  t.same(expected, { line: 6, col: BAD.split('\n')[5]!.indexOf('b :: Fwdd') + 1 }, 'the parser itself puts the error at the declaration of the unknown type');
  t.notOk(bad.ok, `the page shows the error: ${bad.message}`);
  t.match(bad.message, /^allocation:6:\d+: .*Fwdd/, 'file:line:col and the reason');
  t.same({ line: bad.line, col: bad.col }, expected, 'at the line and column the parser gives');
  const [markedLine, caret] = bad.marker.split('\n');
  t.equal(markedLine, BAD.split('\n')[5], 'the marker repeats the offending line');
  t.equal(caret!.indexOf('^'), expected!.col - 1, 'and its caret sits under the column');

  // --- a good request, installed from the page
  const good = await P.typeRequest(op.page, REQUEST);
  t.ok(good.ok, `the good request checks: ${good.message}`);
  t.equal(good.marker, '', 'no marker');
  const id = await P.installFromPage(op.page);
  t.equal((await flows(id)).length, 6, `six flows on the switch under cookie ${id}`);
  t.same(await P.placement(op.page, id), { a: 'mh-a', b: 'mh-a' }, 'the graph draws both modules on their host');
  await op.page.waitForFunction(() => document.querySelectorAll('.host[data-host="mh-a"] [data-guest]').length === 2);
  t.same((await P.guestsShown(op.page))['mh-a']?.sort(), [`rd-${id}-1-a`, `rd-${id}-2-b`], "the host card lists the chain's guests");
  t.equal(await op.page.locator(`.allocation[data-allocation="${id}"] path[data-link]`).count(), 6, 'six links drawn');

  // --- each link's own counters, as a label on its edge
  const links = parseAllocation(REQUEST, 'allocation').connections.map((c) => `${c.from}[${c.fromPort}]->[${c.toPort}]${c.to}`);
  t.same((await E.drawnLinks(op.page, id)).sort(), [...links].sort(), 'an edge drawn for every link of the request');
  await waitFor('the edge labels to carry the switch counters', async () => ((await E.edgeLabels(op.page, id)).every((l) => l.packets !== null) ? true : undefined), 30_000, 200);
  const idle = await E.edgeLabels(op.page, id);
  t.same(idle.map((l) => l.link).sort(), [...links].sort(), 'a counter label on every edge');
  t.same(idle.map((l) => [l.packets, l.bytes, l.text]), idle.map(() => [0, 0, '0 pkt · 0 B']), 'no traffic yet: every edge says 0 pkt · 0 B');

  // --- traffic: the counters the page shows move, on the totals and on every edge
  t.equal(await P.packetsShown(op.page, id), 0, 'no traffic yet: 0 packets shown');
  const first = await P.countersMove(op.page, id, 0, ping);
  const second = await P.countersMove(op.page, id, first, ping);
  t.ok(second > first, `the shown counters move with traffic: ${first} → ${second} packets`);
  const once = await E.edgesRise(op.page, id, {}, ping);
  t.pass(`every edge counts packets: ${once.map((l) => `${l.link} ${l.text}`).join('; ')}`);
  const twice = await E.edgesRise(op.page, id, Object.fromEntries(once.map((l) => [l.link, l.packets!])), ping);
  t.ok(twice.every((l, i) => l.bytes! > once[i]!.bytes!), 'and their bytes rise with them');
  t.ok(twice.every((l) => /^\d+(\.\d k)? pkt · \d+(\.\d)? (B|kB|MB)$/.test(l.text)), `in human units: ${twice.map((l) => l.text).join(', ')}`);
  const [shownSum, total] = await op.page.evaluate((id) => {
    const card = document.querySelector(`.allocation[data-allocation="${id}"]`)!;
    return [[...card.querySelectorAll<SVGGElement>('[data-edge-label]')].reduce((n, g) => n + Number(g.dataset.packets), 0), Number(card.querySelector<HTMLElement>('[data-testid=totals]')!.dataset.packets)];
  }, id);
  t.equal(shownSum, total, "the edges' packets add up to the allocation's total from the same snapshot: each flow on one edge");
  for (const [label, l] of Object.entries(await E.edgeLayouts(op.page, id, 'operator'))) {
    t.ok(l.smallestTextPx >= 10, `${label}: edge labels drawn at full size (${l.smallestTextPx.toFixed(1)} px text); ${l.file}`);
    t.same(l.overlaps, [], `${label}: no edge label covers another or a node`);
    t.same(l.outside, [], `${label}: every edge label inside the graph (scrolled to, not cut)`);
  }
  t.ok(Number(await op.page.locator(`.allocation[data-allocation="${id}"] [data-testid=plot]`).getAttribute('data-points')) >= 2, 'the plot has points over time');

  // --- routers and handlers, through the guest's (stand-in) hostd
  const guest = `rd-${id}-1-a`;
  t.equal(await P.routerStatus(op.page, guest), 'Running');
  await P.routerButton(op.page, guest, 'Stop');
  t.equal(await P.routerStatus(op.page, guest), 'Halted', 'stopped from the page');
  await P.routerButton(op.page, guest, 'Start');
  t.equal(await P.routerStatus(op.page, guest), 'Running', 'started again');
  t.equal(await P.handlerThroughPage(op.page, guest, 'in0', 'burst', '8'), '8', 'a handler written and read back through the page');

  // --- layout at desktop and phone widths
  for (const [label, l] of Object.entries(await P.layouts(op.page, 'operator'))) t.ok(l.overflow <= 0, `${label}: nothing overflows sideways (${l.overflow} px); screenshot ${l.file}`);

  t.same(op.problems.splice(0), [], 'no console error on the operator page so far');
  // --- CSRF: the operator's cookie without the token acts on nothing
  t.equal(await P.withoutCsrf(op.page, id), 403, 'no CSRF token: refused');
  t.match(op.problems.splice(0), [/status of 403/], 'the only console error: that refusal');

  // --- a read-only user
  const ro = await P.openLoggedIn(browser, webd.url, VIEWER_SECRET, P.PHONE);
  await P.hostsShown(ro.page, ['mh-a']);
  t.same(ro.problems.splice(0), [], 'the read-only page loads with no console error');
  const attempt = await P.readOnlyAttempt(ro.page, id);
  t.same(attempt, { controlsVisible: 0, role: 'readonly', deleteStatus: 403, installStatus: 403 }, 'read-only: no action controls, and delete/install refused (403) even with its CSRF token');
  await ro.page.screenshot({ path: `${P.ARTIFACTS}/readonly-phone.png`, fullPage: true });
  t.equal((await flows(id)).length, 6, 'the allocation is untouched');
  t.match(ro.problems, [/status of 403/, /status of 403/], "the read-only page's only console errors: its two refused attempts");

  // --- delete from the page
  await P.deleteFromPage(op.page, id);
  t.same(await flows(id), [], 'deleted from the page: no flow left');
  t.notOk(await ping(), 'traffic stops');
  t.same(op.problems, [], 'no console error on the operator page while deleting');

  // --- log out: the cookie no longer opens anything
  await op.page.click('#logout');
  await op.page.getByTestId('login').waitFor();
  t.same(op.problems.splice(0), [], 'no console error on logging out');
  t.same(await op.page.evaluate(async () => [(await (await fetch('/api/session')).json()).who, (await fetch('/api/view')).status]), [null, 401], 'logged out: no session, the view refused');

  // --- every action in the audit log, with its principal
  const audit = (await webd.audit()).map((e) => `${e.who} ${e.method} ${e.code}`);
  for (const line of ['null webd.login unauthenticated', 'viewer webd.delete refused', 'ops webd.login 0', 'viewer webd.login 0', 'ops webd.install 0', 'ops webd.stop_router 0', 'ops webd.start_router 0', 'ops webd.write_handler 0', 'ops webd.read_handler 0', 'ops webd.action refused', 'viewer webd.delete refused', 'viewer webd.install refused', 'ops webd.delete 0'])
    t.ok(audit.includes(line), `audit: ${line}`);
  t.comment(`wall time ${((Date.now() - started) / 1000).toFixed(1)} s`);
});

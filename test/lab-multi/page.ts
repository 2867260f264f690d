// Polling the emulated hostds once stalled their heartbeats past resourced's 60 s and a
// host was dropped mid-install (issue 22): hostd now sends heartbeats without waiting on
// xl/xentop and runs one stats collection at a time (hostd/README.md "Load figures").
// webd's page against the two-host lab (test/lab-multi/two-host.test.ts): the checks of
// test/unit/webd-browser.test.ts (test/support/webd-page.ts), in headless Chromium, with
// REAL hostds and REAL ClickOS guests in place of the stand-in. monitord and webd run on
// the host beside resourced, each its own process; they reach the hostds at the URLs
// the hostds registered with (the service ports QEMU forwards). two-host.test.ts calls
// pageChecks() once both hosts heartbeat and Fwd is deployed: the page installs the
// test's chain, sees it on its hosts, watches its counters move with real traffic, stops
// and starts a real router, reads a real handler and refuses a read-only user. The chain
// stays for the rest of two-host (one install instead of two: minutes under emulation),
// which deletes it from the page at its end (`deleteFromPage`).
import type { Test } from 'tap';
import { parseAllocation } from '../../clickos-build/index.js';
import { XmlRpcClient } from '../../daemon/index.js';
import { OPERATOR_SECRET, VIEWER_SECRET, startWebd } from '../support/webd.js';
import * as P from '../support/webd-page.js';
import * as E from '../support/webd-edges.js';
import { waitFor } from '../support/wait.js';
import { call } from '../lab/helpers.js';

export interface PageCheckOptions {
  resourcedUrl: string;
  /** a principal of resourced's config.secret that may install and delete */
  resourcedSecret: string;
  /** the secret every hostd takes */
  hostdSecret: string;
  /** monitord, running as its own process (its URL and a secret its config.secret takes) */
  monitord: { url: string; secret: string };
  /** a request whose modules are of type Fwd (FromDevice(0)/(1) named in0, in1) */
  request: string;
  /** one datagram through the chain and its echo back: true when it came back */
  ping: () => Promise<boolean>;
}

export interface PageChain {
  /** the allocation the page installed */
  id: number;
  /** deletes it with the page's Delete button, as the operator */
  deleteFromPage(): Promise<void>;
}

export async function pageChecks(t: Test, o: PageCheckOptions): Promise<PageChain> {
  const rd = new XmlRpcClient({ url: o.resourcedUrl, secret: o.resourcedSecret, timeoutMs: 60_000 });
  t.teardown(() => rd.close());
  const hosts = (await rd.call('list_hosts')) as { value: Array<{ host_id: string }> };
  const hostIds = hosts.value.map((h) => h.host_id);
  const webd = await startWebd(t, {
    resourced: { url: o.resourcedUrl, secret: o.resourcedSecret },
    hostdSecret: o.hostdSecret,
    monitord: o.monitord,
    // dom0s under emulation: each host_stats runs xentop (a 1 s sample) and xl; polled
    // every 2 s beside the heartbeats, hostd fell 40 s behind with its heartbeats.
    pollMs: 6000,
  });
  const browser = await P.launch(t);
  const op = await P.openLoggedIn(browser, webd.url, OPERATOR_SECRET);
  await P.hostsShown(op.page, hostIds);
  t.pass(`the page shows both lab hosts alive: ${hostIds.join(', ')}`);

  const lines = o.request.split('\n');
  const at = lines.findIndex((l) => l.includes(':: Fwd()') && l.includes('->'));
  const bad = lines.map((l, i) => (i === at ? l.replace(':: Fwd()', ':: Fwdd()') : l)).join('\n');
  let expected: { line: number; col: number } | undefined;
  try {
    parseAllocation(bad, 'allocation', { knownModules: ['Fwd'] });
  } catch (e) {
    expected = { line: (e as { line: number }).line, col: (e as { col: number }).col };
  }
  const shown = await P.typeRequest(op.page, bad);
  t.same({ ok: shown.ok, line: shown.line, col: shown.col }, { ok: false, ...expected }, `a bad request: the parser's error at its place (${shown.message})`);

  t.ok((await P.typeRequest(op.page, o.request)).ok, 'the request checks');
  const id = await P.installFromPage(op.page);
  // Whatever fails, the allocation goes: nothing left on the hosts or the switch.
  let deleted = false;
  t.teardown(async () => {
    if (!deleted) await call(rd, 'delete_allocation', id).catch(() => {});
  });
  const info = (await rd.call('get_pm_info')) as { value: { allocations: Array<{ id: number; pms: Array<{ module: string; host: string; name: string }> }> } };
  const pms = info.value.allocations.find((a) => a.id === id)!.pms;
  t.same(await P.placement(op.page, id), Object.fromEntries(pms.map((p) => [p.module, p.host])), 'the graph places each module on the host resourced put it on');
  await waitFor('every PM on its host card', async () => {
    const g = await P.guestsShown(op.page);
    return pms.every((p) => g[p.host]?.includes(p.name)) ? true : undefined;
  }, 60_000, 500);
  t.pass('each real guest is listed on its host');

  t.ok(await waitFor('traffic through the chain', async () => ((await o.ping()) ? true : undefined), 120_000, 1000), 'traffic flows');
  const first = await P.countersMove(op.page, id, 0, o.ping);
  const second = await P.countersMove(op.page, id, first, o.ping);
  t.ok(second > first, `the page's counters move with real traffic: ${first} → ${second}`);

  // each link's counters on its edge. The network's ends are always told apart (FromNet
  // and ToNet ports by name); links between two modules behind one host's uplink may read
  // both ways, and show "?" rather than a guess (controller/webd/README.md).
  const links = parseAllocation(o.request, 'allocation').connections.map((c) => `${c.from}[${c.fromPort}]->[${c.toPort}]${c.to}`);
  const ends = parseAllocation(o.request, 'allocation').connections.filter((c) => /^(fwd|rev)$/.test(c.from) || /^to/.test(c.to)).map((c) => `${c.from}[${c.fromPort}]->[${c.toPort}]${c.to}`);
  const once = await E.edgesRise(op.page, id, {}, o.ping, ends, 120_000);
  t.same(once.map((l) => l.link).sort(), [...links].sort(), 'a counter label on every edge');
  t.pass(`the network's edges count real packets: ${once.map((l) => `${l.link} ${l.text}`).join('; ')}`);
  const known = once.filter((l) => l.packets !== null).map((l) => l.link);
  await E.edgesRise(op.page, id, Object.fromEntries(once.filter((l) => l.packets !== null).map((l) => [l.link, l.packets!])), o.ping, known, 120_000);
  t.pass(`and rise again with traffic (${known.length} of ${links.length} edges told apart)`);
  for (const [label, l] of Object.entries(await E.edgeLayouts(op.page, id, 'lab'))) {
    t.ok(l.smallestTextPx >= 10, `${label}: edge labels at full size; ${l.file}`);
    t.same(l.overlaps, [], `${label}: no edge label covers another or a node`);
  }

  const guest = pms[0]!.name;
  await P.routerButton(op.page, guest, 'Stop');
  t.notOk(await o.ping(), `router of ${guest} stopped from the page: no traffic`);
  await P.routerButton(op.page, guest, 'Start');
  t.ok(await waitFor('traffic again', async () => ((await o.ping()) ? true : undefined), 120_000, 1000), 'started again: traffic flows');
  t.equal(await P.handlerThroughPage(op.page, guest, 'in0', 'class'), 'FromDevice', 'a real handler read through the page');

  for (const [label, l] of Object.entries(await P.layouts(op.page, 'lab'))) t.ok(l.overflow <= 0, `${label}: no sideways overflow; ${l.file}`);
  t.same(op.problems, [], 'no console error on the page');

  const ro = await P.openLoggedIn(browser, webd.url, VIEWER_SECRET, P.PHONE);
  t.same(await P.readOnlyAttempt(ro.page, id), { controlsVisible: 0, role: 'readonly', deleteStatus: 403, installStatus: 403 }, 'a read-only user cannot act');

  return {
    id,
    deleteFromPage: async () => {
      await P.deleteFromPage(op.page, id);
      deleted = true;
    },
  };
}

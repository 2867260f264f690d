// guests/console-protocol.ts against consoles recorded from real ClickOS in the lab
// (test/fixtures/clickos-console/): starts, stops and init failures as ClickOS prints them.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLICKOS_CONSOLE, STANDIN_CONSOLE } from '../../guests/console-protocol.js';
import { vifsUsed } from '../../guests/config-check.js';

const lines = (f: string): string[] => readFileSync(join('test', 'fixtures', 'clickos-console', f), 'utf8').replace(/\r/g, '').split('\n');
const all = lines('g-t-425-a.log');
/** The lines from the n-th "router id <rid>" + "status change to <status>" pair on, as the manager reads them after a status write. */
function after(rid: number, status: string, n = 0): string[] {
  let seen = 0;
  for (let i = 0; i + 1 < all.length; i++) {
    if (all[i] === `[on_status:217] router id ${rid}` && all[i + 1] === `[on_status:218] status change to ${status}`) {
      if (seen++ === n) return all.slice(i);
    }
  }
  throw new Error(`no ${status} #${n} of router ${rid} in the fixture`);
}

t.test('a start is read from its "router id N" line: Starting driver confirms it', async (t) => {
  t.ok(CLICKOS_CONSOLE.started(after(0, 'Running'), 0));
  t.equal(CLICKOS_CONSOLE.failure(after(0, 'Running'), 0), undefined, 'no failure for a good start');
  t.notOk(CLICKOS_CONSOLE.started(all.slice(0, all.findIndex((l) => l.includes('router id 0'))), 0), 'the boot lines confirm nothing');
  t.notOk(CLICKOS_CONSOLE.started(after(0, 'Running'), 7), 'another router id');
});

t.test('a stop: "Router N stoped." (sic)', async (t) => {
  t.ok(CLICKOS_CONSOLE.stopped(after(1, 'Halted'), 1));
  t.notOk(CLICKOS_CONSOLE.stopped(['[on_status:217] router id 1', '[on_status:218] status change to Halted'], 1), 'not before ClickOS says so');
  t.notOk(CLICKOS_CONSOLE.stopped(after(1, 'Halted'), 2), 'router 2 did not stop');
});

t.test("an init failure carries Click's own lines, up to Router init failed!", async (t) => {
  const i = all.findIndex((l) => l.includes('too many arguments'));
  const start = all.lastIndexOf('[on_status:217] router id 0', i);
  const bad = CLICKOS_CONSOLE.failure(all.slice(start), 0);
  t.ok(bad, 'a failure');
  t.match(bad!.join('\n'), /Counter/);
  t.match(bad!.join('\n'), /too many arguments/);
  t.equal(bad![bad!.length - 1], '[router_thread:149] Router init failed!');
  t.notOk(bad!.some((l) => l.startsWith('[on_status:')), "ClickOS's status lines are left out");
  const j = all.findIndex((l) => l.includes("unknown element class 'NoSuchElement'"));
  const unknown = CLICKOS_CONSOLE.failure(all.slice(all.lastIndexOf('[on_status:217] router id 0', j)), 0);
  t.match(unknown!.join('\n'), /config:1: unknown element class 'NoSuchElement'/);
});

t.test("the stand-in's lines are not ClickOS's", async (t) => {
  t.notOk(STANDIN_CONSOLE.started(all, 0), 'ClickOS never prints "router 0: running"');
  t.ok(STANDIN_CONSOLE.started(['router 0: running (3 elements)'], 0));
});

t.test('vifsUsed: the vifs FromDevice(N)/ToDevice(N) open, after flattening', async (t) => {
  t.same(vifsUsed('a :: FromDevice(0); b :: ToDevice(1); a -> b;'), [0, 1]);
  t.same(vifsUsed('x :: FromDevice(3); d :: Discard; x -> d;'), [3]);
  t.same(vifsUsed('elementclass P { input -> ToDevice(2) -> output } s :: TimedSource(1); s -> P -> Discard;'), [2], 'inside a compound');
  t.same(vifsUsed('s :: TimedSource(1); s -> Discard;'), []);
  t.same(vifsUsed('FromDevice() -> Discard;'), [0], 'no DEVID: ClickOS opens vif 0');
  t.same(vifsUsed('not click ((('), [], 'unparsable: the checker reports it');
});

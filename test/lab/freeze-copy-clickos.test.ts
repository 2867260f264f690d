// Freeze-and-copy between two real ClickOS guests through hostd (controller/migration/README.md
// "Freeze-and-copy"). hostd runs as its own process and creates both PMs (one vif each on
// xenbr0, HOSTD_GUESTS) with lab/clickos/freeze-copy.click: two ARPTables and a Switch. The
// old replica gets its state through handler writes (12 ARP entries, the Switch on output
// 1); the new one learns one entry of its own. planFreezeCopy refuses a class it cannot copy
// (Discard) before anything is written; the copy goes through hostd's read_handler /
// write_handler, and afterwards the new replica's exported ARP table and Switch hold the old
// one's state (its own entry kept). A 20-entry table is refused by its size bound (the
// XenStore ring, toolstack/limits.ts) without being read. No traffic crosses these guests,
// so the freeze (the switch step, controller/balancer/) has nothing to hold here.
//   node dist/test/lab/freeze-copy-clickos.test.js        (root, in dom0)
import t from 'tap';
import { execa } from 'execa';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XmlRpcClient } from '../../daemon/index.js';
import { projectRoot } from '../../lab/paths.js';
import { hostdTransport, parseArpTable, planFreezeCopy, type RouterRef } from '../../controller/migration/index.js';
import { Xl } from '../../toolstack/index.js';
import { DaemonProcess } from '../support/daemon-process.js';
import { call, HOSTD_GUESTS } from './helpers.js';

// Plain `node` runs this file: tap's 30 s default would cut a guest boot under emulation.
t.setTimeout(60 * 60_000); // the same as the other lab files: in one process (one-process.ts) this is the root's

const PREFIX = `fc-${process.pid}`;
const HOSTD = `hostd-${PREFIX}`;
const SECRET = randomBytes(24).toString('hex');
const mac = (k: number) => `02-FC-00-00-00-${k.toString(16).padStart(2, '0').toUpperCase()}`;

t.test('freeze-and-copy of ARPTable and Switch state between two ClickOS guests via hostd', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'freeze-copy-clickos-'));
  const hostd = new DaemonProcess('hostd', join(projectRoot, 'dist', 'hostd', 'main.js'));
  let client: XmlRpcClient | undefined;
  t.teardown(async () => {
    client?.close();
    await hostd.stop('SIGKILL').catch(() => {});
    const xl = new Xl({ timeoutMs: 300_000 });
    for (const d of await xl.list()) if (d.name.startsWith(PREFIX)) await xl.destroy(d.domid).catch(() => {});
    await execa('xenstore-rm', [`/local/domain/0/clickos-toolstack/hostd/${HOSTD}`], { reject: false });
    await rm(dir, { recursive: true, force: true });
  });

  const config = join(dir, 'hostd.json');
  await writeFile(config, JSON.stringify({ name: HOSTD, listen: { host: '127.0.0.1', port: 0 }, secret: SECRET, folders: { patches: join(dir, 'patches') }, guests: HOSTD_GUESTS }));
  client = new XmlRpcClient({ url: await hostd.start(config), secret: SECRET, timeoutMs: 60_000 });
  const c = client;
  const click = await readFile(join(projectRoot, 'lab', 'clickos', 'freeze-copy.click'), 'utf8');
  const pms: RouterRef[] = await Promise.all(
    ['old', 'new'].map(async (side) => {
      const rv = await call(c, 'create_pm', { name: `${PREFIX}-${side}`, config: click, configName: 'freeze-copy' });
      if (rv.code !== 0) throw new Error(`create_pm ${side}: ${rv.message}`);
      return { pm: `${PREFIX}-${side}`, rid: (rv.value as { rid: number }).rid };
    }),
  );
  const [from, to] = pms as [RouterRef, RouterRef];
  const tr = hostdTransport(c);
  // each write is followed by a read: ClickOS reads a handler's node when it handles the
  // event, so back-to-back writes to one node would replace each other (README.md)
  const put = async (r: RouterRef, element: string, handler: string, value: string) => {
    await tr.write_handler({ ...r, element, handler, value });
    await tr.read_handler({ ...r, element, handler: 'class' });
  };
  const table = async (r: RouterRef, element = 'arpt') => parseArpTable(await tr.read_handler({ ...r, element, handler: 'table' }));

  for (let k = 1; k <= 12; k++) await put(from, 'arpt', 'insert', `10.20.0.${k} ${mac(k)}`);
  await put(from, 'sw', 'switch', '1');
  await put(to, 'arpt', 'insert', `10.20.0.1 02-FC-00-00-01-01`); // learnt by the new replica after the move
  for (let k = 1; k <= 20; k++) await put(from, 'big', 'insert', `10.21.0.${k} ${mac(k)}`);
  const before = await table(from);
  t.equal(before.entries.filter((e) => e.known).length, 12, 'the old replica holds 12 known entries (read from the real guest)');

  await t.rejects(planFreezeCopy(tr, { from, to, elements: ['arpt', 'd'] }), { name: 'FreezeCopyRefused', message: /element d cannot be frozen and copied: Discard/ }, 'a class without a codec is refused at planning');
  t.equal((await table(to)).entries.length, 1, 'the refusal wrote nothing to the new replica');

  const big = await planFreezeCopy(tr, { from, to, elements: ['big'] });
  await t.rejects(big.copy(), { name: 'FreezeCopyRefused', message: /big\.table on the old replica .* may answer up to \d+ bytes/ }, 'a table that could exceed the XenStore ring is refused unread');
  t.equal((await table(to, 'big')).entries.length, 0, 'nothing written for it');

  // freeze (nothing to hold: no traffic), copy, unfreeze
  const plan = await planFreezeCopy(tr, { from, to, elements: ['arpt', 'sw'] });
  const r = await plan.copy();
  t.same(r.elements.map((e) => [e.element, e.className, e.entries, e.writes]), [['arpt', 'ARPTable', 12, 11], ['sw', 'Switch', 1, 1]]);
  t.comment(`copied ${r.elements.map((e) => `${e.element}: ${e.entries} entries, ${e.exportBytes} B read, ${e.importBytes} B written in ${e.writes} writes`).join('; ')}`);
  t.comment(`downtime ${r.downtimeMs.toFixed(0)} ms: read ${r.readMs.toFixed(0)} ms, write ${r.writeMs.toFixed(0)} ms, verify ${r.verifyMs.toFixed(0)} ms (under TCG)`);

  const known = (s: ReturnType<typeof parseArpTable>) => new Map(s.entries.filter((e) => e.known).map((e) => [e.ip, e.eth]));
  const oldMap = known(await table(from));
  const newMap = known(await table(to));
  t.same([...newMap.keys()].sort(), [...oldMap.keys()].sort(), "the new replica's exported table has the old one's addresses");
  for (const [ip, eth] of oldMap) if (ip !== '10.20.0.1') t.equal(newMap.get(ip), eth, `${ip} → ${eth}`);
  t.equal(newMap.get('10.20.0.1'), '02-FC-00-00-01-01', "the new replica's own entry is kept");
  t.equal(await tr.read_handler({ ...to, element: 'sw', handler: 'switch' }), await tr.read_handler({ ...from, element: 'sw', handler: 'switch' }), 'Switch: the same output on both');

  for (const p of pms) t.equal((await call(c, 'delete_pm', { pm: p.pm })).code, 0, `delete_pm ${p.pm}`);
  t.equal(await hostd.stop('SIGTERM'), 0, 'hostd: a clean exit');
});

// Freeze-and-copy (controller/migration/README.md "Freeze-and-copy"): the codecs against
// handler text in the formats of the pinned Click sources, and the copy between two replicas
// through a STAND-IN for ClickOS guests behind hostd (test/support/clickos-handlers-standin.ts;
// the real guests are test/lab/freeze-copy-clickos.test.ts).
import t from 'tap';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { XmlRpcClient, createDaemon } from '../../daemon/index.js';
import { projectRoot } from '../../lab/paths.js';
import {
  CodecError,
  FreezeCopyRefused,
  arpTableCodec,
  parseArpTable,
  planFreezeCopy,
  switchCodec,
  CLICK_SURVEY,
  CODECS,
  ARP_LINE_MAX,
  hostdTransport,
} from '../../controller/migration/index.js';
import { CLICKOS_MAX_WRITE_VALUE, clickosMaxReadReply } from '../../toolstack/limits.js';
import { ClickosHandlersStandin, StandinRouter, type ArpRow } from '../support/clickos-handlers-standin.js';

// Recorded: the expected table of clickos-a092d40 test/ethernet/ARPQuerier-03.testie
// ("%expect CHECK", after `read arpt.table`); the testie matches each line's age with
// {{.*}}, so the ages here are filled in, in ARPTable::read_handler's Timestamp form.
const RECORDED = '1.0.0.3 0 FF-FF-FF-FF-FF-FF 0.050000\n1.0.0.2 0 02-01-00-00-02-0F 0.050000\n1.0.0.1 1 02-01-00-00-01-0D 0.020000\n';

t.test('ARPTable codec: the recorded table of ARPQuerier-03.testie', async (t) => {
  const s = parseArpTable(RECORDED);
  t.same(s.entries.map((e) => [e.ip, e.known, e.eth]), [
    ['1.0.0.3', false, 'FF-FF-FF-FF-FF-FF'],
    ['1.0.0.2', false, '02-01-00-00-02-0F'],
    ['1.0.0.1', true, '02-01-00-00-01-0D'],
  ]);
  t.equal(s.entries[2]!.ageS, 0.02);
  t.equal(arpTableCodec.entries(s), 1, 'only known entries are carried (a pending query, an expired entry are not)');
  t.same(arpTableCodec.importWrites(s, { entries: [] }), [{ handler: 'insert', value: '1.0.0.1 02-01-00-00-01-0D' }], 'insert takes "IP ETH" (ARPTable::write_handler h_insert)');
  t.same(parseArpTable(''), { entries: [] }, 'an empty table prints nothing');
  t.equal(parseArpTable('10.0.0.1 1 02:01:00:00:01:0d 3.000000001\n').entries[0]!.eth, '02-01-00-00-01-0D', 'colons (unparse_colon) and nanosecond timestamps are read too');
  t.same(arpTableCodec.missing(s, parseArpTable('1.0.0.1 1 02-01-00-00-01-0D 0.000000\n')), []);
  t.match(arpTableCodec.missing(s, { entries: [] })[0], /1\.0\.0\.1 .*not known/);
});

t.test('ARPTable codec: malformed text is a CodecError naming the line', async (t) => {
  const bad: Array<[string, RegExp]> = [
    ['1.0.0.1 1 02-01-00-00-01-0D 0.020000', /newline/],
    ['1.0.0.1 1 02-01-00-00-01-0D\n', /line 1.*3 fields/],
    ['1.0.0.1 2 02-01-00-00-01-0D 0.020000\n', /known flag "2"/],
    ['1.0.0.256 1 02-01-00-00-01-0D 0.020000\n', /not an IPv4/],
    ['1.0.0.1 1 02-01-00-00-01 0.020000\n', /not an Ethernet/],
    ['1.0.0.1 1 02-01-00-00-01-0D 20ms\n', /not a Click timestamp/],
    ['1.0.0.1 1 02-01-00-00-01-0D 0.020000\n1.0.0.1 1 02-01-00-00-01-0E 0.020000\n', /appears twice/],
    ['<error>\n', /line 1/],
  ];
  for (const [text, re] of bad) t.throws(() => parseArpTable(text), { name: 'CodecError', message: re }, JSON.stringify(text));
});

t.test('Switch codec (Switch::read_param / write_param)', async (t) => {
  t.same(switchCodec.parse('2'), { output: 2 });
  t.same(switchCodec.parse('-1'), { output: -1 });
  t.throws(() => switchCodec.parse('two'), CodecError);
  t.same(switchCodec.importWrites({ output: 1 }, { output: 0 }), [{ handler: 'switch', value: '1' }]);
  t.same(switchCodec.importWrites({ output: 1 }, { output: 1 }), []);
});

t.test('the survey and the codecs agree', async (t) => {
  for (const [cls] of CODECS) t.equal(CLICK_SURVEY[cls]?.verdict, 'copies', `${cls} has a codec and the survey says it copies`);
  for (const [cls, s] of Object.entries(CLICK_SURVEY)) if (s.verdict === 'copies') t.ok(CODECS.has(cls), `${cls}: copies, so it has a codec`);
});

const mac = (k: number) => `02-00-00-00-00-${k.toString(16).padStart(2, '0').toUpperCase()}`;
function arp(cls: 'ARPTable' | 'ARPQuerier', rows: Array<[string, string, boolean, number]>) {
  return { cls, rows: new Map<string, ArpRow>(rows.map(([ip, eth, known, liveAt]) => [ip, { eth, known, liveAt }])) };
}
function pair() {
  const a = new StandinRouter('old-replica');
  const b = new StandinRouter('new-replica', 1);
  return { a, b, from: { pm: a.pm, rid: a.rid }, to: { pm: b.pm, rid: b.rid }, t: new ClickosHandlersStandin([a, b]) };
}

t.test('freeze-and-copy of an ARPTable, an ARPQuerier and a Switch through the stand-in', async (t) => {
  const { a, b, from, to, t: tr } = pair();
  a.elements.set('arpt', arp('ARPTable', [
    ...Array.from({ length: 12 }, (_, k) => [`10.0.0.${k + 1}`, mac(k + 1), true, 100 + k] as [string, string, boolean, number]),
    ['10.0.0.99', 'FF-FF-FF-FF-FF-FF', false, 50],
  ]));
  // the new replica learnt 10.0.0.1 itself after the move (another MAC): its own entry stays
  b.elements.set('arpt', arp('ARPTable', [['10.0.0.1', '02-00-00-00-01-01', true, 900]]));
  a.elements.set('arpq', arp('ARPQuerier', [['192.168.1.1', '02-00-00-00-09-01', true, 10]]));
  b.elements.set('arpq', arp('ARPQuerier', []));
  a.elements.set('sw', { cls: 'Switch', output: 2, noutputs: 3 });
  b.elements.set('sw', { cls: 'Switch', output: 0, noutputs: 3 });

  const plan = await planFreezeCopy(tr, { from, to, elements: ['arpt', 'arpq', 'sw'] });
  t.equal(tr.writes.length, 0, 'planning writes nothing');
  const r = await plan.copy();
  t.same(r.elements.map((e) => [e.element, e.className, e.entries, e.writes]), [
    ['arpt', 'ARPTable', 12, 11],
    ['arpq', 'ARPQuerier', 1, 1],
    ['sw', 'Switch', 1, 1],
  ]);
  t.ok(tr.writes.every((w) => w.pm === 'new-replica' && w.rid === 1), 'writes go to the new replica only');
  const bt = (b.elements.get('arpt') as ReturnType<typeof arp>).rows;
  t.equal(bt.size, 12);
  t.equal(bt.get('10.0.0.1')!.eth, '02-00-00-00-01-01', "the new replica's own, newer entry is kept");
  t.equal(bt.get('10.0.0.7')!.eth, mac(7));
  t.notOk(bt.has('10.0.0.99'), 'an unknown entry is not copied');
  t.equal((b.elements.get('arpq') as ReturnType<typeof arp>).rows.get('192.168.1.1')!.eth, '02-00-00-00-09-01');
  t.equal((b.elements.get('sw') as { output: number }).output, 2);
  const e0 = r.elements[0]!;
  t.equal(e0.exportBytes, Buffer.byteLength(await tr.read_handler({ ...from, element: 'arpt', handler: 'table' })), 'exportBytes is the old table\'s text');
  t.equal(e0.importBytes, 8 * '10.0.0.2 02-00-00-00-00-02'.length + 3 * '10.0.0.10 02-00-00-00-00-0A'.length, 'importBytes: the insert values (10.0.0.2-9 and 10-12)');
  for (const k of ['readMs', 'writeMs', 'verifyMs', 'downtimeMs'] as const) t.ok(r[k] >= 0, `${k} measured`);
  t.equal(r.downtimeMs >= r.readMs + r.writeMs, true, 'downtime covers read and write');
  await t.rejects(plan.copy(), FreezeCopyRefused, 'a plan copies once');
});

t.test('why each write waits for a barrier read: without one, ClickOS (here its stand-in) loses writes', async (t) => {
  const { a, b, from, to, t: tr } = pair();
  a.elements.set('arpt', arp('ARPTable', Array.from({ length: 5 }, (_, k) => [`10.1.0.${k}`, mac(k), true, k] as [string, string, boolean, number])));
  b.elements.set('arpt', arp('ARPTable', []));
  const old = parseArpTable(await tr.read_handler({ ...from, element: 'arpt', handler: 'table' }));
  for (const w of arpTableCodec.importWrites(old, { entries: [] })) await tr.write_handler({ ...to, element: 'arpt', handler: w.handler, value: w.value });
  const naive = parseArpTable(await tr.read_handler({ ...to, element: 'arpt', handler: 'table' }));
  t.ok(naive.entries.length < 5, `back-to-back writes to one node: ${naive.entries.length} of 5 arrived`);
  const r = await (await planFreezeCopy(tr, { from, to, elements: ['arpt'] })).copy();
  t.equal(r.elements[0]!.entries, 5);
  t.equal((b.elements.get('arpt') as ReturnType<typeof arp>).rows.size, 5, 'with the barrier every entry arrives');
});

t.test('refusals come before anything is written, with the class and why', async (t) => {
  const { a, b, from, to, t: tr } = pair();
  a.elements.set('c', { cls: 'Counter', count: 7 });
  b.elements.set('c', { cls: 'Counter', count: 0 });
  a.elements.set('arpt', arp('ARPTable', [['10.0.0.1', mac(1), true, 1]]));
  b.elements.set('arpt', arp('ARPTable', []));
  a.elements.set('x', { cls: 'Switch', output: 0, noutputs: 2 });
  b.elements.set('x', arp('ARPTable', []));
  await t.rejects(planFreezeCopy(tr, { from, to, elements: ['arpt', 'c'] }), { name: 'FreezeCopyRefused', message: /element c cannot be frozen and copied: Counter \(export-only, standard\/counter\.cc\): .*nothing sets a count/ });
  await t.rejects(planFreezeCopy(tr, { from, to, elements: ['arpt', 'nosuch'] }), { name: 'FreezeCopyRefused', message: /element nosuch does not answer on the old replica/ });
  await t.rejects(planFreezeCopy(tr, { from, to, elements: ['x'] }), { name: 'FreezeCopyRefused', message: /a Switch on the old replica and a ARPTable on the new/ });
  await t.rejects(planFreezeCopy(tr, { from, to, elements: ['out/arpt'] }), { name: 'FreezeCopyRefused', message: /compound/ });
  await t.rejects(planFreezeCopy(tr, { from, to, elements: [] }), { name: 'FreezeCopyRefused', message: /no element/ });
  await t.rejects(planFreezeCopy(tr, { from, to, elements: ['arpt', 'arpt'] }), { name: 'FreezeCopyRefused', message: /named twice/ });
  await t.rejects(planFreezeCopy(tr, { from, to: from, elements: ['arpt'] }), { name: 'FreezeCopyRefused', message: /same router/ });
  await t.rejects(planFreezeCopy(tr, { from, to, elements: ['arpt'] }, new Map()), { name: 'FreezeCopyRefused', message: /ARPTable/ }, 'a class without a codec');
  t.equal(tr.writes.length, 0, 'nothing written to either replica');
});

t.test('a malformed or oversized state on either side writes nothing to the new replica', async (t) => {
  const { a, b, from, to, t: tr } = pair();
  a.elements.set('arpt', arp('ARPTable', [['10.0.0.1', mac(1), true, 1]]));
  b.elements.set('arpt', arp('ARPTable', []));
  a.elements.set('sw', { cls: 'Switch', output: 1, noutputs: 2 });
  b.elements.set('sw', { cls: 'Switch', output: 0, noutputs: 2 });
  const arpA = a.elements.get('arpt') as ReturnType<typeof arp> & { tableOverride?: string; countOverride?: string };

  arpA.tableOverride = '10.0.0.1 1 02-00-00-00-00-01 0.001000\n10.0.0.2 1 garbage 0.001000\n';
  let plan = await planFreezeCopy(tr, { from, to, elements: ['sw', 'arpt'] });
  await t.rejects(plan.copy(), { name: 'CodecError', message: /arpt \(ARPTable\) on the old replica, pm old-replica router 0: ARPTable table line 2: "garbage" is not an Ethernet address/ });
  t.equal(tr.writes.length, 0, 'the Switch, fine, was not written either');

  delete arpA.tableOverride;
  const max = clickosMaxReadReply('arpt', 'table');
  arpA.countOverride = String(Math.ceil(max / ARP_LINE_MAX) + 1);
  const readsBefore = tr.reads.length;
  plan = await planFreezeCopy(tr, { from, to, elements: ['sw', 'arpt'] });
  await t.rejects(plan.copy(), { name: 'FreezeCopyRefused', message: new RegExp(`arpt\\.table on the old replica .* at most ${max} `) });
  t.notOk(tr.reads.slice(readsBefore).some((r) => r.element === 'arpt' && r.handler === 'table'), 'the oversized table was never read (it would stop the guest)');
  t.equal(tr.writes.length, 0, 'nothing written');
  t.equal(CLICKOS_MAX_WRITE_VALUE, 1008);
  t.equal(max, 1024 - 16 - 'data/clickos/0/elements/arpt/table'.length - 1);
});

// hostdTransport over real XML-RPC: a daemon (createDaemon) serving read_handler and
// write_handler with hostd's own schemas (hostd/api.ts) — a hostd STAND-IN, since real hostd
// needs Xen — in front of the ClickOS handlers stand-in.
const standinMethod = (m: 'read_handler' | 'write_handler') => `// STAND-IN for hostd's ${m}: hostd's schemas, the ClickOS handlers stand-in behind.
import { hostdApi } from '${pathToFileURL(join(projectRoot, 'dist', 'hostd', 'api.js')).href}';
const api = hostdApi.methods.${m};
export default ({ ok, fail }) => ({
  help: 'stand-in ${m}', params: api.params, result: api.result, ${m === 'read_handler' ? 'readOnly: true,' : ''}
  run: async (arg, ctx) => {
    try { return ok(${m === 'read_handler' ? 'await ctx.services.read_handler(arg)' : '(await ctx.services.write_handler(arg), null)'}); }
    catch (e) { return fail(e.message); }
  },
});
`;

t.test('hostdTransport: the copy through XML-RPC and hostd\'s schemas (a hostd stand-in)', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'freeze-copy-hostd-'));
  await mkdir(join(dir, 'commands'));
  for (const m of ['read_handler', 'write_handler'] as const) await writeFile(join(dir, 'commands', `${m}.mjs`), standinMethod(m));
  const { a, b, from, to, t: clickos } = pair();
  a.elements.set('arpt', arp('ARPTable', [['10.0.0.1', mac(1), true, 1], ['10.0.0.2', mac(2), true, 2]]));
  b.elements.set('arpt', arp('ARPTable', []));
  a.elements.set('c', { cls: 'Counter', count: 3 });
  b.elements.set('c', { cls: 'Counter', count: 0 });
  const secret = 'freeze-copy-test-secret-0123456789';
  const hostd = createDaemon({ name: 'hostd-standin', listen: { port: 0 }, secret: { resourced: secret }, folders: { daemon: dir }, services: clickos, log: () => {} });
  const { url } = await hostd.start();
  const client = new XmlRpcClient({ url, secret, timeoutMs: 10_000 });
  t.teardown(async () => {
    client.close();
    await hostd.close();
    await rm(dir, { recursive: true, force: true });
  });
  const tr = hostdTransport(client);
  await t.rejects(planFreezeCopy(tr, { from, to, elements: ['c'] }), { name: 'FreezeCopyRefused', message: /Counter/ });
  const r = await (await planFreezeCopy(tr, { from, to, elements: ['arpt'] })).copy();
  t.same(r.elements.map((e) => [e.entries, e.writes]), [[2, 2]]);
  t.equal((b.elements.get('arpt') as ReturnType<typeof arp>).rows.size, 2, 'both entries reached the new replica through XML-RPC');
  await t.rejects(tr.read_handler({ pm: 'nosuch', rid: 0, element: 'arpt', handler: 'table' }), { name: 'HandlerCallError', message: /read arpt\.table on pm nosuch router 0: no answer/ });
  await t.rejects(tr.write_handler({ ...to, element: 'arpt', handler: 'insert', value: '' }), /value/, "hostd's schema refuses an empty value");
  const writes = clickos.writes.length;
  await t.rejects(tr.write_handler({ ...to, element: 'arpt', handler: 'insert', value: 'x'.repeat(CLICKOS_MAX_WRITE_VALUE + 1) }), { name: 'Fault', message: /value: longer than 1008/ }, "hostd's schema refuses a value longer than ClickOS reads (a fault: invalid params)");
  t.ok(await tr.write_handler({ ...to, element: 'arpt', handler: 'insert', value: 'x'.repeat(CLICKOS_MAX_WRITE_VALUE) }) === undefined, 'and takes one of exactly that length');
  t.equal(clickos.writes.length, writes + 1, 'only that one reached the guest stand-in');
});

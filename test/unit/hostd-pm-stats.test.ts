// hostd's per-PM statistics (hostd/pm-stats.ts, the processing module daemon's pm_stats)
// without Xen: vif counters from a RECORDED sysfs layout in a temp dir and from a real
// interface named as netback names a vif (a veth, frames sent through it), Counter-like
// elements found in real Click configs by clickos-build's flattener, and the handler
// reads bounded and failures recorded. test/lab/hostd.test.ts reads a real PM's.
import t from 'tap';
import { execa } from 'execa';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_CLICK_COUNTERS } from '../../hostd/api.js';
import { clickCounters, counterElements, vifCounters } from '../../hostd/pm-stats.js';

t.test('vif counters from a sysfs layout: the guest view, only this domain\'s vifs', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'pm-stats-'));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  const dev = async (name: string, c: Record<string, number>) => {
    await mkdir(join(root, name, 'statistics'), { recursive: true });
    for (const [k, v] of Object.entries(c)) await writeFile(join(root, name, 'statistics', k), `${v}\n`);
  };
  // dom0's rx_* is what the guest sent.
  await dev('vif5.1', { rx_packets: 7, rx_bytes: 700, tx_packets: 3, tx_bytes: 300 });
  await dev('vif5.0', { rx_packets: 10, rx_bytes: 1000, tx_packets: 2 ** 40, tx_bytes: 2 ** 50 });
  await dev('vif5.0-emu', { rx_packets: 1, rx_bytes: 1, tx_packets: 1, tx_bytes: 1 });
  await dev('vif51.0', { rx_packets: 1, rx_bytes: 1, tx_packets: 1, tx_bytes: 1 });
  await dev('eth0', { rx_packets: 1, rx_bytes: 1, tx_packets: 1, tx_bytes: 1 });
  t.same(await vifCounters(5, root), [
    { vif: 0, device: 'vif5.0', inPackets: 2 ** 40, inBytes: 2 ** 50, outPackets: 10, outBytes: 1000 },
    { vif: 1, device: 'vif5.1', inPackets: 3, inBytes: 300, outPackets: 7, outBytes: 700 },
  ], 'vif5.0 and vif5.1, in vif order; counters past 2^32 kept');
  t.same(await vifCounters(6, root), [], 'a domain without vifs has none');
  t.same(await vifCounters(5, join(root, 'missing')), [], 'no sysfs: none');
  await writeFile(join(root, 'vif5.1', 'statistics', 'rx_bytes'), 'garbage\n');
  await t.rejects(vifCounters(5, root), /rx_bytes: not a counter/, 'a malformed counter is an error, not a zero');
});

t.test('a real interface named as netback names a vif: frames sent by the "guest" are its out', { skip: process.getuid?.() !== 0 ? 'needs root (ip link)' : false }, async (t) => {
  const domid = 30000 + (process.pid % 2000);
  const vif = `vif${domid}.0`;
  const peer = `pmst${process.pid % 100000}`;
  t.teardown(() => execa('ip', ['link', 'del', vif], { reject: false }));
  await execa('ip', ['link', 'add', vif, 'type', 'veth', 'peer', 'name', peer]);
  for (const d of [vif, peer]) await execa('ip', ['link', 'set', d, 'up']);
  const before = (await vifCounters(domid))[0]!;
  // 5 raw Ethernet frames of 60 bytes from the peer (the guest's side) into the vif.
  await execa('python3', ['-c', `import socket\ns=socket.socket(socket.AF_PACKET, socket.SOCK_RAW)\ns.bind(('${peer}', 0))\nfor i in range(5): s.send(b'\\xff'*6 + b'\\x02\\x00\\x00\\x00\\x00\\x01' + b'\\x88\\xb5' + b'x'*46)\n`]);
  let after = before;
  for (let i = 0; i < 50 && after.outPackets < before.outPackets + 5; i++) {
    await new Promise((r) => setTimeout(r, 20));
    after = (await vifCounters(domid))[0]!;
  }
  t.equal(after.device, vif);
  t.ok(after.outPackets >= before.outPackets + 5, `5 frames out of the guest seen (${before.outPackets} → ${after.outPackets})`);
  t.ok(after.outBytes >= before.outBytes + 300, `their bytes too (${before.outBytes} → ${after.outBytes})`);
});

t.test('Counter-like elements: found by class after flattening, top-level only, bounded', async (t) => {
  const cfg = `elementclass Counted { input -> inner :: Counter -> output }
src :: FromDevice(0);
c1 :: Counter;
avg :: AverageCounter();
q :: Queue;
cc :: Counted;
src -> c1 -> avg -> cc -> Discard;
`;
  t.same(counterElements(cfg), [{ element: 'c1', class: 'Counter' }, { element: 'avg', class: 'AverageCounter' }], 'cc/inner cannot be addressed by ClickOS: left out');
  const many = Array.from({ length: 40 }, (_, i) => `c${i} :: Counter;`).join('\n') + '\n';
  t.equal(counterElements(many).length, MAX_CLICK_COUNTERS, `at most ${MAX_CLICK_COUNTERS}`);
  t.same(counterElements('this is not -> -> click'), [], 'an unparsable config has none');
  t.same(counterElements('FromDevice(0) -> ToDevice(0);\n'), [], 'none declared');
});

t.test('handler reads: every counter of every running router, bounded in all, failures recorded', async (t) => {
  const configs: Record<number, string> = {
    0: 'a :: Counter; b :: Counter; FromDevice(0) -> a -> b -> ToDevice(0);\n',
    1: Array.from({ length: 20 }, (_, i) => `x${i} :: Counter;`).join('\n') + '\n',
  };
  const reads: string[] = [];
  const got = await clickCounters([0, 1], {
    config: async (rid) => configs[rid]!,
    read: async (rid, el, h) => {
      reads.push(`${rid}/${el}.${h}`);
      if (el === 'b') throw new Error('handler read timed out');
      return h === 'count' ? '42\n' : '4200';
    },
  });
  t.equal(got.length, MAX_CLICK_COUNTERS);
  t.same(got[0], { rid: 0, element: 'a', class: 'Counter', count: 42, byteCount: 4200 });
  t.same(got[1], { rid: 0, element: 'b', class: 'Counter', count: null, byteCount: null, error: 'handler read timed out' });
  t.same(got.slice(2).map((c) => `${c.rid}/${c.element}`), Array.from({ length: MAX_CLICK_COUNTERS - 2 }, (_, i) => `1/x${i}`), 'the second router fills what the bound leaves');
  t.equal(reads.length, MAX_CLICK_COUNTERS * 2, 'two reads per counter, none beyond the bound');
  t.same(await clickCounters([0], { config: async () => { throw new Error('gone'); }, read: async () => '1' }), [], 'a router whose config cannot be read has none');
});

// The xentop -b parser, against a HAND-WRITTEN sample in xentop(1)'s batch layout
// (test/fixtures/xentop/README.md says how it was made) and a recording from the lab.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { parseXentop, parseXentopFrames } from '../../toolstack/xentop.js';

const sample = readFileSync(new URL('../fixtures/xentop/batch-2-iterations.txt', import.meta.url), 'utf8');

t.test('two iterations: the last frame is the measurement', async (t) => {
  const frames = parseXentopFrames(sample);
  t.equal(frames.length, 2);
  t.same(frames[0]!.map((d) => d.cpuPercent), [0, 0, 0], 'the first frame has no CPU% (no previous sample)');
  const last = parseXentop(sample);
  t.same(last.map((d) => d.name), ['Domain-0', 'hostd-pm-1', 'clickos-pool-0']);
  t.same(last[0], { name: 'Domain-0', state: '-----r', cpuSeconds: 1433, cpuPercent: 87.5, memoryKiB: 1048576, memoryPercent: 50, maxMemoryKiB: undefined, vcpus: 2, nets: 0, netTxKiB: 0, netRxKiB: 0, vbds: 0 }, '"no limit" / "n/a" for dom0');
  t.same(last[1], { name: 'hostd-pm-1', state: '-----r', cpuSeconds: 3, cpuPercent: 12.3, memoryKiB: 98304, memoryPercent: 4.7, maxMemoryKiB: 99328, vcpus: 1, nets: 1, netTxKiB: 15, netRxKiB: 40, vbds: 0 });
});

t.test('without the SSID column, and with detail sub-rows', async (t) => {
  const out = [
    '      NAME  STATE   CPU(sec) CPU(%)     MEM(k) MEM(%)  MAXMEM(k) MAXMEM(%) VCPUS NETS NETTX(k) NETRX(k) VBDS   VBD_OO   VBD_RD   VBD_WR  VBD_RSECT  VBD_WSECT',
    '       vm1 --b---          7    1.5      16384    0.8      17408       0.8     1    1        1        2    0        0        0        0          0          0',
    '  Net0 RX:     2048bytes       10pkts        0err        0drop  TX:     1024bytes        5pkts        0err        0drop',
    '',
  ].join('\n');
  t.same(parseXentop(out).map((d) => [d.name, d.cpuPercent, d.maxMemoryKiB]), [['vm1', 1.5, 17408]]);
});

t.test('refusals', async (t) => {
  t.throws(() => parseXentop(''), SyntaxError, 'no header');
  t.throws(() => parseXentop('vm1 --b--- 1 2 3\n'), /before any header/);
  t.throws(() => parseXentop(`${sample.split('\n')[0]}\nvm1 --b--- 1 2\n`), /unexpected line/);
  t.throws(() => parseXentop(`${sample.split('\n')[0]}\nvm1 --b--- x 0.0 1 1 1 1 1 1 1 1 1 1 1 1 1 1\n`), /bad CPU\(sec\)/);
});

// Recorded in the lab's dom0 (Xen 4.17, `xentop -b -f -i 2 -d 1`, as hostd runs it)
// while hostd's lab test had a PM, a pool guest and a guest being created (paused).
const recorded = readFileSync(new URL('../fixtures/xentop/recorded-4.17-full-names.txt', import.meta.url), 'utf8');

t.test('a real recording: full names (-f), the second frame measured', async (t) => {
  t.equal(parseXentopFrames(recorded).length, 2);
  const last = parseXentop(recorded);
  t.same(last.map((d) => d.name), ['Domain-0', 'hd-3555-killed', 'hd-3555-pm1', 'hd-3555-pool-1'], 'names longer than 10 characters kept whole');
  t.same(last.map((d) => d.cpuPercent), [157.4, 0, 0.6, 0.5]);
  t.same(last.map((d) => d.state), ['-----r', '----p-', '--b---', '--b---']);
  t.same([last[2]!.memoryKiB, last[2]!.maxMemoryKiB, last[2]!.vcpus, last[2]!.nets, last[2]!.netTxKiB, last[2]!.netRxKiB], [98304, 99328, 1, 1, 1, 2]);
  t.equal(last[0]!.cpuSeconds, 1797);
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { captureBins, formatIpv4 } from '../../controller/offload/capture.js';
import { Lru } from '../../controller/offload/lru.js';
import { BinOptimal, evaluate, Tfo } from '../../controller/offload/index.js';
import { PcapError, ethernetIpv4Frame, ipv4Destination, readPcapHeader, readPcapRecords, writePcap } from '../../controller/offload/pcap.js';
import { projectRoot } from '../../lab/paths.js';
import { fixtureRecords } from '../support/offload-fixture.js';

const fixture = new Uint8Array(readFileSync(join(projectRoot, 'test', 'fixtures', 'offload', 'tiny.pcap')));

/** Bins as {prefix: packets} with dotted prefixes. */
function readable(buf: Uint8Array, binSeconds = 1) {
  const tr = captureBins(buf, binSeconds);
  return { skipped: tr.skipped, bins: tr.bins.map((b) => Object.fromEntries([...b.ids].map((id, i) => [formatIpv4(tr.prefixes[id]!), b.counts[i]!]))) };
}

t.test('the fixture: per-bin /24 counts, ARP skipped, VLAN tag read through, empty bin kept', async (t) => {
  t.same(fixture, writePcap(fixtureRecords()), 'fixture is what the writer makes (regenerate: node dist/bench/offload/make-fixture.js)');
  const h = readPcapHeader(fixture);
  t.same(h, { littleEndian: true, nanoseconds: false, versionMajor: 2, versionMinor: 4, snaplen: 65535, linktype: 1 });
  t.same(readable(fixture), {
    skipped: 1,
    bins: [{ '10.0.1.0': 2, '192.168.7.0': 1 }, { '10.0.1.0': 1, '172.16.0.0': 1 }, {}, { '192.168.7.0': 1 }],
  });
  t.same(readable(fixture, 10).bins, [{ '10.0.1.0': 3, '192.168.7.0': 2, '172.16.0.0': 1 }]);
  const tr = captureBins(fixture, 1);
  t.same([...tr.bins[0]!.packets!], [0, 0, 1], 'arrival order kept for the caches');
  t.equal(new Lru(1).update(tr.bins[0]!).software, 2, 'LRU replays the capture order');
});

// A real capture, made in the lab by test/lab/routing-clickos.test.ts (the generator's
// first two bins of the Zipf replay toward the routes' addresses, taken at its eth0 by
// test/support/routing_traffic.py capture; ROUTING_CAPTURE_PRINT=1 prints one). The
// figures below were counted from the file by a separate Python reading, not by ours.
t.test('a capture made in the lab: read, binned and replayed through the strategies', async (t) => {
  const buf = new Uint8Array(readFileSync(join(projectRoot, 'test', 'fixtures', 'offload', 'lab-gen.pcap')));
  t.match(readPcapHeader(buf), { littleEndian: true, nanoseconds: false, snaplen: 64, linktype: 1 }, 'Ethernet, 64 bytes of each frame');
  const whole = captureBins(buf, 3600);
  t.equal(whole.skipped, 0, 'every frame is IPv4');
  t.equal(whole.bins.length, 1);
  const counts = Object.fromEntries([...whole.bins[0]!.ids].map((id, i) => [formatIpv4(whole.prefixes[id]!), whole.bins[0]!.counts[i]!]));
  t.equal(Object.values(counts).reduce((a, n) => a + n, 0), 834, '834 frames');
  t.equal(Object.keys(counts).length, 49, 'toward 49 /24s');
  t.match(counts, { '172.16.128.0': 167, '172.16.0.0': 122, '172.16.1.0': 58 }, 'the heaviest /24s, as Zipf popularity put them');
  t.ok(Object.keys(counts).every((p) => p.startsWith('172.16.')), 'all inside the routes\' 172.16.0.0/16');
  const bins = captureBins(buf, 10).bins;
  t.equal(bins.length, 6, '52.4 s of capture: six 10 s bins');
  const [opt, tfo] = evaluate(bins, [new BinOptimal(4), new Tfo({ n: 4 })]);
  bins.forEach((_, i) => {
    t.ok(opt![i]!.software <= tfo![i]!.software && tfo![i]!.software <= opt![i]!.total, `bin ${i}: bin-optimal leaves ${opt![i]!.software}, TFO ${tfo![i]!.software}, of ${opt![i]!.total}`);
  });
});

t.test('both byte orders and nanosecond timestamps read the same', async (t) => {
  const recs = fixtureRecords();
  const ns = recs.map((r) => ({ ...r, fraction: r.fraction * 1000 }));
  const want = readable(fixture);
  for (const [name, buf] of [
    ['big-endian µs', writePcap(recs, { bigEndian: true })],
    ['little-endian ns', writePcap(ns, { nanoseconds: true })],
    ['big-endian ns', writePcap(ns, { nanoseconds: true, bigEndian: true })],
  ] as const) {
    t.same(readable(buf), want, name);
    const times = [...readPcapRecords(buf)].map((r) => r.time);
    t.ok(Math.abs(times[6]! - 1003.05) < 1e-6, `${name}: time ${times[6]}`);
  }
  t.equal(readPcapHeader(writePcap(recs, { bigEndian: true })).littleEndian, false);
});

t.test('malformed input fails with a clear error', async (t) => {
  t.throws(() => readPcapHeader(fixture.subarray(0, 10)), new PcapError('truncated global header: 10 of 24 bytes'));
  const bad = fixture.slice();
  bad.set([0x0a, 0x0d, 0x0d, 0x0a]);
  t.throws(() => captureBins(bad, 1), /bad magic 0x0a0d0d0a \(not a classic pcap file; pcapng is not supported\)/);
  t.throws(() => captureBins(fixture.subarray(0, 24 + 10), 1), /record 1 at byte 24: truncated record header \(10 of 16 bytes\)/);
  t.throws(() => captureBins(fixture.subarray(0, fixture.length - 5), 1), /record 7 at byte \d+: truncated data/);
  const huge = writePcap([{ seconds: 1, fraction: 0, data: new Uint8Array(4) }]);
  new DataView(huge.buffer).setUint32(24 + 8, 1 << 30, true);
  t.throws(() => captureBins(huge, 1), /captured length 1073741824 exceeds/);
  t.throws(() => captureBins(writePcap([{ seconds: 1, fraction: 0, data: new Uint8Array(40) }], { linktype: 105 }), 1), /link type 105 not supported/);
  t.throws(() => captureBins(fixture, 0), /bin length must be positive/);
  t.same(captureBins(fixture.subarray(0, 24), 1).bins, [], 'a header alone is an empty capture');
});

t.test('IPv4 extraction', async (t) => {
  const f = ethernetIpv4Frame(0x0a000001, 0xc0a80101);
  t.equal(ipv4Destination(1, f), 0xc0a80101);
  t.equal(ipv4Destination(101, f.subarray(14)), 0xc0a80101, 'raw IP');
  t.equal(ipv4Destination(1, f.subarray(0, 30)), undefined, 'runt');
  const v6 = f.slice();
  v6[12] = 0x86;
  v6[13] = 0xdd;
  t.equal(ipv4Destination(1, v6), undefined, 'IPv6 is not counted');
});
